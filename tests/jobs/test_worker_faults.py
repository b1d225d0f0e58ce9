"""K1 for jobs: `kill -9` of `jiuzhu worker` mid-job, the job marked interrupted after the heartbeat
timeout, retried — twice, the second kill inside the job's writing transaction — and the result is
exactly that of an uninterrupted run (same rows, nothing duplicated, one run record).

Everything runs in subprocesses (`jiuzhu …`) against private SQLite files, like the import's K1
test: a real worker process, a real SIGKILL (``JIUZHU_JOBS_DIE_AFTER=PHASE:N``), real heartbeats
(0.2 s) and a short abandoned limit (1 s).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEYRING

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-15"
KINDS = {
    # kind: (foreground command, background command, phase to die in before the commit, table query)
    "determination": (["determine", "--all", "--as-of", AS_OF], ["determine", "--all", "--as-of", AS_OF, "--background"],
                      "determine",
                      "SELECT h.code, r.main_category, r.categories, r.benefits, r.total_benefit, r.error "
                      "FROM determination_determinationresult r JOIN registry_household h ON h.id = r.household_id "
                      "ORDER BY h.code"),
    "comparison": (["manage", "monitor_run", "--full", "--as-of", AS_OF],
                   ["manage", "monitor_run", "--full", "--as-of", AS_OF, "--background"], "compare",
                   "SELECT indicator, subject, fingerprint, severity, state, household_id, member_id, unit_region_id, "
                   "verify_due, (SELECT COUNT(*) FROM monitoring_warningevent e WHERE e.warning_id = w.id) "
                   "FROM monitoring_warning w ORDER BY fingerprint"),
}
RUN_TABLE = {"determination": "determination_determinationrun", "comparison": "monitoring_comparisonrun"}


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_DATABASE_URL", "JIUZHU_JOBS_"))}
    env.update(JIUZHU_SQLITE_PATH=str(db), JIUZHU_VAR_DIR=str(db.parent / f"var-{db.stem}"),
               JIUZHU_KEYRING_JSON=TEST_KEYRING, JIUZHU_JOBS_HEARTBEAT_SECONDS="0.2",
               JIUZHU_JOBS_ABANDONED_AFTER="1", PYTHONPATH=str(ROOT),
               # only the job under test in the queue (no people-to-serve follow-ups)
               JIUZHU_JOBS_FOLLOW_UPS="0", **extra)
    return env


def _run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600)
    if check:
        assert r.returncode == 0, f"jiuzhu {' '.join(args)}: {r.returncode}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with a generated province of 150 households and its department feeds."""
    db = tmp_path_factory.mktemp("jobs-faults") / "template.sqlite3"
    env = _env(db)
    _run(env, "manage", "migrate", "--verbosity", "0")
    _run(env, "manage", "shell", "-c", "from jiuzhu.apps.core.services import regions_load, shipped_region_rows; "
                                       "regions_load(shipped_region_rows())")
    _run(env, "generate", "--households", "150", "--seed", "3")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db


def _copy(template: Path, name: str) -> Path:
    db = template.parent / f"{name}.sqlite3"
    shutil.copyfile(template, db)
    return db


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _jobs(env: dict[str, str]) -> list[dict[str, Any]]:
    """The jobs under test (the template's own registry load, done before, is left out)."""
    return [j for j in json.loads(_run(env, "jobs", "--json").stdout) if j["kind"] != "registry.load"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kill_9_mid_job_then_retry_equals_an_uninterrupted_run(template: Path, kind: str) -> None:
    foreground, background, early_phase, sql = KINDS[kind]
    golden_db = _copy(template, f"{kind}-golden")
    _run(_env(golden_db), *foreground)
    golden = _query(golden_db, sql)
    assert golden, "the uninterrupted run produced nothing to compare"
    assert _query(golden_db, f"SELECT COUNT(*) FROM {RUN_TABLE[kind]}") == [(1,)]

    db = _copy(template, f"{kind}-crash")
    env = _env(db)
    _run(env, *background)
    [job] = _jobs(env)
    assert job["state"] == "queued" and job["attempt"] == 1

    # 1. Killed before writing anything (while computing).
    r = _run(_env(db, JIUZHU_JOBS_DIE_AFTER=f"{early_phase}:1"), "worker", "--once", check=False)
    assert r.returncode == -9, r.stderr
    # Read straight from the database: nothing has looked at the job since its worker died.
    assert _query(db, "SELECT state, phase FROM jobs_job WHERE kind != 'registry.load'") == [("running", early_phase)]
    time.sleep(1.5)  # > JIUZHU_JOBS_ABANDONED_AFTER
    [job] = _jobs(env)  # `jiuzhu jobs` marks jobs of dead workers
    assert job["state"] == "abandoned" and "heartbeat" in job["error_en"]
    assert _query(db, sql) == [] and _query(db, f"SELECT COUNT(*) FROM {RUN_TABLE[kind]}") == [(0,)]
    _run(env, "jobs", "--retry", str(job["id"]))

    # 2. Killed inside the job's writing transaction, after its rows were inserted.
    r = _run(_env(db, JIUZHU_JOBS_DIE_AFTER="store:1"), "worker", "--once", check=False)
    assert r.returncode == -9, r.stderr
    assert _query(db, sql) == [] and _query(db, f"SELECT COUNT(*) FROM {RUN_TABLE[kind]}") == [(0,)]
    time.sleep(1.5)
    _run(env, "jobs", "--retry", str(job["id"]))  # marks it interrupted, then queues attempt 3

    # 3. A restarted worker picks the queued job up and completes it, exactly once.
    _run(env, "worker", "--once")
    [job] = _jobs(env)
    assert job["state"] == "done" and job["attempt"] == 3
    assert _query(db, sql) == golden
    assert _query(db, f"SELECT COUNT(*) FROM {RUN_TABLE[kind]}") == [(1,)]
    # Nothing more to run: the dead attempts' queue rows were closed, not left to run again.
    _run(env, "worker", "--once")
    assert _query(db, sql) == golden
    assert _query(db, "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status ORDER BY status") == [
        ("FAILED", 2), ("SUCCESSFUL", 1)]
