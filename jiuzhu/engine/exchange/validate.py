"""Row validation against a declared :class:`~jiuzhu.rules.exchange.sources.Source`.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R23, R28–R30, U1–U7, U15–U21, U25.

Every value is turned into its canonical type or reported, never guessed:

* ID numbers go through :func:`~jiuzhu.rules.identity.parse_id_number` and are stored as
  the normalised 18-character text; a 15-digit number is upgraded and *flagged* (U6), and
  a number that reached us as a spreadsheet number is rejected (U1, U2).
* Dates accept ``2024-03-07``, ``2024/3/7``, ``2024.3.7``, ``2024年3月7日``, ``20240307``
  and real date cells; two-digit years, impossible dates and Excel's phantom
  1900-02-29 are rejected (U17, U18).
* Money is :class:`~decimal.Decimal` via :func:`~jiuzhu.rules.money.parse_money`; a
  float is accepted only from a spreadsheet cell, through ``Decimal(repr)``
  (:func:`~jiuzhu.rules.money.parse_money_cell`, U15, U16).
* Region codes must have a valid shape and pass the caller's ``region_ok`` (the uploader's
  scope and the historical code table live in Django, R30, U21).

Within one file, rows are compared by the source's natural key (U7): identical repeats are
reported once and only the first is kept; rows that share a key but differ are *all*
reported as a conflict and none is kept — "last one wins" would silently pick a value.
Because a row can only be known to be a repeat once a later row arrives, the verdict on
keys comes at the end (:meth:`Validator.finish`): streaming callers stage the rows and
drop the ones listed there before committing.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Any, Final, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.exchange.columnar import (
    FastColumns,
    batch_items,
    combine,
    digest_columns,
    digest_values,
    rows_to_batch,
    staging_schema,
)
from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers import (
    UI_LIMITS,
    CsvReader,
    Limits,
    RawRow,
    TableReader,
    open_table,
)
from jiuzhu.pii.masking import mask_bank_account, mask_id_number, mask_name, mask_phone
from jiuzhu.rules.contact import ContactError, normalise_mobile
from jiuzhu.rules.exchange.sources import Field, Source
from jiuzhu.rules.identity import IdNumberError, parse_id_number
from jiuzhu.rules.money import MoneyError, parse_money, parse_money_cell
from jiuzhu.rules.text import normalise_text, remove_zero_width

__all__ = [
    "KeyReport",
    "KeyTracker",
    "MemoryKeyTracker",
    "PartitionedKeyTracker",
    "RegionCheck",
    "RowRef",
    "SqliteKeyTracker",
    "ValidBatch",
    "ValidRow",
    "ValidationOutcome",
    "Validator",
    "mask_value",
    "validate_file",
]

RegionCheck = Callable[[str], bool]
RowRef = tuple[str | None, int]  # (sheet, row)

MAX_MASKED_CHARS: Final = 40
_MIN_YEAR: Final = 1900
_MAX_YEAR: Final = 2099
# Excel's 1900 date system counts a non-existent 1900-02-29 (serial 60), so serials up to
# 60 cannot be trusted: openpyxl maps both 59 and 60 to 1900-02-28.
_EXCEL_1900_SAFE_FROM: Final = date(1900, 3, 1)

_RE_DATE_SEP: Final = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_RE_DATE_ZH: Final = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
_RE_DATE_COMPACT: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_RE_DATE_TWO_DIGIT: Final = re.compile(r"[0-9]{2}([-/.])[0-9]{1,2}\1[0-9]{1,2}|[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日")
# A date written by a system as a timestamp at midnight ("2024-03-07 00:00:00") is a date.
_RE_MIDNIGHT: Final = re.compile(r"(.*?)(?:[ T]00:00(?::00(?:\.0+)?)?)?")
# Text that a spreadsheet or float conversion made of an ID (U2): a point or an exponent.
_RE_ID_NUMERIC: Final = re.compile(r"[+-]?[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?")
_RE_REGION: Final = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")
_RE_INT: Final = re.compile(r"[+-]?[0-9]{1,18}")
_RE_DECIMAL: Final = re.compile(r"([0-9]{1,15})(?:\.([0-9]+))?")
_TRUE: Final = frozenset({"true", "t", "1", "y", "yes", "是", "有", "√"})
_FALSE: Final = frozenset({"false", "f", "0", "n", "no", "否", "无", "×"})


class _Bad(Exception):
    """A cell failed: carries the message code and its parameters."""

    def __init__(self, code: str, zh: str | None = None, en: str | None = None,
                 **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.zh = zh
        self.en = en
        self.params = params


@dataclass(frozen=True)
class ValidRow:
    """A row that passed: field name → canonical value (str, Decimal, date, int, bool, None).

    ``flags`` note what the caller must treat specially, e.g.
    ``"id_number:upgraded_from_15"`` (U6: never auto-merge with an 18-digit record).
    """

    sheet: str | None
    row: int
    values: dict[str, object]
    flags: tuple[str, ...] = ()

    @property
    def ref(self) -> RowRef:
        return (self.sheet, self.row)


@dataclass
class ValidBatch:
    """A block of a file from :meth:`Validator.batches`.

    ``valid`` holds the valid rows as a record batch of the staging schema
    (:func:`~jiuzhu.engine.exchange.columnar.staging_schema`), in file order; ``errors``
    the row errors of the block, in file order; ``rows`` the data rows read.
    """

    valid: pa.RecordBatch
    errors: list[RowError]
    rows: int

    def valid_rows(self) -> Iterator[ValidRow]:
        for sheet, row, values, flags in batch_items(self.valid):
            yield ValidRow(sheet, row, values, flags)


def _np_bool(arr: pa.Array) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


@dataclass
class _Block:
    """One CSV block after the column checks (see :meth:`Validator._csv_batches`)."""

    start: int  # number of the block's first line
    n: int  # lines in the block
    raw: pa.Array  # the lines, with their terminators
    idx: np.ndarray[Any, Any]  # positions of the simple lines
    ok: np.ndarray[Any, Any]  # per simple line: every cell proven valid (regions: shape only)
    cells: list[pa.Array]  # per header column: the simple lines' cells
    typed: list[pa.Array]  # per source field: canonical values of the simple lines


class _CsvPlan:
    """What the column-wise CSV path needs about one file; :meth:`prepare` is thread-safe
    (pure Arrow/numpy on its arguments; it never calls ``region_ok``)."""

    def __init__(self, v: Validator, reader: CsvReader, schema: pa.Schema) -> None:
        self.reader = reader
        self.schema = schema
        self.source = v.source
        self.fast = FastColumns(v.source, today=v.today, region_ok=v.region_ok)
        self.header = reader.header_fields
        self.delim = reader.delimiter or ","
        self.position = {name: j for j, name in enumerate(self.header) if name is not None}
        self.blank_cols = [j for j, name in enumerate(self.header) if name is None]
        self.key_pos = [v.source.field_names.index(k) for k in v.source.natural_key]
        self.region_cols = [self.position[f.name] for f in v.source.fields
                            if f.type == "region_code" and f.name in self.position
                            and v.region_ok is not None]

    def prepare(self, start: int, data: bytes) -> _Block:
        expected = len(self.header)
        buf = np.frombuffer(data, dtype=np.uint8)
        ends = np.flatnonzero(buf == 10)  # each line's "\n"
        n = len(ends)
        offsets = np.zeros(n + 1, dtype=np.int32)
        offsets[1:] = ends + 1
        lengths = np.diff(offsets)  # bytes of each line with its terminator
        crlf = np.zeros(n, dtype=np.bool_)
        crlf[lengths > 1] = buf[ends[lengths > 1] - 1] == 13
        raw = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
        raw.validate(full=True)  # UTF-8, as the pre-scan established
        linenos = np.arange(start, start + n, dtype=np.int64)
        simple = ~_np_bool(pc.match_substring(raw, '"'))
        simple &= pc.count_substring(raw, self.delim).to_numpy() == expected - 1
        # A line of delimiters only is skipped as blank by the row path.
        chars = pc.utf8_length(raw).to_numpy() - 1 - crlf
        simple &= chars != expected - 1
        simple &= linenos > 2  # the header, and a possibly repeated header
        idx = np.flatnonzero(simple)
        cells = _split_simple(data, buf, simple, lengths, raw, idx, self.delim, expected)
        ok = np.ones(len(idx), dtype=np.bool_)
        for b in self.blank_cols:
            ok &= _np_bool(pc.equal(pc.binary_length(cells[b]), 0))
        if self.blank_cols:  # no cell of a line with data under a blank header is checked
            keep = pa.array(ok)
            idx = idx[ok]
            cells = [pc.filter(c, keep) for c in cells]
            ok = ok[ok]
        typed: list[pa.Array] = []
        for f in self.source.fields:
            col = self.position.get(f.name)
            if col is None:  # an optional column the file does not have
                typed.append(pa.nulls(len(idx), self.schema.field(f.name).type))
                continue
            good, values = self.fast.check(f, cells[col])
            ok &= good
            typed.append(values)
        return _Block(start, n, raw, idx, ok, cells, typed)


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _split_simple(data: bytes, buf: np.ndarray[Any, Any], simple: np.ndarray[Any, Any],
                  lengths: np.ndarray[Any, Any], raw: pa.Array, idx: np.ndarray[Any, Any],
                  delim: str, expected: int) -> list[pa.Array]:
    """The cells of the simple lines (no quote, one cell per column) as string columns.

    For a one-byte delimiter the lines are handed to Arrow's CSV parser with quoting off:
    on such lines it splits exactly like the row path (``csv`` with no quote in the line).
    """
    if len(idx) == 0:
        return [pa.array([], pa.string()) for _ in range(expected)]
    if len(delim.encode("utf-8")) == 1:
        import pyarrow.csv as pacsv

        body = data if len(idx) == len(simple) else buf[np.repeat(simple, lengths)].tobytes()
        names = [f"c{j}" for j in range(expected)]
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=max(len(body), 1 << 20)),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char=False, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        if table.num_rows == len(idx):
            return [table.column(j).combine_chunks() for j in range(expected)]
    lines = pc.utf8_rtrim(pc.take(raw, pa.array(idx, pa.int64())), characters="\r\n")
    lists = pc.split_pattern(lines, delim)
    return [pc.list_element(lists, j) for j in range(expected)]


# --------------------------------------------------------------------------- masking


def _truncate(s: str, limit: int = MAX_MASKED_CHARS) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def mask_value(f: Field | None, raw: object) -> str:
    """The masked form of *raw* for a row report (R13, R23): never the raw personal value."""
    if raw is None:
        return ""
    s = raw if isinstance(raw, str) else repr(raw) if isinstance(raw, float) else str(raw)
    # Control characters would corrupt the report (and can hide text); show them escaped.
    s = "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in s)
    kind = f.mask_kind if f is not None else "partial"
    if kind == "id":
        return _truncate(mask_id_number(s))
    if kind == "name":
        return _truncate(mask_name(s))
    if kind == "phone":
        return _truncate(mask_phone(s))
    if kind == "account":
        return _truncate(mask_bank_account(s))
    if kind == "partial":
        t = normalise_text(s)
        return "*" * min(len(t), 8) if len(t) < 6 else t[0] + "*" * min(len(t) - 2, 20) + t[-1]
    return _truncate(s)


# --------------------------------------------------------------------------- cell parsers


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not normalise_text(raw))


def _text(raw: object) -> str:
    """Text of a cell that should hold text; an int is exact, a float is not (U2)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        raise _Bad("type")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, (float, Decimal)):
        raise _Bad("text_numeric")
    raise _Bad("type")


