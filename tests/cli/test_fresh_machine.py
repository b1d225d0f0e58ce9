"""Every `jiuzhu` subcommand on a fresh checkout (an empty JIUZHU_VAR_DIR, no database yet):
it answers from the shipped data, or prints one line in Chinese and English naming what to run
and exits 4 — never a traceback (issue 11, item 9)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jiuzhu.cli import EXIT_NOT_SET_UP, build_parser

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLD = {"household_id": "H1", "county_code": "360124", "area_type": "rural",
             "members": [{"member_id": "A", "birth_date": "1958-03-01", "relation": "head", "work_capacity": "none"}]}

# subcommand → (arguments; "{dir}" is a scratch directory), whether it answers without a database
SHIPPED = {
    "idcheck": ["idcheck", "11010519491231002X"],
    "generate --out": ["generate", "--households", "20", "--seed", "3", "--out", "{dir}/gen"],
    "determine --input": ["determine", "--input", "{dir}/h.jsonl", "--as-of", "2026-11-15"],
    "sources": ["sources"],
    "indicators": ["indicators"],
    "programmes": ["programmes"],
    "parameters": ["parameters", "--region", "360124", "--as-of", "2026-11-15"],
    "import --dry-run": ["import", "health_deaths", "{dir}/deaths.csv", "--dry-run"],
}
NEEDS_DATABASE = {
    "generate": ["generate", "--households", "5"],
    "load": ["load", "{dir}"],
    "import": ["import", "health_deaths", "{dir}/deaths.csv"],
    "mapping show": ["mapping", "show", "medical_insurance_settlements"],
    "determine --all": ["determine", "--all", "--as-of", "2026-11-15"],
    "manage monitor_run": ["manage", "monitor_run", "--daily"],
    "manage monitor_indicators": ["manage", "monitor_indicators"],
    "manage assistance_match": ["manage", "assistance_match"],
    "manage assistance_payroll": ["manage", "assistance_payroll", "--county", "360124", "--month", "2026-11"],
    "manage applications_reviews": ["manage", "applications_reviews"],
    "manage outbox_deliver": ["manage", "outbox_deliver"],
    "worker": ["worker", "--once"],
    "jobs": ["jobs", "--json"],
    "audit verify": ["audit", "verify"],
    "otp": ["otp", "province"],
    "serve": ["serve", "--port", "8108"],
    "stats": ["stats", "--as-of", "2026-11-15", "--json"],
    "cycle": ["cycle", "--month", "2026-11", "--feeds", "{dir}"],
    "whatif": ["whatif", "--as-of", "2026-11-15", "--set", "dibao.marginal_multiplier=1.8", "--json"],
}
# `jiuzhu demo` is what sets a fresh machine up (make run); the demo tests and `make run` run it.
SETS_UP = {"demo"}


def run(args: list[str], var: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_", "DJANGO_"))}
    env.update(JIUZHU_VAR_DIR=str(var), PYTHONPATH=f"{ROOT}{os.pathsep}{env.get('PYTHONPATH', '')}")
    scratch = var.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    (scratch / "h.jsonl").write_text(json.dumps(HOUSEHOLD) + "\n", "utf-8")
    (scratch / "deaths.csv").write_text("id_number,death_date\n11010519491231002X,2026-10-01\n", "utf-8")
    argv = [a.replace("{dir}", str(scratch)) for a in args]
    return subprocess.run([sys.executable, "-m", "jiuzhu.cli", *argv], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_answers_from_the_shipped_data(name: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    r = run(SHIPPED[name], var)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() or (tmp_path / "scratch" / "gen").is_dir(), r.stderr
    assert "Traceback" not in r.stderr
    assert not (var / "jiuzhu.sqlite3").exists(), "answered from shipped data, yet created a database"


@pytest.mark.parametrize("name", sorted(NEEDS_DATABASE))
def test_says_what_to_run_when_there_is_no_database(name: str, tmp_path: Path) -> None:
    r = run(NEEDS_DATABASE[name], tmp_path / "var")
    assert r.returncode == EXIT_NOT_SET_UP, (r.returncode, r.stderr[-3000:])
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert "数据库尚未建立" in lines[0] and "make run" in lines[0] and "jiuzhu demo" in lines[0], lines[0]
    assert "jiuzhu manage migrate" in lines[0]


def test_programmes_and_parameters_say_where_their_figures_come_from(tmp_path: Path) -> None:
    r = run(SHIPPED["parameters"], tmp_path / "var")
    assert "随附参数文件" in r.stderr and "shipped files" in r.stderr
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    dibao = [row for row in rows if row[0] == "dibao.standard" and row[1] == "rural"]
    assert len(dibao) == 1 and dibao[0][2].replace(".", "").isdigit(), dibao


def test_every_subcommand_is_covered() -> None:
    parser = build_parser()
    subcommands = set(next(a for a in parser._actions if a.dest == "command").choices)
    covered = {n.split()[0] for n in (*SHIPPED, *NEEDS_DATABASE)} | SETS_UP
    assert subcommands == covered, f"add the subcommand to SHIPPED or NEEDS_DATABASE: {sorted(subcommands ^ covered)}"


@pytest.mark.parametrize("args, code, words", [
    (["programmes", "--as-of", "2026-13-01"], 2, "YYYY-MM-DD"),
    (["parameters", "--region", "999999"], 2, "999999"),
    (["programmes", "--as-of", "2000-01-01"], 1, "最早取值自"),
])
def test_bad_input_is_a_message_not_a_traceback(args: list[str], code: int, words: str, tmp_path: Path) -> None:
    r = run(args, tmp_path / "var")
    assert r.returncode == code and words in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
