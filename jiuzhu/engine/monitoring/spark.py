"""The comparison run on Apache Spark (local mode): the same indicator queries, in Spark SQL.

Pure Python, no Django.  Each indicator is declared once, in DuckDB SQL
(:mod:`.indicators`); :func:`to_spark_sql` transpiles the finished query of
:func:`.compare.indicator_sql` (fingerprint, subject and the incremental filter included)
with sqlglot (DuckDB → Spark), and :class:`SparkEngine` runs it over the same Parquet tables
(:mod:`.tables`).  :func:`.compare.run_comparison` with ``backend="spark"`` uses it: the
parameters, the skipping rules and the result schema are shared with DuckDB, so both backends
return the same findings (``tests/monitoring/test_spark.py``).

sqlglot does the dialect (casts, ``DATE '…'``, list literals, ``sha256``, ``bool_or``,
quoting …).  A few rewrites of the syntax tree stay here, each for a reason sqlglot cannot know:

=============================================  ===============================================
DuckDB                                         Spark SQL, and why it is rewritten here
=============================================  ===============================================
``to_months(n)`` / ``to_days(n)``              ``make_interval(0, n)`` / ``make_interval(0, 0, 0, n)``
                                               (sqlglot leaves them as DuckDB functions)
``json_object(k, v, …)``                       ``to_json(named_struct(k, v, …), map('ignoreNullFields', 'false'))``
                                               (sqlglot writes ``JSON_OBJECT``, which Spark has not)
``string_agg([DISTINCT] x, sep ORDER BY x)``   ``array_join(array_sort(collect_set|list(x)), sep)``, NULL if none
                                               (Spark 4.x fails to plan ``listagg(DISTINCT …) WITHIN
                                               GROUP`` beside other aggregates)
``list_position(l, x)``                        ``array_position(l, x)`` (unknown to sqlglot's DuckDB)
``TIMESTAMPTZ '… +00'``                        ``CAST('… +00:00' AS TIMESTAMP)`` (Spark wants the
                                               offset's minutes)
=============================================  ===============================================

A DuckDB function sqlglot does not know, with no rewrite here, is refused
(:class:`SparkTranslationError`) rather than sent to Spark as it is.  A DuckDB
``DATE - INTERVAL`` is a timestamp and Spark's a date; the indicators only compare dates with
it, so the results are the same.  ``json_object`` and ``to_json`` format numbers and spacing
alike but the tests compare the ``detail`` parsed anyway.  An indicator that Spark cannot run
well gets an explicit form in :data:`SPARK_OVERRIDES` (``member_death``: its correlated
``EXISTS … OR …`` becomes a nested-loop join in Spark); tests check that every indicator has a
Spark form and that an override returns what the declaration returns.  Why sqlglot, and what
it cost: ``docs/decisions/0019-one-spark-helper-sqlglot-dialect.md``.

Nothing is downloaded: no packages, no Ivy, the UI is off.  pyspark is optional; import this
module only where it is installed (``compare`` imports it lazily).
"""

# ruff: noqa: S608  (queries are built from declared constants and dates only, never from input)

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, TABLES
from jiuzhu.engine.monitoring.compare import indicator_sql
from jiuzhu.engine.monitoring.indicators import Indicator
from jiuzhu.engine.monitoring.tables import _REG_VIEW, MON_SCHEMAS, dept_schema, dept_table_name
from jiuzhu.engine.spark import local_session
from jiuzhu.rules.exchange.sources import SOURCES

__all__ = [
    "SPARK_OVERRIDES", "SparkEngine", "SparkTranslationError", "local_session", "spark_indicator_sql", "to_spark_sql",
]

