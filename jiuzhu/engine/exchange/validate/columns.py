"""Column-wise validation: a fast path for the rows whose every cell is in canonical form.

Pure Python (pyarrow + numpy), no Django.  Issue 4 performance; ADR 0005 "Column-wise
validation".

The per-row validator (:mod:`jiuzhu.engine.exchange.validate.validator`) accepts many spellings of a
value (``2024/3/7``, ``￥1,234.5``, a 15-digit ID, ``是``...) and explains every failure.
Department systems, however, export the same canonical spelling on nearly every row.  This
module checks a whole block of CSV lines at once with Arrow compute kernels and numpy and
proves, per row, that the per-row validator would accept the row *and* what it would
return:

* the line is "simple": no quote character, exactly one cell per header column, not the
  second line (a repeated header is checked per row), and nothing under a blank header;
* every cell passes a check for its type that is *stricter* than the per-row rules, and the
  canonical value follows directly (an 18-digit ID with a valid province, birth date and
  GB 11643 check character is stored as it is; ``YYYY-MM-DD`` is that date; ``123.4`` is
  ``Decimal("123.40")``; a code written exactly as a code or label maps to its code...).

Every other row — any doubt at all — goes to the per-row path, which produces the exact
same row errors (codes, messages, masked values) as before.  The fast path therefore never
produces an error itself; a parity test (``tests/exchange/test_exchange_columnar.py``)
checks valid rows, flags, errors and duplicate verdicts are identical on mixed files.

Valid rows leave as Arrow record batches with one typed column per field (the staging
schema, :func:`staging_schema`): strings, ``decimal128(17, 2)`` for money, ``date32``,
``int64``, ``bool``; plus ``_sheet``, ``_row`` and ``_flags``.  :func:`batch_items` turns
them back into the per-row ``(sheet, row, values, flags)`` tuples with the same Python
values (``Decimal("12.50")``, ``datetime.date``...).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.exchange.validate.cells import (
    FALSE_WORDS,
    PLACEHOLDERS,
    TRUE_WORDS,
    Bad,
    parse_code,
)
from jiuzhu.rules.exchange.sources import Field, Source
from jiuzhu.rules.identity import MAX_AGE_YEARS, PROVINCE_PREFIXES
from jiuzhu.rules.text import normalise_text

__all__ = [
    "MONEY_TYPE",
    "FastColumns",
    "batch_items",
    "canonical_text",
    "combine",
    "digest_columns",
    "digest_values",
    "rows_to_batch",
    "staging_schema",
]

MONEY_TYPE: Final = pa.decimal128(17, 2)  # < 10**15 yuan with two decimals (rules.money)
_ARROW_TYPES: Final[dict[str, pa.DataType]] = {
    "date": pa.date32(),
    "money": MONEY_TYPE,
    "decimal": MONEY_TYPE,
    "int": pa.int64(),
    "bool": pa.bool_(),
}
_META: Final = (("_sheet", pa.string()), ("_row", pa.int64()), ("_flags", pa.list_(pa.string())))

# Separators of the canonical text used for digests; neither can occur in a valid value
# (control characters are refused in text, and every other type is printable ASCII).
_SEP: Final = "\x1f"
_NULL: Final = "\x1e"

# Float matrix products are exact here (sums below 2**53) and use BLAS: 4x faster than int64.
_WEIGHTS: Final = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.float64)
_CHECK: Final = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCES: Final = np.array(sorted(int(p) for p in PROVINCE_PREFIXES), dtype=np.int64)

# Regular expressions (RE2) of the canonical spellings.  Each admits only text that the
# per-row parser maps to itself (or, for numbers, to the obvious value).
_RE_ID: Final = r"^[0-9]{17}[0-9X]$"
_RE_DATE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# ADR 0005 §6 / validate.parse_date_text: one separator used twice, 年月日, or eight digits.
_RE_DATE_OTHER: Final = (r"^[0-9]{4}(?:/[0-9]{1,2}/[0-9]{1,2}|\.[0-9]{1,2}\.[0-9]{1,2}"
                         r"|-[0-9]{1,2}-[0-9]{1,2}|年[0-9]{1,2}月[0-9]{1,2}日|[0-9]{4})$")
_RE_DATE_PARTS: Final = r"^(?P<y>[0-9]{4})[^0-9]+(?P<m>[0-9]{1,2})[^0-9]+(?P<d>[0-9]{1,2})"
_RE_AMOUNT: Final = r"^[0-9]{1,15}(?:\.[0-9]{1,2})?$"
_RE_MONEY_OTHER: Final = r"^(?:¥|￥|RMB|CNY)?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?元?$"
_RE_MONEY_MARKS: Final = r"¥|￥|RMB|CNY|,|元"
_RE_SIGNED_AMOUNT: Final = r"^-?[0-9]{1,15}(?:\.[0-9]{1,2})?$"
_RE_INT: Final = r"^-?[0-9]{1,18}$"
_RE_REGION: Final = r"^[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?$"
_RE_MOBILE: Final = r"^1[3-9][0-9]{9}$"
# Printable ASCII, the middle dot of names and the CJK Unified Ideographs block: all
# unchanged by NFKC, zero-width removal and the name-dot mapping; single inner spaces only.
_TEXT_CHARS: Final = r"[!-~\x{00b7}\x{4e00}-\x{9fff}]"
_RE_TEXT: Final = rf"^{_TEXT_CHARS}+(?: {_TEXT_CHARS}+)*$"
# Identifier columns (issue 14 item 1): what a number conversion leaves (an exponent, a
# decimal point in digits, 15 significant digits then zeros) and lower-case letters where the
# kind upper-cases go the per-row way, which explains them.
_RE_IDENT_DOUBT: Final = r"^[+-]?[0-9]*\.|[0-9][eE][+-]?[0-9]|^[0-9]{15}0{3,}$"
_RE_IDENT_FAST: Final[dict[str, str]] = {
    "code": _RE_TEXT,
    "certificate": r"^[0-9A-Z\x{4e00}-\x{9fff}()\-]+$",
    "account": r"^[0-9]{1,40}$",
    "bank_code": r"^[0-9]+$",
    "plate": r"^[\x{4e00}-\x{9fff}][A-Z][A-Z0-9]{4,6}[\x{4e00}-\x{9fff}]?$",
}


def staging_schema(source: Source) -> pa.Schema:
    """The Arrow schema of staged valid rows of *source*."""
    return pa.schema([*_META, *((f.name, _ARROW_TYPES.get(f.type, pa.string())) for f in source.fields)])


# --------------------------------------------------------------------------- digests


def canonical_text(value: object) -> str:
    """The text of one canonical value for digests; equal to Arrow's cast to string."""
    if value is None:
        return _NULL
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # str, int, Decimal (already quantised: "12.50")


