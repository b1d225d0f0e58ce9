"""``jiuzhu manage monitor_escalate``: escalate overdue warnings to the level above (督办)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jiuzhu.apps.monitoring.services import escalate_overdue


class Command(BaseCommand):
    help = "Escalate overdue early warnings to the level above their responsible unit."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{escalate_overdue():,} warnings escalated")
