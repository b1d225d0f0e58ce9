"""Realistic data from the synthetic generator through both paths; single-household latency."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.sample import random_households
from jiuzhu.engine.determination.single import determine_household, determine_rows, result_to_dict
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


def test_single_household_p95_under_50ms(params: ParameterSet) -> None:
    households = random_households(200, 41, AS_OF)
    determine_household(households[0], AS_OF, params)  # warm-up
    times = []
    for h in households:
        t = time.perf_counter()
        determine_household(h, AS_OF, params, explain=True)
        times.append(time.perf_counter() - t)
    times.sort()
    p95 = times[int(0.95 * len(times))]
    assert p95 < 0.050, f"p95 {p95 * 1000:.1f} ms"
