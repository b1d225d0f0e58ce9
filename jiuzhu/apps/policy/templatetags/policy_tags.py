"""Template filters for parameters: values and regions as a caseworker reads them.

    {% load policy_tags %}
    {{ p.value|param_value }}     医疗机构、劳动能力鉴定委员会 (never a Python list)
    {{ p.region|region_name }}    南昌市
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from jiuzhu.rules import vocab
from jiuzhu.rules.determination import categories
from jiuzhu.rules.params.regions import region_name as name_of

register = template.Library()


_GRADES_ZH = {1: "一", 2: "二", 3: "三", 4: "四"}
# coded values of "str" parameters that are not in the vocabularies (e.g. benchmark.disposable_income_basis)
_WORDS_ZH = {"all": "全体居民", "area": "分城乡（按家庭城乡属性）"}


def _code_words(code: str) -> str:
    """A coded value inside a parameter as words (assessors, school stages, categories …)."""
    for enum in (vocab.CapacityAssessor, vocab.SchoolStage, vocab.DisabilityType, vocab.Employment):
        if code in {m.value for m in enum}:
            return vocab.label_zh(enum(code))
    if code in categories.CATEGORIES:
        return categories.label(code, "zh", short=True)
    return vocab.INCOME_SUBTYPE_LABELS_ZH.get(code, _WORDS_ZH.get(code, code))


@register.filter
def param_value(value: Any) -> str:
    """A parameter's value as a caseworker reads it: lists as words, never a Python list."""
    if (get_language() or "").startswith("en"):
        if isinstance(value, list):
            return ", ".join(f"{v.get('type')} ≤ grade {v.get('max_grade')}" if isinstance(v, dict) else str(v) for v in value)
        return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, dict) and "type" in v:
                kind = "各类残疾" if v["type"] == "any" else _code_words(str(v["type"]))
                parts.append(f"{kind}{_GRADES_ZH.get(int(v.get('max_grade', 0)), v.get('max_grade'))}级及以上")
            else:
                parts.append(_code_words(str(v)))
        return "、".join(parts) or "—"
    if value in ("on", "off"):
        return "开启" if value == "on" else "关闭"
    return _code_words(str(value)) if isinstance(value, str) and value.isidentifier() else str(value)


@register.filter
def region_name(code: Any) -> str:
    """A division code as its name (江西省, 南昌市 …); the code itself when unknown."""
    return name_of(str(code))