def _parse_id(raw: object, today: date | None) -> tuple[str, bool]:
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        raise _Bad("id_not_text")  # U1: the digits may already have changed
    s = _text(raw)
    compact = "".join(unicodedata.normalize("NFKC", remove_zero_width(s)).split())
    if any(c in compact for c in ".eE") and _RE_ID_NUMERIC.fullmatch(compact):
        raise _Bad("id_not_text")  # U2: "…1233.0", "1.10101E+17"
    try:
        parsed = parse_id_number(s, today=today)
    except IdNumberError as e:
        raise _Bad(f"id_{e.code}", e.message_zh, e.message_en) from None
    return parsed.value, parsed.upgraded_from_15


def _date(raw: object, spreadsheet: bool) -> date:
    if isinstance(raw, datetime):
        if raw.time() != datetime.min.time():
            raise _Bad("date_time")
        d = raw.date()
        if spreadsheet and d < _EXCEL_1900_SAFE_FROM:
            raise _Bad("date_excel_1900")
    elif isinstance(raw, date):
        d = raw
        if spreadsheet and d < _EXCEL_1900_SAFE_FROM:  # pragma: no cover - openpyxl gives datetime
            raise _Bad("date_excel_1900")
    elif isinstance(raw, bool):
        raise _Bad("type")
    elif isinstance(raw, int) and 10_000_000 <= raw <= 99_999_999:
        d = _date_text(str(raw))  # 20240307 typed into a number cell
    elif isinstance(raw, (int, float, Decimal)):
        raise _Bad("date_number")  # a serial number in a General cell: ambiguous epoch
    else:
        d = _date_text(_text(raw))
    if not _MIN_YEAR <= d.year <= _MAX_YEAR:
        raise _Bad("date_range")
    return d


