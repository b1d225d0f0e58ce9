"""Demo-only: give some demo households a past, so the history and as-of screens have something to show.

Each change goes through the normal services (validation, change records,
versions); only the timestamps of the resulting change records are then moved
into the past, as if the edits had been made on those dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from jiuzhu.apps.core.models import User

from . import services
from .models import ChangeRecord, Household

STEPS = [
    (dt.date(2026, 3, 16), "income"),
    (dt.date(2026, 6, 15), "address"),
    (dt.date(2026, 9, 1), "expense"),
]


@transaction.atomic
def add_demo_history(actor: User, county: str, households: int = 40) -> int:
    """Apply three dated edits to the first `households` households of `county`."""
    tz = ZoneInfo(settings.TIME_ZONE)
    done = 0
    for household in Household.objects.filter(county_id=county).order_by("code")[:households]:
        for day, step in STEPS:
            marker = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
            household.refresh_from_db()
            if step == "income":
                item = household.incomeitems.filter(counted=True).order_by("id").first()
                if item is None:
                    continue
                services.item_update(
                    actor=actor, item=item, data={"amount": str((item.amount * Decimal("1.10")).quantize(Decimal("0.01")))},
                    reason="核实后更正收入",
                )
            elif step == "address":
                services.household_update(
                    actor=actor, household=household, data={"address": household.address + "（新址）"},
                    reason="搬迁",
                )
            else:
                member = household.members.order_by("id").first()
                services.item_add(actor=actor, household=household, kind="expense", data={
                    "member": member.pk if member else None, "expense_type": "medical", "amount": "2680.00",
                    "period_start": "2026-08-01", "period_end": "2026-08-31",
                })
            ChangeRecord.objects.filter(id__gt=marker).update(
                at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=tz)
            )
        done += 1
    return done
