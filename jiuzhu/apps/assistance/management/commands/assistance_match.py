"""`jiuzhu manage assistance_match`: match the registry against the programme matrix (batch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jiuzhu.apps.assistance.matching import run_matching
from jiuzhu.apps.assistance.services import auto_enrol


class Command(BaseCommand):
    help = "Match every low-income household of the latest determination run to the programme matrix"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: today)")
        parser.add_argument("--county", default=None, help="only this county (code)")
        parser.add_argument("--auto-enrol", action="store_true",
                            help="then enrol people missing a programme granted without application (免申即享)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            on = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-of must be YYYY-MM-DD") from exc
        run = run_matching(actor=None, as_of=on, county=opts["county"])
        self.stdout.write(f"match run {run.pk}: {run.households} households, {run.rows} rows, "
                          f"{run.missing} missing, {run.seconds} s")
        if opts["auto_enrol"]:
            counts = auto_enrol(actor=None, as_of=on, county=opts["county"])
            self.stdout.write("enrolled without application: " + (", ".join(f"{k} {v}" for k, v in counts.items())
                                                                   or "nobody"))