def _date_text(s: str) -> date:
    t = normalise_text(s)
    m0 = _RE_MIDNIGHT.fullmatch(t)
    core = (m0.group(1) if m0 else t).replace(" ", "")
    m = _RE_DATE_SEP.fullmatch(core)
    if m is not None:
        y, mo, d = m.group(1), m.group(3), m.group(4)
    else:
        m = _RE_DATE_ZH.fullmatch(core) or _RE_DATE_COMPACT.fullmatch(core)
        if m is None:
            if _RE_DATE_TWO_DIGIT.fullmatch(core):
                raise _Bad("date_two_digit_year")
            raise _Bad("date_format")
        y, mo, d = m.groups()
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        raise _Bad("date_invalid") from None


def _money(raw: object, spreadsheet: bool) -> Decimal:
    try:
        if spreadsheet:
            return parse_money_cell(raw)
        return parse_money(raw)
    except MoneyError as e:
        raise _Bad(f"money_{e.code}", e.message_zh, e.message_en) from None


def _decimal(raw: object, spreadsheet: bool) -> Decimal:
    """A non-money quantity (m²): ≥ 0, at most two decimals, never rounded."""
    if isinstance(raw, bool):
        raise _Bad("type")
    if isinstance(raw, float):
        if not spreadsheet:
            raise _Bad("decimal_format")
        raw = repr(raw)  # the shortest round-trip text: what the user typed (U16)
    if isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, Decimal):
        d = raw
    else:
        s = "".join(normalise_text(_text(raw)).split())
        m = _RE_DECIMAL.fullmatch(s.lstrip("+"))
        if s.startswith("-") and _RE_DECIMAL.fullmatch(s[1:]):
            raise _Bad("decimal_negative")
        if m is None:
            raise _Bad("decimal_format")
        try:
            d = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the regex admits only plain numbers
            raise _Bad("decimal_format") from None
    if not d.is_finite():
        raise _Bad("decimal_format")
    if d < 0:
        raise _Bad("decimal_negative")
    if d >= Decimal(10) ** 15:
        raise _Bad("decimal_range")
    q = d.quantize(Decimal("0.01"))
    if q != d:
        raise _Bad("decimal_precision")
    return q