# key → another body of the indicator for Spark (same placeholders as Indicator.sql), when its
# declared form cannot be translated by :func:`to_spark_sql` or Spark cannot run it well.  The
# finished query (fingerprint, incremental filter) still passes through the layer, so an override
# is read like the declarations; functions sqlglot does not know are taken as Spark's own and pass
# through unchanged (``keep_unknown``), so an override may also call them (``add_months`` …).
SPARK_OVERRIDES: dict[str, str] = {
    # Same condition and result as the declaration.  The declared form tests "assistance still
    # running" with EXISTS (… person OR household …) inside bool_or: DuckDB turns that into hash
    # joins, Spark into a broadcast nested-loop existence join (every death × the whole assistance
    # chain: more than 15 minutes at 1 M households on 2 cores).  Here the two matches are two
    # equi-joins, united, then joined back.  Written in the indicators' dialect (translated like
    # them); tests/monitoring/test_spark.py checks it against the declaration on DuckDB too.
    "member_death": """
WITH d AS (
  SELECT person_index, death_date AS d FROM d_health_deaths
  UNION ALL
  SELECT person_index, change_date FROM d_public_security_hukou_changes WHERE change_type = 'death'
), dm AS (
  SELECT g.household_key, g.member_key, g.person_key, g.county_code, g.township_code, d.d
  FROM d JOIN reg g ON g.person_key = d.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND d.d <= $as_of
), running AS (
  SELECT dm.member_key, dm.d FROM dm JOIN assistance a ON a.person_index = dm.person_key
  WHERE coalesce(a.end_date, DATE '9999-12-31') > dm.d
  UNION
  SELECT dm.member_key, dm.d FROM dm JOIN assistance a ON a.household_key = dm.household_key
  WHERE coalesce(a.end_date, DATE '9999-12-31') > dm.d
)
SELECT dm.household_key, dm.member_key, dm.person_key AS person_index, dm.county_code,
       dm.township_code AS region_hint, min(dm.d) AS event_date, min(dm.d)::VARCHAR AS facts,
       json_object('death_date', min(dm.d)::VARCHAR,
                   'assistance_running', bool_or(r.member_key IS NOT NULL))::VARCHAR AS detail
FROM dm LEFT JOIN running r ON r.member_key = dm.member_key AND r.d = dm.d
GROUP BY dm.household_key, dm.member_key, dm.person_key, dm.county_code, dm.township_code""",
}


class SparkTranslationError(ValueError):
    """The DuckDB query uses a construct the dialect layer cannot translate."""


# --------------------------------------------------------------------------- the dialect layer

# DuckDB functions sqlglot leaves as they are (``exp.Anonymous``) and their Spark form.
_ANONYMOUS: Final[dict[str, tuple[int, Callable[[list[exp.Expr]], exp.Expr]]]] = {
    "to_months": (1, lambda a: exp.MakeInterval(year=exp.Literal.number(0), month=a[0])),
    "list_position": (2, lambda a: exp.ArrayPosition(this=a[0], expression=a[1])),
}
# (A node replaced by a rewrite is not visited again by ``transform``: its parts are rewritten first.)
_OFFSET_HOURS: Final = re.compile(r"[+-]\d\d$")


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _string_agg(node: exp.GroupConcat) -> exp.Expr:
    """``string_agg`` ordered by its own value → a sorted set or list (see the module docstring)."""
    this, sep = node.this, node.args.get("separator") or exp.Literal.string(",")
    if not isinstance(this, exp.Order) or len(this.expressions) != 1:
        return node
    inner, key = this.this, this.expressions[0].this
    distinct = isinstance(inner, exp.Distinct)
    value = inner.expressions[0] if distinct else inner
    if value != key or this.expressions[0].args.get("desc"):
        return node  # ordered by something else: sqlglot's listagg … WITHIN GROUP
    value = _translated(value)
    items = _call("collect_set" if distinct else "collect_list", value)
    return exp.Case(ifs=[exp.If(this=exp.EQ(this=exp.Count(this=value.copy()), expression=exp.Literal.number(0)),
                                true=exp.Null())],
                    default=_call("array_join", _call("array_sort", items), _translated(sep)))


def _rewrite(node: exp.Expr, keep_unknown: bool = False) -> exp.Expr:
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        if name not in _ANONYMOUS:
            if keep_unknown:  # an override written for Spark may call Spark's own functions
                return node
            raise SparkTranslationError(f"{node.name} has no Spark translation; add a rewrite or a SPARK_OVERRIDES entry")
        arity, build = _ANONYMOUS[name]
        if len(node.expressions) != arity:
            raise SparkTranslationError(f"{node.name} takes {arity} argument(s)")
        return build([_translated(a) for a in node.expressions])
    if isinstance(node, exp.ToDays):
        zero = exp.Literal.number(0)
        return exp.MakeInterval(year=zero, month=zero.copy(), week=zero.copy(), day=_translated(node.this))
    if isinstance(node, exp.JSONObject):
        pairs = [_translated(part) for kv in node.expressions for part in (kv.this, kv.expression)]
        options = _call("map", exp.Literal.string("ignoreNullFields"), exp.Literal.string("false"))
        return _call("to_json", _call("named_struct", *pairs), options)
    if isinstance(node, exp.GroupConcat):
        return _string_agg(node)
    if (isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.TIMESTAMPTZ)
            and isinstance(node.this, exp.Literal) and _OFFSET_HOURS.search(node.this.name)):
        return exp.cast(exp.Literal.string(node.this.name + ":00"), exp.DataType.Type.TIMESTAMP)
    return node


