"""The validator: rows of one file against a declared :class:`~jiuzhu.rules.exchange.sources.Source`.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R23, R28–R30, U1–U7, U15–U21, U25.

Each cell is typed by :mod:`~jiuzhu.engine.exchange.validate.cells`; CSV files go column-wise
per block (:mod:`~jiuzhu.engine.exchange.validate.fastcsv`), every row not proven valid
through the per-row path.

Within one file, rows are compared by the source's natural key (U7): identical repeats are
reported once and only the first is kept; rows that share a key but differ are *all*
reported as a conflict and none is kept — "last one wins" would silently pick a value.
Because a row can only be known to be a repeat once a later row arrives, the verdict on
keys comes at the end (:meth:`Validator.finish`): streaming callers stage the rows and
drop the ones listed there before committing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers import CsvReader, ParquetReader, RawRow, TableReader
from jiuzhu.engine.exchange.validate.cells import (
    Bad,
    RegionCheck,
    RowRef,
    id_rounding_suspect,
    is_blank,
    is_placeholder,
    mask_value,
    parse_amount,
    parse_bool,
    parse_code,
    parse_date,
    parse_decimal,
    parse_id,
    parse_ident,
    parse_int,
    parse_mobile,
    parse_region,
    parse_text,
)
from jiuzhu.engine.exchange.validate.columns import (
    FastColumns,
    batch_items,
    combine,
    digest_columns,
    rows_to_batch,
    staging_schema,
)
from jiuzhu.engine.exchange.validate.fastcsv import Block, CsvPlan, strip_eol
from jiuzhu.engine.exchange.validate.fastparquet import parquet_text
from jiuzhu.engine.exchange.validate.keys import KeyReport, KeyTracker, MemoryKeyTracker, digest
from jiuzhu.rules.exchange.sources import Field, Source


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
    (:func:`~jiuzhu.engine.exchange.validate.columns.staging_schema`), in file order; ``errors``
    the row errors of the block, in file order; ``rows`` the data rows read.
    """

    valid: pa.RecordBatch
    errors: list[RowError]
    rows: int

    def valid_rows(self) -> Iterator[ValidRow]:
        for sheet, row, values, flags in batch_items(self.valid):
            yield ValidRow(sheet, row, values, flags)




# --------------------------------------------------------------------------- validator


# Per row, the person's ID number and the row's region code (None when blank or absent) →
# None if the uploader may send data about this person, else the error code
# ("person_out_of_scope", "person_region_unknown").  Called once per block, from the thread
# that called the validator (the Django side answers it from its database connection).
PersonCheck = Callable[[Sequence[tuple[str, str | None]]], Sequence[str | None]]