def _int(raw: object, f: Field, spreadsheet: bool) -> int:
    if isinstance(raw, bool):
        raise _Bad("int_format")
    if isinstance(raw, int):
        n = raw
    elif isinstance(raw, float) and spreadsheet and raw.is_integer() and abs(raw) < 2**53:
        n = int(raw)
    elif isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        n = int(raw)
    elif isinstance(raw, str):
        s = "".join(normalise_text(raw).split())
        if not _RE_INT.fullmatch(s):
            raise _Bad("int_format")
        n = int(s)
    else:
        raise _Bad("int_format")
    low = f.min_value if f.min_value is not None else -(2**63)
    high = f.max_value if f.max_value is not None else 2**63 - 1
    if not low <= n <= high:
        raise _Bad("int_range", low=low, high=high)
    return n


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, float) and raw in (0.0, 1.0):
        return bool(raw)
    if isinstance(raw, str):
        s = normalise_text(raw).casefold()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise _Bad("bool_format")


@functools.lru_cache(maxsize=512)
def _code_maps(f: Field) -> tuple[dict[str, str], dict[str, str]]:
    """A code field's lookups: casefolded code → code, normalised label → code."""
    return ({c.casefold(): c for c, _ in f.choices},
            {normalise_text(zh): c for c, zh in f.choices})


