"""One household (or a handful held in memory) through the same formulas as the batch.

The household is validated (interchange format → snapshot-layout rows), its features are
built by the Python twin of the batch feature query (``features.features_from_rows``; the
parity tests prove both give the same features), and the same vectorised formulas run on
arrays of length one.  The result carries its explanation: the trace of those formulas.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from jiuzhu.engine.determination.evaluate import (
    BENEFIT_COLUMNS,
    FEATURE_INTS,
    evaluate_batch,
    param_key_tables,
)
from jiuzhu.engine.determination.features import feature_sql, features_from_rows, item_lines
from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, TABLES, add_keys
from jiuzhu.rules.determination.explain import explain_row, format_yuan
from jiuzhu.rules.determination.formulas import HOUSEHOLD_OUTPUTS, MEMBER_OUTPUTS
from jiuzhu.rules.determination.household import parse_household
from jiuzhu.rules.determination.paramtable import ParamTable, build_param_table
from jiuzhu.rules.params.loader import ParameterError, ParameterSet, Resolved, load_jiangxi

__all__ = [
    "determine_household",
    "determine_rows",
    "determine_tables",
    "result_to_dict",
    "sql_features",
    "tables_from_rows",
]

_local = threading.local()

# which input field an engine-level error points at
_ERROR_FIELDS: dict[str, str] = {
    "no_members": "members", "birth_date_missing": "members", "area_unknown": "area_type",
    "before_first_value": "as_of", "no_value": "as_of", "region_unknown": "county_code",
    "region_format": "county_code",
}


def _connection() -> duckdb.DuckDBPyConnection:
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(config={"threads": 1})
        _local.con = con
    return con


def tables_from_rows(rows: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, pa.Table]:
    """Snapshot-layout Arrow tables from row dicts (as returned by ``parse_household``)."""
    return add_keys({
        name: pa.Table.from_pylist(list(rows.get(name, [])), schema=SNAPSHOT_SCHEMAS[name])
        for name in TABLES
    })


def sql_features(tables: Mapping[str, pa.Table], ptab: ParamTable, as_of: date) -> pa.Table:
    """The household features of small in-memory tables computed by the batch SQL (DuckDB).

    Used by tests to prove the Python feature builder equals the SQL feature query."""
    pk, px = param_key_tables(ptab)
    con = _connection()
    for name in TABLES:
        con.register(name, tables[name])
    con.register("pk", pk)
    con.register("px", px)
    try:
        return con.sql(feature_sql("duckdb", as_of)).to_arrow_table()
    finally:
        for name in (*TABLES, "pk", "px"):
            con.unregister(name)


def determine_rows(
    rows: Mapping[str, Sequence[Mapping[str, Any]]], as_of: date, params: ParameterSet | None = None,
    *, ptab: ParamTable | None = None,
) -> tuple[pa.Table, ParamTable]:
    """Determine the households of snapshot-layout row dicts held in memory (single path)."""
    params = params or load_jiangxi()
    if ptab is None:
        keys = {(h["county_code"], h["area_type"]) for h in rows.get("households", [])}
        ptab = build_param_table(params, keys, as_of)
    result = evaluate_batch(features_from_rows(rows, ptab, as_of), ptab)
    return pa.Table.from_batches([result]), ptab


def determine_tables(
    tables: Mapping[str, pa.Table], as_of: date, params: ParameterSet | None = None,
    *, ptab: ParamTable | None = None,
) -> tuple[pa.Table, ParamTable]:
    """Like :func:`determine_rows`, for snapshot-layout Arrow tables."""
    return determine_rows({name: t.to_pylist() for name, t in tables.items()}, as_of, params, ptab=ptab)


def result_to_dict(
    row: Mapping[str, Any],
    resolved: Mapping[str, Resolved] | None = None,
    *,
    explain: bool = False,
    intermediates: bool = False,
    lines: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The public JSON shape of one result row (single path, batch rows and the CLI alike).

    *explain* needs *resolved* (the provenance of the parameters of the row's key).
    *intermediates* adds every named household-level intermediate (``figures``) and the
    member-level ones (``member_figures``), raw (fen as integers).
    """
    as_of = row["as_of"]
    out: dict[str, Any] = {
        "household_id": row["household_id"],
        "as_of": as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of),
        "parameter_version": row["parameter_version"],
    }
    if row["status"] != "ok":
        code = row["error_code"]
        out["error"] = {
            "code": code, "field": _ERROR_FIELDS.get(code, "county_code"),
            "message_zh": row["error_zh"], "message_en": row["error_en"],
        }
        out["categories"] = []
        out["benefits"] = {}
        return out
    out["categories"] = list(row["categories"])
    out["main_category"] = row["main_category"]
    out["benefits"] = {k: format_yuan(int(row[col])) for k, col in BENEFIT_COLUMNS.items()}
    members = row["member_ids"]
    out["tekun_members"] = [m for m, t in zip(members, row["m_tekun"], strict=True) if t]
    out["individual_members"] = [m for m, t in zip(members, row["m_single"], strict=True) if t]
    # each member's one category (mixed households: the tekun members and what the others are)
    out["member_categories"] = dict(zip(members, row["member_categories"], strict=True))
    if intermediates:
        out["figures"] = {name: row[name] for name in (*FEATURE_INTS, *HOUSEHOLD_OUTPUTS)}
        out["member_figures"] = {
            mid: {name: row[name][i] for name in MEMBER_OUTPUTS}
            for i, mid in enumerate(members)
        }
    if explain:
        if resolved is None:
            raise ValueError("explain=True needs the resolved parameters")
        out["explanation"] = explain_row(row, resolved, lines)
    return out


def determine_household(
    household: Mapping[str, Any],
    as_of: date,
    params: ParameterSet | None = None,
    *,
    explain: bool = True,
    intermediates: bool = False,
) -> dict[str, Any]:
    """Determine one household given in the interchange format; returns the result dict.

    Raises :class:`~jiuzhu.rules.determination.household.HouseholdError` (field named) for
    invalid input, :class:`~jiuzhu.rules.params.ParameterError` when no parameters apply.
    """
    params = params or load_jiangxi()
    rows = parse_household(household, as_of)
    hh = rows["households"][0]
    ptab = build_param_table(params, [(hh["county_code"], hh["area_type"])], as_of)
    err = ptab.errors[0]
    if err is not None:
        raise ParameterError(*err)
    table, ptab = determine_rows(rows, as_of, params, ptab=ptab)
    row = table.to_pylist()[0]
    lines = item_lines(rows, ptab, as_of)[row["household_id"]] if explain else None
    return result_to_dict(row, ptab.resolved[0], explain=explain, intermediates=intermediates, lines=lines)


def determine_many(
    households: Iterable[Mapping[str, Any]], as_of: date, params: ParameterSet | None = None
) -> list[dict[str, Any]]:
    """Convenience: several valid households, one at a time."""
    return [determine_household(h, as_of, params) for h in households]
