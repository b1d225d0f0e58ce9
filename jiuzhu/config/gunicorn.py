"""gunicorn settings for `make run` / `jiuzhu serve` (docs/operators.md "Production layout").

Workers sized to the machine: Django's request work is CPU-bound Python, so processes
(2 × cores + 1, at most 9) do the computing and a few threads per process cover the waiting
(database, disk).  Every value can be overridden from the environment.
"""

from __future__ import annotations

import multiprocessing
import os

_cores = multiprocessing.cpu_count()

bind = os.environ.get("JIUZHU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("JIUZHU_WEB_WORKERS", str(min(2 * _cores + 1, 9))))
worker_class = "gthread"
threads = int(os.environ.get("JIUZHU_WEB_THREADS", "4"))
# Nothing long runs in a request any more (jobs do); a request that takes this long is stuck.
timeout = int(os.environ.get("JIUZHU_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Idle keep-alive connections are closed after this many seconds.  Longer than a caseworker's pause
# between clicks (3–10 s): at 5 s the load test saw a few "connection reset" errors, a client
# reusing a connection at the moment gunicorn closed it.  gthread parks idle connections in its
# poller (no thread held), so a longer value costs little.
keepalive = int(os.environ.get("JIUZHU_WEB_KEEPALIVE", "20"))
# Recycle workers now and then (memory growth in long-lived processes), staggered.
max_requests = 5000
max_requests_jitter = 500
# Load the application once in the master and fork (faster start, shared memory).
preload_app = True
accesslog = os.environ.get("JIUZHU_ACCESS_LOG", "-") or None  # "" = no access log
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("JIUZHU_LOG_LEVEL", "warning").lower()
proc_name = "jiuzhu-web"
# Behind a reverse proxy on the same machine: trust its X-Forwarded-* headers from loopback only.
forwarded_allow_ips = os.environ.get("JIUZHU_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server: object, worker: object) -> None:
    # Connections opened in the master (preload) must not be shared between forked workers.
    from django.db import connections

    connections.close_all()


def when_ready(server: object) -> None:
    # Import every view (and the libraries they use) once in the master, before the workers fork,
    # so no caseworker waits ~2 s for a cold worker's first page.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - resolving loads the URLconf
