"""Read helpers other apps use to know a household's categories."""

from __future__ import annotations

from typing import Any

from jiuzhu.rules.determination.household import HouseholdError
from jiuzhu.rules.params import ParameterError


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
