"""Determination engine: one household, the DuckDB batch, and Spark (``spark`` module).

Public API::

    determine_household(household, as_of, params=None, *, explain=True, intermediates=False) -> dict
    run_batch(snapshot_dir, as_of, output, params=None, *, progress=None, batch_rows=50_000,
              threads=None, detail="standard", eval_workers=None) -> BatchSummary
    source_to_snapshot(src_dir, out_dir) -> dict[str, int]
    SNAPSHOT_SCHEMAS  # the snapshot layout the batch reads
    jiuzhu.engine.determination.spark.run_spark(snapshot_dir, as_of, params=None, *, spark=None, output=None)
    jiuzhu.engine.determination.cli.main(argv) -> int   # `jiuzhu determine`
"""

from jiuzhu.engine.determination.batch import BatchSummary, run_batch
from jiuzhu.engine.determination.single import determine_household, determine_rows, result_to_dict
from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS, source_to_snapshot

__all__ = [
    "SNAPSHOT_SCHEMAS",
    "BatchSummary",
    "determine_household",
    "determine_rows",
    "result_to_dict",
    "run_batch",
    "source_to_snapshot",
]