def _code(raw: object, f: Field) -> str:
    s = normalise_text(_text(raw))
    by_code, by_label = _code_maps(f)
    found = by_code.get(s.casefold()) or by_label.get(s)
    if found is None:
        shown = [f"{zh}({c})" for c, zh in f.choices[:12]]
        allowed = "、".join(shown) + ("…" if len(f.choices) > 12 else "")
        raise _Bad("choice", allowed=allowed,
                   allowed_en=", ".join(c for c, _ in f.choices[:12]))
    return found


def _free_text(raw: object, f: Field) -> str:
    s = _text(raw)
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in s):
        raise _Bad("text_control")
    t = normalise_text(s)
    if len(t) > f.max_length:
        raise _Bad("text_too_long", limit=f.max_length)
    return t


def _region(raw: object, region_ok: RegionCheck | None) -> str:
    if isinstance(raw, bool) or isinstance(raw, (float, Decimal)):
        raise _Bad("region_format")
    s = "".join(normalise_text(_text(raw)).split())
    if not _RE_REGION.fullmatch(s):
        raise _Bad("region_format")
    if region_ok is not None and not region_ok(s):
        raise _Bad("region_not_allowed")
    return s


def _mobile(raw: object) -> str:
    try:
        return normalise_mobile(_text(raw))
    except ContactError as e:
        raise _Bad(f"mobile_{e.code}", e.message_zh, e.message_en) from None


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


def _digest(values: Iterable[object]) -> bytes:
    # The canonical text of the values (the same for the per-row and the column-wise
    # path, see columnar.digest_values), hashed with blake2b for bucketing only.
    return digest_values(values)


# --------------------------------------------------------------------------- validator


