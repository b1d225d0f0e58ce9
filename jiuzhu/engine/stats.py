"""Statistics over determination results (统计分析, issue 18 item 1), in DuckDB.

Input: one row per household result — ``township``, ``area_type``, ``status``, ``categories``
(the household's category list), ``member_categories`` (each member's one category, ``none``
for a member in none) and the monthly benefits in fen (``BENEFIT_COLUMNS`` names).  Output:
rows keyed by (township, area_type, kind, key):

- kind ``category``: *key* a category code or ``all`` (any category); ``households`` holding it
  (a household is counted in every category it holds, once in ``all``) and ``persons`` whose one
  category it is (a person is counted once: in one category and in ``all``);
- kind ``benefit``: *key* a benefit (dibao, dibao_supplement, tekun_basic, tekun_care,
  single_inclusion, total); ``households`` receiving it (> 0), ``persons`` in them, and the
  monthly ``amount_fen``;
- kind ``registry``: *key* ``all``; every household of the run (in a category or not) and its
  members — the people in the registry that coverage is measured against.

Sums are integers; the caller stores the rows and a page sums them over a region.

The figures beyond the categories (coverage, money, applications, refusal reasons, warnings,
the assistance chain) are rolled up here to **every region** above the unit they are recorded
in (township, or a county for a county-level unit): the input carries the unit's code and
``paths`` pairs each unit with itself and each of its ancestors (the region closure), so a
page reads the rows of one region, and a distinct count (persons, households) is exact at every
level — never a sum of the levels below.  Output rows of these: ``region``, ``month`` (a date or
None), ``key``, ``detail``, ``count``, ``households``, ``amount_fen`` (see each function).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import duckdb
import pyarrow as pa

from jiuzhu.engine.determination.evaluate import BENEFIT_COLUMNS

__all__ = [
    "ALL", "APPLICATION_MEASURES", "APPLICATIONS_SCHEMA", "CHAIN_SCHEMA", "COVERAGE_SCHEMA", "DEPARTMENT", "INPUT_SCHEMA",
    "NO_BASIS", "PATHS_SCHEMA", "STAT_ROWS_SCHEMA", "overview", "PAYROLL", "PAYROLL_SCHEMA", "REASON_ONLY", "RECORDS_SCHEMA", "REFUSALS_SCHEMA",
    "WARNING_MEASURES", "WARNINGS_SCHEMA", "aggregate", "applications", "chain", "coverage", "money", "refusals",
    "totals", "warnings",
]

ALL: Final = "all"

INPUT_SCHEMA: Final = pa.schema(
    [("township", pa.string()), ("area_type", pa.string()), ("status", pa.string()),
     ("categories", pa.list_(pa.string())), ("member_categories", pa.list_(pa.string()))]
    + [(col, pa.int64()) for col in BENEFIT_COLUMNS.values()]
)

Row = dict[str, Any]


def aggregate(results: pa.Table) -> list[Row]:
    """The statistics rows of a results table (see the module docstring)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        con.register("r0", results)
        con.execute("CREATE VIEW r AS SELECT * FROM r0 WHERE status = 'ok'")
        rows: dict[tuple[str, str, str, str], Row] = {}

        def put(sql: str, kind: str, field: str) -> None:
            for township, area, key, n in con.sql(sql).fetchall():
                row = rows.setdefault((township, area, kind, key), {
                    "township": township, "area_type": area, "kind": kind, "key": key,
                    "households": 0, "persons": 0, "amount_fen": 0})
                row[field] = int(n)

        put("SELECT township, area_type, c, COUNT(*) FROM (SELECT township, area_type, UNNEST(categories) AS c FROM r) "
            "GROUP BY ALL", "category", "households")
        put(f"SELECT township, area_type, '{ALL}', COUNT(*) FROM r WHERE len(categories) > 0 GROUP BY ALL",  # noqa: S608
            "category", "households")
        put("SELECT township, area_type, 'all', COUNT(*) FROM r GROUP BY ALL", "registry", "households")
        put("SELECT township, area_type, 'all', SUM(len(member_categories)) FROM r GROUP BY ALL", "registry", "persons")
        put("SELECT township, area_type, p, COUNT(*) FROM (SELECT township, area_type, UNNEST(member_categories) AS p FROM r) "
            "WHERE p <> 'none' GROUP BY ALL", "category", "persons")
        put(f"SELECT township, area_type, '{ALL}', COUNT(*) FROM (SELECT township, area_type, "  # noqa: S608
            "UNNEST(member_categories) AS p FROM r) WHERE p <> 'none' GROUP BY ALL", "category", "persons")
        for name, col in BENEFIT_COLUMNS.items():
            # column names are code constants
            sql = (f"SELECT township, area_type, '{name}', {{}} FROM r WHERE {col} > 0 GROUP BY ALL")  # noqa: S608
            put(sql.format("COUNT(*)"), "benefit", "households")
            put(sql.format("SUM(len(member_categories))"), "benefit", "persons")
            put(sql.format(f"SUM({col})"), "benefit", "amount_fen")
        return sorted(rows.values(), key=lambda r: (r["township"], r["area_type"], r["kind"], r["key"]))
    finally:
        con.close()


