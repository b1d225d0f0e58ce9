"""A comparison run (大数据比对): every enabled indicator as one set-based DuckDB query.

Pure Python, no Django.  The caller exports the registry snapshot and the monitoring tables
(:mod:`.tables`) to Parquet; :func:`run_comparison` resolves each indicator's parameters once
per county (dated, per region: a county value over a city value over the province's), runs
the queries and returns the findings as one Arrow table with a fingerprint per finding.

Modes: ``since=None`` is the monthly full run (every indicator over all data); with
``since`` (a timestamp) it is the daily incremental run: only indicators that read feeds,
and only findings about persons (or their households) with a feed record loaded after
``since`` in one of the indicator's sources.  The conditions themselves still see all
data, so a 12-month sum includes older settlements.

Backends: ``backend="duckdb"`` (the default) runs the queries in an in-memory DuckDB;
``backend="spark"`` runs the same queries, translated to Spark SQL
(:mod:`jiuzhu.engine.monitoring.spark`), on a local SparkSession (pyspark and Java needed).
Both return the same findings.
"""

# ruff: noqa: S608  (queries are built from declared constants and dates only, never from input)

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from string import Template
from typing import Any, Final, Protocol

import pyarrow as pa

from jiuzhu.engine.monitoring.indicators import FINDING_COLUMNS, INDICATORS, Indicator, Threshold
from jiuzhu.engine.monitoring.tables import MONEY, connect, dept_table_name
from jiuzhu.rules.params.loader import ParameterError, ParameterSet

__all__ = [
    "BACKENDS", "FINDING_SCHEMA", "Findings", "IndicatorSettings", "param_table", "run_comparison", "settings_for",
]

BACKENDS: Final = ("duckdb", "spark")

PROVINCE: Final = "360000"
FINDING_SCHEMA: Final = pa.schema([
    ("indicator", pa.string()),
    ("subject", pa.string()),
    ("fingerprint", pa.string()),
    ("household_key", pa.int64()),
    ("member_key", pa.int64()),
    ("person_index", pa.string()),
    ("county_code", pa.string()),
    ("region_hint", pa.string()),
    ("event_date", pa.date32()),
    ("facts", pa.string()),
    ("detail", pa.string()),
])
_ARROW: Final[dict[str, pa.DataType]] = {
    "money": MONEY, "ratio": pa.decimal128(18, 4), "count": pa.int64(), "choice": pa.string(),
}


@dataclass(frozen=True)
class IndicatorSettings:
    """An indicator's parameters for one county on one date."""

    enabled: bool
    severity: str
    thresholds: dict[str, Any]


def _value(ind: Indicator, t: Threshold, raw: Any) -> Any:
    if t.kind == "count":
        value = Decimal(raw)
        if value != value.to_integral_value():
            raise ParameterError(
                "value_whole", f"参数 {ind.param(t.name)} 应为整数", f"Parameter {ind.param(t.name)} must be whole")
        return int(value)
    if t.kind == "choice":
        if str(raw) not in dict(t.choices):
            raise ParameterError("value_choice", f"参数 {ind.param(t.name)} 的取值无效",
                                 f"Parameter {ind.param(t.name)} has an invalid value")
        return str(raw)
    return Decimal(raw)


def settings_for(ind: Indicator, params: ParameterSet, county: str, on: dt.date) -> IndicatorSettings:
    """Resolve *ind*'s switch, severity and thresholds for *county* on *on*."""
    def get(name: str) -> Any:
        return params.resolve(ind.param(name), county, "rural", on).value

    return IndicatorSettings(
        enabled=str(get("enabled")) == "on",
        severity=str(get("severity")),
        thresholds={t.name: _value(ind, t, get(t.name)) for t in ind.thresholds},
    )


def param_table(ind: Indicator, params: ParameterSet, counties: Iterable[str], on: dt.date) -> pa.Table:
    """One row per county: ``county_code``, ``enabled``, then one column per threshold."""
    rows = []
    for county in sorted(set(counties)):
        s = settings_for(ind, params, county, on)
        rows.append({"county_code": county, "enabled": s.enabled, **s.thresholds})
    schema = pa.schema([("county_code", pa.string()), ("enabled", pa.bool_()),
                        *[(t.name, _ARROW[t.kind]) for t in ind.thresholds]])
    return pa.Table.from_pylist(rows, schema=schema)


@dataclass
class Findings:
    """What a comparison run found."""

    table: pa.Table
    counts: dict[str, int]
    skipped: list[str]
    as_of: dt.date
    incremental: bool
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    backend: str = "duckdb"


def _subject(ind: Indicator) -> str:
    if ind.subject == "household":
        return "'h:' || f.household_key::VARCHAR"
    return "'p:' || f.person_index"


