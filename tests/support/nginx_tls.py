"""nginx from Debian terminating TLS in front of a server, as a secured Elasticsearch looks to
the client: a CA and a server certificate generated here (openssl), and two listeners:

* ``basic_url``: HTTP basic auth, checked against an htpasswd line made here;
* ``api_key_url``: only ``Authorization: ApiKey <base64 of id:key>`` with the key made here
  (an nginx ``map`` compares the header; anything else is 401, as Elasticsearch answers).

Its access log records, per request, the user, the status and the ``X-Opaque-Id`` header, so
a test can see what the client sent. The certificate names 127.0.0.1 and localhost; a second,
unrelated CA (``wrong_ca_file``) is there to be refused.

nginx runs in the foreground of a child process (``daemon off``), loopback only, on free ports,
from a private folder it can read after dropping to ``nobody`` (when started as root), and is
stopped when the ``with`` block ends. nginx missing is an error that says how to install it.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.servers import free_port


class NginxStartError(RuntimeError):
    pass


@dataclass
class TlsProxy:
    basic_url: str
    api_key_url: str
    ca_file: Path
    wrong_ca_file: Path
    username: str
    password: str
    api_key: str  # "id:key", as ELASTICSEARCH_API_KEY takes it
    access_log: Path

    def logged(self, wanted: Callable[[str], bool], timeout: float = 5.0) -> bool:
        """Whether a line of the access log is ``wanted``, waiting for it a while.

        nginx writes a request's line after its last byte has left, so the client can hold
        the answer before the line is on disk (seen once in a busy CI run).
        """
        deadline = time.monotonic() + timeout
        while True:
            if any(wanted(line) for line in self.access_log.read_text().splitlines()):
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None
    )
    if not found:
        raise NginxStartError(
            "nginx is not installed: `make test-deps` installs it (Debian package nginx)"
        )
    return found


def _openssl(*arguments: str, cwd: Path) -> str:
    done = subprocess.run(
        ["openssl", *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise NginxStartError(f"openssl {' '.join(arguments)} failed:\n{done.stderr}")
    return done.stdout


# a new P-256 key, unencrypted: a test's throwaway CA and server
NEW_EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def _certificate_authority(folder: Path, name: str) -> None:
    _openssl(
        "req",
        "-x509",
        *NEW_EC_KEY,
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.pem",
        "-days",
        "2",
        "-subj",
        f"/CN=Qingdan test {name}",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )


def _server_certificate(folder: Path) -> None:
    _openssl(
        "req",
        *NEW_EC_KEY,
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
        cwd=folder,
    )
    (folder / "server.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        cwd=folder,
    )


def _configuration(
    folder: Path, upstream: str, basic_port: int, api_key_port: int, api_key_header: str
) -> str:
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    proxy = f"""
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";"""
    tls = f"""
        ssl_certificate {folder}/server.pem;
        ssl_certificate_key {folder}/server.key;"""
    return f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format qingdan '$server_port $remote_user "$request" $status opaque=$http_x_opaque_id';
    access_log {folder}/access.log qingdan;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    client_max_body_size 20m;
    map_hash_bucket_size 128;  # the API key header is longer than the default bucket
    map $http_authorization $api_key_accepted {{
        default 0;
        "{api_key_header}" 1;
    }}
    server {{
        listen 127.0.0.1:{basic_port} ssl;{tls}
        location / {{
            auth_basic "elasticsearch";
            auth_basic_user_file {folder}/htpasswd;{proxy}
        }}
    }}
    server {{
        listen 127.0.0.1:{api_key_port} ssl;{tls}
        location / {{
            if ($api_key_accepted = 0) {{ return 401; }}{proxy}
        }}
    }}
}}
"""


def _wait_for_tls(
    port: int, process: subprocess.Popen[bytes], folder: Path, timeout: float = 20
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NginxStartError(
                f"nginx exited with {process.returncode}:\n{_tail(folder / 'error.log')}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise NginxStartError(
        f"nginx did not listen on {port} within {timeout:.0f} s:\n{_tail(folder / 'error.log')}"
    )


def _tail(path: Path) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-20:])
    except OSError as error:
        return f"(cannot read {path}: {error})"


@contextmanager
def nginx_tls_proxy(upstream: str) -> Iterator[TlsProxy]:
    """nginx with TLS, basic auth and an API-key check in front of ``upstream`` (http://host:port)."""
    binary = nginx_binary()
    folder = Path(tempfile.mkdtemp(prefix="qingdan-nginx-"))
    os.chmod(folder, 0o755)  # the workers (nobody) read the htpasswd file per request
    process = None
    try:
        _certificate_authority(folder, "ca")
        _certificate_authority(folder, "wrong-ca")
        _server_certificate(folder)
        username, password = "qingdan", secrets.token_urlsafe(12)
        hashed = _openssl("passwd", "-apr1", password, cwd=folder).strip()
        (folder / "htpasswd").write_text(f"{username}:{hashed}\n")
        os.chmod(folder / "htpasswd", 0o644)
        api_key = f"{secrets.token_hex(8)}:{secrets.token_urlsafe(16)}"
        header = "ApiKey " + base64.b64encode(api_key.encode()).decode()
        basic_port, api_key_port = free_port(), free_port()
        config = folder / "nginx.conf"
        config.write_text(_configuration(folder, upstream, basic_port, api_key_port, header))
        process = subprocess.Popen(
            [
                binary,
                "-p",
                str(folder),
                "-c",
                str(config),
                "-e",
                str(folder / "error.log"),
                "-g",
                "daemon off;",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for port in (basic_port, api_key_port):
            _wait_for_tls(port, process, folder)
        yield TlsProxy(
            basic_url=f"https://127.0.0.1:{basic_port}",
            api_key_url=f"https://127.0.0.1:{api_key_port}",
            ca_file=folder / "ca.pem",
            wrong_ca_file=folder / "wrong-ca.pem",
            username=username,
            password=password,
            api_key=api_key,
            access_log=folder / "access.log",
        )
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful: the master stops its worker
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        shutil.rmtree(folder, ignore_errors=True)
