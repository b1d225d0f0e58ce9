"""`jiuzhu worker`: run the queue (django-tasks-db's worker loop) and look after abandoned jobs.

On PostgreSQL workers claim queue rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (several workers,
on several machines, never run the same job); on SQLite with an exclusive transaction.  A
worker that starts (or restarts) first marks the jobs of dead workers abandoned, then picks up
whatever is queued.  Ctrl-C (SIGINT/SIGTERM) lets the running job finish; a second one stops it
(the job is then recorded as failed and can be retried).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from typing import TextIO

from django.db import DatabaseError, connections

from .context import config
from .files import sweep_exports
from .services import mark_abandoned

logger = logging.getLogger("jiuzhu.jobs")


class _Sweeper(threading.Thread):
    """Marks jobs of dead workers abandoned, every few heartbeats (own connection)."""

    def __init__(self, period: float) -> None:
        super().__init__(name="jobs-sweeper", daemon=True)
        self.period = period
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.period):
                try:
                    for pk in mark_abandoned():
                        logger.warning("job %s: no heartbeat, marked interrupted (retry it: jiuzhu jobs --retry %s)",
                                       pk, pk)
                    sweep_exports()
                except DatabaseError as err:
                    logger.info("abandoned-job sweep skipped: %s", err)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()


def _log_to(stream: TextIO, verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    for name in ("django_tasks_db", "django_tasks", "jiuzhu.jobs"):
        log = logging.getLogger(name)
        log.setLevel(level)
        if not any(getattr(h, "_jiuzhu_worker", False) for h in log.handlers):
            handler = logging.StreamHandler(stream)
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
            handler._jiuzhu_worker = True  # type: ignore[attr-defined]
            log.addHandler(handler)
            log.propagate = False


def serve(*, interval: float = 1.0, once: bool = False, max_jobs: int | None = None, verbosity: int = 1,
          stream: TextIO = sys.stdout) -> int:
    """Run queued jobs until stopped (or, with *once*, until the queue is empty)."""
    from django_tasks_db.management.commands.db_worker import Worker

    _log_to(stream, verbosity)
    worker_id = f"{socket.gethostname()}:{os.getpid()}"[:64]
    for pk in mark_abandoned():
        logger.warning("job %s: its worker is gone, marked interrupted", pk)
    sweeper = _Sweeper(max(float(config("heartbeat_seconds")) * 2, 1.0))
    sweeper.start()
    worker = Worker(queue_names=["default"], interval=interval, batch=once, backend_name="default",
                    startup_delay=False, max_tasks=max_jobs, worker_id=worker_id, excluded_queue_names=[])
    worker.configure_signals()
    logger.info("jiuzhu worker %s: waiting for jobs (Ctrl-C stops after the running job)", worker_id)
    try:
        worker.run()
    finally:
        sweeper.stop()
        worker.reset_signals()
    return 0
