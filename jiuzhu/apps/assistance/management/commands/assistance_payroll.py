"""`jiuzhu manage assistance_payroll --county 360124 --month 2026-12`: generate a month's payroll."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jiuzhu.apps.assistance.payroll import PayrollError, generate_payroll


class Command(BaseCommand):
    help = "Generate the payroll of one county for one month (approval is a second person's, in the UI)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--county", required=True)
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            month = dt.date.fromisoformat(f"{opts['month']}-01")
        except ValueError as exc:
            raise CommandError("--month must be YYYY-MM") from exc
        try:
            p = generate_payroll(actor=None, county=opts["county"], month=month)
        except PayrollError as err:
            raise CommandError(err.message_zh) from err
        self.stdout.write(f"payroll {p.pk} {p.county_id} {p.month:%Y-%m}: {p.lines_count} lines, "
                          f"{p.total_amount} yuan, {p.held_count} held, {p.unexplained} unexplained")
