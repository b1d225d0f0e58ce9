"""Natural-key tracking within one file: identical repeats and conflicts (U7; ADR 0005 §7).

Pure Python, no Django.  A tracker remembers (key digest, values digest, row) for every
valid row; the verdict comes at the end, once every row has been seen.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np

from jiuzhu.engine.exchange.errors import RowError
from jiuzhu.engine.exchange.validate.cells import RowRef
from jiuzhu.engine.exchange.validate.columns import digest_values

# --------------------------------------------------------------------------- key tracking


@dataclass(frozen=True)
class KeyReport:
    """The verdict on natural keys, available once the whole file has been read (U7).

    ``errors`` are the duplicate/conflict row errors; ``drop`` lists every row that must
    not be stored (all rows of a conflict, and all but the first of identical repeats).
    """

    errors: tuple[RowError, ...]
    drop: frozenset[RowRef]


class KeyTracker(Protocol):
    """Remembers (key digest, values digest, row) for every valid row of one file."""

    def add(self, key: bytes, values: bytes, ref: RowRef) -> None: ...

    def add_many(self, keys: Sequence[bytes], values: Sequence[bytes], sheet: str | None,
                 rows: Sequence[int]) -> None:
        """:meth:`add` for several rows of one sheet, in file order."""
        ...

    def groups(self) -> Iterator[list[tuple[bytes, RowRef]]]:
        """Each group of rows sharing a key, in file order, with their values digests."""
        ...

    def close(self) -> None: ...


class MemoryKeyTracker:
    """In-memory tracker: fine for UI-sized files (≤ 200 k rows: a few tens of MB)."""

    def __init__(self) -> None:
        self._first: dict[bytes, tuple[bytes, RowRef]] = {}
        self._repeats: dict[bytes, list[tuple[bytes, RowRef]]] = {}

    def add(self, key: bytes, values: bytes, ref: RowRef) -> None:
        first = self._first.setdefault(key, (values, ref))
        if first[1] != ref:
            self._repeats.setdefault(key, [first]).append((values, ref))

    def add_many(self, keys: Sequence[bytes], values: Sequence[bytes], sheet: str | None,
                 rows: Sequence[int]) -> None:
        for k, v, r in zip(keys, values, rows, strict=True):
            self.add(k, v, (sheet, r))

    def groups(self) -> Iterator[list[tuple[bytes, RowRef]]]:
        yield from self._repeats.values()

    def close(self) -> None:
        self._first.clear()
        self._repeats.clear()


class SqliteKeyTracker:
    """Disk-backed tracker for CLI-sized files: memory stays flat at any row count.

    Keys go to a temporary SQLite file in batches; the grouping query runs once at the
    end.  The file holds only digests and row numbers, never a personal value, and is
    deleted on close.
    """

    _BATCH: Final = 50_000

    def __init__(self, directory: str | None = None) -> None:
        self._tmp = tempfile.NamedTemporaryFile(suffix=".keys.sqlite", dir=directory)  # noqa: SIM115
        self._db = sqlite3.connect(self._tmp.name)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE k (key BLOB, val BLOB, sheet TEXT, row INTEGER)")
        self._pending: list[tuple[bytes, bytes, str | None, int]] = []

    def add(self, key: bytes, values: bytes, ref: RowRef) -> None:
        self._pending.append((key, values, ref[0], ref[1]))
        if len(self._pending) >= self._BATCH:
            self._flush()

    def add_many(self, keys: Sequence[bytes], values: Sequence[bytes], sheet: str | None,
                 rows: Sequence[int]) -> None:
        self._pending.extend((k, v, sheet, r) for k, v, r in zip(keys, values, rows, strict=True))
        if len(self._pending) >= self._BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO k VALUES (?, ?, ?, ?)", self._pending)
        self._pending.clear()

    def groups(self) -> Iterator[list[tuple[bytes, RowRef]]]:
        self._flush()
        self._db.execute("CREATE INDEX k_key ON k (key)")
        cur = self._db.execute(
            "SELECT key, val, sheet, row FROM k WHERE key IN "
            "(SELECT key FROM k GROUP BY key HAVING COUNT(*) > 1) ORDER BY key, rowid"
        )
        group: list[tuple[bytes, RowRef]] = []
        current: bytes | None = None
        for key, val, sheet, row in cur:
            if key != current and group:
                yield group
                group = []
            current = key
            group.append((val, (sheet, row)))
        if group:
            yield group

    def close(self) -> None:
        self._db.close()
        self._tmp.close()


class PartitionedKeyTracker:
    """Disk-backed tracker for very large files: fast appends, memory flat at any size.

    Each row's (key digest, values digest, sheet, row) is appended as a fixed 44-byte
    record to one of *partitions* temporary files, chosen by the key digest, so rows
    sharing a key always land in the same file, in file order.  :meth:`groups` then loads
    one partition at a time (1/*partitions* of the records) and finds the repeated keys
    with a stable sort.  Like :class:`SqliteKeyTracker`, the files hold only digests and
    row numbers, never a personal value, and are deleted on close (unlinked at creation).
    """

    _DTYPE: Final = np.dtype([("k", "V16"), ("v", "V16"), ("s", "<i4"), ("r", "<i8")])

    def __init__(self, directory: str | None = None, partitions: int = 64) -> None:
        self._parts = [tempfile.TemporaryFile(suffix=".keys", dir=directory)  # noqa: SIM115
                       for _ in range(partitions)]
        self._sheets: dict[str | None, int] = {}
        self._pending: list[tuple[bytes, bytes, RowRef]] = []  # single rows, written in blocks

    def _sheet(self, sheet: str | None) -> int:
        return self._sheets.setdefault(sheet, len(self._sheets))

    def add(self, key: bytes, values: bytes, ref: RowRef) -> None:
        self._pending.append((key, values, ref))
        if len(self._pending) >= 8192:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        start = 0
        for i in range(1, len(pending) + 1):  # runs of one sheet
            if i == len(pending) or pending[i][2][0] != pending[start][2][0]:
                run = pending[start:i]
                self._write([p[0] for p in run], [p[1] for p in run], run[0][2][0],
                            [p[2][1] for p in run])
                start = i

    def add_many(self, keys: Sequence[bytes], values: Sequence[bytes], sheet: str | None,
                 rows: Sequence[int]) -> None:
        if self._pending:
            self._flush()
        self._write(keys, values, sheet, rows)

    def _write(self, keys: Sequence[bytes], values: Sequence[bytes], sheet: str | None,
               rows: Sequence[int]) -> None:
        n = len(keys)
        if not n:
            return
        rec = np.empty(n, dtype=self._DTYPE)
        joined = b"".join(keys)
        rec["k"] = np.frombuffer(joined, dtype="V16")
        rec["v"] = np.frombuffer(b"".join(values), dtype="V16")
        rec["s"] = self._sheet(sheet)
        rec["r"] = np.asarray(rows, dtype=np.int64)
        part = np.frombuffer(joined, dtype=np.uint8)[::16] % len(self._parts)
        order = np.argsort(part, kind="stable")
        bounds = np.searchsorted(part[order], np.arange(len(self._parts) + 1))
        for p in np.flatnonzero(np.diff(bounds)).tolist():
            self._parts[p].write(rec[order[bounds[p]: bounds[p + 1]]].tobytes())

    def groups(self) -> Iterator[list[tuple[bytes, RowRef]]]:
        self._flush()
        names = {i: s for s, i in self._sheets.items()}
        for f in self._parts:
            f.flush()
            f.seek(0)
            rec = np.frombuffer(f.read(), dtype=self._DTYPE)
            if len(rec) < 2:
                continue
            keys = rec["k"].view(np.dtype([("a", "<u8"), ("b", "<u8")]))
            order = np.lexsort((keys["b"], keys["a"]))  # stable: file order within a key
            sk = rec["k"][order]
            starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
            sizes = np.diff(np.r_[starts, len(sk)])
            for st, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
                rows = rec[order[st: st + size]]
                yield [(bytes(r["v"]), (names[int(r["s"])], int(r["r"]))) for r in rows]

    def close(self) -> None:
        for f in self._parts:
            f.close()


def digest(values: Iterable[object]) -> bytes:
    # The canonical text of the values (the same for the per-row and the column-wise
    # path, see columns.digest_values), hashed with blake2b for bucketing only.
    return digest_values(values)


