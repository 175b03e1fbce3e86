"""gunicorn settings.

Every worker reads the search index, and with the embedded engine every worker also writes it:
each drains the outbox after its own writes. Writers take turns (tantivy's lock file), and
versions order their writes and removals, so two workers applying one row's changes never
leave an older state in the index (search/outbox.py). With Elasticsearch, `flask search
worker` drains instead; several workers may run.
"""
import multiprocessing
import os

workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