def digest_values(values: Iterable[object]) -> bytes:
    """Digest of canonical values (natural key or whole row), for duplicate detection.

    Fields have fixed types per source, so the text needs no type tags; the separator
    cannot occur in a value.  blake2b buckets rows only: a collision could at worst report
    a false "duplicate" for the user to check, never hide data.
    """
    text = _SEP.join(canonical_text(v) for v in values)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def digest_columns(cols: Sequence[pa.Array]) -> list[bytes]:
    """:func:`digest_values` of every row of the typed columns *cols*, column-wise."""
    texts = [c.cast(pa.string()) for c in cols]
    if len(texts) == 1:
        joined = pc.fill_null(texts[0], _NULL)
    else:
        joined = pc.binary_join_element_wise(*texts, _SEP, null_handling="replace",
                                             null_replacement=_NULL)
    b2 = hashlib.blake2b
    return [b2(s, digest_size=16).digest() for s in joined.cast(pa.binary()).to_pylist()]


# --------------------------------------------------------------------------- staging form


def rows_to_batch(source: Source, schema: pa.Schema,
                  items: Sequence[tuple[str | None, int, dict[str, object], tuple[str, ...]]]
                  ) -> pa.RecordBatch:
    """Valid rows from the per-row path → a record batch of the staging schema."""
    arrays: list[pa.Array] = [
        pa.array([i[0] for i in items], pa.string()),
        pa.array([i[1] for i in items], pa.int64()),
        pa.array([list(i[3]) for i in items], pa.list_(pa.string())),
    ]
    for f in source.fields:
        arrays.append(pa.array([i[2].get(f.name) for i in items], schema.field(f.name).type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def batch_items(batch: pa.RecordBatch
                ) -> Iterator[tuple[str | None, int, dict[str, object], tuple[str, ...]]]:
    """A staged record batch → ``(sheet, row, values, flags)`` per row, in order."""
    names = batch.schema.names[len(_META):]
    cols = [c.to_pylist() for c in batch.columns]
    sheets, rows, flags = cols[0], cols[1], cols[2]
    values = cols[len(_META):]
    for i, vals in enumerate(zip(*values, strict=True)):
        yield sheets[i], rows[i], dict(zip(names, vals, strict=True)), tuple(flags[i])


# --------------------------------------------------------------------------- checks


def _np_bool(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """A boolean Arrow array as numpy; null counts as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _fixed_bytes(arr: pa.Array, width: int) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """An Arrow string array whose values all have *width* bytes → an (n, width) uint8 matrix."""
    n = len(arr)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32)[arr.offset: arr.offset + n + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8)
    start = int(offsets[0])
    return data[start: start + n * width].reshape(n, width)


def _num(m: np.ndarray[Any, Any], lo: int, hi: int) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Digits m[:, lo:hi] of a byte matrix (ASCII digits only) as integers."""
    powers = 10.0 ** np.arange(hi - lo - 1, -1, -1)
    return np.asarray((m[:, lo:hi].astype(np.float64) - 48.0) @ powers, dtype=np.int64)


def _days(y: np.ndarray[Any, Any], mo: np.ndarray[Any, Any], d: np.ndarray[Any, Any]
          ) -> tuple[np.ndarray[Any, np.dtype[np.bool_]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Proleptic-Gregorian validity and days since 1970-01-01 of (year, month, day) arrays."""
    ok = (mo >= 1) & (mo <= 12) & (d >= 1) & (y >= 1)
    months = (y - 1970) * 12 + np.clip(mo, 1, 12) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    nxt = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    ok &= d <= nxt - first
    return ok, first + d - 1


def _epoch_day(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def _years_before(day: date, years: int) -> date:
    # Same rule as jiuzhu.rules.identity: 29 February falls back to 28 February.
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


Check = tuple[np.ndarray[Any, np.dtype[np.bool_]], pa.Array]


class FastColumns:
    """Column-wise checks for one source; see the module docstring.

    ``check(field, strings)`` returns ``(ok, values)``: which cells are proven valid and
    their canonical values as a typed Arrow array (null where not ok or blank).
    *region_ok* is asked once per distinct well-formed code of a block.
    """

    def __init__(self, source: Source, *, today: date | None,
                 region_ok: Callable[[str], bool] | None, not_after: date | None = None) -> None:
        self.source = source
        self.today = today
        self.region_ok = region_ok
        # The last day a date may be (the upload day), as days since 1970 for the date check.
        ref = not_after if not_after is not None else (today if today is not None else date.today())
        self._not_after = _epoch_day(ref)
        self._placeholders = pa.array(sorted(PLACEHOLDERS), pa.string())
        self._codes: dict[str, tuple[pa.Array, pa.Array]] = {}
        for f in source.fields:
            if f.type == "code":
                self._codes[f.name] = self._code_table(f)
        self._true = pa.array(sorted(s for s in TRUE_WORDS if normalise_text(s).casefold() == s))
        self._false = pa.array(sorted(s for s in FALSE_WORDS if normalise_text(s).casefold() == s))

    @staticmethod
    def _code_table(f: Field) -> tuple[pa.Array, pa.Array]:
        """Spellings of a code field that the per-row parser maps, and what to."""
        keys: list[str] = []
        values: list[str] = []
        spellings = {c for c, _ in f.choices} | {zh for _, zh in f.choices} | {s for s, _ in f.spellings}
        for spelling in sorted(spellings):
            if normalise_text(spelling) != spelling:
                continue
            try:
                values.append(parse_code(spelling, f))
            except Bad:  # pragma: no cover - every code and label is accepted
                continue
            keys.append(spelling)
        return pa.array(keys, pa.string()), pa.array(values, pa.string())

    def check(self, f: Field, arr: pa.Array) -> Check:
        """Which cells are proven valid, and their values (meaningful where ok only)."""
        good, values = self._typed(f, arr)  # every pattern needs at least one character
        if f.required:
            return good, values
        empty = _np_bool(pc.equal(pc.binary_length(arr), 0))
        if empty.any():  # a blank optional cell is None
            values = pc.if_else(pa.array(empty), pa.nulls(len(arr), values.type), values)
        return good | empty, values

    def _typed(self, f: Field, arr: pa.Array) -> Check:
        t = f.type
        if t == "id_number":
            return self._id(arr)
        if t == "date":
            good, days = self._date(arr)
            if f.month:  # a month is its first day; other spellings go the per-row way
                good &= _np_bool(pc.equal(pc.day(days), 1))
            if not f.future:
                good &= days.cast(pa.int32()).to_numpy(zero_copy_only=False) <= self._not_after
            return good, days
        if t in ("money", "decimal"):
            amount = _RE_SIGNED_AMOUNT if f.negative else _RE_AMOUNT
            good = _np_bool(pc.match_substring_regex(arr, amount))
            src = arr
            if t == "money" and not good.all():
                # ¥/￥/RMB/CNY before, 元 after, thousands separators (rules.money accepts them).
                alt = _np_bool(pc.match_substring_regex(arr, _RE_MONEY_OTHER)) & ~good
                if alt.any():
                    src = pc.if_else(pa.array(alt), pc.replace_substring_regex(arr, _RE_MONEY_MARKS, ""), arr)
                    good |= alt & _np_bool(pc.match_substring_regex(src, _RE_AMOUNT))
            src = src if good.all() else pc.if_else(pa.array(good), src, "0")
            return good, src.cast(MONEY_TYPE)
        if t == "int":
            good = _np_bool(pc.match_substring_regex(arr, _RE_INT))
            nums = (arr if good.all() else pc.if_else(pa.array(good), arr, "0")).cast(pa.int64())
            lo = f.min_value if f.min_value is not None else -(2**63)
            hi = f.max_value if f.max_value is not None else 2**63 - 1
            v = nums.to_numpy()
            good &= (v >= lo) & (v <= hi)
            return good, nums
        if t == "bool":
            is_t = _np_bool(pc.is_in(arr, value_set=self._true))
            is_f = _np_bool(pc.is_in(arr, value_set=self._false))
            return is_t | is_f, pa.array(is_t)
        if t == "code":
            keys, outs = self._codes[f.name]
            idx = pc.index_in(arr, value_set=keys)
            return _np_bool(pc.is_valid(idx)), pc.take(outs, idx)
        if t == "region_code":  # the shape; the scope is regions_allowed()'s
            return _np_bool(pc.match_substring_regex(arr, _RE_REGION)), arr
        if t == "mobile":
            return _np_bool(pc.match_substring_regex(arr, _RE_MOBILE)), arr
        if f.ident is not None:
            pattern = _RE_IDENT_FAST.get(f.ident)
            if pattern is None:  # credit codes: always the per-row check (GB 32100)
                return np.zeros(len(arr), dtype=np.bool_), arr
            good = _np_bool(pc.match_substring_regex(arr, pattern))
            good &= ~_np_bool(pc.match_substring_regex(arr, _RE_IDENT_DOUBT))
            if f.widths:
                good &= np.isin(pc.utf8_length(arr).to_numpy(zero_copy_only=False), list(f.widths))
        else:
            good = _np_bool(pc.match_substring_regex(arr, _RE_TEXT))
        good &= ~_np_bool(pc.is_in(arr, value_set=self._placeholders))  # "-", "无": no value
        good &= pc.utf8_length(arr).to_numpy(zero_copy_only=False) <= f.max_length
        return good, arr

    def regions_allowed(self, arr: pa.Array, ok: np.ndarray[Any, np.dtype[np.bool_]]
                        ) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Region cells that are blank or pass ``region_ok``; asked once per distinct code
        among the rows still *ok* (call from the thread that owns ``region_ok``)."""
        filled = _np_bool(pc.greater(pc.binary_length(arr), 0))
        if self.region_ok is None or not (ok & filled).any():
            return np.ones(len(arr), dtype=np.bool_)
        distinct = pc.unique(pc.filter(arr, pa.array(ok & filled))).to_pylist()
        allowed = pa.array([c for c in distinct if self.region_ok(c)], pa.string())
        return ~filled | _np_bool(pc.is_in(arr, value_set=allowed))

    def _id(self, arr: pa.Array) -> Check:
        good = _np_bool(pc.match_substring_regex(arr, _RE_ID))
        idx = np.flatnonzero(good)
        m = _fixed_bytes(pc.take(arr, pa.array(idx, pa.int64())), 18)
        ok = np.isin(_num(m, 0, 2), _PROVINCES)
        total = np.asarray((m[:, :17].astype(np.float64) - 48.0) @ _WEIGHTS, dtype=np.int64)
        ok &= _CHECK[total % 11] == m[:, 17]
        valid, day = _days(_num(m, 6, 10), _num(m, 10, 12), _num(m, 12, 14))
        ref = self.today if self.today is not None else date.today()
        ok &= valid & (day <= _epoch_day(ref)) & (day >= _epoch_day(_years_before(ref, MAX_AGE_YEARS)))
        # 18 digits ending in 000 may be a rounded number: judged per column by the validator.
        ok &= ~((m[:, 15] == 48) & (m[:, 16] == 48) & (m[:, 17] == 48))
        good[idx] = ok
        return good, arr

    def _date(self, arr: pa.Array) -> Check:
        good = _np_bool(pc.match_substring_regex(arr, _RE_DATE))
        idx = np.flatnonzero(good)
        m = _fixed_bytes(pc.take(arr, pa.array(idx, pa.int64())), 10)
        y, mo, d = _num(m, 0, 4), _num(m, 5, 7), _num(m, 8, 10)
        # The other spellings the row path accepts for text (2024/3/7, 2024.3.7, 2024年3月7日,
        # 20240307), for the (usually few) cells that are not YYYY-MM-DD.
        other = np.flatnonzero(~good & _np_bool(pc.greater(pc.binary_length(arr), 0)))
        if len(other):
            sub = pc.take(arr, pa.array(other, pa.int64()))
            alt = _np_bool(pc.match_substring_regex(sub, _RE_DATE_OTHER))
            if alt.any():
                sel = pa.array(alt)
                spaced = pc.replace_substring_regex(pc.filter(sub, sel), r"^([0-9]{4})([0-9]{2})([0-9]{2})$",
                                                    r"\1-\2-\3")
                parts = pc.extract_regex(spaced, _RE_DATE_PARTS)
                idx = np.concatenate([idx, other[alt]])
                y = np.concatenate([y, _ints(parts.field("y"))])
                mo = np.concatenate([mo, _ints(parts.field("m"))])
                d = np.concatenate([d, _ints(parts.field("d"))])
        valid, day = _days(y, mo, d)
        valid &= (y >= 1900) & (y <= 2099)
        good[idx] = valid
        days = np.zeros(len(arr), dtype=np.int32)
        days[idx] = np.where(valid, day, 0)
        return good, pa.array(days, pa.int32()).cast(pa.date32())


def _ints(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.int64]]:
    return np.asarray(arr.cast(pa.int64()).to_numpy(), dtype=np.int64)


def combine(schema: pa.Schema, parts: Sequence[pa.RecordBatch]) -> pa.RecordBatch:
    """Concatenate record batches and sort the rows by (sheet, row)."""
    if len(parts) == 1:
        return parts[0]
    table = pa.Table.from_batches(list(parts), schema=schema).combine_chunks()
    order = pc.sort_indices(table, sort_keys=[("_row", "ascending")])
    out = table.take(order).to_batches()
    return out[0] if out else pa.RecordBatch.from_pylist([], schema=schema)

