"""A job record in a given state, for fixtures of run models (determination, comparison, matching runs)."""

from __future__ import annotations

from typing import Any


def job_record(kind: str, state: str = "done", **params: Any) -> Any:
    from django.utils import timezone

    from jiuzhu.apps.jobs.models import Job

    now = timezone.now()
    return Job.objects.create(kind=kind, params=params, scope_key=f"fixture-{Job.objects.count()}", state=state,
                              started_at=now, finished_at=None if state in ("queued", "running") else now,
                              heartbeat_at=now)
