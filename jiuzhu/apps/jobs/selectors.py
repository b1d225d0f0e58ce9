"""Reads of the jobs app: the jobs a user may see, and a job's progress as the page shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jiuzhu.apps.core.scoping import region_filter, require

from .choices import JobState
from .context import config
from .kinds import KINDS, get_kind
from .models import Job

VIEW = "view_jobs"


def visible_kinds(user: Any) -> list[str]:
    return [k.key for k in KINDS.values() if user.has_capability(k.view_cap)]


def jobs_for(user: Any) -> QuerySet[Job]:
    """Jobs in the user's region (and those the user started) of kinds the user may see."""
    require(user, VIEW)
    qs = Job.objects.select_related("started_by", "region").filter(kind__in=visible_kinds(user))
    q = region_filter(user, "region")
    return qs if q is None else qs.filter(q | Q(started_by=user))


def job_get(user: Any, pk: int) -> Job:
    try:
        return jobs_for(user).get(pk=pk)
    except Job.DoesNotExist as exc:
        raise Http404 from exc


def can_steer(user: Any, job: Job) -> bool:
    kind = KINDS.get(job.kind)
    return kind is not None and user.has_capability(kind.start_cap)


@dataclass
class Progress:
    phase_label: Any
    done: int
    total: int
    percent: int | None  # overall, through the kind's phase weights; None = unknown
    elapsed: dt.timedelta | None
    remaining: dt.timedelta | None
    stale: bool  # running, but no heartbeat for longer than the abandoned limit


def progress(job: Job, now: dt.datetime | None = None) -> Progress:
    now = now or timezone.now()
    kind = KINDS.get(job.kind)
    phase = kind.phase(job.phase) if kind else None
    label = phase.label if phase else (job.phase or "")
    fraction = min(job.done / job.total, 1.0) if job.total else None
    percent: float | None = None
    if job.state == JobState.DONE:
        percent = 1.0
    elif kind and kind.phases and phase is not None:
        weights = [p.weight for p in kind.phases]
        before = sum(p.weight for p in kind.phases[:kind.phases.index(phase)])
        percent = (before + phase.weight * (fraction or 0.0)) / sum(weights)
    elif fraction is not None:
        percent = fraction
    end = job.finished_at or now
    elapsed = end - job.started_at if job.started_at else None
    remaining = None
    if (job.state == JobState.RUNNING and percent and 0.02 <= percent < 1.0 and elapsed
            and elapsed.total_seconds() >= 3):
        remaining = dt.timedelta(seconds=elapsed.total_seconds() * (1 - percent) / percent)
    stale = bool(job.state == JobState.RUNNING and job.heartbeat_at
                 and (now - job.heartbeat_at).total_seconds() > float(config("abandoned_after")))
    return Progress(label, job.done, job.total, None if percent is None else int(percent * 100), elapsed,
                    remaining, stale)


def result_link(job: Job) -> tuple[Any, str] | None:
    kind = KINDS.get(job.kind)
    if job.state != JobState.DONE or kind is None or kind.result_link is None:
        return None
    return kind.result_link(job.result)


def result_lines(job: Job) -> list[tuple[Any, Any]]:
    kind = KINDS.get(job.kind)
    if job.state != JobState.DONE or kind is None or kind.result_lines is None:
        return []
    return kind.result_lines(job.result)


def params_lines(job: Job) -> list[tuple[Any, Any]]:
    kind = KINDS.get(job.kind)
    if kind is None or kind.params_lines is None:
        return []
    return kind.params_lines(job.params)


def job_json(job: Job, url: str = "") -> dict[str, Any]:
    """The job as the API and `jiuzhu jobs --json` give it."""
    p = progress(job)
    return {
        "id": job.pk, "kind": job.kind, "label": str(job.kind_label), "state": job.state,
        "cancel_requested": job.cancel_requested, "attempt": job.attempt,
        "phase": job.phase, "phase_label": str(p.phase_label), "done": job.done, "total": job.total,
        "percent": p.percent, "region": job.region_id or "", "started_by": job.started_by.username if job.started_by_id else "",
        "channel": job.channel, "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at), "heartbeat_at": _iso(job.heartbeat_at),
        "elapsed_seconds": round(p.elapsed.total_seconds(), 1) if p.elapsed else None,
        "remaining_seconds": round(p.remaining.total_seconds()) if p.remaining else None,
        "params": job.params, "result": job.result, "error_zh": job.error_zh, "error_en": job.error_en,
        **({"url": url} if url else {}),
    }


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


__all__ = ["get_kind"]


def active_for(user: Any, *kinds: str) -> list[Job]:
    """Queued or running jobs of these kinds that the user may see (for the banner on the starting screens)."""
    if not user.has_capability(VIEW):
        return []
    return list(jobs_for(user).filter(kind__in=kinds, state__in=(JobState.QUEUED, JobState.RUNNING)))
