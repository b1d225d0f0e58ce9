"""Parameters resolved once per (county, area) into a small table of arrays.

A batch over a million households does not look parameters up a million times: it
resolves them once for each distinct (county code, area type) of the snapshot — a few
hundred keys — and every household row carries the index of its key (``param_idx``).  The
formulas then gather ``p_*`` columns by that index.  One household is the same table with
one key.  Keys whose parameters cannot be resolved (unknown county, as-of before the first
value) are kept with their error, so the rows that use them are reported, not dropped.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from jiuzhu.rules.determination.codes import (
    ASSESSORS,
    DISABILITY_TYPES,
    RATIO_SCALE,
    ROUNDING_MODES,
    ROUNDING_UNITS,
    SCHOOL_STAGES,
)
from jiuzhu.rules.determination.formulas import PARAMS
from jiuzhu.rules.params.loader import ParameterError, ParameterSet, Resolved

__all__ = ["ParamTable", "build_param_table", "income_window", "years_before"]

I64 = npt.NDArray[np.int64]
BoolA = npt.NDArray[np.bool_]


def years_before(day: date, years: int) -> date:
    """The same calendar day *years* earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def income_window(as_of: date, months: int) -> tuple[date, date]:
    """The counting window: the *months* full calendar months before the as-of month.

    As of 2026-01-15 with 12 months → 2025-01-01 … 2025-12-31 (both inclusive).
    """
    end = as_of.replace(day=1) - timedelta(days=1)
    y, m = as_of.year, as_of.month - months
    while m <= 0:
        m += 12
        y -= 1
    start = date(y, m, 1)
    assert (end - start).days + 1 >= 28 * months
    _ = calendar  # documented dependency: month arithmetic above is calendar-exact
    return start, end


def _fen(value: Any) -> int:
    d = Decimal(value)
    return int(d.scaleb(2).to_integral_value())


def _ratio(path: str, value: Any) -> int:
    """A ratio as an integer scaled by RATIO_SCALE; more than six decimals is refused."""
    scaled = Decimal(value) * RATIO_SCALE
    if scaled != scaled.to_integral_value():
        raise ParameterError(
            "ratio_precision",
            f"参数 {path} 的比例最多保留六位小数",
            f"Parameter {path}: a ratio has at most six decimals",
        )
    return int(scaled)




@dataclass
class ParamTable:
    """Resolved parameters: one row per (county code, area type) key."""

    as_of: date
    version: str
    keys: list[tuple[str, str]]
    arrays: dict[str, npt.NDArray[Any]]
    resolved: list[dict[str, Resolved]]  # provenance per key (empty where error)
    errors: list[tuple[str, str, str] | None]  # (code, zh, en) per key
    windows: list[tuple[date, date]]
    excluded_subtypes: list[list[str]]
    index: dict[tuple[str, str], int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, county: str, area: str) -> int:
        return self.index[(county, area)]


