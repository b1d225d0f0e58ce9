"""`jiuzhu manage assistance_payroll --county 360124 --month 2026-12`: generate a month's payroll.

The job ``assistance.payroll``, here in the foreground (``--background``: queued for `jiuzhu worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.jobs.cli import run_cli


class Command(BaseCommand):
    help = "Generate the payroll of one county for one month (approval is a second person's, in the UI)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True)
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            month = dt.date.fromisoformat(f"{opts['month']}-01")
        except ValueError as exc:
            raise CommandError("--month must be YYYY-MM") from exc

        def summary(job: Any) -> str:
            r = job.result
            return (f"payroll {r['payroll']} {r['county']} {r['month']}: {r['lines']} lines, {r['total']} yuan, "
                    f"{r['held']} held (job {job.pk})")

        code = run_cli("assistance.payroll", {"county": opts["county"], "month": f"{month:%Y-%m}"},
                       region_code=opts["county"], background=opts["background"], summary=summary, out=self.stdout)
        if code:
            raise CommandError(f"名册未生成 / the payroll was not generated (exit {code})", returncode=code)
