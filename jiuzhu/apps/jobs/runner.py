"""Running a job: claim it, call its kind's function with a ``JobContext``, record how it ended.

``run_job`` is the one django-tasks task: the worker (`jiuzhu worker`) claims its queue row and
calls it with the job's id and attempt.  ``run_inline`` runs the same thing in the foreground
of a command, with a progress bar.  Whatever the code raises, the job ends ``failed`` with a
readable message in Chinese and English — never a stuck ``running``.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from .choices import JobState
from .context import JobCancelled, JobContext, JobSuperseded, Reporter, log_entry, trim_log
from .kinds import get_kind
from .models import Job

logger = logging.getLogger("jiuzhu.jobs")
_LONG_DIGITS = re.compile(r"\d{14,}[\dXx]?")  # never an ID or account number in a message


def worker_identity(pid: int | None = None) -> str:
    """host:pid:start-ticks — enough to tell whether the process that ran a job is still alive."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_start_ticks(pid)}"


def process_start_ticks(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc), '' where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except OSError:
        return ""
    fields = stat[stat.rfind(")") + 2:].split()
    if fields and fields[0] in ("Z", "X"):  # a zombie is dead
        return ""
    return fields[19] if len(fields) > 19 else ""


def worker_alive(identity: str) -> bool | None:
    """True/False when the worker ran on this host (pid and start time checked); None elsewhere."""
    try:
        host, pid, ticks = identity.rsplit(":", 2)
    except ValueError:
        return None
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return bool(ticks) and process_start_ticks(int(pid)) == ticks


def describe_error(err: BaseException) -> tuple[str, str]:
    """(Chinese, English) message for a job that raised."""
    zh, en = getattr(err, "message_zh", None), getattr(err, "message_en", None)
    if isinstance(zh, str) and isinstance(en, str) and zh:
        pass
    elif isinstance(err, ValidationError):
        with translation.override("zh-hans"):
            zh = "；".join(str(m) for m in err.messages)
        with translation.override("en"):
            en = "; ".join(str(m) for m in err.messages)
    else:
        detail = _LONG_DIGITS.sub("****", str(err))[:300]
        name = type(err).__name__
        zh = f"任务执行出错（{name}）：{detail}。已写入的内容均已撤销，可在排除原因后重试；详情见服务器日志。"
        en = f"The job failed ({name}): {detail}. Nothing it wrote was kept; retry once the cause is fixed (details in the server log)."
    return _LONG_DIGITS.sub("****", zh)[:500], _LONG_DIGITS.sub("****", en)[:500]


def _claim(job_id: int, attempt: int) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update(of=("self",)).select_related("started_by").filter(pk=job_id).first()
        if job is None or job.attempt != attempt or job.state != JobState.QUEUED:
            return None  # cancelled while queued, or superseded by a retry: nothing to do
        now = timezone.now()
        job.state, job.started_at, job.heartbeat_at, job.finished_at = JobState.RUNNING, now, now, None
        job.worker = worker_identity()
        job.phase, job.done, job.total, job.phase_started_at = "", 0, 0, now
        job.log = trim_log([*job.log, log_entry(f"开始运行（第 {attempt} 次）", f"started (attempt {attempt})", now)])
        job.save()
    return job


def _finish(ctx: JobContext, state: str, message: tuple[str, str], error: tuple[str, str] = ("", "")) -> None:
    """End this attempt (cancelled / failed) unless it was superseded meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=ctx.job_id)
        if job.state != JobState.RUNNING or job.attempt != ctx.attempt:
            return
        with ctx._lock:
            job.phase, job.done, job.total = ctx._phase, ctx._done, ctx._total
        job.log = trim_log([*job.log, *ctx.take_pending(), log_entry(*message, at=now)])
        job.state, job.finished_at, job.heartbeat_at = state, now, now
        job.error_zh, job.error_en = error
        job.cancel_requested = job.cancel_requested or state == JobState.CANCELLED
        job.save()


def execute(job_id: int, attempt: int, *, reporter: Reporter | None = None) -> str:
    """Run one attempt of a job to its end; returns the state it ended in ('skipped' if not claimed)."""
    job = _claim(job_id, attempt)
    if job is None:
        return "skipped"
    kind = get_kind(job.kind)
    ctx = JobContext(job, reporter=reporter)
    ctx.start_pulse()
    try:
        result = kind.func(ctx, **job.params)
        if not ctx.committed:
            with ctx.commit():
                ctx.set_result(result or {})
        return JobState.DONE
    except JobCancelled:
        _finish(ctx, JobState.CANCELLED, ("已取消，未保留任何结果", "cancelled, nothing kept"))
        return JobState.CANCELLED
    except JobSuperseded:
        logger.warning("job %s attempt %s was superseded; its writes were rolled back", job_id, attempt)
        return "superseded"
    except Exception as err:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(ctx, JobState.FAILED, ("出错停止", "failed"), describe_error(err))
        return JobState.FAILED
    except BaseException:  # the worker is being stopped (second Ctrl-C, SystemExit)
        _finish(ctx, JobState.FAILED, ("工作进程被停止", "the worker was stopped"),
                ("工作进程在任务完成前被停止，已写入的内容均已撤销，可重试。",
                 "The worker was stopped before the job finished; nothing it wrote was kept. Retry it."))
        raise
    finally:
        ctx.stop_pulse()


@task()
def run_job(job_id: int, attempt: int) -> dict[str, Any]:
    """The queue's one task: run attempt *attempt* of job *job_id* (see ``execute``)."""
    return {"job": job_id, "attempt": attempt, "state": str(execute(job_id, attempt))}


def run_inline(job: Job, *, reporter: Reporter | None = None) -> Job:
    """Run a queued job in this process (a command's foreground); returns it as it ended."""
    execute(job.pk, job.attempt, reporter=reporter)
    job.refresh_from_db()
    return job
