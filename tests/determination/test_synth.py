"""Realistic data from the synthetic generator through both paths."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.single import determine_rows, result_to_dict
from jiuzhu.engine.determination.snapshot import TABLES, source_to_snapshot
from jiuzhu.rules.params import ParameterSet

AS_OF = date(2026, 1, 15)


def _synth_parity(n: int, tmp_path: Path, params: ParameterSet) -> None:
    synth = pytest.importorskip("jiuzhu.engine.synth")
    synth.generate(n, 3, tmp_path / "src", as_of=AS_OF)
    counts = source_to_snapshot(tmp_path / "src", tmp_path / "snap")
    assert counts["households"] == n
    members = pq.read_table(tmp_path / "snap" / "members.parquet")
    assert "id_number" not in members.column_names  # no plaintext ID numbers in the snapshot
    assert all(len(k) == 64 for k in members.column("person_key").to_pylist()[:50])
    summary = run_batch(tmp_path / "snap", AS_OF, tmp_path / "res.parquet", params, detail="full")
    assert summary.households == n and summary.errors == 0
    batch = {r["household_id"]: result_to_dict(r, intermediates=True) for r in pq.read_table(tmp_path / "res.parquet").to_pylist()}
    # the single path on the same rows (its Python features, not the SQL)
    rows: dict[str, list[dict[str, Any]]] = {t: pq.read_table(tmp_path / "snap" / f"{t}.parquet").to_pylist() for t in TABLES}
    single, _ = determine_rows(rows, AS_OF, params)
    for r in single.to_pylist():
        s = result_to_dict(r, intermediates=True)
        b = batch[r["household_id"]]
        assert s["categories"] == b["categories"]
        assert s["benefits"] == b["benefits"]
        assert s["figures"] == b["figures"]
        assert s["member_figures"] == b["member_figures"]
    cats = summary.categories
    assert {"tekun", "dibao", "marginal", "rigid"} <= set(cats)


def test_synthetic_province_parity(tmp_path: Path, params: ParameterSet) -> None:
    _synth_parity(1500, tmp_path, params)


@pytest.mark.slow
def test_synthetic_province_parity_large(tmp_path: Path, params: ParameterSet) -> None:
    _synth_parity(50_000, tmp_path, params)


# The single-household latency (p95 < 50 ms on the household page) is a measurement, not a unit
# test: bench/bench_determination_single.py, figures in docs/benchmarks.md.
