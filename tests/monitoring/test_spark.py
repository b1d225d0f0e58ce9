"""The comparison on Spark (local mode) returns exactly the DuckDB findings; the dialect layer.

The translation tests are pure (no pyspark needed); the parity tests (marker ``spark``) run
every indicator on both backends over one world made of every raising and quiet case of
``test_indicators`` (each case with its own persons), full and incremental, and once through
the platform (export from the database, warnings stored).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.engine.monitoring.compare import BACKENDS, Findings, indicator_sql, run_comparison
from jiuzhu.engine.monitoring.indicators import INDICATORS, get_indicator
from jiuzhu.engine.monitoring.spark import (
    SPARK_OVERRIDES,
    SparkTranslationError,
    spark_indicator_sql,
    to_spark_sql,
)
from jiuzhu.rules.params.loader import Override, load_jiangxi
from tests.monitoring import test_indicators as cases
from tests.monitoring.world import AS_OF, COUNTY, LOADED, World

# --------------------------------------------------------------------------- the dialect layer (pure)


def _flat(sql: str) -> str:
    return re.sub(r"\s+", " ", sql).strip()


@pytest.mark.parametrize("duck, spark", [
    ("SELECT x::VARCHAR, NULL::BIGINT, y::text", "SELECT CAST(x AS STRING), CAST(NULL AS BIGINT), CAST(y AS STRING)"),
    ("SELECT d > DATE '2026-11-01' - to_months(p.m::INTEGER + 12)",
     "SELECT d > CAST('2026-11-01' AS DATE) - MAKE_INTERVAL(0, CAST(p.m AS INT) + 12)"),
    ("SELECT d > DATE '2026-11-01' - to_days(p.n::INTEGER)",
     "SELECT d > CAST('2026-11-01' AS DATE) - MAKE_INTERVAL(0, 0, 0, CAST(p.n AS INT))"),
    ("SELECT json_object('a', max(x)::VARCHAR, 'n', count(*))::VARCHAR",
     "SELECT CAST(TO_JSON(NAMED_STRUCT('a', CAST(MAX(x) AS STRING), 'n', COUNT(*)), MAP('ignoreNullFields', 'false')) "
     "AS STRING)"),
    ("SELECT string_agg(DISTINCT a || ':' || b, ',' ORDER BY a || ':' || b)",
     "SELECT CASE WHEN COUNT(a || ':' || b) = 0 THEN NULL "
     "ELSE ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(a || ':' || b)), ',') END"),
    ("SELECT string_agg(w.d::VARCHAR, ',' ORDER BY w.d::VARCHAR)",
     "SELECT CASE WHEN COUNT(CAST(w.d AS STRING)) = 0 THEN NULL "
     "ELSE ARRAY_JOIN(ARRAY_SORT(COLLECT_LIST(CAST(w.d AS STRING))), ',') END"),
    # ordered by another value: listagg, nulls last as in DuckDB; no separator: DuckDB's comma
    ("SELECT string_agg(a, '|' ORDER BY b)", "SELECT LISTAGG(a, '|') WITHIN GROUP (ORDER BY b NULLS LAST)"),
    ("SELECT string_agg(x)", "SELECT LISTAGG(x, ',')"),
    ("SELECT list_position(['none', 'minor'], r.x) >= list_position(['none', 'minor'], p.y)",
     "SELECT ARRAY_POSITION(ARRAY('none', 'minor'), r.x) >= ARRAY_POSITION(ARRAY('none', 'minor'), p.y)"),
    ("SELECT sha256(concat_ws('|', 'k', coalesce(f.facts, '')))",
     "SELECT SHA2(CONCAT_WS('|', 'k', COALESCE(f.facts, '')), 256)"),
    ("SELECT 1 FROM t WHERE loaded_at > TIMESTAMPTZ '2026-10-30 12:00:00.000000+00'",
     "SELECT 1 FROM t WHERE loaded_at > CAST('2026-10-30 12:00:00.000000+00:00' AS TIMESTAMP)"),
    # string literals are data, never rewritten; quoted names stay names
    ("SELECT 'to_months(1)::VARCHAR [x]', \"json_object\"", "SELECT 'to_months(1)::VARCHAR [x]', `json_object`"),
    # rewrites inside rewrites
    ("SELECT json_object('k', string_agg(DISTINCT c, ',' ORDER BY c), 'd', d - to_days(n - to_months(1)))",
     "SELECT TO_JSON(NAMED_STRUCT('k', CASE WHEN COUNT(c) = 0 THEN NULL ELSE ARRAY_JOIN(ARRAY_SORT(COLLECT_SET(c)), ',') "
     "END, 'd', d - MAKE_INTERVAL(0, 0, 0, n - MAKE_INTERVAL(0, 1))), MAP('ignoreNullFields', 'false'))"),
    # what sqlglot knows of both dialects, it translates itself
    ("SELECT strftime(d, '%Y'), list_contains(l, 1)", "SELECT DATE_FORMAT(d, 'yyyy'), ARRAY_CONTAINS(l, 1)"),
    ("SELECT x FROM t QUALIFY row_number() OVER () = 1",
     "SELECT x FROM (SELECT x, ROW_NUMBER() OVER () AS _w FROM t) AS _t WHERE _w = 1"),
])
def test_translation(duck: str, spark: str) -> None:
    assert _flat(to_spark_sql(duck)) == _flat(spark)


@pytest.mark.parametrize("bad", [
    "SELECT to_years(1)",  # a DuckDB function sqlglot does not know, and no rewrite here
    "SELECT list_aggregate(l, 'sum')",
    "SELECT json_object('a')",
    "SELECT to_days(1, 2)",
    "SELECT to_months(1, 2)",
    "SELECT sha256((a)",
    "SELECT 'unterminated",
])
def test_untranslatable_sql_is_refused(bad: str) -> None:
    with pytest.raises(SparkTranslationError):
        to_spark_sql(bad)


_DUCK_ONLY = re.compile(r"json_object|string_agg|to_months|to_days|list_position|sha256\(|TIMESTAMPTZ|::VARCHAR|\[",
                        re.IGNORECASE)


@pytest.mark.parametrize("ind", INDICATORS, ids=[i.key for i in INDICATORS])
def test_every_indicator_has_a_spark_form(ind: Any) -> None:
    """Full and incremental forms translate and keep no DuckDB-only construct (outside literals)."""
    for since in (None, LOADED):
        spark = spark_indicator_sql(ind, AS_OF, since=since)
        code = re.sub(r"'(?:[^']|'')*'", "''", spark)
        assert not _DUCK_ONLY.search(code), code
        assert "SHA2(" in code and f"p_{ind.key}" in code
    assert set(SPARK_OVERRIDES) <= {i.key for i in INDICATORS}


# review_overdue written directly in Spark SQL (add_months instead of the translated interval)
_OVERRIDE = """
SELECT h.household_key, CAST(NULL AS BIGINT) AS member_key, CAST(NULL AS STRING) AS person_index, h.county_code,
       h.township_code AS region_hint, h.last_review_on AS event_date, CAST(h.last_review_on AS STRING) AS facts,
       to_json(named_struct('last_review_on', CAST(h.last_review_on AS STRING))) AS detail
