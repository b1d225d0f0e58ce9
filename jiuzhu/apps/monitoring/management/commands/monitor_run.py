"""``jiuzhu manage monitor_run --full|--daily [--as-of D]``: a comparison run (then overdue escalation)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.monitoring.models import RunMode
from jiuzhu.apps.monitoring.services import comparison_run
from jiuzhu.rules.params import ParameterError


class Command(BaseCommand):
    help = "Run the early-warning comparison: --full (monthly) or --daily (incremental)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--full", action="store_true", help="every indicator over all data (monthly)")
        mode.add_argument("--daily", action="store_true", help="department data loaded since the last run")
        parser.add_argument("--as-of", help="YYYY-MM-DD (default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            as_of = dt.date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD") from None
        try:
            run = comparison_run(actor=None, mode=RunMode.FULL if options["full"] else RunMode.DAILY, as_of=as_of)
        except ParameterError as err:
            raise CommandError(f"{err.message_zh} / {err.message_en}") from err
        self.stdout.write(
            f"run {run.pk} ({run.mode}) as of {run.as_of}: {run.findings:,} findings, {run.raised:,} new warnings, "
            f"{run.already_open:,} already open, {run.already_seen:,} same facts seen before, "
            f"{run.escalated:,} overdue escalated, {run.seconds}s")
