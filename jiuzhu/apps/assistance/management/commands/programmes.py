"""`jiuzhu manage programmes`: the programme matrix, one programme per line (tab-separated)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.rules.programmes import lookup_for, matrix_lines


class Command(BaseCommand):
    help = "List the programme matrix: key, department, who qualifies, amount rule, without application or not"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", default=None, help="parameters in force on this date (YYYY-MM-DD)")
        parser.add_argument("--region", default="360000", help="county or city code for the parameters")

    def handle(self, *args: Any, **opts: Any) -> None:
        on = dt.date.fromisoformat(opts["as_of"]) if opts["as_of"] else timezone.localdate()
        for line in matrix_lines(lookup_for(current_parameters(), opts["region"], "rural", on)):
            self.stdout.write(line)
