"""What a job's code sees: ``ctx.phase(...)``, ``ctx.progress(done, total)``, ``ctx.log(...)``,
``ctx.check_cancelled()`` and ``with ctx.commit(): …``.

- Progress, phase and log are kept in memory and written to the job row by a *pulse*: a thread
  with its own database connection, every ``JIUZHU_JOBS["heartbeat_seconds"]``.  So the page
  shows progress even while the job's own transaction is open, and the heartbeat keeps going
  while one chunk takes long.  When the caller already holds a transaction (a test, a command
  inside ``atomic``) the pulse runs inline on progress calls instead: another connection could
  not see the job row.
- Cancelling is cooperative: ``progress()`` and ``check_cancelled()`` are the points where a
  cancel request (read by the pulse) raises ``JobCancelled``.
- ``commit()`` is the one transaction in which a job writes its results.  At its end the job row
  is locked and checked — still running, same attempt, no cancel request — and marked ``done``
  in the same transaction.  Cancelled, failed, killed or superseded attempts therefore leave
  nothing visible, and a retry after a crash writes its results exactly once.
- ``JIUZHU_JOBS_DIE_AFTER=N`` (fault tests only) kills the process with SIGKILL at the N-th
  ``progress()`` call, as ``JIUZHU_EXCHANGE_DIE_AFTER`` does for imports; ``PHASE:N`` at the
  N-th call within that phase (e.g. ``store:1``: rows inserted, transaction not committed).
  ``JIUZHU_JOBS_TEST_PAUSE=PHASE:SECONDS`` (browser tests only) holds the job at the start of a
  phase, checking for a cancel request, so that a journey can watch and cancel a running job.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation

from .choices import JobState
from .kinds import JobKind, get_kind
from .models import Job

logger = logging.getLogger("jiuzhu.jobs")
LOG_LIMIT = 40  # entries kept on the job (the first one and the latest ones)

# (phase label, done, total) — a command's progress bar or plain progress lines.
Reporter = Callable[[str, int, int], None]


class JobCancelled(Exception):  # noqa: N818 - the domain's word
    """Raised at a cancel point after someone asked to cancel the job."""


class JobSuperseded(Exception):  # noqa: N818
    """This attempt lost its job (marked abandoned and retried elsewhere): its writes roll back."""


def config(key: str) -> Any:
    return settings.JIUZHU_JOBS[key]


def log_entry(message_zh: str, message_en: str = "", at: dt.datetime | None = None) -> dict[str, str]:
    """One line of a job's log: local time, the message in Chinese and (for the English screens) English."""
    return {"at": timezone.localtime(at or timezone.now()).isoformat(timespec="seconds"), "msg": message_zh[:300],
            "en": (message_en or message_zh)[:300]}


def trim_log(entries: list[dict[str, str]]) -> list[dict[str, str]]:
    return entries if len(entries) <= LOG_LIMIT else [entries[0], *entries[-(LOG_LIMIT - 1):]]