def totals(rows: list[Row] | Any, *, kind: str = "category") -> dict[str, dict[str, int]]:
    """Sum rows of one kind over townships and areas: key → {households, persons, amount_fen}."""
    out: dict[str, dict[str, int]] = {}
    for r in rows:
        r = r if isinstance(r, Mapping) else vars(r)
        if r["kind"] != kind:
            continue
        t = out.setdefault(r["key"], {"households": 0, "persons": 0, "amount_fen": 0})
        for f in ("households", "persons", "amount_fen"):
            t[f] += int(r[f])
    return out


# --- figures rolled up to every region (coverage, money, applications, refusals, warnings, chain) -----

PATHS_SCHEMA: Final = pa.schema([("unit", pa.string()), ("region", pa.string())])
# Per township, as the database aggregates them: a household lies in one township, so these counts
# add up over townships (the rollup sums them).
COVERAGE_SCHEMA: Final = pa.schema([("township", pa.string()), ("programme", pa.string()), ("status", pa.string()),
                                    ("subjects", pa.int64()), ("households", pa.int64())])
PAYROLL_SCHEMA: Final = pa.schema([("township", pa.string()), ("month", pa.date32()), ("programme", pa.string()),
                                   ("households", pa.int64()), ("persons", pa.int64()), ("amount_fen", pa.int64())])
# One row per record: persons and households are counted distinct at every level.
RECORDS_SCHEMA: Final = pa.schema([("township", pa.string()), ("person", pa.string()), ("household", pa.int64()),
                                   ("programme", pa.string()), ("basis", pa.string()), ("start_date", pa.date32()),
                                   ("end_date", pa.date32()), ("amount_fen", pa.int64())])
CHAIN_SCHEMA: Final = pa.schema([("township", pa.string()), ("person", pa.string()), ("household", pa.int64()),
                                 ("programme", pa.string()), ("start_date", pa.date32()), ("end_date", pa.date32())])
APPLICATIONS_SCHEMA: Final = pa.schema([("township", pa.string()), ("state", pa.string()), ("submitted_on", pa.date32()),
                                        ("decided_on", pa.date32()), ("due_on", pa.date32())])
REFUSALS_SCHEMA: Final = pa.schema([("township", pa.string()), ("application", pa.int64()), ("category", pa.string()),
                                    ("criterion", pa.string())])
WARNINGS_SCHEMA: Final = pa.schema([("unit", pa.string()), ("indicator", pa.string()), ("raised", pa.date32()),
                                    ("verified", pa.date32()), ("verify_due", pa.date32()), ("closed", pa.date32())])

# ``aggregate``'s own rows (per township, area, kind and key), to be summed to every region.
STAT_ROWS_SCHEMA: Final = pa.schema([("township", pa.string()), ("area_type", pa.string()), ("kind", pa.string()),
                                     ("key", pa.string()), ("households", pa.int64()), ("persons", pa.int64()),
                                     ("amount_fen", pa.int64())])

PAYROLL, DEPARTMENT = "payroll", "department"
NO_BASIS, REASON_ONLY = "no_basis", "reason_only"  # refusal "criteria" of decisions citing none
APPLICATION_MEASURES: Final = ("received", "decided", "in_time", "approved", "refused", "overdue")
WARNING_MEASURES: Final = ("raised", "verified", "in_time", "closed")


