"""The warning deadlines are a rule (jiuzhu/rules/monitoring.py), read from dated parameters."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from jiuzhu.rules.monitoring import deadlines
from jiuzhu.rules.params import load_jiangxi

ROOT = Path(__file__).resolve().parents[2]


def test_deadlines_are_the_parameters_in_force() -> None:
    params = load_jiangxi()
    on = dt.date(2026, 11, 1)
    for severity in ("red", "orange", "yellow"):
        verify = params.resolve(f"monitoring.deadline.{severity}.verify_days", "360124", "rural", on).value
        handle = params.resolve(f"monitoring.deadline.{severity}.handle_days", "360124", "rural", on).value
        assert deadlines(params, severity, "360124", on) == (int(verify), int(handle))


def test_no_domain_function_left_in_the_engine_cli() -> None:
    tree = ast.parse((ROOT / "jiuzhu" / "engine" / "monitoring" / "cli.py").read_text("utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert "deadlines" not in defined
