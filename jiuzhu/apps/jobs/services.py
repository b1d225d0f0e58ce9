"""Writes of the jobs app: start, cancel, retry, and marking abandoned jobs.  Each is audited.

Starting a job only writes its row and its queue row (one transaction) and answers at once;
the work happens in the worker.  At most one job of a kind per scope is queued or running
(a partial unique constraint, so two simultaneous clicks cannot both start one): a second
start is refused with a message naming the running job.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import region_in_scope, require

from .choices import ACTIVE_STATES, RETRYABLE_STATES, JobState
from .context import config, log_entry, trim_log
from .kinds import get_kind
from .models import Job
from .runner import run_job, worker_alive

PROVINCE = "360000"


class JobRefused(RefusedError):
    """A start, cancel or retry that is not possible now; ``job`` is the job in the way, if any."""

    def __init__(self, code: str, message_zh: str, message_en: str, job: Job | None = None) -> None:
        super().__init__(code, message_zh, message_en)
        self.job = job


def _who(job: Job) -> str:
    return job.started_by.username if job.started_by_id else "命令行"


def _busy(job: Job) -> JobRefused:
    local = timezone.localtime(job.created_at)
    state = "排队中" if job.state == JobState.QUEUED else "运行中"
    return JobRefused(
        "busy",
        f"已有同类任务正在进行：任务 #{job.pk}「{job.kind_label}」（{_who(job)} 于 {local:%Y-%m-%d %H:%M} 启动，{state}）。"
        "请等待它完成，或先取消它。",
        f"A job of this kind is already {job.state} for this scope: job #{job.pk} ({job.kind}), started by "
        f"{job.started_by.username if job.started_by_id else 'the command line'} at {local:%Y-%m-%d %H:%M}. "
        "Wait for it to finish or cancel it first.",
        job)


def active_job(kind: str, scope_key: str) -> Job | None:
    return (Job.objects.select_related("started_by").filter(kind=kind, scope_key=scope_key, state__in=ACTIVE_STATES)
            .first())


def _enqueue(job: Job) -> None:

    job.task_id = str(run_job.enqueue(job.pk, job.attempt).id)
    job.save(update_fields=["task_id"])


def job_start(*, actor: Any, kind: str, params: dict[str, Any] | None = None, region_code: str | None = PROVINCE,
              scope_key: str | None = None, channel: str = "ui", enqueue: bool = True) -> Job:
    """Queue a job (or, with ``enqueue=False``, create it for ``runner.run_inline``); answers at once.

    *region_code*: the region the job works on (who may see it); *scope_key* (default: the
    region) — at most one active job per (kind, scope_key).
    """
    spec = get_kind(kind)
    params = json.loads(json.dumps(params or {}))  # JSON only: it is stored and handed to the worker
    if actor is not None:
        require(actor, spec.start_cap)
        if region_code and not region_in_scope(actor, region_code):
            raise JobRefused("scope", "该地区不在您的管辖范围内", "That region is outside your scope")
    scope = scope_key or region_code or "-"
    region_id = region_code if region_code and _region_exists(region_code) else None
    if (running := active_job(kind, scope)) is not None:
        audit("jobs.start_refused", actor=actor, object_type="job", object_id=running.pk, outcome="denied",
              kind=kind, scope=scope)
        raise _busy(running)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, params=params, scope_key=scope, region_id=region_id, channel=channel,
                started_by=actor if getattr(actor, "pk", None) else None,
                log=[log_entry("已提交", "queued")])
            if enqueue:
                _enqueue(job)
            audit("jobs.started", actor=actor, object_type="job", object_id=job.pk, kind=kind, scope=scope,
                  channel=channel, params=params)
    except IntegrityError:  # started at the same moment by someone else
        running = active_job(kind, scope)
        if running is None:
            raise
        raise _busy(running) from None
    return job


def _region_exists(code: str) -> bool:

    return Region.objects.filter(code=code).exists()


def _can_steer(actor: Any, job: Job) -> None:
    if actor is not None:
        require(actor, get_kind(job.kind).start_cap)


def job_cancel(*, actor: Any, job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next cancel point."""
    _can_steer(actor, job)
    with transaction.atomic():
        j = Job.objects.select_for_update().get(pk=job.pk)
        now = timezone.now()
        who = getattr(actor, "username", "") or "命令行"
        if j.state == JobState.QUEUED:
            j.state, j.finished_at = JobState.CANCELLED, now
            j.log = trim_log([*j.log, log_entry(f"{who} 取消了排队中的任务", f"{who} cancelled it while queued", now)])
        elif j.state == JobState.RUNNING:
            if j.cancel_requested:
                return j
            j.cancel_requested = True
            j.log = trim_log([*j.log, log_entry(f"{who} 请求取消，任务将在当前步骤结束后停止并撤销已写入的内容",
                                                f"{who} asked to cancel", now)])
        else:
            raise JobRefused("finished", f"任务已结束（{j.get_state_display()}），无法取消。",
                             f"The job has already ended ({j.state}); it cannot be cancelled.")
        j.save()
        audit("jobs.cancelled", actor=actor, object_type="job", object_id=j.pk, kind=j.kind, state=j.state)
    return j