class Validator:
    """Validates rows of one file against *source*; feed it rows, then call :meth:`finish`.

    *region_ok* decides whether a (well-formed) region code may be used by this uploader;
    *person_check* whether they may send data about a person (issue 12 item 2);
    *today* is the reference day for ID-number birth dates and the upload day: no date
    after it unless the field may be in the future (issue 13 item 7), nor after
    *period_end* when the uploader says which period the file covers (default: the real
    today); *spreadsheet* must be True for XLSX (floats are then accepted for money via
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
        person_check: PersonCheck | None = None,
        period_end: date | None = None,
    ) -> None:
        self.source = source
        self.region_ok = region_ok
        self.person_check = person_check
        self.today = today
        upload_day = today if today is not None else date.today()
        self.not_after = min(upload_day, period_end) if period_end is not None else upload_day
        self.spreadsheet = spreadsheet
        self.columns = columns or {}
        self._keys: KeyTracker = key_tracker if key_tracker is not None else MemoryKeyTracker()
        self._key_names = source.natural_key
        self._person = source.person_field
        self._region = "region_code" if "region_code" in source.field_names else None
        # ID numbers ending in 000 that passed the check, and what else the column shows: number
        # cells and exponents (a number conversion happened), 000 endings that failed the check.
        # Judged per column in finish().
        self._id_suspects: dict[str, list[tuple[RowRef, str]]] = {}
        self._id_numbers: dict[str, int] = {}
        self._id_failed_000: dict[str, int] = {}
        self._refused: set[RowRef] = set()
        self.rows_seen = 0
        self.rows_valid = 0
        self.rows_invalid = 0

    def _label(self, name: str) -> str:
        return self.columns.get(name, name)

    def check(self, item: RawRow | RowError) -> ValidRow | list[RowError]:
        """Validate one row; a RowError from the reader passes through as ``[error]``."""
        result = self._check(item)
        if isinstance(result, ValidRow):
            errors: list[RowError] = []
            if not self._admit([result], errors):
                return errors
            self._keys.add(*self._digests(result), result.ref)
        return result

    def _admit(self, rows: Sequence[ValidRow], errors: list[RowError]) -> list[bool]:
        """The person check over valid rows: refused rows become errors (and are counted so)."""
        if self.person_check is None or not rows:
            return [True] * len(rows)
        verdicts = self.person_check([(str(r.values[self._person]),
                                       _opt_str(r.values.get(self._region) if self._region else None))
                                      for r in rows])
        return [self._verdict(r.sheet, r.row, r.values[self._person], code, errors)
                for r, code in zip(rows, verdicts, strict=True)]

    def _verdict(self, sheet: str | None, row: int, person: object, code: str | None,
                 errors: list[RowError]) -> bool:
        if code is None:
            return True
        f = self.source.field(self._person)
        errors.append(RowError.of(code, sheet=sheet, row=row, column=self._label(f.name),
                                  value_masked=mask_value(f, person)))
        self._refused.add((sheet, row))
        self.rows_valid -= 1
        self.rows_invalid += 1
        return False

    def _digests(self, row: ValidRow) -> tuple[bytes, bytes]:
        out = row.values
        return digest(out[k] for k in self._key_names), digest(out.values())

    def _check(self, item: RawRow | RowError) -> ValidRow | list[RowError]:
        self.rows_seen += 1
        if isinstance(item, RowError):
            self.rows_invalid += 1
            return [item]
        errors: list[RowError] = []
        out: dict[str, object] = {}
        flags: list[str] = []
        suspects: list[tuple[str, str]] = []
        for f in self.source.fields:
            raw = item.values.get(f.name)
            try:
                if is_blank(raw) or is_placeholder(raw, f):
                    if f.required:
                        raise Bad("required")
                    out[f.name] = None  # "-", "—", "无", "/": explicitly no value
                    continue
                value = out[f.name] = self._value(f, raw, flags)
                if f.type == "id_number" and isinstance(value, str) and id_rounding_suspect(value):
                    suspects.append((f.name, mask_value(f, value)))
            except Bad as bad:
                if f.type == "id_number" and bad.code in ("id_precision", "id_not_text"):
                    seen = self._id_numbers if bad.code == "id_not_text" else self._id_failed_000
                    seen[f.name] = seen.get(f.name, 0) + 1
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
        for name, masked in suspects:
            self._id_suspects.setdefault(name, []).append(((item.sheet, item.row), masked))
        self.rows_valid += 1
        return ValidRow(item.sheet, item.row, out, tuple(flags))

    def _value(self, f: Field, raw: object, flags: list[str]) -> object:
        t = f.type
        if t == "id_number":
            value, upgraded = parse_id(raw, self.today)
            if upgraded:
                flags.append(f"{f.name}:upgraded_from_15")
            return value
        if t == "date":
            return parse_date(raw, f, self.spreadsheet, self.not_after)
        if t == "money":
            return parse_amount(raw, self.spreadsheet, f.negative)
        if t == "decimal":
            return parse_decimal(raw, self.spreadsheet)
        if t == "int":
            return parse_int(raw, f, self.spreadsheet)
        if t == "bool":
            return parse_bool(raw, f)
        if t == "code":
            return parse_code(raw, f)
        if t == "region_code":
            return parse_region(raw, self.region_ok)
        if t == "mobile":
            return parse_mobile(raw)
        if f.ident is not None:
            return parse_ident(raw, f)
        return parse_text(raw, f)

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

        Same verdicts as :meth:`rows`, row for row.  CSV and Parquet files take the column-wise
        fast path (:mod:`jiuzhu.engine.exchange.validate.fastcsv`, :mod:`.fastparquet`: blocks of
        *batch_rows* Parquet rows) unless *fast* is False; other formats are validated row by row
        and grouped into batches of *batch_rows*.  A CSV block is *block_bytes* of the file (peak
        memory is a small multiple of it).
        """
        schema = staging_schema(self.source)
        if fast and isinstance(reader, (CsvReader, ParquetReader)):
            try:
                if isinstance(reader, CsvReader):
                    yield from self._csv_batches(reader, schema, block_bytes)
                else:
                    yield from self._parquet_batches(reader, schema, batch_rows)
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
            result = self._check(item)
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
        admitted = [r for r, ok in zip(rows, self._admit(rows, errors), strict=True) if ok]
        for r in admitted:  # in file order: the first of repeats is the one kept
            self._keys.add(*self._digests(r), r.ref)
        errors.sort(key=lambda e: (e.sheet or "", e.row or 0))
        items = [(r.sheet, r.row, r.values, r.flags) for r in admitted]
        return ValidBatch(rows_to_batch(self.source, schema, items), errors, seen)

    def _csv_batches(self, reader: CsvReader, schema: pa.Schema, block_bytes: int) -> Iterator[ValidBatch]:
        """Two stages on two cores: a helper thread reads block *i + 1* and runs the column
        checks (Arrow and numpy release the GIL), while this thread finishes block *i*: region
        scope (``region_ok`` may use the caller's database connection, so it is only ever
        called from this thread), the per-row path, digests and the key tracker, in order."""
        plan = CsvPlan(self.source, reader, schema, today=self.today, region_ok=self.region_ok,
                       not_after=self.not_after)
        blocks = reader.line_blocks(block_bytes)

        def prepare() -> Block | None:
            nxt = next(blocks, None)
            return None if nxt is None else plan.prepare(*nxt)

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="exchange-columns") as pool:
            future = pool.submit(prepare)
            while (block := future.result()) is not None:
                future = pool.submit(prepare)
                yield self._finish_block(plan, block)

    def _parquet_batches(self, reader: ParquetReader, schema: pa.Schema, batch_rows: int) -> Iterator[ValidBatch]:
        """Parquet column-wise (ADR 0042): each column's cells as the text the CSV path checks, where
        that text gets the per-row verdict of the typed value (:func:`parquet_text`); every row not
        proven valid goes through the per-row path with the file's own (typed) values."""
        fast = FastColumns(self.source, today=self.today, region_ok=self.region_ok, not_after=self.not_after)
        key_pos = [self.source.field_names.index(k) for k in self.source.natural_key]
        for start, batch in reader.arrow_batches(batch_rows):
            n = batch.num_rows
            present = set(batch.schema.names)
            ok = np.ones(n, dtype=np.bool_)
            typed: list[pa.Array] = []
            texts: dict[str, pa.Array] = {}
            for f in self.source.fields:
                text = parquet_text(f, batch.column(f.name), self.spreadsheet) if f.name in present else None
                if text is None:
                    if f.name in present:  # a type the per-row path must judge: every row goes that way
                        ok[:] = False
                    typed.append(pa.nulls(n, schema.field(f.name).type))
                    continue
                good, values = fast.check(f, text)
                ok &= good
                typed.append(values)
                texts[f.name] = text
            for f in self.source.fields:
                if f.type == "region_code" and f.name in texts and self.region_ok is not None:
                    ok &= fast.regions_allowed(texts[f.name], ok)
            slow_rows: list[ValidRow] = []
            errors: list[RowError] = []
            slow = np.flatnonzero(~ok)
            if len(slow):
                sub = batch.take(pa.array(slow, pa.int64()))
                names = sub.schema.names
                for i, values in zip(slow.tolist(), zip(*(c.to_pylist() for c in sub.columns), strict=True),
                                     strict=True):
                    result = self._check(RawRow(None, start + i, dict(zip(names, values, strict=True))))
                    if isinstance(result, ValidRow):
                        slow_rows.append(result)
                    else:
                        errors.extend(result)
            numbers = np.arange(start, start + n, dtype=np.int64)
            yield self._assemble(schema, typed, ok, numbers, key_pos, slow_rows, errors, len(slow))

    def _finish_block(self, plan: CsvPlan, block: Block) -> ValidBatch:
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
            item = reader.line_item(lineno, strip_eol(raw[i].as_py()))
            if item is None:
                continue
            seen += 1
            result = self._check(item)
            if isinstance(result, ValidRow):
                slow_rows.append(result)
            else:
                errors.extend(result)

        return self._assemble(schema, block.typed, ok, idx + start, plan.key_pos, slow_rows, errors, seen)

    def _assemble(self, schema: pa.Schema, typed: list[pa.Array], ok: np.ndarray[Any, np.dtype[np.bool_]],
                  numbers: np.ndarray[Any, Any], key_pos: list[int], slow_rows: list[ValidRow],
                  errors: list[RowError], seen: int) -> ValidBatch:
        """One block's valid batch: the rows the column checks proved valid (*ok* of the candidates,
        whose row numbers are *numbers* and values *typed*), merged in file order with the rows of
        the per-row path; digests to the key tracker, the person check over all of them."""
        sel = pa.array(ok)
        n_fast = int(ok.sum())
        self.rows_seen += n_fast
        self.rows_valid += n_fast
        cols = [pc.filter(c, sel) for c in typed]
        rows = numbers[ok]
        fast_batch = pa.RecordBatch.from_arrays([
            pa.nulls(n_fast, pa.string()),
            pa.array(rows, pa.int64()),
            pa.ListArray.from_arrays(pa.array(np.zeros(n_fast + 1, dtype=np.int32)),
                                     pa.array([], pa.string())),
            *cols,
        ], schema=schema)

        # Key digests go to the tracker in file order (the first of repeats is kept).
        keys = digest_columns([cols[p] for p in key_pos]) if n_fast else []
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
        if self.person_check is not None and batch.num_rows:
            persons = batch.column(self._person).to_pylist()
            regions = (batch.column(self._region).to_pylist() if self._region
                       else [None] * batch.num_rows)
            verdicts = self.person_check(list(zip(persons, regions, strict=True)))
            keep = [self._verdict(None, int(r), p, code, errors)
                    for r, p, code in zip(rows.tolist(), persons, verdicts, strict=True)]
            if not all(keep):
                batch = batch.filter(pa.array(keep))
                keys = [k for k, ok in zip(keys, keep, strict=True) if ok]
                vals = [v for v, ok in zip(vals, keep, strict=True) if ok]
                rows = rows[np.array(keep, dtype=np.bool_)]
                errors.sort(key=lambda e: e.row or 0)
        self._keys.add_many(keys, vals, None, rows.tolist())
        return ValidBatch(batch, errors, seen + n_fast)

    def finish(self) -> KeyReport:
        """Duplicates and conflicts of the natural key (U7), and ID numbers rounded by a
        spreadsheet (issue 14 item 1); closes the key tracker."""
        errors: list[RowError] = []
        drop: set[RowRef] = set()
        for name, found in self._id_suspects.items():
            found = [(r, m) for r, m in found if r not in self._refused]
            # 18 digits ending in 000 pass the check one time in eleven after rounding, and a
            # real number ends so one time in about 1,100.  A column that was converted to
            # numbers (number cells, exponents, ".0" elsewhere in it), or where most rows end in
            # 000, has been rounded: all its 000 endings are refused.  In a clean column one
            # ending in 000 is a real number (a mistyped one failing the check proves nothing).
            ending_000 = len(found) + self._id_failed_000.get(name, 0)
            if found and (self._id_numbers.get(name, 0) or 2 * ending_000 > self.rows_seen):
                errors.extend(RowError.of("id_precision", sheet=ref[0], row=ref[1], column=self._label(name),
                                          value_masked=masked) for ref, masked in found)
                drop.update(ref for ref, _ in found)
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


def _opt_str(v: object) -> str | None:
    return None if v is None else str(v)


def _where(ref: RowRef, relative_to: RowRef) -> str:
    """A row reference for a message: "12", or "Sheet2!12" across sheets."""
    return str(ref[1]) if ref[0] == relative_to[0] else f"{ref[0]}!{ref[1]}"


