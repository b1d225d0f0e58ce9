"""The command line's side of jobs: run a job in the foreground (progress bar) or queue it, list jobs.

Called by ``jiuzhu.cli`` after Django is set up.  Exit codes of a foreground run: 0 done,
1 failed, 2 refused (e.g. one of the same kind is running), 3 cancelled or interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .choices import JobState
from .models import Job
from .runner import run_inline
from .selectors import job_json
from .services import JobRefused, job_cancel, job_retry, job_start
from .terminal import reporter

EXIT = {JobState.DONE: 0, JobState.FAILED: 1, JobState.CANCELLED: 3, JobState.ABANDONED: 3}


def run_cli(kind: str, params: dict[str, Any], *, region_code: str | None = "360000", scope_key: str | None = None,
            background: bool = False, summary: Callable[[Job], str] | None = None, out: Any = None) -> int:
    """Start *kind* as a job from the command line: in this process with progress, or queued (--background).

    The outcome line goes to *out* (default stdout; a management command passes its own).
    """
    out = out or sys.stdout

    try:
        job = job_start(actor=None, kind=kind, params=params, region_code=region_code, scope_key=scope_key,
                        channel="cli", enqueue=background)
    except JobRefused as err:
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 2
    if background:
        print(f"job {job.pk} queued ({kind}); `jiuzhu worker` runs it — follow it with `jiuzhu jobs`", file=out)
        return 0
    try:
        job = run_inline(job, reporter=reporter())
    except KeyboardInterrupt:
        print(f"\ninterrupted: job {job.pk} keeps nothing it wrote; retry it with `jiuzhu jobs --retry {job.pk}`",
              file=sys.stderr)
        return 3
    if job.state == JobState.DONE:
        print(summary(job) if summary else f"job {job.pk} done: {json.dumps(job.result, ensure_ascii=False)}", file=out)
    else:
        print(f"job {job.pk} {job.state}: {job.error_zh or ''} / {job.error_en or ''}".rstrip(" /"), file=sys.stderr)
    return EXIT.get(JobState(job.state), 1)


def list_jobs(*, as_json: bool = False, state: str = "", kind: str = "", limit: int = 50) -> int:

    qs = Job.objects.select_related("started_by", "region")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    jobs = list(qs[:limit])
    if as_json:
        print(json.dumps([job_json(j) for j in jobs], ensure_ascii=False, indent=1))
        return 0
    print(f"{'id':>5}  {'kind':<24} {'state':<10} {'phase':<10} {'done/total':>21}  {'queued':<16}  by")
    for j in jobs:
        amount = f"{j.done:,}/{j.total:,}" if j.total else ""
        flag = " (cancelling)" if j.cancel_requested and j.is_active else ""
        print(f"{j.pk:>5}  {j.kind:<24} {j.state:<10} {j.phase:<10} {amount:>21}  "
              f"{j.created_at:%Y-%m-%d %H:%M}  {j.started_by.username if j.started_by else 'cli'}{flag}")
        if j.error_en and j.state != JobState.DONE:
            print(f"       {j.error_zh} / {j.error_en}")
    return 0


def steer(*, retry: int | None = None, cancel: int | None = None) -> int:

    pk = retry if retry is not None else cancel
    job = Job.objects.filter(pk=pk).first()
    if job is None:
        print(f"no job {pk}", file=sys.stderr)
        return 2
    try:
        job = job_retry(actor=None, job=job) if retry is not None else job_cancel(actor=None, job=job)
    except JobRefused as err:
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 2
    what = f"queued again (attempt {job.attempt})" if retry is not None else (
        "cancelled" if job.state == JobState.CANCELLED else "asked to stop")
    print(f"job {job.pk} {what}")
    return 0


class CountyMonthJobCommand(BaseCommand):
    """A management command that runs one county-month job (``--county``, ``--month YYYY-MM``,
    ``--background``): the payroll and the 调标 run share it; each names its kind, its outcome line
    and the message when it does not complete."""

    kind = ""
    failed = ""  # "名册未生成 / the payroll was not generated"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True)
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")

    def params(self, county: str, month: str) -> dict[str, Any]:
        return {"county": county, "month": month}

    def scope_key(self, county: str, month: str) -> str | None:
        return None

    def summary(self, job: Job) -> str:
        raise NotImplementedError

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            month = f"{dt.date.fromisoformat(str(opts['month']) + '-01'):%Y-%m}"
        except ValueError as exc:
            raise CommandError("--month must be YYYY-MM") from exc
        county = opts["county"]
        code = run_cli(self.kind, self.params(county, month), region_code=county,
                       scope_key=self.scope_key(county, month), background=opts["background"],
                       summary=self.summary, out=self.stdout)
        if code:
            raise CommandError(f"{self.failed} (exit {code})", returncode=code)
