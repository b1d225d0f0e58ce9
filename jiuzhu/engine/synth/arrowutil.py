"""Zero-copy builders from numpy arrays to Arrow columns.

Fixed-width ASCII strings (ID numbers, codes, phone numbers) are built as a
``(n, width)`` uint8 matrix and handed to Arrow as one data buffer with
computed offsets; money is built as decimal128 from integer cents; dates as
date32 from day numbers.  No per-row Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

EPOCH = date(1970, 1, 1)


def day_number(d: date) -> int:
    """Days since 1970-01-01."""
    return (d - EPOCH).days


def _validity(valid: B | None) -> pa.Buffer | None:
    if valid is None:
        return None
    return pa.py_buffer(np.packbits(np.asarray(valid, dtype=np.bool_), bitorder="little"))


def ascii_matrix(mat: U8, valid: B | None = None) -> pa.Array:
    """A string column from an (n, width) matrix of ASCII codes (zero copy)."""
    n, width = mat.shape
    if n * width >= 2**31:
        half = n // 2
        first = ascii_matrix(mat[:half], None if valid is None else valid[:half])
        second = ascii_matrix(mat[half:], None if valid is None else valid[half:])
        return pa.concat_arrays([first, second])
    data = np.ascontiguousarray(mat, dtype=np.uint8).reshape(-1)
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(width)
    return pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), _validity(valid)
    )


# ASCII of "0000".."9999", one uint32 per 4-digit group
_LUT4 = (
    (np.arange(10_000, dtype=np.int64)[:, None]
     // np.array([1000, 100, 10, 1], dtype=np.int64)) % 10 + 48
).astype(np.uint8)
_LUT4_U32 = np.ascontiguousarray(_LUT4).view(np.uint32).ravel()


def digit_matrix(values: I64, width: int) -> U8:
    """ASCII digits of non-negative integers (< 10^18), zero padded to ``width``.

    Split into 8-digit int32 parts, then four digits at a time through a
    lookup table (integer division is the expensive part).
    """
    parts = -(-width // 8)
    out = np.empty((len(values), parts * 2), dtype=np.uint32)
    v = np.asarray(values, dtype=np.int64)
    for p in range(parts - 1, -1, -1):
        if p > 0:
            q = v // 100_000_000
            part = (v - q * 100_000_000).astype(np.int32)
            v = q
        else:
            part = v.astype(np.int32)
        hi = part // np.int32(10_000)
        lo = part - hi * np.int32(10_000)
        out[:, 2 * p] = _LUT4_U32[hi]
        out[:, 2 * p + 1] = _LUT4_U32[lo]
    return out.view(np.uint8)[:, parts * 8 - width:]


def prefixed_digits(prefix: str, values: I64, width: int, valid: B | None = None) -> pa.Array:
    """``prefix`` + zero-padded digits, e.g. ("HH", 12, 10) -> "HH0000000012"."""
    digits = digit_matrix(values, width)
    if prefix:
        head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        digits = np.concatenate([np.broadcast_to(head, (len(values), len(head))), digits], axis=1)
    return ascii_matrix(digits, valid)


def int_strings(values: I64) -> pa.Array:
    """Decimal representation of integers (variable width)."""
    return pc.cast(pa.array(values, type=pa.int64()), pa.string())


def decimal_cents(cents: I64, precision: int, valid: B | None = None) -> pa.Array:
    """decimal128(precision, 2) from integer cents (zero copy)."""
    c = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(c), 2), dtype=np.int64)
    buf[:, 0] = c
    buf[:, 1] = c >> 63  # sign extension of the 128-bit little-endian value
    return pa.Array.from_buffers(
        pa.decimal128(precision, 2), len(c), [_validity(valid), pa.py_buffer(buf)]
    )


def dates(days: npt.NDArray[np.integer], valid: B | None = None) -> pa.Array:
    """date32 from day numbers since the epoch."""
    d = np.ascontiguousarray(days, dtype=np.int32)
    return pa.Array.from_buffers(pa.date32(), len(d), [_validity(valid), pa.py_buffer(d)])


def take_strings(pool: Sequence[str], idx: npt.NDArray[np.integer]) -> pa.Array:
    """``pool[idx]`` as an Arrow string column."""
    return pa.array(list(pool), type=pa.string()).take(pa.array(idx))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string columns (and literal strings)."""
    return pc.binary_join_element_wise(*parts, "")


def with_nulls(arr: pa.Array, valid: B) -> pa.Array:
    """``arr`` with nulls where ``valid`` is False."""
    return pc.if_else(pa.array(valid), arr, pa.scalar(None, type=arr.type))


# --- calendar helpers ----------------------------------------------------------


def _ymd_direct(days: I64) -> tuple[I64, I64, I64]:
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    year = y.astype(np.int64) + 1970
    month = (m - y.astype("datetime64[M]")).astype(np.int64) + 1
    day = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def ymd(days: npt.NDArray[np.integer]) -> tuple[I64, I64, I64]:
    """(year, month, day) arrays from day numbers (via a table over the range)."""
    d = np.asarray(days, dtype=np.int64)
    if len(d) == 0:
        return d.copy(), d.copy(), d.copy()
    lo, hi = int(d.min()), int(d.max())
    if hi - lo > 200_000 or hi - lo > len(d):
        return _ymd_direct(d)
    y, m, dd = _ymd_direct(np.arange(lo, hi + 1, dtype=np.int64))
    i = d - lo
    return y[i], m[i], dd[i]


def date_from_ymd(year: I64, month: int, day: int) -> I64:
    """Day numbers of (year[i], month, day); 29 Feb rolls to 1 Mar in common years."""
    year = np.asarray(year, dtype=np.int64)
    if len(year) == 0:
        return year.copy()
    lo, hi = int(year.min()), int(year.max())
    years = np.arange(lo, hi + 1, dtype=np.int64)
    months = (years - 1970) * 12 + (month - 1)
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    table = first + (day - 1)
    return np.asarray(table[year - lo], dtype=np.int64)


def month_start(month_index: I64) -> I64:
    """Day number of the first day of month ``month_index`` (= year*12 + month-1)."""
    return (month_index - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(
        np.int64
    )