class Validator:
    """Validates rows of one file against *source*; feed it rows, then call :meth:`finish`.

    *region_ok* decides whether a (well-formed) region code may be used by this uploader;
    *today* is the reference day for ID-number birth dates (default: the real today);
    *spreadsheet* must be True for XLSX (floats are then accepted for money via
    ``Decimal(repr)``, and dates before 1900-03-01 are refused as Excel-ambiguous).
    """

    def __init__(
        self,
        source: Source,
        *,
        region_ok: RegionCheck | None = None,
        today: date | None = None,
        spreadsheet: bool = False,
        columns: dict[str, str] | None = None,
        key_tracker: KeyTracker | None = None,
    ) -> None:
        self.source = source
        self.region_ok = region_ok
        self.today = today
        self.spreadsheet = spreadsheet
        self.columns = columns or {}
        self._keys: KeyTracker = key_tracker if key_tracker is not None else MemoryKeyTracker()
        self._key_names = source.natural_key
        self.rows_seen = 0
        self.rows_valid = 0
        self.rows_invalid = 0

    def _label(self, name: str) -> str:
        return self.columns.get(name, name)

    def check(self, item: RawRow | RowError) -> ValidRow | list[RowError]:
        """Validate one row; a RowError from the reader passes through as ``[error]``."""
        result = self._check(item)
        if isinstance(result, ValidRow):
            self._keys.add(*self._digests(result), result.ref)
        return result

    def _digests(self, row: ValidRow) -> tuple[bytes, bytes]:
        out = row.values
        return _digest(out[k] for k in self._key_names), _digest(out.values())

    def _check(self, item: RawRow | RowError) -> ValidRow | list[RowError]:
        self.rows_seen += 1
        if isinstance(item, RowError):
            self.rows_invalid += 1
            return [item]
        errors: list[RowError] = []
        out: dict[str, object] = {}
        flags: list[str] = []
        for f in self.source.fields:
            raw = item.values.get(f.name)
            try:
                if _blank(raw):
                    if f.required:
                        raise _Bad("required")
                    out[f.name] = None
                    continue
                out[f.name] = self._value(f, raw, flags)
            except _Bad as bad:
                if bad.zh is not None and bad.en is not None:
                    zh, en = bad.zh, bad.en
                    errors.append(RowError(item.sheet, item.row, self._label(f.name), bad.code,
                                           zh, en, mask_value(f, raw)))
                else:
                    errors.append(RowError.of(bad.code, sheet=item.sheet, row=item.row,
                                              column=self._label(f.name),
                                              value_masked=mask_value(f, raw), **bad.params))
        if errors:
            self.rows_invalid += 1
            return errors
        self.rows_valid += 1
        return ValidRow(item.sheet, item.row, out, tuple(flags))

    def _value(self, f: Field, raw: object, flags: list[str]) -> object:
        t = f.type
        if t == "id_number":
            value, upgraded = _parse_id(raw, self.today)
            if upgraded:
                flags.append(f"{f.name}:upgraded_from_15")
            return value
        if t == "date":
            return _date(raw, self.spreadsheet)
        if t == "money":
            return _money(raw, self.spreadsheet)
        if t == "decimal":
            return _decimal(raw, self.spreadsheet)
        if t == "int":
            return _int(raw, f, self.spreadsheet)
        if t == "bool":
            return _bool(raw)
        if t == "code":
            return _code(raw, f)
        if t == "region_code":
            return _region(raw, self.region_ok)
        if t == "mobile":
            return _mobile(raw)
        return _free_text(raw, f)

    def rows(self, items: Iterable[RawRow | RowError]) -> Iterator[ValidRow | RowError]:
        """Stream: each valid row, or each of a row's errors, in file order."""
        for item in items:
            result = self.check(item)
            if isinstance(result, ValidRow):
                yield result
            else:
                yield from result

    # ----------------------------------------------------------------- column-wise

    def batches(self, reader: TableReader, *, batch_rows: int = 8192, fast: bool = True,
                block_bytes: int = 4 << 20) -> Iterator[ValidBatch]:
        """Stream the file as :class:`ValidBatch` es: typed valid rows plus row errors.

        Same verdicts as :meth:`rows`, row for row.  CSV files take the column-wise fast
        path (:mod:`jiuzhu.engine.exchange.columnar`) unless *fast* is False; other
        formats are validated row by row and grouped into batches of *batch_rows*.  A CSV
        block is *block_bytes* of the file (peak memory is a small multiple of it).
        """
        schema = staging_schema(self.source)
        if fast and isinstance(reader, CsvReader):
            try:
                yield from self._csv_batches(reader, schema, block_bytes)
            except (ExchangeFileError, MemoryError):
                raise
            except Exception as e:  # like TableReader.__iter__: never a raw traceback
                raise file_error("corrupt", detail="", detail_en=f" ({type(e).__name__})") from None
            return
        pending: list[ValidRow] = []
        errors: list[RowError] = []
        seen = 0
        for item in reader:
            seen += 1
            result = self.check(item)
            if isinstance(result, ValidRow):
                pending.append(result)
            else:
                errors.extend(result)
            if seen >= batch_rows:
                yield self._slow_batch(schema, pending, errors, seen)
                pending, errors, seen = [], [], 0
        if seen:
            yield self._slow_batch(schema, pending, errors, seen)

    def _slow_batch(self, schema: pa.Schema, rows: list[ValidRow], errors: list[RowError],
                    seen: int) -> ValidBatch:
        items = [(r.sheet, r.row, r.values, r.flags) for r in rows]
        return ValidBatch(rows_to_batch(self.source, schema, items), errors, seen)

    def _csv_batches(self, reader: CsvReader, schema: pa.Schema, block_bytes: int) -> Iterator[ValidBatch]:
        """Two stages on two cores: a helper thread reads block *i + 1* and runs the column
        checks (Arrow and numpy release the GIL), while this thread finishes block *i*: region
        scope (``region_ok`` may use the caller's database connection, so it is only ever
        called from this thread), the per-row path, digests and the key tracker, in order."""
        plan = _CsvPlan(self, reader, schema)
        blocks = reader.line_blocks(block_bytes)

        def prepare() -> _Block | None:
            nxt = next(blocks, None)
            return None if nxt is None else plan.prepare(*nxt)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="exchange-columns") as pool:
            future = pool.submit(prepare)
            while (block := future.result()) is not None:
                future = pool.submit(prepare)
                yield self._finish_block(plan, block)

    def _finish_block(self, plan: _CsvPlan, block: _Block) -> ValidBatch:
        schema, reader = plan.schema, plan.reader
        ok, idx, start, raw = block.ok, block.idx, block.start, block.raw
        for col in plan.region_cols:
            ok &= plan.fast.regions_allowed(block.cells[col], ok)
        is_fast = np.zeros(block.n, dtype=np.bool_)
        is_fast[idx[ok]] = True

        # The per-row path, in file order, for every other line.
        slow_rows: list[ValidRow] = []
        errors: list[RowError] = []
        seen = 0
        for i in np.flatnonzero(~is_fast).tolist():
            lineno = start + i
            if lineno == 1:
                continue
            item = reader.line_item(lineno, _strip_eol(raw[i].as_py()))
            if item is None:
                continue
            seen += 1
            result = self._check(item)
            if isinstance(result, ValidRow):
                slow_rows.append(result)
            else:
                errors.extend(result)

        sel = pa.array(ok)
        n_fast = int(ok.sum())
        self.rows_seen += n_fast
        self.rows_valid += n_fast
        cols = [pc.filter(c, sel) for c in block.typed]
        rows = idx[ok] + start
        fast_batch = pa.RecordBatch.from_arrays([
            pa.nulls(n_fast, pa.string()),
            pa.array(rows, pa.int64()),
            pa.ListArray.from_arrays(pa.array(np.zeros(n_fast + 1, dtype=np.int32)),
                                     pa.array([], pa.string())),
            *cols,
        ], schema=schema)

        # Key digests go to the tracker in file order (the first of repeats is kept).
        keys = digest_columns([cols[p] for p in plan.key_pos]) if n_fast else []
        vals = digest_columns(cols) if n_fast else []
        if slow_rows:
            for r in slow_rows:
                k, v = self._digests(r)
                keys.append(k)
                vals.append(v)
            rows = np.concatenate([rows, np.array([r.row for r in slow_rows], dtype=np.int64)])
            order = np.argsort(rows, kind="stable").tolist()
            keys = [keys[x] for x in order]
            vals = [vals[x] for x in order]
            rows = rows[order]
            items = [(r.sheet, r.row, r.values, r.flags) for r in slow_rows]
            batch = combine(schema, [fast_batch, rows_to_batch(self.source, schema, items)])
        else:
            batch = fast_batch
        self._keys.add_many(keys, vals, None, rows.tolist())
        return ValidBatch(batch, errors, seen + n_fast)

    def finish(self) -> KeyReport:
        """Duplicates and conflicts of the natural key (U7); closes the key tracker."""
        errors: list[RowError] = []
        drop: set[RowRef] = set()
        key_zh = "、".join(self._label(k) for k in self._key_names)
        try:
            for group in self._keys.groups():
                refs = [ref for _, ref in group]
                if len({val for val, _ in group}) == 1:
                    first = refs[0]
                    errors.append(RowError.of("duplicate", sheet=refs[1][0], row=refs[1][1],
                                              column=key_zh, first=_where(first, refs[1]),
                                              count=len(refs)))
                    drop.update(refs[1:])
                else:
                    for ref in refs:
                        others = "、".join(_where(o, ref) for o in refs if o != ref)
                        errors.append(RowError.of("conflict", sheet=ref[0], row=ref[1],
                                                  column=key_zh, others=others, key=key_zh,
                                                  key_en=", ".join(self._key_names)))
                    drop.update(refs)
        finally:
            self._keys.close()
        errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
        self.rows_valid -= len(drop)
        self.rows_invalid += len(drop)
        return KeyReport(tuple(errors), frozenset(drop))