FROM mon_households h
JOIN $p p ON p.county_code = h.county_code
WHERE p.enabled AND h.recipient AND h.last_review_on < add_months($as_of, -CAST(p.review_months AS INT))"""


def test_an_override_replaces_the_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    ind = get_indicator("review_overdue")
    assert "MAKE_INTERVAL" in spark_indicator_sql(ind, AS_OF)
    monkeypatch.setitem(SPARK_OVERRIDES, ind.key, _OVERRIDE)
    sql = spark_indicator_sql(ind, AS_OF)
    assert "ADD_MONTHS(CAST('2026-11-01' AS DATE), -CAST(p.review_months AS INT))" in sql
    assert "NAMED_STRUCT(" in sql  # Spark's own functions in an override pass through
    assert "MAKE_INTERVAL" not in sql and "JOIN p_review_overdue AS p" in sql and "SHA2(" in sql
    assert "MAKE_INTERVAL" in to_spark_sql(indicator_sql(ind, AS_OF))  # DuckDB's own query is unchanged
    with pytest.raises(SparkTranslationError):  # … but a declaration may not call them
        to_spark_sql(indicator_sql(ind, AS_OF, body=_OVERRIDE))


def test_one_spark_session_helper() -> None:
    """The engine has one helper for a local SparkSession; both engines' modules hand out that one."""
    from jiuzhu.engine import spark
    from jiuzhu.engine.determination import spark as determination_spark
    from jiuzhu.engine.monitoring import spark as monitoring_spark

    assert determination_spark.local_session is monitoring_spark.local_session is spark.local_session


