"""The `jiuzhu` command's contract: idcheck and generate --out (no database needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.rules.identity import is_valid_id_number

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jiuzhu.cli", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, timeout=120,
    )


def test_idcheck_prints_one_line_per_argument() -> None:
    r = run("idcheck", "11010519491231002X", "360102800101001", "３６０１０２１９８００１０１００１ｘ".replace("ｘ", "3"), "360102198001010012")
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 4
    assert lines[0] == "11010519491231002X"
    assert lines[1].startswith("360102198001010013")  # upgraded from 15 digits
    assert lines[2] == "360102198001010013"  # full-width digits normalised
    assert lines[3].startswith("INVALID") and "校验" in lines[3]
    assert r.returncode == 1


def test_idcheck_all_valid_exits_0() -> None:
    r = run("idcheck", "11010519491231002x", " 360730195607150023\u200b")
    assert r.returncode == 0
    assert r.stdout.split() == ["11010519491231002X", "360730195607150023"]


def test_generate_out_needs_no_database(tmp_path: Path) -> None:
    env = {"JIUZHU_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}  # would fail if touched
    r = run("generate", "--households", "200", "--seed", "5", "--out", str(tmp_path), env=env)
    assert r.returncode == 0, r.stderr
    households = pq.read_table(tmp_path / "households.parquet")
    members = pq.read_table(tmp_path / "members.parquet")
    assert households.num_rows == 200
    assert members.schema.field("id_number").type == pa.string()
    assert all(is_valid_id_number(x) for x in members.column("id_number").to_pylist())
    again = tmp_path / "again"
    run("generate", "--households", "200", "--seed", "5", "--out", str(again), env=env)
    assert pq.read_table(again / "members.parquet").equals(members)


def test_sources_lists_every_declared_feed() -> None:
    from jiuzhu.rules.exchange.sources import SOURCES

    r = run("sources")
    assert r.returncode == 0
    lines = [line for line in r.stdout.splitlines() if line and not line.startswith(" ")]
    assert len(lines) == len(SOURCES) >= 14
    key, department, fields = lines[0].split("\t")
    assert key in SOURCES and department == SOURCES[key].department and "id_number" in fields
    # Issue 14 item 8: each field's Chinese label and aliases, indented under its feed.
    one = run("sources", "health_deaths").stdout.splitlines()
    assert one[0].startswith("health_deaths\t") and len(one) == 1 + len(SOURCES["health_deaths"].fields)
    name, _kind, required, label, aliases = one[1].strip().split("\t")
    assert (name, required, label) == ("id_number", "必填", "身份证号") and "身份证号码" in aliases


def test_indicators_lists_every_declared_indicator() -> None:
    from jiuzhu.engine.monitoring.indicators import INDICATORS

    r = run("indicators")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    keys = {line.split("\t")[0] for line in lines}
    assert {i.key for i in INDICATORS} <= keys and len(INDICATORS) >= 15