def _translated(node: exp.Expr, keep_unknown: bool = False) -> exp.Expr:
    return node.transform(_rewrite, keep_unknown)


def to_spark_sql(sql: str, *, keep_unknown: bool = False) -> str:
    """Transpile a DuckDB indicator query to Spark SQL (see the module docstring).

    *keep_unknown*: pass functions sqlglot does not know through as they are (for
    :data:`SPARK_OVERRIDES`, which may be written with Spark's own functions) instead of refusing.
    """
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
        return _translated(tree, keep_unknown).sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as err:  # unreadable SQL, or a construct sqlglot cannot write for Spark
        raise SparkTranslationError(f"no Spark translation: {err}") from err


def spark_indicator_sql(ind: Indicator, as_of: dt.date, *, since: dt.datetime | None = None) -> str:
    """The finished Spark SQL query of *ind*: its override if it has one, else its translated query."""
    override = SPARK_OVERRIDES.get(ind.key)
    return to_spark_sql(indicator_sql(ind, as_of, since=since, body=override), keep_unknown=override is not None)


# --------------------------------------------------------------------------- the engine


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _dedupe(names: list[str]) -> list[str]:
    """Column names made unique as DuckDB's ``read_parquet`` does (``x``, ``x_1``, ``x_2``…)."""
    seen: set[str] = set()
    out = []
    for name in names:
        new, n = name, 0
        while new in seen:
            n += 1
            new = f"{name}_{n}"
        seen.add(new)
        out.append(new)
    return out


class SparkEngine:
    """Temp views over the exported Parquet tables in a SparkSession; runs translated queries.

    Without *spark*, a local session is started and stopped by :meth:`close` (a session
    already running in the process is used and left running).
    """

    def __init__(self, snapshot_dir: str | Path, data_dir: str | Path, *, spark: Any | None = None,
                 cores: int = 2) -> None:
        if spark is None:
            from pyspark import SparkContext

            # a session already running in this process is reused (and left running)
            self._own = SparkContext._active_spark_context is None
            spark = local_session("jiuzhu-monitoring", cores=cores)
        else:
            self._own = False
        self.spark = spark
        self._tmp: Path | None = None
        snap, data = Path(snapshot_dir), Path(data_dir)
        for name in TABLES:
            self._view(name, snap / f"{name}.parquet", SNAPSHOT_SCHEMAS[name])
        for name, schema in MON_SCHEMAS.items():
            self._view(name, data / f"{name}.parquet", schema)
        for source in SOURCES.values():
            name = dept_table_name(source.key)
            self._view(name, data / f"{name}.parquet", dept_schema(source))
        self.spark.sql(_REG_VIEW.replace("CREATE VIEW", "CREATE OR REPLACE TEMP VIEW", 1))

    def _view(self, name: str, path: Path, schema: pa.Schema) -> None:
        if path.exists():
            file_schema = pq.read_schema(path)
            unique = _dedupe(file_schema.names)
            if unique != file_schema.names:  # Spark refuses duplicate columns; DuckDB renames them: do the same
                self._tmp = self._tmp or Path(tempfile.mkdtemp(prefix="jiuzhu-spark-"))
                copy = self._tmp / path.name
                pq.write_table(pq.ParquetFile(path).read().rename_columns(unique), copy)
                path, file_schema = copy, pq.read_schema(copy)
            # the file's own schema, given: Spark does not run a job to infer it
            df = self.spark.read.schema(_spark_schema(file_schema.remove_metadata())).parquet(str(path))
        else:
            empty = schema.empty_table().rename_columns(_dedupe(schema.names))
            df = self.spark.createDataFrame([], schema=_spark_schema(empty.schema))
        df.createOrReplaceTempView(name)

    def register(self, name: str, table: pa.Table) -> None:
        rows = [tuple(r.values()) for r in table.to_pylist()]
        self.spark.createDataFrame(rows, schema=_spark_schema(table.schema)).createOrReplaceTempView(name)

    def indicator_sql(self, ind: Indicator, as_of: dt.date, since: dt.datetime | None) -> str:
        return spark_indicator_sql(ind, as_of, since=since)

    def query(self, sql: str) -> pa.Table:
        """Run *sql* (Spark SQL, e.g. from :meth:`indicator_sql`, or SQL both engines read) and return Arrow."""
        result: pa.Table = self.spark.sql(sql).toArrow()
        return result

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        if self._own:
            self.spark.stop()
