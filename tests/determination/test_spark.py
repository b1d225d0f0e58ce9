"""The same batch on Spark (local mode) gives exactly the DuckDB results (parity on a sample)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.sample import random_households
from jiuzhu.rules.determination.cases import load_cases
from jiuzhu.rules.params import ParameterSet

from .conftest import write_snapshot

pytest.importorskip("pyspark")
pytest.importorskip("pandas")

AS_OF = date(2026, 1, 15)


@pytest.fixture(scope="module")
def spark() -> object:
    from jiuzhu.engine.determination.spark import local_session

    session = local_session(cores=2)
    yield session
    session.stop()


@pytest.mark.spark
def test_spark_equals_duckdb_on_a_sample(tmp_path: Path, spark: object, params: ParameterSet) -> None:
    from jiuzhu.engine.determination.spark import run_spark

    households = random_households(400, 31, AS_OF)
    households += [c.household for c in load_cases() if c.as_of == AS_OF and not c.params and not c.expect.get("error")]
    write_snapshot(households, AS_OF, tmp_path / "snap")
    run_batch(tmp_path / "snap", AS_OF, tmp_path / "duck.parquet", params, detail="full")
    duck = pq.read_table(tmp_path / "duck.parquet").sort_by("household_id")
    sp = run_spark(tmp_path / "snap", AS_OF, params, spark=spark).sort_by("household_id")
    assert sp.num_rows == duck.num_rows == len(households)
    assert sp.schema.equals(duck.schema)
    for name in duck.column_names:
        assert sp.column(name).equals(duck.column(name)), name
    # Written by the executors and read back (the cycle's path: nothing through the driver's heap).
    written = run_spark(tmp_path / "snap", AS_OF, params, spark=spark, output=tmp_path / "out")
    assert written.equals(sp)
