"""Who qualifies: the matrix's conditions evaluated over column arrays (one person or a registry).

``Columns`` holds one array per person attribute (numpy); :func:`eligible_mask` gives, for one
programme and one set of parameter values (one county, area and date), a boolean per person.
The single-household page and the batch over the registry call the same function, so they
cannot disagree.  ``lookup(path)`` returns a parameter's value (already resolved).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .matrix import CATEGORIES_ZH, Cond, Programme, as_codes, value_zh

Lookup = Callable[[str], Any]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.object_]

CATEGORY_BITS: Final[Mapping[str, int]] = {c: 1 << i for i, c in enumerate(CATEGORIES_ZH)}


def category_bits(categories: Iterable[str]) -> int:
    bits = 0
    for c in categories:
        bits |= CATEGORY_BITS.get(c, 0)
    return bits


@dataclass(frozen=True)
class Columns:
    """One row per person. ``categories`` is a bit mask (CATEGORY_BITS) of the household's categories."""

    age: IntArray
    sex: StrArray
    area: StrArray
    categories: IntArray
    disability_grade: IntArray
    school_stage: StrArray
    work_capacity: StrArray
    employment: StrArray
    serious_illness: BoolArray
    self_care: BoolArray

    def __len__(self) -> int:
        return int(self.age.shape[0])

    def take(self, index: npt.NDArray[np.intp]) -> Columns:
        return Columns(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})


_TEXT = ("sex", "area", "school_stage", "work_capacity", "employment")


def columns_from_rows(rows: Sequence[Mapping[str, Any]]) -> Columns:
    """Columns from dicts with the Columns' names (``categories`` may be a list of codes or bits)."""
    def text(name: str) -> StrArray:
        return np.array([str(r[name]) for r in rows], dtype=object)

    cats = [r["categories"] if isinstance(r["categories"], int) else category_bits(r["categories"]) for r in rows]
    return Columns(
        age=np.array([int(r["age"]) for r in rows], dtype=np.int64),
        categories=np.array(cats, dtype=np.int64),
        disability_grade=np.array([int(r["disability_grade"] or 0) for r in rows], dtype=np.int64),
        serious_illness=np.array([bool(r["serious_illness"]) for r in rows], dtype=np.bool_),
        self_care=np.array([bool(r["self_care"]) for r in rows], dtype=np.bool_),
        **{name: text(name) for name in _TEXT},
    )


def _cond_mask(c: Cond, cols: Columns, lookup: Lookup) -> BoolArray:
    if c.op == "retirement_window":
        years = int(lookup(str(c.param)))
        retire = np.where(cols.sex == "F", int(lookup("assistance.retirement_age.female")),
                          int(lookup("assistance.retirement_age.male")))
        return (cols.age >= retire - years) & (cols.age < retire)
    column = getattr(cols, c.field)
    if c.op == "true":
        return column.astype(np.bool_)  # type: ignore[no-any-return]
    if c.op == "false":
        return ~column.astype(np.bool_)  # type: ignore[no-any-return]
    value: Any = lookup(c.param) if c.param else (list(c.values) if c.op in ("in", "not_in") else c.values[0])
    if c.op in ("in", "not_in") and c.param:
        value = as_codes(value)
    if c.op == "in":
        return np.isin(column, np.array(list(value), dtype=object))
    if c.op == "not_in":
        return ~np.isin(column, np.array(list(value), dtype=object))
    if c.op == ">=":
        return column >= int(value)  # type: ignore[no-any-return]
    if c.op == "<":
        return column < int(value)  # type: ignore[no-any-return]
    raise ValueError(f"unknown operator {c.op!r}")  # pragma: no cover - Op is closed


def programme_categories(p: Programme, lookup: Lookup) -> tuple[str, ...] | None:
    if p.categories_param:
        return tuple(as_codes(lookup(p.categories_param)))
    return p.categories


def eligible_mask(p: Programme, cols: Columns, lookup: Lookup) -> BoolArray:
    """True for each person who qualifies for ``p`` under these parameter values.

    A programme switched off (``assistance.disabled_programmes``) qualifies no one.
    """
    n = len(cols)
    if p.key in set(as_codes(lookup("assistance.disabled_programmes"))):
        return np.zeros(n, dtype=np.bool_)
    mask = np.ones(n, dtype=np.bool_)
    cats = programme_categories(p, lookup)
    if cats is not None:
        mask &= (cols.categories & category_bits(cats)) != 0
    if p.area is not None:
        mask &= cols.area == p.area
    for c in p.conds:
        mask &= _cond_mask(c, cols, lookup)
    return mask


def describe(p: Programme, lookup: Lookup, person: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Why a qualifying person qualifies (Chinese, English), with the parameter values used.

    With ``person`` (a row as given to :func:`columns_from_rows`), only the person's own
    categories and values are named ("属于低保对象；在园在校小学").
    """
    zh: list[str] = []
    en: list[str] = []
    cats = programme_categories(p, lookup)
    if cats is None:
        zh.append("不限类别、不限户籍")
        en.append("anyone, wherever registered")
    else:
        if person is not None:
            bits = person["categories"] if isinstance(person["categories"], int) else \
                category_bits(person["categories"])
            cats = tuple(c for c in cats if bits & CATEGORY_BITS.get(c, 0)) or cats
        zh.append("属于" + "、".join(CATEGORIES_ZH.get(c, c) for c in cats))
        en.append("in category " + ", ".join(cats))
    if p.area is not None:
        zh.append("城镇" if p.area == "urban" else "农村")
        en.append(p.area)
    for c in p.conds:
        value: Any = lookup(c.param) if c.param else (c.values[0] if c.op in (">=", "<") and c.values else "")
        shown = value
        if c.op in ("in", "not_in") and c.param:
            codes = [person[c.field]] if person is not None and c.op == "in" else as_codes(value)
            value = "、".join(str(v) for v in codes)
            shown = "、".join(value_zh(c.field, v) for v in codes)  # a school stage by its name, not its code
        zh.append(f"{c.label_zh}{shown}")
        en.append(f"{c.label_en} {value}".strip())
    return "；".join(zh), "; ".join(en)
