"""Demo step: point at households whose chain shows a flagged duplicate and an omission."""

from __future__ import annotations

from jiuzhu.apps.registry.models import Household

from .models import AssistanceRecord, DepartmentRecord
from .selectors import household_chain

DEMO_COUNTY = "360124"  # 进贤县, where the demo users work


def chain_examples(limit: int = 300, county: str | None = DEMO_COUNTY) -> str:
    deaths = DepartmentRecord.objects.filter(
        source__in=("health_deaths", "public_security_hukou_changes"), event_date__isnull=False,
        household__isnull=False)
    households = Household.objects.all()
    if county is not None:
        deaths = deaths.filter(household__county_id=county)
        households = households.filter(county_id=county)
    after_death = (AssistanceRecord.objects.filter(person_index__in=deaths.values("person_index"),
                                                   household__isnull=False)
                   .values_list("household_id", flat=True).distinct()[:20])
    duplicate = next((h for h in Household.objects.filter(pk__in=list(after_death))
                      if any(e["flags"] for e in household_chain(h)["entries"])), None)
    omission = None
    for h in households.order_by("code")[:limit]:
        if household_chain(h)["omissions"]:
            omission = h
            break
    parts = []
    if duplicate is not None:
        parts.append(f"a flagged duplicate on household {duplicate.code}")
    if omission is not None:
        parts.append(f"an omission on household {omission.code}")
    return "assistance chain: " + ("; ".join(parts) if parts else "no duplicate or omission found in the demo data")