def _figures(tables: Mapping[str, pa.Table], sql: str, params: list[Any] | None = None) -> list[Row]:
    """Run *sql* over the named tables; each result row is (region, month, key, detail, count,
    households, amount_fen)."""
    con = duckdb.connect(config={"threads": 1})
    try:
        for name, table in tables.items():
            con.register(name, table)
        out = []
        for region, month, key, detail, n, households, amount in con.execute(sql, params or []).fetchall():
            out.append({"region": region, "month": month, "key": key, "detail": detail or "", "count": int(n or 0),
                        "households": int(households or 0), "amount_fen": int(amount or 0)})
        return sorted(out, key=lambda r: (r["region"], r["month"] or dt.date.min, r["key"], r["detail"]))
    finally:
        con.close()


def overview(rows: list[Row], paths: pa.Table) -> list[Row]:
    """``aggregate``'s rows summed to every region (what a dashboard reads: its region's rows and its
    children's, never every township's): *key* ``kind:key``, *detail* the area; ``count`` persons,
    ``households``, ``amount_fen`` (all additive: a household lies in one township, a person counts in one
    category)."""
    table = pa.Table.from_pylist([{k: r[k] for k in STAT_ROWS_SCHEMA.names} for r in rows], schema=STAT_ROWS_SCHEMA)
    return _figures({"s": table, "paths": paths}, """
        SELECT p.region, NULL, s.kind || ':' || s.key, s.area_type, SUM(s.persons), SUM(s.households),
               SUM(s.amount_fen)
        FROM s JOIN paths p ON p.unit = s.township GROUP BY ALL""")


def coverage(matches: pa.Table, paths: pa.Table) -> list[Row]:
    """The programme matrix applied (a matching run), per region: *key* a programme, *detail* a status
    (given, missing, enrolled, declined, duplicate, two_households); ``count`` the subjects (persons, or
    households for a household-level programme), ``households`` the households."""
    return _figures({"m": matches, "paths": paths}, """
        SELECT p.region, NULL, m.programme, m.status, SUM(m.subjects), SUM(m.households), 0
        FROM m JOIN paths p ON p.unit = m.township GROUP BY ALL""")


def money(payroll: pa.Table, records: pa.Table, paths: pa.Table, first: dt.date, last: dt.date) -> list[Row]:
    """Money per region, month (*first* … *last*, first days) and programme: *detail* ``payroll`` (lines of
    approved payrolls, pre-aggregated per township: households, persons covered, amount) or
    ``department`` (departments' assistance records: a monthly amount in every month its dates cover,
    a total in the month it starts — or ends, without a start); ``count`` persons (distinct), households
    (distinct), ``amount_fen``."""
    return _figures({"pay": payroll, "rec": records, "paths": paths}, f"""
        WITH months AS (
            SELECT CAST(UNNEST(generate_series(CAST($1 AS DATE), CAST($2 AS DATE), INTERVAL 1 MONTH)) AS DATE) AS month),
        dept AS (
            SELECT r.township, r.person, r.household, r.programme, months.month, r.amount_fen
            FROM rec r JOIN months ON r.basis = 'monthly'
                AND (r.start_date IS NULL OR r.start_date < months.month + INTERVAL 1 MONTH)
                AND (r.end_date IS NULL OR r.end_date >= months.month)
            UNION ALL
            SELECT r.township, r.person, r.household, r.programme,
                   CAST(date_trunc('month', COALESCE(r.start_date, r.end_date)) AS DATE), r.amount_fen
            FROM rec r WHERE r.basis <> 'monthly' AND COALESCE(r.start_date, r.end_date) >= $1
                AND COALESCE(r.start_date, r.end_date) < $2 + INTERVAL 1 MONTH)
        SELECT p.region, d.month, d.programme, '{DEPARTMENT}', COUNT(DISTINCT d.person), COUNT(DISTINCT d.household),
               SUM(d.amount_fen)
        FROM dept d JOIN paths p ON p.unit = d.township GROUP BY ALL
        UNION ALL
        SELECT p.region, y.month, y.programme, '{PAYROLL}', SUM(y.persons), SUM(y.households), SUM(y.amount_fen)
        FROM pay y JOIN paths p ON p.unit = y.township WHERE y.month BETWEEN $1 AND $2 GROUP BY ALL""",  # noqa: S608
        [first, last])