def job_retry(*, actor: Any, job: Job) -> Job:
    """Queue a failed, cancelled or interrupted job again (the same job, next attempt)."""
    _can_steer(actor, job)
    mark_abandoned(only=job.pk)
    try:
        with transaction.atomic():
            j = Job.objects.select_for_update().get(pk=job.pk)
            if j.state not in RETRYABLE_STATES:
                raise JobRefused("not_retryable", f"任务当前为「{j.get_state_display()}」，不能重试。",
                                 f"The job is {j.state}; only failed, cancelled or interrupted jobs can be retried.")
            now = timezone.now()
            who = getattr(actor, "username", "") or "命令行"
            j.attempt += 1
            j.state, j.cancel_requested, j.finished_at = JobState.QUEUED, False, None
            j.error_zh = j.error_en = ""
            j.phase, j.done, j.total = "", 0, 0
            j.log = trim_log([*j.log, log_entry(f"{who} 重试（第 {j.attempt} 次）", f"{who} retried it (attempt {j.attempt})", now)])
            j.save()
            _enqueue(j)
            audit("jobs.retried", actor=actor, object_type="job", object_id=j.pk, kind=j.kind, attempt=j.attempt)
    except IntegrityError:
        running = active_job(job.kind, job.scope_key)
        if running is None:
            raise
        raise _busy(running) from None
    return j


def mark_abandoned(*, now: dt.datetime | None = None, only: int | None = None) -> list[int]:
    """Running jobs whose heartbeat is older than ``abandoned_after`` and whose worker is gone → abandoned.

    A worker on this host that is still alive (e.g. SQLite holding its heartbeat back during a
    long write) is left alone; a worker on another host is judged by its heartbeat alone.
    """
    now = now or timezone.now()
    limit = now - dt.timedelta(seconds=float(config("abandoned_after")))
    stale = Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=limit)
    if only is not None:
        stale = stale.filter(pk=only)
    marked = []
    for job in stale:
        if worker_alive(job.worker) is True:
            continue
        with transaction.atomic():
            n = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempt=job.attempt,
                                   heartbeat_at__lt=limit).update(
                state=JobState.ABANDONED, finished_at=now,
                error_zh="运行该任务的工作进程已中断（心跳超时），已写入的内容均未生效，可以重试。",
                error_en="The worker running this job stopped (no heartbeat); nothing it wrote took effect. "
                         "The job can be retried.",
                log=trim_log([*job.log, log_entry("心跳超时，标记为中断", "no heartbeat: interrupted", now)]))
            if n:
                _fail_queue_row(job.task_id)
                audit("jobs.abandoned", actor=None, object_type="job", object_id=job.pk, kind=job.kind,
                      attempt=job.attempt, worker=job.worker,
                      heartbeat_at=job.heartbeat_at.isoformat() if job.heartbeat_at else "")
                marked.append(job.pk)
    return marked


def _fail_queue_row(task_id: str) -> None:
    """The queue row of a dead attempt stays RUNNING in django-tasks-db; close it."""
    if not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now(), exception_class_path="jiuzhu.apps.jobs.Abandoned",
        traceback="worker lost (no heartbeat)")
