"""Fixtures for the exchange web tests: a private exchange directory, a generated province, CSV helpers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.rules.identity import check_char


@pytest.fixture(autouse=True)
def _exchange_dir(settings: Any, tmp_path: Path) -> Path:
    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")
    return tmp_path / "exchange"


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jiuzhu.engine.synth import generate

    out = tmp_path_factory.mktemp("province")
    generate(200, 1, out)
    return out


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def make_id(first17: str) -> str:
    return first17 + check_char(first17)


HEAD_INSIDE = "360124198001010011"  # the head of the "inside" household (tests/conftest.py)
