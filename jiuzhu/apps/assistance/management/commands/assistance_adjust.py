"""`jiuzhu manage assistance_adjust --county 360124 --month 2027-01`: the 调标 run of one county.

The job ``assistance.adjustment`` in the foreground (``--background``: queued for `jiuzhu worker`). It
lists the changed amounts; a second person approves them on the 调标 page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.jobs.cli import run_cli


class Command(BaseCommand):
    help = "Recompute a county's entitlements from the determination as of a month (调标); approval is in the UI"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True)
        parser.add_argument("--month", required=True, help="the effective month, YYYY-MM")
        parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            month = dt.date.fromisoformat(f"{opts['month']}-01")
        except ValueError as exc:
            raise CommandError("--month must be YYYY-MM") from exc

        def summary(job: Any) -> str:
            r = job.result
            return (f"adjustment {r['adjustment']} {r['county']} from {r['month']}: {r['entitlements']} entitlements, "
                    f"{r['changed']} amounts changed, monthly difference {r['difference']} yuan (job {job.pk})")

        code = run_cli("assistance.adjustment",
                       {"county": opts["county"], "month": f"{month:%Y-%m}", "trigger": "命令行发起"},
                       region_code=opts["county"], scope_key=f"{opts['county']}:{month:%Y-%m}",
                       background=opts["background"], summary=summary, out=self.stdout)
        if code:
            raise CommandError(f"调标未完成 / the adjustment did not complete (exit {code})", returncode=code)
