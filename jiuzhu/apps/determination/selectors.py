"""Reads other apps use: a household's determination now (for pages) and its categories."""

from __future__ import annotations

import datetime as dt
from typing import Any
from weakref import WeakKeyDictionary

from django.db.models import Sum

from jiuzhu.apps.core.hooks import held_categories
from jiuzhu.apps.core.scoping import scoped
from jiuzhu.rules.determination.categories import PERSON_PRECEDENCE, label
from jiuzhu.rules.determination.household import HouseholdError
from jiuzhu.rules.params import ParameterError

from .models import DeterminationTotal
from .services import determine_one

Shown = tuple[dict[str, Any] | None, str]
# The household page's sections (the determination summary, the assistance chain, the programmes)
# share one determination made now rather than determining three times.  Kept per request, weakly:
# it lives exactly as long as the request, and nothing is set on the household for others to find.
_PER_REQUEST: WeakKeyDictionary[Any, dict[int, Shown]] = WeakKeyDictionary()


def determine_for_page(household: Any, as_of: dt.date | None = None) -> Shown:
    """(result, error message) for showing on a page: bad data is a message, never a crash."""
    try:
        return determine_one(household, as_of), ""
    except (HouseholdError, ParameterError) as err:
        return None, f"{err.message_zh} / {err.message_en}"


def determination_for_page(request: Any, household: Any) -> Shown:
    """The household's determination now, made once per request and shared by the page's sections."""
    made = _PER_REQUEST.setdefault(request, {})
    if household.pk not in made:
        made[household.pk] = determine_for_page(household)
    return made[household.pk]


def page_determination(request: Any, household: Any) -> dict[str, Any] | None:
    """The determination this request has already made for the household, if any (never determines)."""
    made = _PER_REQUEST.get(request) or {}
    return made.get(household.pk, (None, ""))[0]


def household_categories(household: Any, determined: list[str] | None = None) -> set[str]:
    """The household's current categories: those it holds by a decision (active entitlements, through
    ``core.hooks.register_held_categories``) and its determination's.

    ``determined``: categories the caller has just determined on the current data (the
    household page does); otherwise the latest stored (batch) result, or, when the household
    was never determined in batch, a determination now (the on-screen path, milliseconds).
    """
    cats = held_categories(household)
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
