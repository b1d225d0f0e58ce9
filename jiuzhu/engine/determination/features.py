"""Household features from the snapshot tables: one SQL definition, two dialects.

The query aggregates members and items to one row per household (counted income in the
window after exclusions, property by type, rigid spending, supporters, facts) with the
counted members as a list of structs — each member with what the per-person tests need
(issue 15): own counted income, own property (and the household's unattributed income and
property, shared), the able supporters recorded for that member, relation and assessment.  It is written once; the few dialect differences
between DuckDB and Spark SQL (day numbers, integer division, ordered list aggregation) are
filled in by :func:`feature_sql`.  The single household, the DuckDB batch and the Spark
batch all run this same text.

Besides the snapshot tables, the query reads two small tables built from the resolved
parameters: ``pk`` (county_code, area_type, param_idx, w_start, w_end) — the parameter
key and income window of each (county, area) — and ``px`` (param_idx, subtype) — the
income subtypes not counted (e.g. ``basic_pension``, 实施意见 §21).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Literal

import pyarrow as pa

from jiuzhu.engine.determination.snapshot import EXCLUSION_FLAGS
from jiuzhu.rules.determination.codes import (
    ASSESSORS,
    DISABILITY_TYPES,
    EMPLOYMENT,
    RELATIONS,
    SCHOOL_STAGES,
    WORK_CAPACITY,
)
from jiuzhu.rules.determination.paramtable import ParamTable
from jiuzhu.rules.identity import age_on
from jiuzhu.rules.vocab import ADL_ITEMS

__all__ = ["FEATURE_SCHEMA", "PACKED_FIELDS", "Dialect", "feature_sql", "features_from_rows", "item_lines", "pack_member"]

Dialect = Literal["duckdb", "spark"]

# Each counted member travels as (member_id, packed, own_counted_fen, own_fin_fen,
# own_vehicle_max_fen).  ``packed`` holds small integers in bit fields (a list of few-field
# structs aggregates far faster than one of many fields: measured 3.1 s against 4.0 s for
# 1 M households).  (name, SQL expression, bits); every value is clamped to its width.
PACKED_FIELDS: Final[tuple[tuple[str, str, int], ...]] = (
    ("age", "GREATEST(LEAST({age}, 255), 0)", 8),  # 周岁 on the as-of date
    ("work_capacity", "{code:work_capacity} + 1", 2),  # code + 1 (0 = missing)
    ("disability_type", "{code:disability_type} + 1", 4),
    ("disability_grade", "LEAST(coalesce(m.disability_grade, 0), 7)", 3),
    ("school_stage", "{code:school_stage} + 1", 3),
    ("employment", "{code:employment} + 1", 3),
    ("adl_failed", "{adl}", 3),  # self-care items that cannot be done (0–6)
    ("flags", "{flags}", 4),  # 1 serious illness, 2 receiving tekun, 4 orphan, 8 difficult worker
    ("relation", "{code:relation} + 1", 4),  # relation to the head (0 = not recorded)
    ("assessed_by", "{code:work_capacity_assessed_by} + 1", 2),  # who assessed "no capacity to work"
    # the member's own non-exempt property (counts saturate at 15; the limits are far lower)
    ("own_vehicles", "LEAST(coalesce(pm.vehicle_count, 0), 15)", 4),
    ("own_real_estate", "LEAST(coalesce(pm.real_estate_count, 0), 15)", 4),
    ("own_business", "LEAST(coalesce(pm.business_count, 0), 15)", 4),
    ("able_links", "LEAST(coalesce(sl.able_links, 0), 15)", 4),  # able supporters recorded for this member
)
MEMBER_FLAGS: Final[tuple[str, ...]] = ("serious_illness", "receiving_tekun", "orphan", "difficult_worker")
PACKED_OFFSETS: Final[dict[str, tuple[int, int]]] = {}  # name → (bit offset, width)
_off = 0
for _name, _expr, _bits in PACKED_FIELDS:
    PACKED_OFFSETS[_name] = (_off, _bits)
    _off += _bits
assert _off <= 63, "the packed member field must stay a positive BIGINT"


def pack_member(values: Mapping[str, int]) -> int:
    """Python twin of the SQL packing (``values`` as in ``PACKED_FIELDS``, codes already + 1)."""
    return sum(int(values[name]) << PACKED_OFFSETS[name][0] for name, _, _ in PACKED_FIELDS)


# Coded values travel into the formulas as small integers: their position in the vocabulary
# (codes.py), −1 for missing or unknown.  Mapping them in SQL keeps strings out of the
# member lists (less to aggregate and to move).
_CODE_RE: Final = re.compile(r"\{code:(\w+)\}")
CODE_TABLES: Final[dict[str, tuple[str, ...]]] = {
    "work_capacity": WORK_CAPACITY,
    "disability_type": DISABILITY_TYPES,
    "school_stage": SCHOOL_STAGES,
    "employment": EMPLOYMENT,
    "relation": RELATIONS,
    "work_capacity_assessed_by": ASSESSORS,
}


def _code_case(column: str) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(CODE_TABLES[column]))
    return f"CAST(CASE m.{column} {whens} ELSE -1 END AS INTEGER)"


def code_of(column: str, value: Any) -> int:
    """Python twin of :func:`_code_case`."""
    values = CODE_TABLES[column]
    return values.index(value) if value in values else -1


def _days(dialect: Dialect, expr: str) -> str:
    if dialect == "duckdb":
        return f"date_diff('day', DATE '1970-01-01', {expr})"
    return f"datediff({expr}, DATE '1970-01-01')"


def _idiv(dialect: Dialect, a: str, b: str) -> str:
    return f"(({a}) // ({b}))" if dialect == "duckdb" else f"(({a}) div ({b}))"


def _prorate(dialect: Dialect, amt: str, ov: str, pd: str) -> str:
    """Pro-rated amount: amt × overlap / period days, rounded half away from zero (integers)."""
    pos = _idiv(dialect, f"2 * {amt} * {ov} + {pd}", f"2 * {pd}")
    neg = _idiv(dialect, f"2 * (-{amt}) * {ov} + {pd}", f"2 * {pd}")
    return (
        f"CASE WHEN {ov} <= 0 OR {pd} <= 0 THEN 0 WHEN {ov} >= {pd} THEN {amt} "
        f"WHEN {amt} >= 0 THEN {pos} ELSE -{neg} END"
    )


def _windowed(dialect: Dialect, table: str, cols: str, window: tuple[date, date] | None) -> str:
    """Items with their household's window: amount in fen, overlap and period days.

    With *window* (the same for every household of the run) the window is a constant and
    the items need no join to the households."""
    if window is None:
        w_start, w_end, join = "h.w_start", "h.w_end", "JOIN hh h ON t.household_key = h.household_key"
    else:
        w_start, w_end, join = f"DATE '{window[0].isoformat()}'", f"DATE '{window[1].isoformat()}'", ""
    start = f"coalesce(t.period_start, {w_start})"
    end = f"coalesce(t.period_end, {w_end})"
    ov = f"({_days(dialect, f'LEAST({end}, {w_end})')} - {_days(dialect, f'GREATEST({start}, {w_start})')} + 1)"
    pd = f"({_days(dialect, end)} - {_days(dialect, start)} + 1)"
    # built only from code constants and dates (no user input reaches the SQL text)
    return f"""
      SELECT t.household_key, t.member_key, {cols}{", h.param_idx" if window is None else ""},
             CAST(t.amount * 100 AS BIGINT) AS amt, {ov} AS ov, {pd} AS pd
      FROM {table} t
      {join}
      ANTI JOIN ex em ON em.member_key = t.member_key"""  # noqa: S608


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def feature_sql(
    dialect: Dialect, as_of: date, *, window: tuple[date, date] | None = None,
    excluded_subtypes: Sequence[str] | None = None,
) -> str:
    """The household feature query for *dialect*, ages computed on *as_of* (周岁).

    Joins and groups on the integer keys ``household_key`` / ``member_key``.  When every
    household of the run has the same income window and the same non-counted subtypes
    (and a parameter key), pass them as *window* and *excluded_subtypes*: they become
    constants instead of joins of every item to its household and to ``px``.
    """
    fold = window is not None and excluded_subtypes is not None
    asof_lit = f"DATE '{as_of.isoformat()}'"
    mmdd = as_of.month * 100 + as_of.day
    age = (
        f"year({asof_lit}) - year(m.birth_date) - "
        f"CASE WHEN month(m.birth_date) * 100 + day(m.birth_date) > {mmdd} THEN 1 ELSE 0 END"
    )
    adl = " + ".join(f"CASE WHEN coalesce(m.{a}, true) THEN 0 ELSE 1 END" for a in ADL_ITEMS)
    excluded = " OR ".join(f"coalesce(m.{f}, false)" for f in EXCLUSION_FLAGS)
    flags = " + ".join(f"CASE WHEN coalesce(m.{f}, false) THEN {1 << k} ELSE 0 END" for k, f in enumerate(MEMBER_FLAGS))
    packed = " + ".join(
        f"CAST(({_CODE_RE.sub(lambda mt: _code_case(mt.group(1)), expr).format(age=age, adl=adl, flags=flags)}) AS BIGINT)"
        + (f" * {1 << PACKED_OFFSETS[name][0]}" if PACKED_OFFSETS[name][0] else "")
        for name, expr, _ in PACKED_FIELDS
    )
    fields = [
        ("member_id", "m.member_id"),
        ("packed", packed),
        ("own_counted_fen", "CAST(coalesce(im.counted_fen, 0) AS BIGINT)"),
        ("own_fin_fen", "CAST(coalesce(pm.financial_fen, 0) AS BIGINT)"),
        ("own_vehicle_max_fen", "CAST(coalesce(pm.vehicle_max_fen, 0) AS BIGINT)"),
    ]
    if dialect == "duckdb":
        struct = "struct_pack(" + ", ".join(f"{n} := {e}" for n, e in fields) + ")"
        # list_sort per household (structs sort by their first field, member_id) is much
        # cheaper than an ORDER BY inside the aggregate, and matches Spark's array_sort
        members_agg = f"list_sort(list({struct}) FILTER (WHERE NOT m.excluded))"
    else:
        struct = "named_struct(" + ", ".join(f"'{n}', {e}" for n, e in fields) + ")"
        members_agg = f"array_sort(collect_list({struct}) FILTER (WHERE NOT m.excluded))"
    inc_counted = _prorate(dialect, "amt", "ov", "pd")

    def bsum(expr: str) -> str:
        return f"CAST(coalesce(SUM({expr}), 0) AS BIGINT)"

    # not counted: a subtype the parameters exclude (e.g. the basic pension, §21), or an item the
    # caseworker marked not counted (with its reason)
    by_caseworker = "NOT coalesce(w.counted, true)"
    if fold:
        assert excluded_subtypes is not None
        is_excl = (
            f"coalesce(w.subtype IN ({', '.join(_sql_str(x) for x in sorted(excluded_subtypes))}), false)"
            if excluded_subtypes else "false"
        )
        inc_x = f"""
  SELECT w.household_key, w.member_key, w.income_type, ({inc_counted}) AS counted, ({is_excl} OR {by_caseworker}) AS is_excl
  FROM inc_w w"""  # noqa: S608 - code constants; the subtypes (parameters) are quoted by _sql_str
    else:
        inc_x = f"""
  SELECT w.household_key, w.member_key, w.income_type, ({inc_counted}) AS counted,
         (px.subtype IS NOT NULL OR {by_caseworker}) AS is_excl
  FROM inc_w w LEFT JOIN px ON px.param_idx = w.param_idx AND px.subtype = w.subtype"""  # noqa: S608

    # built only from code constants and a date (no user input reaches the SQL text)
    return f"""
