"""K1: kill -9 during an import at random rows, re-run: exactly the rows of one successful import.

Runs `jiuzhu import` in subprocesses against a private SQLite file; the "die after N rows" hook
(``JIUZHU_EXCHANGE_DIE_AFTER``) counts rows validated and then rows stored, so N lands in either
phase.  The table checksum is SM3 over the sorted (natural-key digest, values digest) pairs, which
are keyed HMACs and therefore equal between runs with the same key ring.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from cryptography.hazmat.primitives import hashes

from tests.conftest import TEST_KEYRING

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "medical_insurance_settlements"


def _env(tmp: Path, name: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JIUZHU_DATABASE_URL", "JIUZHU_EXCHANGE_DIE_AFTER")}
    env.update(JIUZHU_SQLITE_PATH=str(tmp / f"{name}.sqlite3"), JIUZHU_VAR_DIR=str(tmp / f"var-{name}"),
               JIUZHU_KEYRING_JSON=TEST_KEYRING, **extra)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jiuzhu.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def _state(tmp: Path, name: str) -> tuple[int, int, str, list[str]]:
    con = sqlite3.connect(tmp / f"{name}.sqlite3")
    try:
        rows = con.execute("SELECT key_digest, values_digest FROM exchange_departmentrecord "
                           "ORDER BY key_digest").fetchall()
        chain = con.execute("SELECT COUNT(*) FROM exchange_assistancerecord").fetchone()[0]
        states = [r[0] for r in con.execute("SELECT state FROM exchange_importbatch")]
    finally:
        con.close()
    h = hashes.Hash(hashes.SM3())
    for k, v in rows:
        h.update(f"{k}|{v}\n".encode())
    return len(rows), chain, h.finalize().hex(), states


def test_kill_at_random_rows_then_rerun_commits_exactly_once(province: Path, tmp_path: Path) -> None:
    path = province / "dept_medical_settlements.parquet"
    n = pq.read_metadata(path).num_rows
    golden_env = _env(tmp_path, "golden")
    crash_env = _env(tmp_path, "crash")
    for env in (golden_env, crash_env):
        r = _run(env, "manage", "migrate", "--verbosity", "0")
        assert r.returncode == 0, r.stderr
    r = _run(golden_env, "import", SOURCE, str(path))
    assert r.returncode == 0, r.stderr
    golden = _state(tmp_path, "golden")
    assert golden[0] == n and golden[3] == ["committed"]

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    # One kill while validating, one while storing (after the first chunk was inserted).
    points = [rng.randint(1, n), rng.randint(n + 1, 2 * n - 1)]
    for point in points:
        r = _run({**crash_env, "JIUZHU_EXCHANGE_DIE_AFTER": str(point)}, "import", SOURCE, str(path))
        assert r.returncode == -9, f"seed {seed}, N={point}: {r.returncode} {r.stderr}"
        count, _, _, states = _state(tmp_path, "crash")
        assert count == 0 and states in (["received"], ["validated"]), f"seed {seed}, N={point}"
    r = _run(crash_env, "import", SOURCE, str(path))
    assert r.returncode == 0, r.stderr
    assert _state(tmp_path, "crash") == golden, f"seed {seed}, N={points}"
    r = _run(crash_env, "import", SOURCE, str(path))
    assert r.returncode == 0 and "already imported" in r.stdout
    assert _state(tmp_path, "crash") == golden


def test_dry_run_prints_a_json_report_without_a_database(tmp_path: Path) -> None:
    import json

    f = tmp_path / "deaths.csv"
    f.write_text("身份证号,死亡日期\n360124198001010011,2025-03-07\n360124198001010012,2025-03-07\n", "utf-8")
    env = {**os.environ, "JIUZHU_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", "import", "health_deaths", str(f), "--dry-run"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["rows"] == 2 and report["valid"] == 1 and report["errors"][0]["row"] == 3
    # It says what only the database could have checked (ADR 0015 §1).
    assert report["database"] is False and "未核对区划代码" in report["notices"][-1]["message"]
    bad = tmp_path / "bad.csv"
    bad.write_text("不认识\n1\n", "utf-8")
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", "import", "health_deaths", str(bad), "--dry-run"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and json.loads(r.stdout)["rejected"] is True
