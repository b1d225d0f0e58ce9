"""Schedule periodic reviews (定期核查) for recipients without one, and list overdue cases by county.

    jiuzhu manage applications_reviews [--dry-run]

Idempotent: a household with an open review task gets no second one.  Recipients are the
households with an active 低保/特困 entitlement (whatever decided them: this platform's
applications or the migrated caseload).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from jiuzhu.apps.applications.models import Application
from jiuzhu.apps.applications.selectors import overdue_q
from jiuzhu.apps.applications.services import schedule_missing_reviews


class Command(BaseCommand):
    help = "Schedule missing periodic reviews and report overdue applications per county."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        created = schedule_missing_reviews(today, dry_run=options["dry_run"])
        self.stdout.write(f"periodic reviews {'to schedule' if options['dry_run'] else 'scheduled'}: {created}")
        rows = (Application.objects.filter(overdue_q(today)).values("county_id", "county__name")
                .annotate(n=Count("id")).order_by("county_id"))
        for r in rows:
            self.stdout.write(f"overdue applications {r['county_id']} {r['county__name']}: {r['n']}")
