"""The household list's columns from the entitlements (core.hooks.register_household_column): the
categories a household holds and what it is paid a month — stored decisions, no determination per row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from jiuzhu.apps.core import vocabulary
from jiuzhu.rules import formats
from jiuzhu.rules.determination.codes import CATEGORY_LABELS

from .models import Entitlement, EntitlementState


def _active() -> Any:
    return Entitlement.objects.filter(state=EntitlementState.ACTIVE)


def categories(ids: list[Any]) -> dict[Any, str]:
    out: dict[Any, list[str]] = {}
    for hid, cat in _active().filter(household_id__in=ids).exclude(category="").values_list("household_id", "category"):
        label = vocabulary.label(cat, "category")
        if label not in out.setdefault(hid, []):
            out[hid].append(label)
    return {hid: "、".join(labels) for hid, labels in out.items()}


def monthly_amounts(ids: list[Any]) -> dict[Any, str]:
    rows = _active().filter(household_id__in=ids).values("household_id").annotate(total=Sum("monthly_amount"))
    return {r["household_id"]: formats.amount(r["total"] or Decimal("0")) for r in rows}


def category_choices() -> list[tuple[str, str]]:
    return [(code, vocabulary.label(code, "category")) for code in CATEGORY_LABELS]


def filter_category(qs: Any, code: str) -> Any:
    return qs.filter(pk__in=_active().filter(category=code).values("household_id"))
