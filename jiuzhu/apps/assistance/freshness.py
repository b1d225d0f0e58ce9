"""Keeping the people-to-serve list (应享救助名单) current (issue 13 item 5).

The list is the latest matching run's rows.  It is recomputed by the job ``assistance.matching``
queued after each determination run is stored and after each committed department file that
adds assistance records (``core.hooks`` events ``determination.stored`` / ``exchange.committed``);
debounced by the jobs layer (one queued or running matching per scope: a second start is refused,
and the queued one reads the newest data when it runs).  ``freshness`` says how current it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.exchange.models import ImportBatch
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import JobRefused, job_start

from .models import MatchRun

KIND = "assistance.matching"
PROVINCE = "360000"
ACTIVE = ("queued", "running")


def refresh_start(*, reason: str) -> Any:
    """Queue the registry-wide matching unless one is already queued or running (returns the job or None)."""
    if not settings.JIUZHU_JOBS.get("follow_ups", True):
        return None  # switched off by the operator (JIUZHU_JOBS_FOLLOW_UPS=0)
    try:
        return job_start(actor=None, kind=KIND, region_code=PROVINCE, channel="system",
                         params={"as_of": timezone.localdate().isoformat(), "county": None,
                                 "determination_run": None, "reason": reason})
    except JobRefused:
        return None  # debounced: the queued (or running) one serves


def on_determination_stored(**_: Any) -> None:
    """``core.hooks`` listener: a determination run was stored → the list follows (after the commit)."""
    transaction.on_commit(lambda: refresh_start(reason="determination"))


def on_import_committed(*, counts: dict[str, int] | None = None, **_: Any) -> None:
    """``core.hooks`` listener: a department file was committed; assistance records (added or removed) are
    matching inputs."""
    if counts and (counts.get("assistance", 0) > 0 or counts.get("chain_removed", 0) > 0):
        transaction.on_commit(lambda: refresh_start(reason="import"))


def refresh_now() -> MatchRun | None:
    """The demo and commands: run the queued refresh (or a new one) in this process."""
    job = Job.objects.filter(kind=KIND, state="queued", scope_key=PROVINCE).order_by("id").first() \
        or refresh_start(reason="demo")
    if job is None:
        return None
    job = run_inline(job)
    return MatchRun.objects.filter(job=job).first()


def freshness(now: dt.datetime | None = None) -> dict[str, Any]:
    """How current the list is: the run it shows, its data time and computing time, and why it may be stale."""
    now = now or timezone.now()
    run = MatchRun.objects.completed().filter(county="").select_related("job", "determination_run") \
        .order_by("-id").first()
    latest = DeterminationRun.objects.completed().order_by("-id").first()
    pending = Job.objects.filter(kind=KIND, state__in=ACTIVE).order_by("id").first()
    stale: list[str] = []
    computed_at = run.finished_at if run is not None else None
    if run is not None:
        if latest is not None and run.determination_run_id != latest.pk:
            stale.append(f"名单计算后有新的认定结果（{latest.as_of:%Y-%m-%d}）")
        if computed_at is not None and ImportBatch.objects.filter(state="committed",
                                                                  finished_at__gt=computed_at).exists():
            stale.append("名单计算后有新导入的部门数据")
    hours = int((now - computed_at).total_seconds() // 3600) if computed_at else None
    if run is None:
        level = "never"
    elif stale:
        level = "stale"
    else:
        level = "current"
    return {"run": run, "as_of": run.as_of if run else None,
            "determination": run.determination_run if run else None, "computed_at": computed_at,
            "hours": hours, "stale": stale, "level": level, "pending": pending}
