"""gunicorn settings.

Every worker reads the search index, and with the embedded engine every worker also writes it:
each drains the outbox after its own writes. Writers take turns (tantivy's lock file), and
versions order their writes and removals, so two workers applying one row's changes never
leave an older state in the index (search/outbox.py). With Elasticsearch, `flask search
worker` drains instead; several workers may run.

Metrics: each worker counts into files of PROMETHEUS_MULTIPROC_DIR, which /metrics sums. It is
set here, before any worker imports prometheus_client (default: a private folder under the
system temp directory), and emptied at start so counts of a previous run never add up.
The master counts the workers that exited (crash, timeout, max_requests, reload): a worker it
had to replace.

Access log: off here, since the app writes one JSON line per request with its request id
(catalog/observability.py).
"""

import functools
import multiprocessing
import os
import tempfile
from pathlib import Path

workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 30
# Behind nginx, which keeps idle connections to the app for 60 s (deploy/nginx/qingdan.conf):
# gunicorn must not close one first, or a request nginx sends on it as it closes fails (502).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
graceful_timeout = 20
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qingdan-metrics-")
METRICS_DIRECTORY = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])


def on_starting(server):  # type: ignore[no-untyped-def]
    METRICS_DIRECTORY.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in METRICS_DIRECTORY.glob("*.db"):  # prometheus_client's files only
        stale.unlink()
    _warm_search()


def _warm_search():  # type: ignore[no-untyped-def]
    """Load the search dictionaries (jieba, pypinyin, synonyms: some 2.6 s) once, in the master,
    before it forks: every worker, the first ones and each that replaces one later (after a
    crash, a timeout or max_requests), starts with them loaded and answers its first search
    at once. The app itself still loads in each worker (no preload_app)."""
    from search.query import warm_up

    warm_up()


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
    _worker_restarts().inc()


@functools.cache
def _worker_restarts():  # type: ignore[no-untyped-def]
    """Made in the master on the first exit: imported after the metrics folder was set and emptied."""
    from prometheus_client import Counter

    return Counter(
        "qingdan_worker_restarts_total",
        "Workers that exited and were replaced (crash, timeout, max_requests, reload)",
    )