WITH hh AS (
  SELECT h.household_key, h.household_id, h.county_code, h.area_type, pk.param_idx, pk.w_start, pk.w_end,
         h.refused_on, h.left_assistance_on, h.left_assistance_reason,
         coalesce(h.county_confirmed_hardship, false) AS county_confirmed,
         coalesce(h.poverty_monitoring, false) AS poverty_monitoring
  FROM households h
  LEFT JOIN pk ON h.county_code = pk.county_code AND h.area_type = pk.area_type
),
ex AS (
  SELECT m.member_key FROM members m WHERE {excluded}
),
inc_w AS ({_windowed(dialect, "income_items", "t.income_type, t.subtype, t.counted", window if fold else None)}
),
inc_x AS ({inc_x}
),
inc_m AS (
  SELECT household_key, member_key,
         {bsum("CASE WHEN is_excl THEN 0 ELSE counted END")} AS counted_fen,
         {bsum("CASE WHEN is_excl THEN counted ELSE 0 END")} AS excluded_fen,
         {bsum("CASE WHEN (NOT is_excl) AND income_type IN ('wages', 'business') THEN counted ELSE 0 END")} AS earned_fen
  FROM inc_x GROUP BY household_key, member_key
),
inc_h AS (
  SELECT household_key, {bsum("counted_fen")} AS counted_fen, {bsum("excluded_fen")} AS excluded_fen,
         {bsum("earned_fen")} AS earned_fen,
         {bsum("CASE WHEN member_key IS NULL THEN counted_fen ELSE 0 END")} AS unattr_income_fen
  FROM inc_m GROUP BY household_key
),
exp_w AS ({_windowed(dialect, "expenses", "t.expense_type", window if fold else None)}
),
exp_h AS (
  SELECT household_key,
         {bsum("CASE WHEN expense_type = 'medical' THEN " + inc_counted + " ELSE 0 END")} AS exp_medical_fen,
         {bsum("CASE WHEN expense_type = 'education' THEN " + inc_counted + " ELSE 0 END")} AS exp_education_fen,
         {bsum("CASE WHEN expense_type = 'rehabilitation' THEN " + inc_counted + " ELSE 0 END")} AS exp_rehab_fen
  FROM exp_w GROUP BY household_key
),
prop_t AS (
  SELECT household_key, member_key,
         CASE WHEN NOT coalesce(exempt, false) AND property_type IN ('deposit', 'securities', 'insurance') THEN CAST(value * 100 AS BIGINT) ELSE 0 END AS fin,
         CASE WHEN NOT coalesce(exempt, false) AND property_type = 'vehicle' THEN CAST(value * 100 AS BIGINT) END AS veh,
         CASE WHEN NOT coalesce(exempt, false) AND property_type = 'real_estate' THEN 1 ELSE 0 END AS re,
         CASE WHEN NOT coalesce(exempt, false) AND property_type = 'business' THEN 1 ELSE 0 END AS biz,
         CASE WHEN coalesce(exempt, false) THEN 1 ELSE 0 END AS ex
  FROM property_items
),
prop_h AS (
  SELECT household_key,
         {bsum("fin")} AS financial_fen,
         CAST(coalesce(MAX(veh), 0) AS BIGINT) AS vehicle_max_fen,
         {bsum("CASE WHEN veh IS NOT NULL THEN 1 ELSE 0 END")} AS vehicle_count,
         {bsum("re")} AS real_estate_count, {bsum("biz")} AS business_count, {bsum("ex")} AS exempt_count,
         {bsum("CASE WHEN member_key IS NULL THEN fin ELSE 0 END")} AS unattr_fin_fen,
         CAST(coalesce(MAX(CASE WHEN member_key IS NULL THEN veh END), 0) AS BIGINT) AS unattr_vehicle_max_fen,
         {bsum("CASE WHEN member_key IS NULL AND veh IS NOT NULL THEN 1 ELSE 0 END")} AS unattr_vehicle_count,
         {bsum("CASE WHEN member_key IS NULL THEN re ELSE 0 END")} AS unattr_re_count,
         {bsum("CASE WHEN member_key IS NULL THEN biz ELSE 0 END")} AS unattr_biz_count
  FROM prop_t GROUP BY household_key
),
prop_m AS (
  SELECT member_key, {bsum("fin")} AS financial_fen, CAST(coalesce(MAX(veh), 0) AS BIGINT) AS vehicle_max_fen,
         {bsum("CASE WHEN veh IS NOT NULL THEN 1 ELSE 0 END")} AS vehicle_count,
         {bsum("re")} AS real_estate_count, {bsum("biz")} AS business_count
  FROM prop_t WHERE member_key IS NOT NULL GROUP BY member_key
),
sup_k AS (
  SELECT s.household_key, coalesce(s.able_to_support, true) AS able,
         (l.supporter_id IS NOT NULL) AS linked
  FROM supporters s
  LEFT JOIN (SELECT DISTINCT household_key, supporter_id FROM support_links) l
    ON l.household_key = s.household_key AND l.supporter_id = s.supporter_id
),
sup_h AS (
  SELECT household_key, {bsum("CASE WHEN able THEN 1 ELSE 0 END")} AS able_supporters,
         CAST(COUNT(*) AS BIGINT) AS n_supporters,
         {bsum("CASE WHEN able AND NOT linked THEN 1 ELSE 0 END")} AS able_unlinked
  FROM sup_k GROUP BY household_key
),
sup_l AS (
  SELECT l.member_key, {bsum("CASE WHEN coalesce(s.able_to_support, true) THEN 1 ELSE 0 END")} AS able_links
  FROM support_links l
  JOIN supporters s ON s.household_key = l.household_key AND s.supporter_id = l.supporter_id
  WHERE l.member_key IS NOT NULL
  GROUP BY l.member_key
),
mem_h AS (
  SELECT m.household_key, {members_agg} AS members,
         {bsum("CASE WHEN m.excluded THEN 1 ELSE 0 END")} AS n_excluded,
         {bsum("CASE WHEN (NOT m.excluded) AND m.birth_date IS NULL THEN 1 ELSE 0 END")} AS n_no_birth
  FROM (SELECT m.*, ({excluded}) AS excluded FROM members m) m
  LEFT JOIN inc_m im ON im.member_key = m.member_key
  LEFT JOIN prop_m pm ON pm.member_key = m.member_key
  LEFT JOIN sup_l sl ON sl.member_key = m.member_key
  GROUP BY m.household_key
)
SELECT hh.household_id, hh.county_code, hh.area_type, hh.param_idx,
       hh.refused_on, hh.left_assistance_on, hh.left_assistance_reason,
       hh.county_confirmed, hh.poverty_monitoring,
       mem_h.members, CAST(coalesce(mem_h.n_excluded, 0) AS BIGINT) AS n_excluded,
       CAST(coalesce(mem_h.n_no_birth, 0) AS BIGINT) AS n_no_birth,
       CAST(coalesce(inc_h.counted_fen, 0) AS BIGINT) AS income_counted_fen,
       CAST(coalesce(inc_h.excluded_fen, 0) AS BIGINT) AS income_excluded_fen,
       CAST(coalesce(inc_h.earned_fen, 0) AS BIGINT) AS earned_fen,
       CAST(coalesce(exp_h.exp_medical_fen, 0) AS BIGINT) AS exp_medical_fen,
       CAST(coalesce(exp_h.exp_education_fen, 0) AS BIGINT) AS exp_education_fen,
       CAST(coalesce(exp_h.exp_rehab_fen, 0) AS BIGINT) AS exp_rehab_fen,
       CAST(coalesce(prop_h.financial_fen, 0) AS BIGINT) AS financial_fen,
       CAST(coalesce(prop_h.vehicle_max_fen, 0) AS BIGINT) AS vehicle_max_fen,
       CAST(coalesce(prop_h.vehicle_count, 0) AS BIGINT) AS vehicle_count,
       CAST(coalesce(prop_h.real_estate_count, 0) AS BIGINT) AS real_estate_count,
       CAST(coalesce(prop_h.business_count, 0) AS BIGINT) AS business_count,
       CAST(coalesce(prop_h.exempt_count, 0) AS BIGINT) AS exempt_count,
       CAST(coalesce(sup_h.able_supporters, 0) AS BIGINT) AS able_supporters,
       CAST(coalesce(sup_h.n_supporters, 0) AS BIGINT) AS n_supporters,
       CAST(coalesce(sup_h.able_unlinked, 0) AS BIGINT) AS able_unlinked,
       CAST(coalesce(inc_h.unattr_income_fen, 0) AS BIGINT) AS unattr_income_fen,
       CAST(coalesce(prop_h.unattr_fin_fen, 0) AS BIGINT) AS unattr_fin_fen,
       CAST(coalesce(prop_h.unattr_vehicle_count, 0) AS BIGINT) AS unattr_vehicle_count,
       CAST(coalesce(prop_h.unattr_vehicle_max_fen, 0) AS BIGINT) AS unattr_vehicle_max_fen,
       CAST(coalesce(prop_h.unattr_re_count, 0) AS BIGINT) AS unattr_re_count,
       CAST(coalesce(prop_h.unattr_biz_count, 0) AS BIGINT) AS unattr_biz_count
