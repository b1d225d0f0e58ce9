"""`jiuzhu manage assistance_match`: match the registry against the programme matrix (batch).

The job ``assistance.matching``, here in the foreground with progress (``--background``: queued
for `jiuzhu worker`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiuzhu.apps.assistance.services import auto_enrol
from jiuzhu.apps.jobs.cli import run_cli


class Command(BaseCommand):
    help = "Match every low-income household of the latest determination run to the programme matrix"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--county", default=None, help="only this county (code)")
        parser.add_argument("--auto-enrol", action="store_true",
                            help="then enrol people missing a programme granted without application (免申即享)")
        parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            on = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-of must be YYYY-MM-DD") from exc
        if opts["background"] and opts["auto_enrol"]:
            raise CommandError("--auto-enrol needs the matching done: run it without --background")

        def summary(job: Any) -> str:
            r = job.result
            return (f"match run {r['run']}: {r['households']} households, {r['rows']} rows, {r['missing']} missing "
                    f"(job {job.pk})")

        code = run_cli("assistance.matching", {"as_of": on.isoformat(), "county": opts["county"],
                                               "determination_run": None},
                       region_code=opts["county"] or "360000", background=opts["background"], summary=summary,
                       out=self.stdout)
        if code:
            raise CommandError(f"匹配未完成 / the matching did not complete (exit {code})", returncode=code)
        if opts["auto_enrol"]:
            counts = auto_enrol(actor=None, as_of=on, county=opts["county"])
            self.stdout.write("enrolled without application: " + (", ".join(f"{k} {v}" for k, v in counts.items())
                                                                   or "nobody"))
