"""`jiuzhu cycle` (issue 17 §2, §5): the JSON contract, re-running the month changes nothing, `kill -9`
mid-phase and a re-run complete exactly once, and the phases' row counts equal a plain-SQL recount.

Subprocesses against private SQLite files, as the jobs' K1 test does: a real SIGKILL
(``JIUZHU_JOBS_DIE_AFTER=PHASE:N`` at the N-th progress call of a job phase) and real heartbeats.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEYRING

ROOT = Path(__file__).resolve().parents[2]
MONTH = "2026-12"
PHASES = ["import", "snapshot", "determination", "comparison", "warnings", "matching", "payroll"]
# What the month leaves behind, table by table (content, not just counts: a duplicate would show).
STATE = {
    "records": "SELECT source, key_digest, values_digest, member_id FROM exchange_departmentrecord ORDER BY 1, 2",
    "batches": "SELECT source, content_hash, state, rows_new FROM exchange_importbatch ORDER BY 1, 2",
    "chain": "SELECT source, fact_key, programme FROM exchange_assistancerecord ORDER BY 1, 2, 3",
    "conflicts": "SELECT member_id, field, source, department_value FROM exchange_registryconflict ORDER BY 1, 2, 3, 4",
    "results": "SELECT h.code, r.main_category, r.categories, r.total_benefit FROM determination_determinationresult r "
               "JOIN registry_household h ON h.id = r.household_id ORDER BY h.code",
    "det_runs": "SELECT COUNT(*) FROM determination_determinationrun",
    "warnings": "SELECT indicator, subject, fingerprint, state, household_id, member_id, "
                "(SELECT COUNT(*) FROM monitoring_warningevent e WHERE e.warning_id = w.id) "
                "FROM monitoring_warning w ORDER BY fingerprint",
    "cmp_runs": "SELECT COUNT(*) FROM monitoring_comparisonrun",
    "outbox": "SELECT department, topic, COUNT(*) FROM exchange_outboxmessage GROUP BY 1, 2 ORDER BY 1, 2",
    "matches": "SELECT household_id, programme, status FROM assistance_match ORDER BY 1, 2, 3",
    "payroll_lines": "SELECT COUNT(*) FROM assistance_payrollline",
}


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_DATABASE_URL", "JIUZHU_JOBS_"))}
    env.update(JIUZHU_SQLITE_PATH=str(db), JIUZHU_VAR_DIR=str(db.parent / f"var-{db.stem}"),
               JIUZHU_KEYRING_JSON=TEST_KEYRING, JIUZHU_JOBS_HEARTBEAT_SECONDS="0.2",
               JIUZHU_JOBS_ABANDONED_AFTER="30", PYTHONPATH=str(ROOT), **extra)
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=900)
    if check:
        assert r.returncode == 0, f"jiuzhu {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


def _state(db: Path) -> dict[str, list[Any]]:
    con = sqlite3.connect(db)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in STATE.items()}
    finally:
        con.close()


def _scalar(db: Path, sql: str) -> Any:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A migrated database with a loaded province of 120 households, and the directory of its feeds."""
    base = tmp_path_factory.mktemp("cycle")
    db, feeds = base / "template.sqlite3", base / "feeds"
    env = _env(db)
    _run(env, "manage", "migrate", "--verbosity", "0")
    _run(env, "manage", "shell", "-c", "from jiuzhu.apps.core.services import regions_load, shipped_region_rows; "
                                       "regions_load(shipped_region_rows())")
    _run(env, "generate", "--households", "120", "--seed", "5", "--out", str(feeds))
    _run(env, "load", str(feeds))
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db, feeds


def _copy(template: Path, name: str) -> Path:
    db = template.parent / f"{name}.sqlite3"
    shutil.copyfile(template, db)
    return db


@pytest.fixture(scope="module")
def once(template: tuple[Path, Path]) -> tuple[Path, dict[str, Any]]:
    """The month run once, uninterrupted: its database and its JSON."""
    db = _copy(template[0], "once")
    r = _run(_env(db), "cycle", "--month", MONTH, "--feeds", str(template[1]), "--json")
    return db, json.loads(r.stdout)


def test_json_contract_and_plain_sql_recount(once: tuple[Path, dict[str, Any]]) -> None:
    db, out = once
    assert [p["name"] for p in out["phases"]] == PHASES
    for p in out["phases"]:
        assert set(p) >= {"name", "seconds", "rows"} and p["seconds"] >= 0 and not p["skipped"] or p["name"] == "payroll"
    assert out["total_seconds"] >= sum(p["seconds"] for p in out["phases"]) * 0.99
    rows = {p["name"]: p["rows"] for p in out["phases"]}
    # §5: every count the cycle reports equals a recount in plain SQL.
    assert rows["import"] == _scalar(db, "SELECT COUNT(*) FROM exchange_departmentrecord") > 0
    assert rows["snapshot"] == _scalar(db, "SELECT COUNT(*) FROM registry_household") == 120
    assert rows["determination"] == _scalar(db, "SELECT COUNT(*) FROM determination_determinationresult") == 120
    assert rows["warnings"] == _scalar(db, "SELECT COUNT(*) FROM monitoring_warning") > 0
    assert rows["comparison"] == rows["warnings"] + next(p["already_open"] + p["already_seen"]
                                                         for p in out["phases"] if p["name"] == "warnings")
    assert _scalar(db, "SELECT COUNT(*) FROM monitoring_warningevent") == 2 * rows["warnings"]
    assert rows["matching"] == _scalar(db, "SELECT COUNT(*) FROM assistance_match") > 0
    assert rows["payroll"] == _scalar(db, "SELECT COUNT(*) FROM assistance_payrollline")
    assert _scalar(db, "SELECT COUNT(*) FROM assistance_payroll WHERE state <> 'draft'") == 0  # generated, not approved


