"""Template helpers: labels for coded values in the active language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.registry import choices
from jiuzhu.apps.registry.history import TRACKED
from jiuzhu.pii.masking import mask_certificate_number, mask_date
from jiuzhu.rules.identity import age_on

register = template.Library()

_FIELDS: dict[str, list[tuple[Any, str]]] = {
    "area_type": choices.AREA_TYPES,
    "relation": choices.RELATIONS,
    "work_capacity": choices.WORK_CAPACITIES,
    "work_capacity_assessed_by": choices.CAPACITY_ASSESSORS,
    "disability_type": choices.DISABILITY_TYPES,
    "disability_grade": choices.DISABILITY_GRADES,
    "school_stage": choices.SCHOOL_STAGES,
    "employment": choices.EMPLOYMENTS,
    "income_type": choices.INCOME_TYPES,
    "property_type": choices.PROPERTY_TYPES,
    "expense_type": choices.EXPENSE_TYPES,
    "sex": choices.SEXES,
}
_EN_GRADE = {0: "none", 1: "grade 1", 2: "grade 2", 3: "grade 3", 4: "grade 4"}
_EN_SEX = {"M": "male", "F": "female"}


@register.filter
def label(value: Any, field: str) -> str:
    """Chinese label of a coded value, or a readable English one when English is active."""
    if value in (None, ""):
        return ""
    if (get_language() or "").startswith("en"):
        if field == "disability_grade":
            return _EN_GRADE.get(int(value), str(value))
        if field == "sex":
            return _EN_SEX.get(value, value)
        return str(value).replace("_", " ")
    return dict(_FIELDS.get(field, [])).get(value, str(value))


@register.filter
def get(mapping: dict[str, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def age(birth: Any, on: Any) -> Any:
    """Age in 周岁 on a day, from a date or an ISO text (change records keep ISO text).

    Pages show the age, not the birth date, beside a masked ID number: the digits the mask
    hides are the birth date (ADR 0024).
    """
    try:
        born = birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth))
        return age_on(born, on)
    except (TypeError, ValueError):
        return ""


# Values a change record keeps that are shown masked in the history (ADR 0024): the birth
# date to its year; a certificate number written before it was encrypted, as its mask.
_MASKED_IN_HISTORY = {"birth_date", "disability_cert_no"}


@register.filter
def shown(snapshot: dict[str, Any] | None, field: str) -> Any:
    """The value of `field` in a change record's snapshot, as it may be shown beside a masked ID."""
    value = snapshot.get(field) if snapshot else None
    if value in (None, "") or field not in _MASKED_IN_HISTORY:
        return value
    return mask_date(value) if field == "birth_date" else mask_certificate_number(str(value))


@register.filter
def care_items_failed(member: dict[str, Any]) -> int:
    return sum(1 for k in ("adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing") if member.get(k) is False)


_OBJECTS = {
    "household": _("Household"), "member": _("Member"), "income": _("Income item"),
    "property": _("Property item"), "expense": _("Necessary expense"), "supporter": _("Legal supporter"),
}
_ACTIONS = {"create": _("created"), "update": _("changed"), "delete": _("deleted")}


@register.filter
def object_label(object_type: str) -> str:
    return str(_OBJECTS.get(object_type, object_type))


@register.filter
def action_label(action: str) -> str:
    return str(_ACTIONS.get(action, action))


@register.filter
def field_label(field: str, object_type: str) -> str:
    """The verbose name of a changed field, in the active language."""
    model = TRACKED.get(object_type)
    if model is None:
        return field
    try:
        return str(model._meta.get_field(field).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown name is shown as it is
        return field
