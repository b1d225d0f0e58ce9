"""Streaming: memory does not grow with the number of rows (issue 4 §2: "a 10 M-row file is
imported without loading it whole")."""

from __future__ import annotations

import gc
from datetime import date, timedelta
from pathlib import Path

import psutil
import pytest

from jiuzhu.engine.exchange import CLI_LIMITS, SqliteKeyTracker, Validator, ValidRow, open_table
from jiuzhu.rules.exchange import get_source
from jiuzhu.rules.identity import check_char

DEATHS = get_source("health_deaths")


def _write_csv(path: Path, rows: int) -> None:
    """*rows* distinct valid deaths, written in blocks (the writer must not hold them all)."""
    start = date(1940, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("身份证号,死亡日期,姓名\n")
        block: list[str] = []
        for i in range(rows):
            first17 = f"360102{start + timedelta(days=i // 1000):%Y%m%d}{i % 1000:03d}"
            block.append(f"{first17}{check_char(first17)},2024-03-07,张三\n")
            if len(block) == 50_000:
                f.write("".join(block))
                block.clear()
        f.write("".join(block))


def _stream(path: Path, validate: bool) -> tuple[int, int]:
    """Read (and optionally validate) the file; return (rows, peak RSS growth in bytes)."""
    proc = psutil.Process()
    gc.collect()
    base = proc.memory_info().rss
    peak = 0
    n = 0
    with open_table(DEATHS, path, limits=CLI_LIMITS) as reader:
        items = reader
        v = Validator(DEATHS, key_tracker=SqliteKeyTracker(str(path.parent)),
                      columns=reader.columns) if validate else None
        for item in items:
            if v is not None:
                result = v.check(item)
                assert isinstance(result, ValidRow), result
            n += 1
            if n % 50_000 == 0:
                peak = max(peak, proc.memory_info().rss - base)
        if v is not None:
            report = v.finish()
            assert report.errors == ()
        peak = max(peak, proc.memory_info().rss - base)
    return n, peak


def test_reading_200k_rows_keeps_memory_flat(tmp_path: Path) -> None:
    path = tmp_path / "deaths.csv"
    _write_csv(path, 200_000)
    rows, growth = _stream(path, validate=False)
    assert rows == 200_000
    # 200k rows held as dicts would take well over 100 MB; streaming stays near zero.
    assert growth < 40 << 20, f"RSS grew by {growth >> 20} MB"


@pytest.mark.slow
def test_one_million_rows_read_and_validated_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "deaths.csv"
    _write_csv(path, 1_000_000)
    rows, growth = _stream(path, validate=True)
    assert rows == 1_000_000
    assert growth < 64 << 20, f"RSS grew by {growth >> 20} MB"


def test_column_wise_import_into_staging_keeps_memory_flat(tmp_path: Path) -> None:
    """The import path (blocks → staging file, partitioned key tracker): after the first blocks
    (imports, Arrow's allocator warming up) RSS no longer grows with the rows read."""
    from jiuzhu.engine.exchange import PartitionedKeyTracker, StagingFile, staging_schema

    path = tmp_path / "deaths.csv"
    _write_csv(path, 300_000)
    proc = psutil.Process()
    samples: list[int] = []
    with open_table(DEATHS, path, limits=CLI_LIMITS) as reader:
        v = Validator(DEATHS, columns=reader.columns, key_tracker=PartitionedKeyTracker(str(tmp_path)))
        staging = StagingFile(staging_schema(DEATHS), tmp_path)
        for vb in v.batches(reader, block_bytes=256 << 10):
            assert vb.errors == []
            staging.add(vb.valid)
            samples.append(proc.memory_info().rss)
        assert v.finish().errors == ()
        samples.append(proc.memory_info().rss)
        assert staging.count == 300_000
        staging.close()
    assert len(samples) > 40
    warm = max(samples[:10])
    growth = max(samples) - warm
    assert growth < 10 << 20, f"RSS grew by {growth >> 20} MB after the first blocks"