FROM hh
LEFT JOIN mem_h ON mem_h.household_key = hh.household_key
LEFT JOIN inc_h ON inc_h.household_key = hh.household_key
LEFT JOIN exp_h ON exp_h.household_key = hh.household_key
LEFT JOIN prop_h ON prop_h.household_key = hh.household_key
LEFT JOIN sup_h ON sup_h.household_key = hh.household_key
"""  # noqa: S608


# --- the same features for a few households held in memory (single-household path) ---------
#
# Running the feature SQL through DuckDB for one household costs 30–70 ms (planning a query
# of a dozen joins dominates), over the 50 ms budget of the household page.  The single path
# therefore builds the same feature rows in plain Python, line for line the query above;
# the parity tests (every policy case, generated households, a property test) prove that
# both give identical features, intermediates and results.  See docs/decisions/0003.

MEMBER_STRUCT: Final = pa.struct([
    ("member_id", pa.string()), ("packed", pa.int64()), ("own_counted_fen", pa.int64()),
    ("own_fin_fen", pa.int64()), ("own_vehicle_max_fen", pa.int64()),
])
_INT_FEATURES: Final[tuple[str, ...]] = (
    "n_excluded", "n_no_birth", "income_counted_fen", "income_excluded_fen", "earned_fen", "exp_medical_fen",
    "exp_education_fen", "exp_rehab_fen", "financial_fen", "vehicle_max_fen", "vehicle_count",
    "real_estate_count", "business_count", "exempt_count", "able_supporters", "n_supporters",
    "able_unlinked", "unattr_income_fen", "unattr_fin_fen", "unattr_vehicle_count", "unattr_vehicle_max_fen",
    "unattr_re_count", "unattr_biz_count",
)
FEATURE_SCHEMA: Final = pa.schema([
    ("household_id", pa.string()), ("county_code", pa.string()), ("area_type", pa.string()),
    ("param_idx", pa.int64()), ("refused_on", pa.date32()), ("left_assistance_on", pa.date32()),
    ("left_assistance_reason", pa.string()), ("county_confirmed", pa.bool_()), ("poverty_monitoring", pa.bool_()),
    ("members", pa.list_(MEMBER_STRUCT)),
    *[(name, pa.int64()) for name in _INT_FEATURES],
])


def _fen(amount: Any) -> int:
    return int(Decimal(amount).scaleb(2).to_integral_value())


def _prorate_py(amt: int, ov: int, pd: int) -> int:
    """Python twin of :func:`_prorate` (same integer arithmetic, half away from zero)."""
    if ov <= 0 or pd <= 0:
        return 0
    if ov >= pd:
        return amt
    if amt >= 0:
        return (2 * amt * ov + pd) // (2 * pd)
    return -((2 * (-amt) * ov + pd) // (2 * pd))


def _ov_pd(item: Mapping[str, Any], w_start: date, w_end: date) -> tuple[int, int]:
    start = item.get("period_start") or w_start
    end = item.get("period_end") or w_end
    ov = (min(end, w_end) - max(start, w_start)).days + 1
    pd = (end - start).days + 1
    return ov, pd


def _no_property() -> dict[str, int]:
    return {"fin": 0, "vehicle_count": 0, "vehicle_max": 0, "re": 0, "biz": 0}


def _add(f: dict[str, Any], mine: dict[str, int] | None, what: str, value: int) -> None:
    """Add a non-exempt property item to its member's own property, or to the unattributed."""
    if what == "vehicle":
        if mine is None:
            f["unattr_vehicle_count"] += 1
            f["unattr_vehicle_max_fen"] = max(f["unattr_vehicle_max_fen"], value) if f["unattr_vehicle_count"] > 1 else value
        else:
            mine["vehicle_count"] += 1
            mine["vehicle_max"] = max(mine["vehicle_max"], value) if mine["vehicle_count"] > 1 else value
        return
    key = {"fin": ("fin", "unattr_fin_fen"), "re": ("re", "unattr_re_count"), "biz": ("biz", "unattr_biz_count")}[what]
    if mine is None:
        f[key[1]] += value
    else:
        mine[key[0]] += value


