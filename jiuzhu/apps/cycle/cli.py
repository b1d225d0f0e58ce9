"""``jiuzhu cycle --month YYYY-MM --feeds DIR [--backend duckdb|spark] [--json] [--background]``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jiuzhu.apps.jobs.choices import JobState
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import JobRefused, job_start
from jiuzhu.apps.jobs.terminal import reporter

from .monthly import PROVINCE, clear_dead, parse_month, scope

EXIT = {JobState.DONE: 0, JobState.CANCELLED: 3}


def run(*, month: str, feeds: str, backend: str = "duckdb", as_json: bool = False, background: bool = False,
        out: Any = None) -> int:
    out = out or sys.stdout
    try:
        parse_month(month)
    except Exception as err:  # RefusedError: a readable message, no traceback
        print(f"{getattr(err, 'message_zh', err)} / {getattr(err, 'message_en', '')}", file=sys.stderr)
        return 2
    clear_dead(scope(month))  # a cycle of this month killed earlier (kill -9) is marked interrupted
    params = {"month": month, "feeds": str(Path(feeds).resolve()), "backend": backend}
    try:
        job = job_start(actor=None, kind="cycle.monthly", params=params, region_code=PROVINCE,
                        scope_key=scope(month), channel="cli", enqueue=background)
    except JobRefused as err:
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 2
    if background:
        print(f"job {job.pk} queued (cycle.monthly); `jiuzhu worker` runs it — follow it with `jiuzhu jobs`", file=out)
        return 0
    job = run_inline(job, reporter=None if as_json else reporter())
    if job.state != JobState.DONE:
        print(f"job {job.pk} {job.state}: {job.error_zh or ''} / {job.error_en or ''}".rstrip(" /"), file=sys.stderr)
        return EXIT.get(JobState(job.state), 1)
    result = job.result
    if as_json:
        print(json.dumps({"job": job.pk, "month": month, "backend": backend, "phases": result["phases"],
                          "total_seconds": result["total_seconds"]}, ensure_ascii=False), file=out)
        return 0
    print(f"monthly cycle {month} done (job {job.pk}), {result['total_seconds']:.1f} s:", file=out)
    for p in result["phases"]:
        note = "  (done before: skipped)" if p.get("skipped") else ""
        print(f"  {p['name']:<14} {p['seconds']:>9.1f} s {p['rows']:>12,} rows{note}", file=out)
    return 0
