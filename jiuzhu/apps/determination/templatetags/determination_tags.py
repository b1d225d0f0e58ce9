"""Template filters: category codes shown as their labels (the one definition, in the page's language).

    {% load determination_tags %}
    {{ code|category_label }}            最低生活保障对象 (English page: Minimum living guarantee (dibao))
    {{ code|category_short }}            低保
    {{ codes|category_labels|join:"、" }}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import get_language

from jiuzhu.rules.determination import categories
from jiuzhu.rules.vocab import INCOME_SUBTYPE_LABELS_ZH

register = template.Library()


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


@register.filter
def category_label(code: Any) -> str:
    return categories.label(str(code), _lang()) if code else ""


@register.filter
def category_short(code: Any) -> str:
    return categories.label(str(code), _lang(), short=True) if code else ""


@register.filter
def category_labels(codes: Iterable[Any] | None) -> list[str]:
    return categories.labels([str(c) for c in codes or [] if c], _lang())


@register.filter
def member_name(members: Iterable[Any] | dict[str, Any] | None, member_id: Any) -> str:
    """The name of a member of the household by its id (a list of member records, or {id: name})."""
    if isinstance(members, dict):
        return str(members.get(str(member_id), ""))
    for m in members or []:
        if str(m.get("id") if isinstance(m, dict) else getattr(m, "pk", "")) == str(member_id):
            return str(m.get("name") if isinstance(m, dict) else m.name)
    return ""


@register.filter
def income_detail(subtype: Any) -> str:
    """An income detail as words where the code is a common one (工资, 城乡居民基础养老金 …)."""
    if not subtype:
        return ""
    if (get_language() or "").startswith("en"):
        return str(subtype).replace("_", " ")
    return INCOME_SUBTYPE_LABELS_ZH.get(str(subtype), str(subtype))
