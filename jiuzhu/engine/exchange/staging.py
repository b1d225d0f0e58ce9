"""The staging store of an import: validated rows on disk, typed, between validation and commit.

Pure Python (pyarrow), no Django.  Issue 4 §3 and performance; ADR 0005.

Validation streams a file once and appends each block of valid rows
(:class:`~jiuzhu.engine.exchange.validate.validator.ValidBatch`) to an Arrow IPC stream in a
temporary file (deleted on close, also if the process dies: it is unlinked at creation).
The commit then reads it back block by block, so memory is bounded by one block at either
end, whatever the file's size.  Rows come back as the per-row tuples
``(sheet, row, values, flags)`` with the same Python values the per-row validator produced.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from jiuzhu.engine.exchange.validate.columns import batch_items

__all__ = ["StagedRow", "StagingFile"]

StagedRow = tuple[str | None, int, dict[str, object], tuple[str, ...]]


class StagingFile:
    """Typed valid rows of one import, appended as Arrow record batches."""

    def __init__(self, schema: pa.Schema, directory: str | Path | None = None) -> None:
        self.schema = schema
        self._f = tempfile.TemporaryFile(dir=directory)  # noqa: SIM115 - closed in close()
        self._sink = pa.PythonFile(self._f, mode="w")
        self._writer: pa.ipc.RecordBatchStreamWriter | None = pa.ipc.new_stream(self._sink, schema)
        self.count = 0

    def add(self, batch: pa.RecordBatch) -> None:
        """Append one block of valid rows (of this file's staging schema)."""
        if batch.num_rows:
            assert self._writer is not None, "staging file already read"
            self._writer.write_batch(batch)
            self.count += batch.num_rows

    def _finish(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._f.flush()

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The staged blocks, in the order they were added (may be called repeatedly)."""
        self._finish()
        self._f.seek(0)
        reader = pa.ipc.open_stream(pa.PythonFile(self._f, mode="r"))
        yield from reader

    def items(self) -> Iterator[StagedRow]:
        """The staged rows one by one, as ``(sheet, row, values, flags)``."""
        for batch in self.batches():
            yield from batch_items(batch)

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        finally:
            self._f.close()
