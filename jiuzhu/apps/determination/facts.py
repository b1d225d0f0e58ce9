"""Record and read the dated facts of ``CaseFact`` (see its docstring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User

from .models import CaseFact

FACTS = frozenset(code for code, _ in CaseFact.FACTS)


def record_fact(*, household: Any, fact: str, on: dt.date, actor: User | None = None, member: Any = None,
                reason: str = "", ref: str = "", until: dt.date | None = None) -> CaseFact:
    """Record one fact (idempotent on household, member, fact, date and reference); audited.

    ``reason`` for ``left_assistance`` is the engine's code: "improved" (income rose) or "other".
    Call inside the transaction of the decision that establishes the fact.
    """
    if fact not in FACTS:
        raise ValueError(f"unknown fact {fact!r}")
    if (fact in CaseFact.MEMBER_FACTS) != (member is not None):
        raise ValueError(f"fact {fact!r} is {'a member' if fact in CaseFact.MEMBER_FACTS else 'a household'} fact")
    with transaction.atomic():
        obj, created = CaseFact.objects.get_or_create(
            household=household, member=member, fact=fact, on=on, ref=ref,
            defaults={"reason": reason, "until": until,
                      "recorded_by": actor if getattr(actor, "pk", None) else None})
        if created:
            audit("determination.fact", actor=actor if getattr(actor, "pk", None) else None,
                  object_type="household", object_id=household.pk, fact=fact, on=on.isoformat(), ref=ref)
    return obj


def end_fact(fact: CaseFact, until: dt.date) -> CaseFact:
    fact.until = until
    fact.save(update_fields=["until"])
    return fact


def facts_for(household_ids: Iterable[int] | Any = None, today: dt.date | None = None
              ) -> tuple[dict[int, dict[str, Any]], dict[int, set[str]]]:
    """Household-level interchange values and member-level flags in force, by registry id.

    Household: the latest refusal date, the latest exit (date + reason), whether a county
    confirmation or agriculture's monitoring is in force.  Member: the flags in force.
    """
    today = today or timezone.localdate()
    qs = CaseFact.objects.all()
    if household_ids is not None:
        qs = qs.filter(household_id__in=household_ids)  # a list or a subquery
    households: dict[int, dict[str, Any]] = defaultdict(dict)
    members: dict[int, set[str]] = defaultdict(set)
    for f in qs.order_by("on", "id").values("household_id", "member_id", "fact", "on", "until", "reason"):
        in_force = f["until"] is None or f["until"] >= today
        h = households[f["household_id"]]
        if f["fact"] == "refused":
            h["refused_on"] = f["on"]
        elif f["fact"] == "left_assistance":
            h["left_assistance_on"], h["left_assistance_reason"] = f["on"], f["reason"] or "other"
        elif f["fact"] in ("county_confirmed_hardship", "poverty_monitoring") and in_force:
            h[f["fact"]] = True
        elif f["member_id"] is not None and in_force:
            members[f["member_id"]].add(f["fact"])
    return dict(households), dict(members)
