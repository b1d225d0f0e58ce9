"""`jiuzhu manage assistance_payroll --county 360124 --month 2026-12`: generate a month's payroll.

The job ``assistance.payroll``, here in the foreground (``--background``: queued for `jiuzhu worker`).
"""

from __future__ import annotations

from typing import Any

from jiuzhu.apps.jobs.cli import CountyMonthJobCommand


class Command(CountyMonthJobCommand):
    help = "Generate the payroll of one county for one month (approval is a second person's, in the UI)"
    kind = "assistance.payroll"
    failed = "名册未生成 / the payroll was not generated"

    def summary(self, job: Any) -> str:
        r = job.result
        return (f"payroll {r['payroll']} {r['county']} {r['month']}: {r['lines']} lines, {r['total']} yuan, "
                f"{r['held']} held (job {job.pk})")
