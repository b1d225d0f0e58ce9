"""`jiuzhu manage assistance_adjust --county 360124 --month 2027-01`: the 调标 run of one county.

The job ``assistance.adjustment`` in the foreground (``--background``: queued for `jiuzhu worker`). It
lists the changed amounts; a second person approves them on the 调标 page.
"""

from __future__ import annotations

from typing import Any

from jiuzhu.apps.jobs.cli import CountyMonthJobCommand


class Command(CountyMonthJobCommand):
    help = "Recompute a county's entitlements from the determination as of a month (调标); approval is in the UI"
    kind = "assistance.adjustment"
    failed = "调标未完成 / the adjustment did not complete"

    def params(self, county: str, month: str) -> dict[str, Any]:
        return {"county": county, "month": month, "trigger": "命令行发起"}

    def scope_key(self, county: str, month: str) -> str | None:
        return f"{county}:{month}"

    def summary(self, job: Any) -> str:
        r = job.result
        return (f"adjustment {r['adjustment']} {r['county']} from {r['month']}: {r['entitlements']} entitlements, "
                f"{r['changed']} amounts changed, monthly difference {r['difference']} yuan (job {job.pk})")