def features_from_rows(
    rows: Mapping[str, Sequence[Mapping[str, Any]]], ptab: ParamTable, as_of: date
) -> pa.RecordBatch:
    """Feature rows for households given as snapshot-layout row dicts (see ``feature_sql``)."""
    members_by: dict[str, list[Mapping[str, Any]]] = {}
    for m in rows.get("members", []):
        members_by.setdefault(m["household_id"], []).append(m)
    excluded_ids = {
        (m["household_id"], m["member_id"]) for m in rows.get("members", [])
        if any(m.get(f) for f in EXCLUSION_FLAGS)
    }

    def by_household(name: str) -> dict[str, list[Mapping[str, Any]]]:
        out: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows.get(name, []):
            out.setdefault(r["household_id"], []).append(r)
        return out

    income_by, exp_by = by_household("income_items"), by_household("expenses")
    prop_by, sup_by = by_household("property_items"), by_household("supporters")
    link_by = by_household("support_links")
    out_rows: list[dict[str, Any]] = []
    for h in rows.get("households", []):
        hid = h["household_id"]
        k = ptab.index.get((h["county_code"], h["area_type"]))
        w_start, w_end = ptab.windows[k] if k is not None else (as_of, as_of)
        excluded_subtypes = set(ptab.excluded_subtypes[k]) if k is not None else set()
        f: dict[str, Any] = {name: 0 for name in _INT_FEATURES}
        known = {m["member_id"] for m in members_by.get(hid, [])}  # items of other ids: unattributed
        own: dict[str | None, int] = {}
        for it in income_by.get(hid, []):
            if (hid, it.get("member_id")) in excluded_ids:
                continue
            ov, pd = _ov_pd(it, w_start, w_end)
            counted = _prorate_py(_fen(it["amount"]), ov, pd)
            if it.get("subtype") in excluded_subtypes or it.get("counted") is False:
                f["income_excluded_fen"] += counted
                continue
            f["income_counted_fen"] += counted
            mid = it.get("member_id")
            if mid in known:
                own[mid] = own.get(mid, 0) + counted
            else:
                f["unattr_income_fen"] += counted
            if it["income_type"] in ("wages", "business"):
                f["earned_fen"] += counted
        for it in exp_by.get(hid, []):
            if (hid, it.get("member_id")) in excluded_ids:
                continue
            ov, pd = _ov_pd(it, w_start, w_end)
            counted = _prorate_py(_fen(it["amount"]), ov, pd)
            key = {"medical": "exp_medical_fen", "education": "exp_education_fen", "rehabilitation": "exp_rehab_fen"}.get(it["expense_type"])
            if key:
                f[key] += counted
        own_prop: dict[str, dict[str, int]] = {}
        for it in prop_by.get(hid, []):
            if it.get("exempt"):
                f["exempt_count"] += 1
                continue
            value = _fen(it["value"])
            ptype = it["property_type"]
            mid = it.get("member_id")
            mine = own_prop.setdefault(str(mid), _no_property()) if mid in known else None
            if ptype in ("deposit", "securities", "insurance"):
                f["financial_fen"] += value
                _add(f, mine, "fin", value)
            elif ptype == "vehicle":
                f["vehicle_count"] += 1
                f["vehicle_max_fen"] = max(f["vehicle_max_fen"], value) if f["vehicle_count"] > 1 else value
                _add(f, mine, "vehicle", value)
            elif ptype == "real_estate":
                f["real_estate_count"] += 1
                _add(f, mine, "re", 1)
            elif ptype == "business":
                f["business_count"] += 1
                _add(f, mine, "biz", 1)
        linked = {link["supporter_id"] for link in link_by.get(hid, []) if link.get("supporter_id") is not None}
        able_rows: dict[str, int] = {}
        for sup in sup_by.get(hid, []):
            able = sup.get("able_to_support") is not False  # unknown counts as able
            f["n_supporters"] += 1
            f["able_supporters"] += int(able)
            sid = sup.get("supporter_id")
            if able and sid not in linked:
                f["able_unlinked"] += 1
            if able and sid is not None:
                able_rows[sid] = able_rows.get(sid, 0) + 1
        able_links: dict[str, int] = {}
        for link in link_by.get(hid, []):
            mid = link.get("member_id")
            if mid in known and link.get("supporter_id") is not None:
                able_links[str(mid)] = able_links.get(str(mid), 0) + able_rows.get(link["supporter_id"], 0)
        members: list[dict[str, Any]] | None = []
        for m in sorted(members_by.get(hid, []), key=lambda m: m["member_id"]):
            if (hid, m["member_id"]) in excluded_ids:
                f["n_excluded"] += 1
                continue
            assert members is not None
            if m.get("birth_date") is None:
                f["n_no_birth"] += 1
            flags = sum(1 << k for k, f in enumerate(MEMBER_FLAGS) if m.get(f))
            mine = own_prop.get(m["member_id"], _no_property())
            members.append({
                "member_id": m["member_id"],
                "packed": pack_member({
                    "age": max(min(age_on(m["birth_date"], as_of), 255), 0) if m.get("birth_date") else 0,
                    "work_capacity": code_of("work_capacity", m.get("work_capacity")) + 1,
                    "disability_type": code_of("disability_type", m.get("disability_type")) + 1,
                    "disability_grade": min(int(m.get("disability_grade") or 0), 7),
                    "school_stage": code_of("school_stage", m.get("school_stage")) + 1,
                    "employment": code_of("employment", m.get("employment")) + 1,
                    "adl_failed": sum(1 for a in ADL_ITEMS if m.get(a) is False),
                    "flags": flags,
                    "relation": code_of("relation", m.get("relation")) + 1,
                    "assessed_by": code_of("work_capacity_assessed_by", m.get("work_capacity_assessed_by")) + 1,
                    "own_vehicles": min(mine["vehicle_count"], 15),
                    "own_real_estate": min(mine["re"], 15),
                    "own_business": min(mine["biz"], 15),
                    "able_links": min(able_links.get(m["member_id"], 0), 15),
                }),
                "own_counted_fen": own.get(m["member_id"], 0),
                "own_fin_fen": mine["fin"],
                "own_vehicle_max_fen": mine["vehicle_max"],
            })
        if not members_by.get(hid):
            members = None  # the query's LEFT JOIN gives NULL for a household without member rows
        elif members == []:
            members = None if _DIALECT_EMPTY_IS_NULL else []
        out_rows.append({
            "household_id": hid, "county_code": h["county_code"], "area_type": h["area_type"],
            "param_idx": k, "refused_on": h.get("refused_on"), "left_assistance_on": h.get("left_assistance_on"),
            "left_assistance_reason": h.get("left_assistance_reason"),
            "county_confirmed": bool(h.get("county_confirmed_hardship")),
            "poverty_monitoring": bool(h.get("poverty_monitoring")),
            "members": members, **f,
        })
    return pa.RecordBatch.from_pylist(out_rows, schema=FEATURE_SCHEMA)


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def item_lines(
    rows: Mapping[str, Sequence[Mapping[str, Any]]], ptab: ParamTable, as_of: date
) -> dict[str, dict[str, Any]]:
    """Per household, every income, expense and property item as the features counted it.

    The same arithmetic as :func:`features_from_rows` (the pro-rating by days, the exclusions),
    line by line, so a determination sheet can show each total as the visible sum of its
    lines: Σ counted income = ``income_counted_fen``, Σ not counted = ``income_excluded_fen``,
    Σ medical / education / rehabilitation = ``exp_*_fen``, Σ non-exempt financial assets =
    ``financial_fen`` (a test holds them equal).  Amounts are yuan strings; a line of an
    excluded member (in prison …) is shown but counted nowhere.
    """
    excluded_ids = {
        (m["household_id"], m["member_id"]) for m in rows.get("members", []) if any(m.get(f) for f in EXCLUSION_FLAGS)
    }
    out: dict[str, dict[str, Any]] = {}
    for h in rows.get("households", []):
        k = ptab.index.get((h["county_code"], h["area_type"]))
        w_start, w_end = ptab.windows[k] if k is not None else (as_of, as_of)
        out[h["household_id"]] = {"window": [w_start.isoformat(), w_end.isoformat()],
                                  "excluded_subtypes": sorted(ptab.excluded_subtypes[k]) if k is not None else [],
                                  "income": [], "expenses": [], "property": []}
    for it in rows.get("income_items", []):
        hid = it["household_id"]
        if hid not in out:
            continue
        w_start, w_end = (date.fromisoformat(out[hid]["window"][0]), date.fromisoformat(out[hid]["window"][1]))
        ov, pd = _ov_pd(it, w_start, w_end)
        amount = _fen(it["amount"])
        counted = _prorate_py(amount, ov, pd)
        if (hid, it.get("member_id")) in excluded_ids:
            status = "member_excluded"
        elif it.get("counted") is False:
            status = "not_counted_caseworker"
        elif it.get("subtype") in out[hid]["excluded_subtypes"]:
            status = "not_counted_rule"
        else:
            status = "counted"
        out[hid]["income"].append({
            "member_id": it.get("member_id"), "income_type": it["income_type"], "subtype": it.get("subtype"),
            "amount": _yuan(amount), "period_start": _iso(it.get("period_start") or w_start),
            "period_end": _iso(it.get("period_end") or w_end), "period_days": max(pd, 0), "days_in_window": max(min(ov, pd), 0),
            "prorated": 0 < ov < pd, "counted_amount": _yuan(counted), "counted_fen": counted, "status": status,
            "reason": it.get("exclusion_reason"),
        })
    for it in rows.get("expenses", []):
        hid = it["household_id"]
        if hid not in out:
            continue
        w_start, w_end = (date.fromisoformat(out[hid]["window"][0]), date.fromisoformat(out[hid]["window"][1]))
        ov, pd = _ov_pd(it, w_start, w_end)
        amount = _fen(it["amount"])
        counted = _prorate_py(amount, ov, pd)
        excluded = (hid, it.get("member_id")) in excluded_ids
        out[hid]["expenses"].append({
            "member_id": it.get("member_id"), "expense_type": it["expense_type"], "amount": _yuan(amount),
            "period_start": _iso(it.get("period_start") or w_start), "period_end": _iso(it.get("period_end") or w_end),
            "period_days": max(pd, 0), "days_in_window": max(min(ov, pd), 0), "prorated": 0 < ov < pd,
            "counted_amount": _yuan(counted), "counted_fen": counted,
            "status": "member_excluded" if excluded else "counted",
        })
    for it in rows.get("property_items", []):
        hid = it["household_id"]
        if hid not in out:
            continue
        value = _fen(it["value"])
        out[hid]["property"].append({
            "member_id": it.get("member_id"), "property_type": it["property_type"], "value": _yuan(value),
            "value_fen": value, "exempt": bool(it.get("exempt")),
        })
    return out


def _iso(d: Any) -> str:
    return d.isoformat() if hasattr(d, "isoformat") else str(d)


# DuckDB's list() with FILTER over only-excluded members yields NULL (Spark: empty array);
# either way the formulas see zero members.
_DIALECT_EMPTY_IS_NULL: Final = True
