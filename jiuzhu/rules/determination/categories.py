"""The low-income categories (低收入人口类别), defined once.

Each category's code, its Chinese and English label and short label, the clause of the
Jiangxi implementing opinions it comes from, and whether the law speaks of a household or of
a person.  The rules, the engine, the apps, the templates (``determination_tags``) and the
exports all take their labels from here; a test fails when a label is typed anywhere else.
Order: the main tiers in precedence order (特困 > 低保 > 边缘 > 刚性), then the categories that
may overlap them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

__all__ = ["CATEGORIES", "NONE_EN", "NONE_ZH", "PERSON_PRECEDENCE", "Category", "category", "label", "labels"]


@dataclass(frozen=True, slots=True)
class Category:
    """One category: code, labels (full and short, zh / en), clause, and what it is of."""

    code: str
    label_zh: str
    label_en: str
    short_zh: str
    short_en: str
    clause: str
    of: Literal["household", "person"]

    def label(self, lang: str = "zh", *, short: bool = False) -> str:
        """The label in *lang* (``zh`` or ``en``; anything else is Chinese)."""
        if lang.startswith("en"):
            return self.short_en if short else self.label_en
        return self.short_zh if short else self.label_zh


CATEGORIES: Final[Mapping[str, Category]] = MappingProxyType({c.code: c for c in (
    Category("tekun", "特困人员", "Person in extreme poverty (tekun)", "特困", "Tekun", "实施意见 §2", "person"),
    Category("dibao", "最低生活保障对象", "Minimum living guarantee recipient (dibao)", "低保", "Dibao", "实施意见 §1", "household"),
    Category("marginal", "低保边缘家庭", "Dibao-marginal household", "低保边缘", "Marginal", "实施意见 §3", "household"),
    Category("rigid", "刚性支出困难家庭", "Rigid-expenditure hardship household", "刚性支出困难", "Rigid expenditure",
             "实施意见 §5", "household"),
    Category("dibao_individual", "单独纳入低保人员", "Individually included in dibao (§15)", "单独纳入低保",
             "Individual dibao", "实施意见 §15", "person"),
    Category("other", "其他困难人员", "Other people in difficulty", "其他困难", "Other difficulty", "实施意见 §6", "household"),
    Category("poverty_monitoring", "防止返贫监测对象", "Monitored against falling back into poverty", "防返贫监测",
             "Poverty-return monitoring", "实施意见 §4", "household"),
)})


# One category per person (statistics count persons once): a tekun member is tekun; the
# others take their household's category, or are included in dibao individually (§15).
PERSON_PRECEDENCE: Final[tuple[str, ...]] = (
    "tekun", "dibao", "dibao_individual", "marginal", "rigid", "other", "poverty_monitoring",
)

# A household in none of the categories (main category "none").
NONE_ZH: Final = "不属于低收入人口认定类别"
NONE_EN: Final = "not in any low-income category"


def category(code: str) -> Category:
    """The category of *code* (KeyError for an unknown code)."""
    return CATEGORIES[code]


def label(code: str, lang: str = "zh", *, short: bool = False) -> str:
    """The label of a category code ("none": in no category); an unknown code is returned as it
    is (never a crash on a page)."""
    if code == "none":
        return NONE_EN if lang.startswith("en") else NONE_ZH
    c = CATEGORIES.get(code)
    return c.label(lang, short=short) if c is not None else code


def labels(codes: Iterable[str], lang: str = "zh", *, short: bool = False) -> list[str]:
    """The labels of several category codes, in the given order."""
    return [label(c, lang, short=short) for c in codes]
