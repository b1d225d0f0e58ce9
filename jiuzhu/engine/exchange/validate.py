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

import hashlib
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, Final, Protocol

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError
from jiuzhu.engine.exchange.readers import UI_LIMITS, Limits, RawRow, TableReader, open_table
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
    "RegionCheck",
    "RowRef",
    "SqliteKeyTracker",
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


def _code(raw: object, f: Field) -> str:
    s = normalise_text(_text(raw))
    by_code = {c.casefold(): c for c, _ in f.choices}
    by_label = {normalise_text(zh): c for c, zh in f.choices}
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


def _digest(values: Iterable[object]) -> bytes:
    # repr of canonical values (str, Decimal('12.50'), datetime.date(...), bool, int, None)
    # is stable and type-tagged, so "1" and 1 and Decimal("1.00") never collide.
    # blake2b is used for bucketing only: a collision could at worst report a false
    # "duplicate" for the user to check, never hide data.
    return hashlib.blake2b(repr(tuple(values)).encode("utf-8"), digest_size=16).digest()


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
        key = _digest(out[k] for k in self._key_names)
        self._keys.add(key, _digest(out.values()), (item.sheet, item.row))
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
            key_tracker = SqliteKeyTracker()
        v = Validator(source, region_ok=region_ok, today=today, spreadsheet=reader.float_cells,
                      columns=reader.columns, key_tracker=key_tracker)

        def note(err: RowError) -> None:
            out.errors_total += 1
            if len(out.errors) < max_errors:
                out.errors.append(err)

        try:
            for item in v.rows(reader):
                if isinstance(item, ValidRow):
                    if keep_rows:
                        out.valid_rows.append(item)
                else:
                    note(item)
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
