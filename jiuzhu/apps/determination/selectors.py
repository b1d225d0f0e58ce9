"""Read helpers other apps use to know a household's categories."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from jiuzhu.apps.core.scoping import scoped
from jiuzhu.rules.determination.categories import PERSON_PRECEDENCE, label
from jiuzhu.rules.determination.household import HouseholdError
from jiuzhu.rules.params import ParameterError

from .models import DeterminationTotal


def household_categories(household: Any, determined: list[str] | None = None) -> set[str]:
    """The household's current categories: its active entitlements' and its determination's.

    ``determined``: categories the caller has just determined on the current data (the
    household page does); otherwise the latest stored (batch) result, or, when the household
    was never determined in batch, a determination now (the on-screen path, milliseconds).
    """
    from jiuzhu.apps.assistance.models import Entitlement, EntitlementState

    from .services import determine_one

    cats = set(Entitlement.objects.filter(household=household, state=EntitlementState.ACTIVE)
               .exclude(category="").values_list("category", flat=True))
    latest = determined
    if latest is None:
        latest = household.determinations.order_by("-as_of", "-id").values_list("categories", flat=True).first()
    if latest is None:
        try:
            latest = determine_one(household)["categories"]
        except (HouseholdError, ParameterError):  # data that cannot be determined: no category here
            latest = []
    return cats | {c for c in latest if c != "none"}


def persons_by_category(run: Any, user: Any, lang: str = "zh") -> list[dict[str, Any]]:
    """Persons of one run in the user's region by their one category (each person once; "none"
    included, so the rows add up to every member determined)."""
    rows = {r["category"]: r for r in scoped(DeterminationTotal.objects.filter(run=run), user, "view_registry")
            .values("category").annotate(persons=Sum("persons"), households=Sum("households"))}
    order = [*PERSON_PRECEDENCE, "none"]
    return [
        {"category": c, "label": label(c, lang), "persons": int(rows[c]["persons"] or 0),
         "households": int(rows[c]["households"] or 0)}
        for c in sorted(rows, key=lambda c: order.index(c) if c in order else len(order))
    ]
