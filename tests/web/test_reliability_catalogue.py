"""docs/reliability.md lists every reliability item once, and every file it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
EXPECTED = ([f"P{i}" for i in range(1, 9)] + [f"R{i}" for i in range(1, 35)] + [f"U{i}" for i in range(1, 26)]
            + [f"A{i}" for i in range(1, 9)] + [f"Z{i}" for i in range(1, 13)] + [f"C{i}" for i in range(1, 7)]
            + [f"K{i}" for i in range(1, 9)])


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and re.fullmatch(r"[PRUAZCK]\d+", cells[0]):
            rows.append(cells)
    return rows


def test_every_item_is_listed_once_with_a_status() -> None:
    ids = [r[0] for r in _rows()]
    assert sorted(ids) == sorted(EXPECTED) and len(ids) == len(set(ids))
    assert {r[2] for r in _rows()} <= {"met", "partly", "not yet"}


def test_named_tests_and_modules_exist() -> None:
    for item, _, status, where, tests in _rows():
        named = re.findall(r"tests/[\w/]+\.py", tests)
        if status == "met":
            assert named, f"{item} is 'met' but names no test"
        for path in named:
            assert (ROOT / path).is_file(), f"{item}: {path} does not exist"
        for module in re.findall(r"`([\w/]+\.py)`", where):
            candidates = [ROOT / "jiuzhu" / module, ROOT / "jiuzhu" / "apps" / module]
            assert any(c.is_file() for c in candidates), f"{item}: {module} does not exist"