_SINGLE = """
import json, datetime as dt
from jiuzhu.apps.determination.models import DeterminationResult
from jiuzhu.apps.determination.services import determine_one
rows = DeterminationResult.objects.select_related("household").order_by("household__code")
out = []
for r in list(rows)[::7]:
    single = determine_one(r.household, dt.date(2026, 12, 1))
    out.append([r.household.code, r.categories == single["categories"], r.benefits == single["benefits"],
                r.parameter_version == single["parameter_version"]])
print(json.dumps(out))
"""


def test_stored_results_equal_the_single_household_path_on_a_sample(once: tuple[Path, dict[str, Any]]) -> None:
    """§5: what the cycle stored for a household is what its page computes for it alone."""
    r = _run(_env(once[0]), "manage", "shell", "-c", _SINGLE)
    sample = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(sample) >= 15
    assert [row for row in sample if not all(row[1:])] == []


def test_rerunning_the_month_changes_nothing(template: tuple[Path, Path], once: tuple[Path, dict[str, Any]]) -> None:
    db = _copy(once[0], "rerun")
    before = _state(db)
    r = _run(_env(db), "cycle", "--month", MONTH, "--feeds", str(template[1]), "--json")
    out = json.loads(r.stdout)
    assert [p["name"] for p in out["phases"]] == PHASES
    assert all(p["skipped"] and p["rows"] == 0 for p in out["phases"]), out
    assert _state(db) == before


def test_kill_9_mid_phase_then_rerun_completes_exactly_once(template: tuple[Path, Path],
                                                            once: tuple[Path, dict[str, Any]]) -> None:
    db = _copy(template[0], "killed")
    feeds = str(template[1])
    # Killed inside the determination's writing transaction, then inside the comparison.
    for die in ("store:1", "compare:1"):
        r = _run(_env(db, JIUZHU_JOBS_DIE_AFTER=die), "cycle", "--month", MONTH, "--feeds", feeds, "--json",
                 check=False)
        assert r.returncode == -signal.SIGKILL, (die, r.returncode, r.stderr[-2000:])
    r = _run(_env(db), "cycle", "--month", MONTH, "--feeds", feeds, "--json")
    out = json.loads(r.stdout)
    skipped = {p["name"]: p["skipped"] for p in out["phases"]}
    assert skipped["import"] and skipped["determination"] and not skipped["comparison"]
    assert _state(db) == _state(once[0])
    assert _scalar(db, "SELECT COUNT(*) FROM determination_determinationrun") == 1
    assert _scalar(db, "SELECT COUNT(*) FROM jobs_job WHERE kind = 'cycle.monthly' AND state = 'abandoned'") == 2
    assert _scalar(db, "SELECT COUNT(*) FROM jobs_job WHERE kind = 'cycle.monthly' AND state = 'done'") == 1


def test_bad_month_is_refused_with_a_message(template: tuple[Path, Path]) -> None:
    db = _copy(template[0], "badmonth")
    r = _run(_env(db), "cycle", "--month", "2026-13", "--feeds", str(template[1]), check=False)
    assert r.returncode == 2 and "YYYY-MM" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.spark
def test_backend_spark_stores_exactly_what_duckdb_stores(template: tuple[Path, Path],
                                                         once: tuple[Path, dict[str, Any]]) -> None:
    """§4 parity: the engine phases on Spark (local[2] here; SPARK_MASTER for a cluster) store the same rows."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    db = _copy(template[0], "spark")
    r = _run(_env(db), "cycle", "--month", MONTH, "--feeds", str(template[1]), "--backend", "spark", "--json")
    assert json.loads(r.stdout)["backend"] == "spark"
    assert _state(db) == _state(once[0])


@pytest.mark.spark
@pytest.mark.slow
def test_backend_spark_on_a_standalone_cluster(template: tuple[Path, Path], once: tuple[Path, dict[str, Any]],
                                               tmp_path: Path) -> None:
    """§4: the same month with the engine phases on a Spark standalone cluster (one master, two workers,
    started here) stores the same rows as DuckDB; the executors ran on both workers."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from jiuzhu.engine.spark import standalone_cluster

    db = _copy(template[0], "cluster")
    with standalone_cluster(2, 1, "1g", work_dir=tmp_path / "cluster") as cluster:
        r = _run(_env(db, SPARK_MASTER=cluster.master), "cycle", "--month", MONTH, "--feeds", str(template[1]),
                 "--backend", "spark", "--json")
        ran = [p for p in (tmp_path / "cluster").glob("worker-*/app-*/*") if p.is_dir()]
    assert json.loads(r.stdout)["backend"] == "spark"
    assert {p.parent.parent.name for p in ran} == {"worker-0", "worker-1"}, ran
    assert _state(db) == _state(once[0])
