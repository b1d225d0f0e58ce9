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
  monthly ``amount_fen``.

Sums are integers; the caller stores the rows and a page sums them over a region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import duckdb
import pyarrow as pa

from jiuzhu.engine.determination.evaluate import BENEFIT_COLUMNS

__all__ = ["ALL", "INPUT_SCHEMA", "aggregate", "totals"]

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