def test_unknown_backend_is_refused(tmp_path: Path) -> None:
    assert BACKENDS == ("duckdb", "spark")
    with pytest.raises(ValueError, match="unknown comparison backend"):
        run_comparison(tmp_path, tmp_path, AS_OF, load_jiangxi(), backend="oracle")


# --------------------------------------------------------------------------- parity on Spark


class _CaseWorld(World):
    """Every case of test_indicators in one world: case *n* has its own persons; odd cases' feeds
    were loaded two days earlier (so an incremental run sees only part of the world)."""

    case = 0

    def _person(self, person: str) -> str:
        return f"{self.case:03d}{person[3:]}"

    def member(self, household: int, person: str, **extra: Any) -> str:
        return super().member(household, self._person(person), **extra)

    def feed(self, source: str, person: str, **kw: Any) -> None:
        if self.case % 2:
            kw["loaded"] = LOADED - dt.timedelta(days=2)
        super().feed(source, self._person(person), **kw)

    def assistance(self, person: str, *args: Any, **kw: Any) -> None:
        super().assistance(self._person(person), *args, **kw)


@pytest.fixture(scope="module")
def world_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    w = _CaseWorld()
    for n, (_key, _name, scenario, _expected) in enumerate(cases.CASES):
        w.case = n
        scenario(w)
    return w.write(tmp_path_factory.mktemp("spark-world"))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from jiuzhu.engine.spark import local_session

    session = local_session(cores=2)
    session.conf.set("spark.sql.shuffle.partitions", "1")  # a tiny world: one task per shuffle
    yield session
    session.stop()


@pytest.mark.parametrize("key", sorted(SPARK_OVERRIDES))
def test_override_equals_the_declaration_on_duckdb(world_dirs: tuple[Path, Path], key: str) -> None:
    """An override is the same condition: on DuckDB it finds exactly what the declaration finds."""
    snap, data = world_dirs
    ind = get_indicator(key)
    declared = run_comparison(snap, data, AS_OF, _PARAMS, indicators=[ind])
    override = run_comparison(snap, data, AS_OF, _PARAMS, indicators=[dataclasses.replace(ind, sql=SPARK_OVERRIDES[key])])
    assert declared.counts[key] >= 1
    assert _rows(override) == _rows(declared)


def _rows(f: Findings) -> list[dict[str, Any]]:
    rows = f.table.to_pylist()
    for r in rows:
        r["detail"] = json.loads(r["detail"])  # formatting may differ, content may not
    return sorted(rows, key=lambda r: (r["indicator"], r["subject"], r["fingerprint"]))


_PARAMS = load_jiangxi().with_overrides([Override("monitoring.disaster.min_damage", "minor", region=COUNTY)])


@pytest.mark.spark
def test_spark_finds_what_duckdb_finds(world_dirs: tuple[Path, Path], spark: Any) -> None:
    snap, data = world_dirs
    duck = run_comparison(snap, data, AS_OF, _PARAMS)
    sp = run_comparison(snap, data, AS_OF, _PARAMS, backend="spark", spark=spark)
    assert sp.backend == "spark" and duck.backend == "duckdb"
    assert sp.table.schema.equals(duck.table.schema)
    # every indicator ran and found something (registered and not-in-the-registry ones alike)
    assert duck.skipped == sp.skipped == []
    assert set(duck.counts) == {i.key for i in INDICATORS} and min(duck.counts.values()) >= 1
    assert sp.counts == duck.counts
    assert duck.counts["disaster"] == 2  # the county's tuned threshold applied on both
    assert _rows(sp) == _rows(duck)
    assert spark.sparkContext._jsc is not None  # a given session is left running