def chain(records: pa.Table, paths: pa.Table, since: dt.date, as_of: dt.date) -> list[Row]:
    """People in the registry with assistance on their chain (一户一条救助链) between *since* and *as_of*
    (the window in which the matching counts an assistance as given), per region: *key* a programme, or
    ``all`` (any programme); ``count`` persons, ``households`` (both distinct)."""
    return _figures({"c": records, "paths": paths}, f"""
        WITH active AS (SELECT * FROM c WHERE (start_date IS NULL OR start_date <= $2)
                                          AND (end_date IS NULL OR end_date >= $1))
        SELECT p.region, NULL, a.programme, '', COUNT(DISTINCT a.person), COUNT(DISTINCT a.household), 0
        FROM active a JOIN paths p ON p.unit = a.township GROUP BY ALL
        UNION ALL
        SELECT p.region, NULL, '{ALL}', '', COUNT(DISTINCT a.person), COUNT(DISTINCT a.household), 0
        FROM active a JOIN paths p ON p.unit = a.township GROUP BY ALL""",  # noqa: S608
        [since, as_of])


def applications(apps: pa.Table, paths: pa.Table, as_of: dt.date) -> list[Row]:
    """Applications as of *as_of*, per region: *key* one of ``APPLICATION_MEASURES`` — received by then,
    decided (approved or refused) by then, of those decided by their overall deadline, approved, refused,
    and overdue (not decided by then, not withdrawn, deadline passed)."""
    decided = "(a.state IN ('approved', 'refused') AND a.decided_on IS NOT NULL AND a.decided_on <= $1)"
    measures = {
        "received": "TRUE",
        "decided": decided,
        "in_time": f"{decided} AND a.due_on IS NOT NULL AND a.decided_on <= a.due_on",
        "approved": "a.state = 'approved' AND a.decided_on IS NOT NULL AND a.decided_on <= $1",
        "refused": "a.state = 'refused' AND a.decided_on IS NOT NULL AND a.decided_on <= $1",
        "overdue": f"NOT {decided} AND a.state <> 'withdrawn' AND a.due_on IS NOT NULL AND a.due_on < $1",
    }
    parts = [f"SELECT p.region, NULL, '{key}', '', COUNT(*) FILTER (WHERE {cond}), 0, 0 "  # noqa: S608
             "FROM apps a JOIN paths p ON p.unit = a.township WHERE a.submitted_on <= $1 GROUP BY ALL"
             for key, cond in measures.items()]
    rows = _figures({"apps": apps, "paths": paths}, " UNION ALL ".join(parts), [as_of])
    return [r for r in rows if r["count"]]


def refusals(rows: pa.Table, paths: pa.Table) -> list[Row]:
    """Refused applications per region and failed criterion: *key* the criterion id (or ``NO_BASIS`` /
    ``REASON_ONLY``), *detail* its category; ``count`` applications (distinct: one application failing a
    criterion for two members counts once).  *key* ``all``: refused applications."""
    return _figures({"r": rows, "paths": paths}, f"""
        SELECT p.region, NULL, r.criterion, r.category, COUNT(DISTINCT r.application), 0, 0
        FROM r JOIN paths p ON p.unit = r.township GROUP BY ALL
        UNION ALL
        SELECT p.region, NULL, '{ALL}', '', COUNT(DISTINCT r.application), 0, 0
        FROM r JOIN paths p ON p.unit = r.township GROUP BY ALL""")  # noqa: S608


def warnings(rows: pa.Table, paths: pa.Table, as_of: dt.date) -> list[Row]:
    """Early warnings raised by *as_of*, per region of their responsible unit and indicator (*key*):
    *detail* one of ``WARNING_MEASURES`` — raised, verified by then, verified by their verify-by date,
    closed by then."""
    measures = {
        "raised": "TRUE",
        "verified": "w.verified IS NOT NULL AND w.verified <= $1",
        "in_time": "w.verified IS NOT NULL AND w.verified <= $1 AND w.verified <= w.verify_due",
        "closed": "w.closed IS NOT NULL AND w.closed <= $1",
    }
    parts = [f"SELECT p.region, NULL, w.indicator, '{key}', COUNT(*) FILTER (WHERE {cond}), 0, 0 "  # noqa: S608
             "FROM w JOIN paths p ON p.unit = w.unit WHERE w.raised <= $1 GROUP BY ALL"
             for key, cond in measures.items()]
    return [r for r in _figures({"w": rows, "paths": paths}, " UNION ALL ".join(parts), [as_of]) if r["count"]]
