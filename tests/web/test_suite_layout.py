"""Every test that touches the database is in a directory the PostgreSQL pass runs (Makefile DB_TESTS)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_database_tests_run_on_postgresql_too() -> None:
    line = re.search(r"^DB_TESTS := (.+)$", (ROOT / "Makefile").read_text("utf-8"), re.M)
    assert line, "Makefile has no DB_TESTS"
    covered = {ROOT / d for d in line.group(1).split()}
    outside = [
        str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")
        if "django_db" in p.read_text("utf-8")
        and not any(c in p.parents for c in covered) and "browser" not in p.parts
    ]
    assert not outside, f"database tests outside DB_TESTS (add their directory to the Makefile): {outside}"