@pytest.mark.spark
def test_spark_incremental_run_equals_duckdb(world_dirs: tuple[Path, Path], spark: Any) -> None:
    snap, data = world_dirs
    since = LOADED - dt.timedelta(days=1)
    full = run_comparison(snap, data, AS_OF, _PARAMS)
    duck = run_comparison(snap, data, AS_OF, _PARAMS, since=since)
    sp = run_comparison(snap, data, AS_OF, _PARAMS, since=since, backend="spark", spark=spark)
    assert sp.skipped == duck.skipped == ["review_overdue"]
    assert 0 < duck.table.num_rows < full.table.num_rows - full.counts["review_overdue"]
    assert sp.counts == duck.counts
    assert _rows(sp) == _rows(duck)


@pytest.mark.spark
def test_spark_override_gives_the_same_findings(world_dirs: tuple[Path, Path], spark: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    snap, data = world_dirs
    only = [get_indicator("review_overdue")]
    duck = run_comparison(snap, data, AS_OF, _PARAMS, indicators=only)
    monkeypatch.setitem(SPARK_OVERRIDES, "review_overdue", _OVERRIDE)
    sp = run_comparison(snap, data, AS_OF, _PARAMS, indicators=only, backend="spark", spark=spark)
    assert duck.counts == sp.counts == {"review_overdue": 1}
    assert _rows(sp) == _rows(duck)


# --------------------------------------------------------------------------- through the platform


@pytest.mark.django_db
def test_backend_setting_and_option(settings: Any) -> None:
    from django.core.management import CommandError, call_command

    from jiuzhu.apps.monitoring.services import comparison_backend

    assert comparison_backend() == "duckdb"
    settings.JIUZHU_MONITORING_BACKEND = "spark"
    assert comparison_backend() == "spark" and comparison_backend("duckdb") == "duckdb"
    settings.JIUZHU_MONITORING_BACKEND = "oracle"
    with pytest.raises(ValueError):
        comparison_backend()
    with pytest.raises(CommandError, match="--backend"):
        call_command("monitor_run", "--full", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--backend"):
        call_command("monitor_run", "--full", "--backend", "oracle", stdout=io.StringIO())


@pytest.mark.spark
@pytest.mark.django_db
def test_platform_run_on_spark_then_duckdb_raises_nothing_new(households: Any, spark: Any) -> None:
    """Same subjects and fingerprints through the export: a DuckDB run after a Spark run only
    finds what is already open."""
    from django.core.management import call_command

    from jiuzhu.apps.monitoring import services
    from jiuzhu.apps.monitoring.models import ComparisonRun, Warning
    from tests.monitoring.conftest import add_record, days_ago

    add_record("health_serious_illness", "360124198001010011", disease_code="uremia", diagnosed_on=days_ago(10))
    add_record("trade_union_difficult_workers", "360124199002020031", registered_on=days_ago(5))
    out = io.StringIO()
    call_command("monitor_run", "--full", "--backend", "spark", stdout=out)
    assert "spark" in out.getvalue()
    on_spark = ComparisonRun.objects.get()
    assert on_spark.state == "done" and on_spark.raised >= 2
    assert {"serious_illness", "difficult_worker_unmonitored"} <= set(Warning.objects.values_list("indicator",
                                                                                                  flat=True))
    again = services.comparison_run(actor=None, mode="full", backend="duckdb")
    assert again.counts == on_spark.counts and again.findings == on_spark.findings
    assert again.raised == 0 and again.already_open == on_spark.raised
    assert spark.sparkContext._jsc is not None  # the running session was reused, not stopped