def _where(ref: RowRef, relative_to: RowRef) -> str:
    """A row reference for a message: "12", or "Sheet2!12" across sheets."""
    return str(ref[1]) if ref[0] == relative_to[0] else f"{ref[0]}!{ref[1]}"


# --------------------------------------------------------------------------- one call


@dataclass
class ValidationOutcome:
    """Everything about one file: for the UI, the API and ``--dry-run``.

    ``rejected`` is True when the file as a whole was refused (``file_error`` is set and
    no row was read).  ``rows`` counts data rows read (valid or not); ``valid`` the rows
    that may be stored; ``valid_rows`` holds them if they were kept.  ``errors`` is capped
    at ``max_errors``; ``errors_total`` is the true count.
    """

    source: str
    format: str | None = None
    content_hash: str | None = None
    size: int = 0
    rows: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    valid_rows: list[ValidRow] = field(default_factory=list)
    file_error: ExchangeFileError | None = None

    @property
    def rejected(self) -> bool:
        return self.file_error is not None

    def to_dict(self, max_errors: int | None = None) -> dict[str, object]:
        """JSON-ready report (``rows``, ``valid``, ``errors`` with row/column/code/message)."""
        errs = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "source": self.source,
            "format": self.format,
            "content_hash": self.content_hash,
            "rejected": self.rejected,
            "rows": self.rows,
            "valid": self.valid,
            "errors_total": self.errors_total,
            "errors": [e.to_dict() for e in errs],
        }