class JobContext:
    """Handed to a job's function; see the module docstring."""

    def __init__(self, job: Job, *, reporter: Reporter | None = None) -> None:
        self.job = job
        self.job_id, self.attempt = job.pk, job.attempt
        self.kind: JobKind = get_kind(job.kind)
        self.params: dict[str, Any] = dict(job.params)
        self.actor = job.started_by
        self.reporter = reporter
        self.committed = False
        self._result: dict[str, Any] = {}
        self._lock = threading.RLock()  # take_pending() is also called with it held
        self._phase, self._done, self._total = job.phase, job.done, job.total
        self._phase_started = timezone.now()
        self._pending: list[dict[str, str]] = []  # log lines not yet appended to the job row
        self._dirty: set[str] = set()
        self._cancel = threading.Event()
        self._superseded = threading.Event()
        die = os.environ.get("JIUZHU_JOBS_DIE_AFTER", "") or ""
        self._die_phase, _, n = die.rpartition(":")
        self._die_after = int(n or 0)
        self._ticks = 0
        self._last_flush = 0.0
        self._pulse: _Pulse | None = None

    # ------------------------------------------------------------------ the job's API

    def phase(self, key: str, total: int = 0) -> None:
        """Start a phase (one of the kind's declared phases); progress restarts at 0 of *total*."""
        spec = self.kind.phase(key)
        with translation.override("zh-hans"):
            label_zh = str(spec.label) if spec else key
        with translation.override("en"):
            label_en = str(spec.label) if spec else key
        with self._lock:
            self._phase, self._done, self._total = key, 0, max(int(total), 0)
            self._phase_started = timezone.now()
            if self._die_phase:
                self._ticks = 0
            self._pending.append(log_entry(label_zh, label_en))
            self._dirty |= {"phase", "done", "total", "log"}
        self._report()
        self._maybe_flush(force=True)
        self.check_cancelled()
        self._test_pause(key)

    def _test_pause(self, key: str) -> None:
        phase, _, seconds = (os.environ.get("JIUZHU_JOBS_TEST_PAUSE", "") or "").rpartition(":")
        if phase == key and seconds:
            until = time.monotonic() + float(seconds)
            while time.monotonic() < until:
                time.sleep(0.2)
                self.check_cancelled()

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress in the current phase; also a cancel point (call it between chunks)."""
        with self._lock:
            self._done = int(done)
            if total is not None:
                self._total = int(total)
            self._dirty |= {"done", "total"}
        self._report()
        self._tick()
        self._maybe_flush()
        self.check_cancelled()

    def log(self, message_zh: str, message_en: str = "") -> None:
        """A short line for the job's log (no personal data: it is shown to everyone who sees the job)."""
        with self._lock:
            self._pending.append(log_entry(message_zh, message_en))
            self._dirty.add("log")

    def check_cancelled(self) -> None:
        if self._pulse is None:
            self._maybe_flush()
        if self._superseded.is_set():
            raise JobSuperseded(f"job {self.job_id} attempt {self.attempt} was superseded")
        if self._cancel.is_set():
            raise JobCancelled(f"job {self.job_id} cancelled")

    @property
    def current_phase(self) -> str:
        return self._phase

    def set_result(self, result: dict[str, Any]) -> None:
        """The result summary (JSON) stored with ``done``; call it inside ``commit()``."""
        self._result = dict(result)

    @contextmanager
    def commit(self) -> Iterator[JobContext]:
        """The job's one writing transaction; it ends by marking the job done (see the module docstring)."""
        self.check_cancelled()
        with transaction.atomic():
            yield self
            job = Job.objects.select_for_update().get(pk=self.job_id)
            if job.state != JobState.RUNNING or job.attempt != self.attempt:
                raise JobSuperseded(f"job {self.job_id} is {job.state}, attempt {job.attempt}")
            if job.cancel_requested:
                raise JobCancelled(f"job {self.job_id} cancelled")
            now = timezone.now()
            with self._lock:
                job.phase, job.done, job.total = self._phase, self._done, self._total
                job.log = trim_log([*job.log, *self.take_pending(), log_entry("完成", "done", now)])
                self._dirty.clear()
            job.state, job.finished_at, job.heartbeat_at = JobState.DONE, now, now
            job.result = self._result
            job.save(update_fields=["phase", "done", "total", "log", "state", "finished_at", "heartbeat_at",
                                    "result"])
            self.committed = True
            self.job = job

    # ------------------------------------------------------------------ plumbing

    def _report(self) -> None:
        if self.reporter is not None:
            kind_phase = self.kind.phase(self._phase)
            self.reporter(str(kind_phase.label if kind_phase else self._phase), self._done, self._total)

    def _tick(self) -> None:
        if self._die_phase and self._die_phase != self._phase:
            return
        self._ticks += 1
        if self._die_after and self._ticks >= self._die_after:
            logger.warning("JIUZHU_JOBS_DIE_AFTER=%s reached: SIGKILL", self._die_after)
            os.kill(os.getpid(), signal.SIGKILL)

    def _maybe_flush(self, force: bool = False) -> None:
        """Inline pulse (no thread): write progress and read the cancel flag, at most every heartbeat."""
        if self._pulse is not None:
            return
        now = time.monotonic()
        if force or now - self._last_flush >= min(1.0, config("heartbeat_seconds")):
            self._last_flush = now
            self.flush()

    def take_pending(self) -> list[dict[str, str]]:
        """The log lines not yet written (the caller appends them to the row it holds locked)."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._dirty.discard("log")
        return pending

    def flush(self) -> None:
        """Write heartbeat, phase and progress, append new log lines; read the cancel request.

        Log lines are appended under the row's lock: a cancel or retry (another connection) appends
        its own lines to the same log, and neither may overwrite the other's.
        """
        with self._lock:
            fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
            if "phase" in self._dirty:
                fields["phase"], fields["phase_started_at"] = self._phase, self._phase_started
            if self._dirty & {"done", "total"}:
                fields["done"], fields["total"] = self._done, self._total
            self._dirty -= {"phase", "done", "total"}
        mine = Job.objects.filter(pk=self.job_id, state=JobState.RUNNING, attempt=self.attempt)
        with transaction.atomic():
            row = mine.select_for_update().values("log", "cancel_requested").first()
            if row is None:
                self._superseded.set()
                return
            pending = self.take_pending()
            if pending:
                fields["log"] = trim_log([*row["log"], *pending])
            mine.update(**fields)
        if row["cancel_requested"]:
            self._cancel.set()

    def start_pulse(self) -> None:
        """Heartbeats from a thread, unless the caller holds a transaction (then inline)."""
        if connection.in_atomic_block:
            self._maybe_flush(force=True)
            return
        self.flush()
        self._pulse = _Pulse(self, float(config("heartbeat_seconds")))
        self._pulse.start()

    def stop_pulse(self) -> None:
        if self._pulse is not None:
            self._pulse.stop()
            self._pulse = None


class _Pulse(threading.Thread):
    """The heartbeat thread of one running job (its own database connection, closed at the end)."""

    def __init__(self, ctx: JobContext, interval: float) -> None:
        super().__init__(name=f"job-{ctx.job_id}-pulse", daemon=True)
        self.ctx, self.interval = ctx, interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    self.ctx.flush()
                except DatabaseError as err:  # e.g. SQLite busy during the job's long write: next time
                    logger.info("job %s heartbeat skipped: %s", self.ctx.job_id, err)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