def _resolve_key(
    params: ParameterSet, county: str, area: str, as_of: date
) -> tuple[dict[str, Any], dict[str, Resolved], tuple[date, date], list[str]]:
    r = params.resolve_all(county, area, as_of)
    row: dict[str, Any] = {}
    # the parameters declared next to the formulas that read them (formulas.param)
    for spec in PARAMS.values():
        value = r[spec.path].value
        row[spec.name] = _fen(value) if spec.kind == "money" else _ratio(spec.path, value) if spec.kind == "ratio" else int(value)
    basis = r["benchmark.disposable_income_basis"].value
    disp = r["benchmark.disposable_income_all"] if basis == "all" else r["benchmark.disposable_income"]
    row["p_disp_annual_fen"] = _fen(disp.value)
    zone = int(r["wage.minimum_zone"].value)
    if zone not in (1, 2, 3):
        raise ParameterError("wage_zone", f"最低工资档次 {zone} 无效", f"Minimum-wage zone {zone} is invalid")
    row["p_min_wage_fen"] = _fen(r[f"wage.minimum_monthly.zone{zone}"].value)
    # disability lists → per-type maximum grade (0 = no grade qualifies)
    for name, path in (("p_tekun_grade", "tekun.disability_no_capacity"), ("p_severe_grade", "single.severe_disability")):
        grades = [0] * len(DISABILITY_TYPES)
        for item in r[path].value:
            t, g = str(item["type"]), int(item["max_grade"])
            targets = [i for i, dt in enumerate(DISABILITY_TYPES) if dt != "none"] if t == "any" else [DISABILITY_TYPES.index(t)]
            for i in targets:
                grades[i] = max(grades[i], g)
        row[name] = grades
    stages = set(r["tekun.keep_school_stages"].value)
    row["p_keep_stage"] = [s in stages for s in SCHOOL_STAGES]
    dependent = set(r["support.dependent_school_stages"].value)
    row["p_dependent_stage"] = [s in dependent for s in SCHOOL_STAGES]
    bodies = set(r["tekun.no_capacity_assessed_by"].value)
    row["p_assessed_by"] = [a in bodies for a in ASSESSORS]
    scope = set(r["single.scope"].value)
    row["p_single_scope_marginal"] = "marginal" in scope
    row["p_single_scope_rigid"] = "rigid" in scope
    row["p_single_adult_clause"] = bool(r["single.adult_unemployed_severe_disability"].value)
    row["p_round_unit"] = ROUNDING_UNITS[str(r["benefit.rounding_unit"].value)]
    row["p_round_mode"] = ROUNDING_MODES.index(str(r["benefit.rounding_mode"].value))
    epoch = date(1970, 1, 1)
    row["p_asof_day"] = (as_of - epoch).days
    row["p_refused_cutoff_day"] = (years_before(as_of, int(r["other.refused_lookback_years"].value)) - epoch).days
    row["p_left_cutoff_day"] = (years_before(as_of, int(r["other.left_lookback_years"].value)) - epoch).days
    window = income_window(as_of, row["p_window_months"])
    excluded = [str(s) for s in r["income.excluded_subtypes"].value]
    return row, r, window, excluded


_ZERO_ROW: dict[str, Any] | None = None


def build_param_table(
    params: ParameterSet, keys: Iterable[tuple[str, str]], as_of: date
) -> ParamTable:
    """Resolve every parameter once per (county, area) key, into arrays indexed by key."""
    key_list: list[tuple[str, str]] = sorted(set(keys))
    rows: list[dict[str, Any] | None] = []
    resolved: list[dict[str, Resolved]] = []
    errors: list[tuple[str, str, str] | None] = []
    windows: list[tuple[date, date]] = []
    excluded: list[list[str]] = []
    template: dict[str, Any] | None = None
    for county, area in key_list:
        try:
            row, r, window, excl = _resolve_key(params, county, area, as_of)
        except ParameterError as exc:
            rows.append(None)
            resolved.append({})
            errors.append((exc.code, exc.message_zh, exc.message_en))
            windows.append((as_of, as_of))
            excluded.append([])
            continue
        template = template or row
        rows.append(row)
        resolved.append(r)
        errors.append(None)
        windows.append(window)
        excluded.append(excl)
    arrays: dict[str, npt.NDArray[Any]] = {}
    if template is not None:
        filled = [row if row is not None else _blank_like(template) for row in rows]
        for name, sample in template.items():
            if isinstance(sample, bool):
                arrays[name] = np.array([bool(row[name]) for row in filled], dtype=np.bool_)
            elif isinstance(sample, list):
                dtype = np.bool_ if sample and isinstance(sample[0], bool) else np.int64
                arrays[name] = np.array([row[name] for row in filled], dtype=dtype).reshape(len(filled), len(sample))
            else:
                arrays[name] = np.array([int(row[name]) for row in filled], dtype=np.int64)
    table = ParamTable(
        as_of=as_of,
        version=params.version,
        keys=key_list,
        arrays=arrays,
        resolved=resolved,
        errors=errors,
        windows=windows,
        excluded_subtypes=excluded,
    )
    table.index = {k: i for i, k in enumerate(key_list)}
    return table


def _blank_like(template: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, sample in template.items():
        if isinstance(sample, bool):
            out[name] = False
        elif isinstance(sample, list):
            out[name] = [False if isinstance(x, bool) else 0 for x in sample]
        else:
            out[name] = 1 if name in ("p_window_months", "p_round_unit") else 0
    return out


def ok_mask(table: ParamTable) -> BoolA:
    return np.array([e is None for e in table.errors], dtype=np.bool_)


def key_names(table: ParamTable) -> Sequence[tuple[str, str]]:
    return table.keys