def validate_file(
    source: Source,
    file: str | IO[bytes],
    *,
    filename: str | None = None,
    limits: Limits = UI_LIMITS,
    region_ok: RegionCheck | None = None,
    today: date | None = None,
    keep_rows: bool = True,
    max_errors: int = 100_000,
    key_tracker: KeyTracker | None = None,
) -> ValidationOutcome:
    """Read and validate a whole file; never raises for bad content.

    Returns a :class:`ValidationOutcome` whose ``valid_rows`` (if *keep_rows*) already
    exclude duplicate and conflicting rows.  Meant for UI-sized files and dry runs; for
    10 M-row imports use :func:`open_table` + :class:`Validator` and stage rows while
    streaming (see ``docs/decisions/0005-exchange-parsing.md``).
    """
    out = ValidationOutcome(source=source.key)
    try:
        reader: TableReader = open_table(source, file, filename=filename, limits=limits)
    except ExchangeFileError as e:
        out.file_error = e
        out.errors = [e.as_row_error()]
        out.errors_total = 1
        return out
    with reader:
        out.format, out.content_hash, out.size = reader.format, reader.content_hash, reader.size
        if key_tracker is None and limits.max_rows > 1_000_000:
            key_tracker = PartitionedKeyTracker()
        v = Validator(source, region_ok=region_ok, today=today, spreadsheet=reader.float_cells,
                      columns=reader.columns, key_tracker=key_tracker)

        def note(err: RowError) -> None:
            out.errors_total += 1
            if len(out.errors) < max_errors:
                out.errors.append(err)

        try:
            for vb in v.batches(reader):
                if keep_rows:
                    out.valid_rows.extend(vb.valid_rows())
                for err in vb.errors:
                    note(err)
        except ExchangeFileError as e:  # found mid-stream (e.g. a second header row)
            out.file_error = e
            out.errors = [e.as_row_error()]
            out.errors_total = 1
            out.valid_rows = []
            out.rows, out.valid = 0, 0
            v.finish()
            return out
        report = v.finish()
        for err in report.errors:
            note(err)
        if report.drop:
            out.valid_rows = [r for r in out.valid_rows if r.ref not in report.drop]
        # Rows = data rows read; a row with several bad cells counts once.
        out.rows = v.rows_seen
        out.valid = v.rows_valid
    out.errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
    return out
