"""The verification visit's rules (铁脚板摸排): what a draft keeps, who may be the second visitor,
and when a visit is complete.

Two staff visit (policy notes §2.1: 入户调查 by two or more staff).  For the kinds of warning named
by the parameter ``monitoring.visit.two_staff_kinds`` (CONFIG, all kinds by default) the second
visitor is a real account — a colleague of the responsible unit who handles warnings, not the
person submitting — and the person who records the outcome may not also close the warning (the
rule is declared in ``lifecycle.TRANSITIONS``).  So no single clerk can verify, handle and close
such a warning alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.choices import CAPABILITIES
from jiuzhu.apps.core.models import RegionClosure, User
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.indicators import KINDS, get_indicator
from jiuzhu.rules.params import ParameterError
from jiuzhu.rules.programmes import as_codes

from .models import Warning

HANDLE = "handle_warnings"
TWO_STAFF = "monitoring.visit.two_staff_kinds"
VISIT_MEMBER_FIELDS = ("employment", "work_capacity", "disability_type", "disability_grade", "serious_illness",
                       "school_stage")
CHECK_ANSWERS = ("yes", "no", "na")
# The second visitor works in the responsible unit or in the county above it (not the city or province).
_COLLEAGUE_LEVELS = ("township", "county")


def two_staff_required(w: Warning, on: dt.date | None = None) -> bool:
    """Whether the visit of *w* needs two staff accounts (the kinds in ``monitoring.visit.two_staff_kinds``)."""
    value = current_parameters().resolve(TWO_STAFF, w.county_id, "rural", on or timezone.localdate()).value
    kinds = as_codes(value)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ParameterError("value_choice", f"参数 {TWO_STAFF} 含未知的预警类型 {unknown}",
                             f"Parameter {TWO_STAFF} names unknown warning kinds {unknown}")
    return w.kind in kinds


def colleagues(w: Warning, actor: User) -> QuerySet[User]:
    """Who may be the second visitor of *w*: active staff who handle warnings, in the responsible unit
    or its county, other than *actor*."""
    roles = [role for role, caps in CAPABILITIES.items() if HANDLE in caps]
    above = RegionClosure.objects.filter(descendant_id=w.unit_region_id,
                                         ancestor__level__in=_COLLEAGUE_LEVELS).values("ancestor_id")
    qs = User.objects.filter(is_active=True, role__in=roles, region_id__in=above)
    if getattr(actor, "pk", None):
        qs = qs.exclude(pk=actor.pk)
    return qs.order_by("region_id", "username")


def display_name(user: Any) -> str:
    return str(getattr(user, "first_name", "") or getattr(user, "username", ""))


def _second(w: Warning, actor: User, raw: Any) -> User | None:
    """The chosen second visitor, if it is one of the colleagues (anything else is ignored)."""
    try:
        pk = int(str(raw or "").strip())
    except ValueError:
        return None
    return colleagues(w, actor).filter(pk=pk).first()


def clean_draft(w: Warning, actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """What a draft keeps: everything typed so far, trimmed; nothing is validated yet."""
    checklist = {}
    for i in range(len(get_indicator(w.indicator).checklist)):
        answer = str(data.get(f"check_{i}", "") or "")
        note = str(data.get(f"note_{i}", "") or "")[:200]
        if answer in CHECK_ANSWERS or note:
            checklist[str(i)] = {"answer": answer if answer in CHECK_ANSWERS else "", "note": note}
    updates = {}
    for f in VISIT_MEMBER_FIELDS:
        value = data.get(f"member_{f}")
        if value not in (None, ""):
            updates[f] = str(value)[:64]
    visited = None
    try:
        visited = dt.date.fromisoformat(str(data.get("visited_on") or "")) if data.get("visited_on") else None
    except ValueError:
        visited = None
    second = _second(w, actor, data.get("staff_2"))
    return {
        "visited_on": visited, "staff_1": display_name(actor)[:64], "staff_2_user": second,
        "staff_2": display_name(second)[:64] if second else "", "checklist": checklist,
        "findings": str(data.get("findings", "") or "")[:5000], "member_updates": updates,
    }


def visit_errors(w: Warning, actor: User, data: dict[str, Any]) -> dict[str, list[str]]:
    """Why the submitted visit is not complete yet (field → messages); empty when it is."""
    clean = clean_draft(w, actor, data)
    errors: dict[str, list[str]] = {}
    if clean["visited_on"] is None:
        errors["visited_on"] = [_("Give the date of the visit.")]
    elif clean["visited_on"] > timezone.localdate():
        errors["visited_on"] = [_("The visit date cannot be in the future.")]
    raw = str(data.get("staff_2", "") or "").strip()
    if raw and clean["staff_2_user"] is None:
        errors["staff_2"] = [_("The second visitor must be a colleague of this unit who handles warnings, not "
                               "yourself.")]
    elif not raw and two_staff_required(w):
        errors["staff_2"] = [_("A visit is made by two staff: choose your colleague's account.")]
    for i in range(len(get_indicator(w.indicator).checklist)):
        if not clean["checklist"].get(str(i), {}).get("answer"):
            errors[f"check_{i}"] = [_("Answer every item of the checklist.")]
    if not clean["findings"].strip():
        errors["findings"] = [_("Write down what the visit found.")]
    return errors


def visit_complete(step: Any) -> None:
    """Guard of ``verify``: the visit (``step.context["data"]``) is complete, with two staff where required."""
    errors = visit_errors(step.obj, step.actor, step.context.get("data") or {})
    if errors:
        raise ValidationError(errors)
