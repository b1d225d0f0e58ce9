"""The comparison run on Apache Spark (local mode): the same indicator queries, in Spark SQL.

Pure Python, no Django.  Each indicator is declared once, in DuckDB SQL
(:mod:`.indicators`); :func:`to_spark_sql` translates the finished query of
:func:`.compare.indicator_sql` (fingerprint, subject and the incremental filter included)
with a small, explicit dialect layer, and :class:`SparkEngine` runs it over the same Parquet
tables (:mod:`.tables`).  :func:`.compare.run_comparison` with ``backend="spark"`` uses it:
the parameters, the skipping rules and the result schema are shared with DuckDB, so both
backends return the same findings (``tests/monitoring/test_spark.py``).

The dialect layer (everything else in the indicator SQL is common to both engines):

=============================================  ===============================================
DuckDB                                         Spark SQL
=============================================  ===============================================
``x::VARCHAR`` / ``x::TEXT``                   ``x::STRING``
``to_months(n)`` / ``to_days(n)``              ``make_interval(0, n)`` / ``make_interval(0, 0, 0, n)``
``json_object(k, v, …)``                       ``to_json(named_struct(k, v, …), map('ignoreNullFields', 'false'))``
``string_agg([DISTINCT] x, sep ORDER BY x)``   ``array_join(array_sort(collect_set|list(x)), sep)`` (NULL if none)
``string_agg(x, sep ORDER BY y)``               ``listagg(x, sep) WITHIN GROUP (ORDER BY y)``
``[a, b, …]`` (a list literal)                 ``array(a, b, …)``
``list_position(l, x)``                        ``array_position(l, x)``
``sha256(x)``                                  ``sha2(x, 256)``
``TIMESTAMPTZ '… +00'``                        ``TIMESTAMP '… +00:00'``
=============================================  ===============================================

A DuckDB ``DATE - INTERVAL`` is a timestamp and Spark's a date; the indicators only compare
dates with it, so the results are the same.  ``json_object`` and ``to_json`` format numbers
and spacing alike but compare the ``detail`` parsed anyway.  An indicator whose translation
Spark cannot run well gets an explicit form in :data:`SPARK_OVERRIDES` (``member_death``: its
correlated ``EXISTS … OR …`` becomes a nested-loop join in Spark); tests check that every
indicator has a Spark form and that an override returns what the declaration returns.

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

from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, TABLES
from jiuzhu.engine.monitoring.compare import indicator_sql
from jiuzhu.engine.monitoring.indicators import Indicator
from jiuzhu.engine.monitoring.tables import _REG_VIEW, MON_SCHEMAS, dept_schema, dept_table_name
from jiuzhu.engine.spark import local_session
from jiuzhu.rules.exchange.sources import SOURCES

__all__ = [
    "SPARK_OVERRIDES", "SparkEngine", "SparkTranslationError", "local_session", "spark_indicator_sql", "to_spark_sql",
]

# key → the body of the indicator in Spark SQL (same placeholders as Indicator.sql), when the
# DuckDB form cannot be translated by :func:`to_spark_sql`.  The finished query (fingerprint,
# incremental filter) still passes through the layer, which leaves plain Spark SQL unchanged.
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
    """The DuckDB query uses a construct the dialect layer does not know."""


# --------------------------------------------------------------------------- the dialect layer

_TOKEN: Final = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z0-9_]*|::|\s+|.", re.S)
_CASTS: Final[dict[str, str]] = {"varchar": "STRING", "text": "STRING", "string": "STRING"}
# DuckDB-only constructs the layer does not translate: refused rather than sent to Spark.
_UNSUPPORTED: Final = frozenset({
    "list_value", "list_contains", "list_aggregate", "list_transform", "struct_pack", "strftime", "date_diff",
    "regexp_matches", "to_years", "to_weeks", "to_hours", "to_minutes", "to_seconds", "epoch", "qualify",
})


def _tokens(sql: str) -> list[str]:
    return _TOKEN.findall(sql)


def _next(toks: list[str], i: int) -> int:
    """Index of the first non-blank token at or after *i* (len(toks) if none)."""
    while i < len(toks) and toks[i].isspace():
        i += 1
    return i


def _close(toks: list[str], i: int) -> int:
    """Index of the bracket closing the one at *i*."""
    pairs = {"(": ")", "[": "]"}
    stack = [pairs[toks[i]]]
    j = i + 1
    while j < len(toks):
        t = toks[j]
        if t in pairs:
            stack.append(pairs[t])
        elif t in (")", "]"):
            if t != stack.pop():
                raise SparkTranslationError(f"unbalanced brackets near token {j}")
            if not stack:
                return j
        j += 1
    raise SparkTranslationError("unbalanced brackets")


def _split_top(toks: list[str], sep: Callable[[list[str], int], bool]) -> list[list[str]]:
    """Split *toks* where *sep* matches outside brackets."""
    parts: list[list[str]] = [[]]
    depth = 0
    for i, t in enumerate(toks):
        if t in ("(", "["):
            depth += 1
        elif t in (")", "]"):
            depth -= 1
        if depth == 0 and sep(toks, i):
            parts.append([])
            continue
        parts[-1].append(t)
    return parts


def _args(toks: list[str]) -> list[str]:
    """The translated, comma-separated arguments of a call (its inner tokens)."""
    if not "".join(toks).strip():
        return []
    return [_translate(p).strip() for p in _split_top(toks, lambda ts, i: ts[i] == ",")]


def _order_by_at(toks: list[str], i: int) -> bool:
    return toks[i].lower() == "order" and toks[_next(toks, i + 1)].lower() == "by" if i + 1 < len(toks) else False


def _string_agg(inner: list[str]) -> str:
    parts = _split_top(inner, _order_by_at)
    if len(parts) > 2:
        raise SparkTranslationError("string_agg with two ORDER BY")
    head = parts[0]
    j = _next(head, 0)
    distinct = j < len(head) and head[j].lower() == "distinct"
    args = _args(head[j + 1:] if distinct else head)
    if len(args) != 2:
        raise SparkTranslationError("string_agg needs a value and a separator")
    value, sep = args
    order = ""
    if len(parts) == 2:
        k = _next(parts[1], 0)  # the "BY" token
        order = _translate(parts[1][k + 1:]).strip()
    if order == value:
        # Ordered by the value itself (every indicator): a sorted set or list.  Spark's
        # listagg(DISTINCT …) WITHIN GROUP fails to plan beside other aggregates (4.x).
        items = f"{'collect_set' if distinct else 'collect_list'}({value})"
        return f"CASE WHEN count({value}) = 0 THEN NULL ELSE array_join(array_sort({items}), {sep}) END"
    call = f"listagg({'DISTINCT ' if distinct else ''}{value}, {sep})"
    return f"{call} WITHIN GROUP (ORDER BY {order})" if order else call


def _json_object(inner: list[str]) -> str:
    args = _args(inner)
    if len(args) % 2:
        raise SparkTranslationError("json_object needs key/value pairs")
    return f"to_json(named_struct({', '.join(args)}), map('ignoreNullFields', 'false'))"


def _one(name: str, inner: list[str]) -> str:
    args = _args(inner)
    if len(args) != 1:
        raise SparkTranslationError(f"{name} takes one argument")
    return args[0]


_CALLS: Final[dict[str, Callable[[list[str]], str]]] = {
    "to_months": lambda a: f"make_interval(0, {_one('to_months', a)})",
    "to_days": lambda a: f"make_interval(0, 0, 0, {_one('to_days', a)})",
    "json_object": _json_object,
    "string_agg": _string_agg,
    "list_position": lambda a: f"array_position({', '.join(_args(a))})",
    "sha256": lambda a: f"sha2({_one('sha256', a)}, 256)",
}


def _translate(toks: list[str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        low = t.lower()
        j = _next(toks, i + 1)
        after = toks[j] if j < len(toks) else ""
        if low in _CALLS and after == "(":
            k = _close(toks, j)
            out.append(_CALLS[low](toks[j + 1:k]))
            i = k + 1
            continue
        if low in _UNSUPPORTED and (after == "(" or low == "qualify"):
            raise SparkTranslationError(f"{t} has no Spark translation; add a SPARK_OVERRIDES entry")
        if t == "[":
            k = _close(toks, i)
            out.append(f"array({', '.join(_args(toks[i + 1:k]))})")
            i = k + 1
            continue
        if t == "::":
            if low_type := after.lower():
                out.append("::" + _CASTS.get(low_type, after))
                i = j + 1
                continue
        if low == "timestamptz" and after.startswith("'"):
            literal = after
            if re.search(r"[+-]\d\d'$", literal):
                literal = literal[:-1] + ":00'"
            out.append(f"TIMESTAMP {literal}")
            i = j + 1
            continue
        out.append(t)
        i += 1
    return "".join(out)


def to_spark_sql(sql: str) -> str:
    """Translate a DuckDB indicator query to Spark SQL (see the module docstring)."""
    return _translate(_tokens(sql))


def spark_indicator_sql(ind: Indicator, as_of: dt.date, *, since: dt.datetime | None = None) -> str:
    """The finished Spark SQL query of *ind*: its override if it has one, else its translated query."""
    return to_spark_sql(indicator_sql(ind, as_of, since=since, body=SPARK_OVERRIDES.get(ind.key)))


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
        """Run *sql* (DuckDB dialect, or Spark SQL the layer leaves alone) and return Arrow."""
        result: pa.Table = self.spark.sql(to_spark_sql(sql)).toArrow()
        return result

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        if self._own:
            self.spark.stop()
