"""A parameter as a caseworker reads it (issue 13 items 8 and 10): values in words, references
without developer notes, parameters grouped by topic.

Pure Python, no Django.  ``labels`` is a code → Chinese label mapping the caller gathers from the
project's vocabularies (jiuzhu.apps.core.vocabulary.all_labels); an unknown code is shown as it is,
and the raw-code test (tests/ui/test_raw_codes.py) catches it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from jiuzhu.rules import formats
from jiuzhu.rules.vocab import DisabilityType, code_label_zh

__all__ = ["TOPICS", "legal_reference", "parameter_choices", "show_value", "topic_of"]

# Topics of the parameters screen, in the order a policy officer thinks of them.
TOPICS: Final[tuple[tuple[str, str], ...]] = (
    ("dibao", "低保标准与补差"),
    ("tekun", "特困人员供养"),
    ("marginal", "低保边缘与单独纳入"),
    ("rigid", "刚性支出"),
    ("income", "收入计算"),
    ("property", "家庭财产"),
    ("assistance", "救助项目与发放"),
    ("applications", "申请办理"),
    ("monitoring", "预警指标"),
    ("other", "其他"),
)
_PREFIX_TOPIC: Final[dict[str, str]] = {
    "dibao": "dibao", "benefit": "dibao", "tekun": "tekun", "single": "marginal", "rigid": "rigid",
    "income": "income", "wage": "income", "benchmark": "income", "property": "property",
    "assistance": "assistance", "applications": "applications", "monitoring": "monitoring",
}

# Words of the parameters' own small vocabularies (switches, rounding, bases).
_WORDS: Final[dict[str, str]] = {
    "on": "开启", "off": "关闭", "yuan": "元", "jiao": "角", "fen": "分", "HALF_UP": "四舍五入",
    "ROUND_HALF_UP": "四舍五入", "UP": "进位", "DOWN": "舍去", "all": "全体居民", "area": "分城乡（按家庭城乡属性）",
    "any": "各类残疾", "none": "无", "minor": "轻微", "severe": "严重", "collapsed": "倒塌",
}
_GRADES: Final[dict[int, str]] = {1: "一", 2: "二", 3: "三", 4: "四"}
_DEV_NOTE = re.compile(r"\s*(CONFIG|(docs/)?policy-notes(\.md)?\s*(§\s*[\d.]+)?|docs/[\w./-]+(\s*§\s*[\d.]+)?|issue\s*\d+(\s*(item\s*\d+|§\s*\d+))?)\s*")


def topic_of(path: str) -> str:
    if path.startswith("dibao.marginal"):
        return "marginal"
    return _PREFIX_TOPIC.get(path.split(".", 1)[0], "other")


def parameter_choices(nodes: Mapping[str, Any], paths: Iterable[str] | None = None,
                      en: bool = False) -> list[tuple[str, list[tuple[str, str]]]]:
    """Parameters to choose by title, grouped by topic (a form's grouped choices): the path stays the
    submitted value, the title is what the user reads.  *paths* limits the choice (default: every
    parameter of *nodes*)."""
    by_topic: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(nodes if paths is None else set(paths)):
        node = nodes[path]
        by_topic.setdefault(topic_of(path), []).append((path, node.label_en if en else node.label_zh))
    return [(title, by_topic[key]) for key, title in TOPICS if key in by_topic]


def legal_reference(ref: str, default: str = "建议值（演示，待发文确定）") -> str:
    """The reference without the developers' notes ("CONFIG", "docs/policy-notes.md §1.1", "issue 5"): what is left is the
    document (文号) or the plain statement that the value is a suggestion for the demonstration."""
    text = _DEV_NOTE.sub(" ", ref or "").strip()
    text = re.sub(r"\s*([（）；，])\s*", r"\1", re.sub(r"\s+", " ", text))
    for a, b in (("（ ", "（"), (" （", "（"), ("（，", "（"), ("（；", "（"), ("，）", "）"), ("；）", "）"), ("； ", "；"),
                 ("， ", "，"), ("（）", "")):
        text = text.replace(a, b)
    text = text.strip("；;， ")
    return text or default


def _code(value: str, labels: Mapping[str, str]) -> str:
    return labels.get(value) or _WORDS.get(value) or value


def _item(value: Any, labels: Mapping[str, str]) -> str:
    if isinstance(value, dict):
        kind, grade = value.get("type"), value.get("max_grade")
        if kind is not None and grade is not None:  # a disability rule: type and worst grade counted
            name = "各类残疾" if kind == "any" else code_label_zh(DisabilityType, str(kind))
            return f"{name}{_GRADES.get(int(grade), str(grade))}级及以上"
        return "，".join(f"{_code(str(k), labels)}：{_item(v, labels)}" for k, v in value.items())
    if isinstance(value, bool):
        return "是" if value else "否"
    return _code(str(value), labels)


def show_value(value: Any, kind: str, unit: str, labels: Mapping[str, str]) -> str:
    """A parameter value in words: amounts as money, ratios as percentages, lists of codes as labels."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_item(v, labels) for v in value) or "无"
    if kind == "money":
        return formats.amount(value)
    if unit == "比例" and isinstance(value, Decimal | int):
        return f"{(Decimal(value) * 100).normalize():f}%"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, str) and ("," in value or value in labels or value in _WORDS):
        return "、".join(_code(c.strip(), labels) for c in value.split(",") if c.strip()) or "无"
    if value in ("", None):
        return "无"
    return str(value)