def indicator_sql(ind: Indicator, as_of: dt.date, *, since: dt.datetime | None = None,
                  body: str | None = None) -> str:
    """The finished query of one indicator (placeholders filled, fingerprint and subject added).

    *body* replaces the indicator's own query (a backend's override, same placeholders).
    """
    body = Template(body or ind.sql).substitute(p=f"p_{ind.key}", as_of=f"DATE '{as_of.isoformat()}'")
    where = ""
    if since is not None:
        stamp = since.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        new = " UNION ".join(
            f"SELECT person_index FROM {dept_table_name(s)} WHERE loaded_at > TIMESTAMPTZ '{stamp}+00'"
            for s in ind.sources)
        where = (f" WHERE f.person_index IN ({new}) OR f.household_key IN "
                 f"(SELECT household_key FROM reg WHERE person_key IN ({new}))")
    subject = _subject(ind)
    cols = ", ".join(f"f.{c}" for c in FINDING_COLUMNS)
    return (
        f"SELECT '{ind.key}' AS indicator, {subject} AS subject, "
        f"sha256(concat_ws('|', '{ind.key}', {subject}, coalesce(f.facts, ''))) AS fingerprint, {cols} "
        f"FROM ({body}) f{where}"
    )


def _counties_sql() -> str:
    """The counties found in the data (SQL both engines read as it is)."""
    parts = ["SELECT county_code FROM households", "SELECT county_code FROM mon_households"]
    parts += [f"SELECT county_hint FROM {dept_table_name(s)}" for s in _all_sources()]
    return " UNION ".join(parts)


def _all_sources() -> list[str]:
    return sorted({s for ind in INDICATORS for s in ind.sources})


class _Engine(Protocol):
    """What a backend offers a comparison run: a parameter table as a view, a query as Arrow."""

    def register(self, name: str, table: pa.Table) -> None: ...

    def indicator_sql(self, ind: Indicator, as_of: dt.date, since: dt.datetime | None) -> str: ...

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


class _DuckEngine:
    def __init__(self, snapshot_dir: str | Path, data_dir: str | Path, threads: int | None) -> None:
        self.con = connect(snapshot_dir, data_dir, threads=threads)

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def indicator_sql(self, ind: Indicator, as_of: dt.date, since: dt.datetime | None) -> str:
        return indicator_sql(ind, as_of, since=since)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.con.sql(sql).to_arrow_table()
        return result

    def close(self) -> None:
        self.con.close()


def _engine(backend: str, snapshot_dir: str | Path, data_dir: str | Path, threads: int | None,
            spark: Any | None) -> _Engine:
    if backend == "duckdb":
        return _DuckEngine(snapshot_dir, data_dir, threads)
    if backend == "spark":
        from jiuzhu.engine.monitoring.spark import SparkEngine  # deferred: pyspark is optional

        return SparkEngine(snapshot_dir, data_dir, spark=spark, cores=threads or 2)
    raise ValueError(f"unknown comparison backend {backend!r}; known: {', '.join(BACKENDS)}")


def run_comparison(
    snapshot_dir: str | Path,
    data_dir: str | Path,
    as_of: dt.date,
    params: ParameterSet,
    *,
    since: dt.datetime | None = None,
    indicators: Iterable[Indicator] | None = None,
    threads: int | None = None,
    backend: str = "duckdb",
    spark: Any | None = None,
) -> Findings:
    """Run the indicators over the exported tables; see the module docstring for the modes.

    *backend* is ``"duckdb"`` or ``"spark"``; *spark* an existing SparkSession to use (else a
    local one is started, and stopped at the end).
    """
    t0 = time.perf_counter()
    chosen = list(indicators if indicators is not None else INDICATORS)
    engine = _engine(backend, snapshot_dir, data_dir, threads, spark)
    try:
        counties = [str(r) for r in engine.query(_counties_sql()).column(0).to_pylist() if r] + [PROVINCE]
        parts: list[pa.Table] = []
        counts: dict[str, int] = {}
        skipped: list[str] = []
        timings: dict[str, float] = {}
        for ind in chosen:
            if since is not None and ind.registry_only:
                skipped.append(ind.key)
                continue
            ptab = param_table(ind, params, counties, as_of)
            if not any(ptab.column("enabled").to_pylist()):
                skipped.append(ind.key)
                continue
            engine.register(f"p_{ind.key}", ptab)
            ti = time.perf_counter()
            out = engine.query(engine.indicator_sql(ind, as_of, since))
            timings[ind.key] = time.perf_counter() - ti
            out = out.cast(FINDING_SCHEMA)
            counts[ind.key] = out.num_rows
            parts.append(out)
        table = pa.concat_tables(parts) if parts else FINDING_SCHEMA.empty_table()
    finally:
        engine.close()
    return Findings(table=table, counts=counts, skipped=skipped, as_of=as_of, incremental=since is not None,
                    seconds=time.perf_counter() - t0, timings=timings, backend=backend)
