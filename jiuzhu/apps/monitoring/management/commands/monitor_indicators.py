"""``jiuzhu manage monitor_indicators``: the declared indicators with the parameters in force (incl. revisions)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.cli import lines


class Command(BaseCommand):
    help = "List the early-warning indicators: key, severity, kind, target unit, verify/handle days, on/off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default="360000")

    def handle(self, *args: Any, **options: Any) -> None:
        for line in lines(current_parameters(), timezone.localdate(), options["region"]):
            self.stdout.write(line)
