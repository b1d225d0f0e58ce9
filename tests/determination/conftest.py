"""Shared fixtures for the determination tests (no Django needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.single import tables_from_rows
from jiuzhu.rules.determination.household import HouseholdError, parse_household
from jiuzhu.rules.params import ParameterSet, load_jiangxi

AS_OF = date(2026, 1, 15)


@pytest.fixture(scope="session")
def params() -> ParameterSet:
    return load_jiangxi()


def write_snapshot(households: Iterable[Mapping[str, Any]], as_of: date, directory: Path) -> Path:
    """Write households (interchange format) as a snapshot directory.

    A household that fails validation only because it has no members is written as a bare
    household row (the batch must report it); other invalid ones are skipped.
    """
    rows: dict[str, list[dict[str, Any]]] = {}
    for h in households:
        try:
            parsed = parse_household(h, as_of)
        except HouseholdError as exc:
            if exc.code != "no_members":
                continue
            parsed = {"households": [{
                "household_id": h["household_id"], "county_code": h["county_code"], "area_type": h["area_type"],
            }]}
        for name, items in parsed.items():
            rows.setdefault(name, []).extend(items)
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables_from_rows(rows).items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory


@pytest.fixture(autouse=True)
def _keyring() -> Any:
    """Override the Django-only autouse fixture of tests/conftest.py: these tests are pure."""
    yield
