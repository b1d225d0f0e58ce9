"""Streaming readers for department files: CSV, XLSX, JSON lines and Parquet.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R32, U8–U14, U22–U24.

:func:`open_table` checks the file as a whole *before* yielding a single row: size,
format (by content, not by name), encoding, zip-bomb and XML-entity pre-scan, formula
and merged cells, row count and header.  Any of those fails → :class:`ExchangeFileError`
and nothing of the file is used.  The content hash (SM3, the batch identity with the
source, R22) is computed during that same pre-scan, so the caller can recognise a file
it has already imported before validating a row.

Iterating the reader then yields :class:`RawRow` (field name → cell value as found) or
:class:`RowError` (a line that cannot be split safely), one at a time: memory does not
grow with the number of rows.  Typing the values is ``validate.py``'s job.

Row numbers are what the user sees: the spreadsheet row, or the physical line of a CSV
or JSON-lines file (header = 1); for Parquet the 1-based record number.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, Literal

from cryptography.hazmat.primitives import hashes

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.rules.exchange.sources import Source, header_aliases, header_key
from jiuzhu.rules.text import normalise_text

__all__ = [
    "CLI_LIMITS",
    "HASH_ALGORITHM",
    "UI_LIMITS",
    "FileFormat",
    "Limits",
    "RawRow",
    "TableReader",
    "detect_format",
    "display_name",
    "hash_file",
    "open_table",
]

FileFormat = Literal["csv", "xlsx", "jsonl", "parquet"]

# The batch identity is (source, SM3 of the bytes) (R22).  SM3 comes from the same
# `cryptography` backend whose known-answer test runs at startup (jiuzhu.pii.crypto).
HASH_ALGORITHM: Final = "sm3"

_CHUNK: Final = 1 << 20  # 1 MiB: large enough to be fast, small enough to stay bounded


@dataclass(frozen=True)
class Limits:
    """Size limits, checked before parsing (U22, R32).  CONFIG: tune per deployment.

    ``max_bytes``/``max_rows`` bound the file; the zip limits bound what an XLSX may
    expand to (U23); ``max_line_bytes`` bounds one CSV/JSON line, so one giant "line"
    cannot exhaust memory.
    """

    max_bytes: int
    max_rows: int
    max_line_bytes: int = 1 << 20
    max_columns: int = 200
    max_zip_members: int = 1_000
    max_uncompressed_bytes: int = 400 << 20
    max_compression_ratio: int = 200
    # Ratios are only meaningful for members big enough to matter: a 2 KB styles.xml
    # full of repeated tags legitimately compresses 100-fold.
    ratio_check_min_bytes: int = 1 << 20


# UI uploads and the API: R32 ("at most 20 MB and 200k rows").
UI_LIMITS: Final = Limits(max_bytes=20 << 20, max_rows=200_000)
# `jiuzhu import` on the server: the 10 M-row feeds of issue 4.  Still bounded, so a
# runaway file fails fast instead of filling the disk of the staging store.
CLI_LIMITS: Final = Limits(
    max_bytes=8 << 30,
    max_rows=50_000_000,
    max_uncompressed_bytes=16 << 30,
)


@dataclass(frozen=True)
class RawRow:
    """One data row as read: field name → value (``None`` when the cell is empty).

    Values are ``str`` from CSV; from XLSX whatever the cell holds (str, int, float,
    bool, datetime); from JSON lines the JSON types; from Parquet the Arrow values as
    Python objects (str, Decimal, date, bool, int...).
    """

    sheet: str | None
    row: int
    values: dict[str, object]


def _fmt_bytes(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB" if n >= 1 << 20 else f"{n} B"


def display_name(filename: str, max_length: int = 100) -> str:
    """A safe name to *show* for an uploaded file (U24); storage always uses a UUID.

    Keeps the last path component only (``../../x.xlsx`` → ``x.xlsx``), drops control
    characters and NUL, normalises the text, and shortens long names keeping the
    extension.
    """
    base = re.split(r"[\\/]", filename)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    base = normalise_text(base).strip(". ") or "upload"
    if len(base) > max_length:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot else ""
        base = (stem if dot else base)[: max_length - len(ext) - 2] + "…" + (f".{ext}" if ext else "")
    return base


# --------------------------------------------------------------------------- hashing


class _Hasher:
    """Streaming SM3."""

    def __init__(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()


def hash_file(f: IO[bytes]) -> str:
    """SM3 of the whole file (hex), read in chunks; the file position is restored to 0."""
    f.seek(0)
    h = _Hasher()
    while chunk := f.read(_CHUNK):
        h.update(chunk)
    f.seek(0)
    return h.hexdigest()


# --------------------------------------------------------------------------- format


_EXTENSIONS: Final[dict[str, FileFormat]] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".xlsx": "xlsx",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}
_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted .xlsx
_PARQUET_MAGIC: Final = b"PAR1"


def _unsupported(detail_zh: str = "", detail_en: str = "") -> ExchangeFileError:
    return file_error(
        "unsupported_format",
        detail=f"：{detail_zh}" if detail_zh else "",
        detail_en=f": {detail_en}" if detail_en else "",
    )


def detect_format(filename: str, head: bytes, tail: bytes) -> FileFormat:
    """The format of a file from its name *and* its first/last bytes (U23).

    The name says what the uploader claims; the bytes must agree.  An ``.xlsx`` that is
    really CSV or HTML, an encrypted workbook (an OLE container), a legacy ``.xls``, or a
    CSV that is really a zip or Parquet file is "不支持的文件格式".
    """
    ext = os.path.splitext(display_name(filename).lower())[1]
    fmt = _EXTENSIONS.get(ext)
    if fmt is None:
        raise _unsupported(
            "请上传 CSV、XLSX、JSON Lines 或 Parquet 文件",
            "upload CSV, XLSX, JSON Lines or Parquet",
        )
    if head.startswith(_OLE_MAGIC):
        raise _unsupported(
            "旧版 Excel（.xls）或加密的工作簿，请另存为未加密的 .xlsx",
            "legacy .xls or an encrypted workbook; save as an unencrypted .xlsx",
        )
    if fmt == "xlsx":
        if not head.startswith(_ZIP_MAGIC):
            raise _unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook")
    elif fmt == "parquet":
        if not (head.startswith(_PARQUET_MAGIC) and tail.endswith(_PARQUET_MAGIC)):
            raise _unsupported("文件内容不是 Parquet", "the content is not Parquet")
    else:
        sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:16].lower()
        if (
            head.startswith((_ZIP_MAGIC, _PARQUET_MAGIC))
            or sniff.startswith((b"<html", b"<!doctype", b"<?xml", b"<table"))
            or head.startswith((b"\xff\xfe", b"\xfe\xff"))
        ):
            raise _unsupported(
                "文件内容不是 UTF-8 或 GB18030 文本",
                "the content is not UTF-8 or GB18030 text",
            )
    return fmt


# --------------------------------------------------------------------------- headers


@dataclass(frozen=True)
class _Header:
    """Where each field's column is: index → field name (None = blank/ignored column)."""

    fields: tuple[str | None, ...]
    labels: dict[str, str]  # field name → header as written in the file

    def row_dict(self, cells: list[object]) -> dict[str, object]:
        return {f: cells[i] if i < len(cells) else None
                for i, f in enumerate(self.fields) if f is not None}


def _header_index(source: Source) -> dict[str, str]:
    """header_key(alias) → field name, for every alias of every field."""
    return {alias: f.name for f in source.fields for alias in header_aliases(f)}


def _cell_text(v: object) -> str:
    return "" if v is None else normalise_text(str(v))


def _map_header(
    source: Source, cells: list[object], sheet: str | None, limits: Limits
) -> _Header:
    """Check a header row (U10, U13) and map its columns to fields.

    Rejected, naming the columns: duplicates (two columns for one field, e.g. 身份证号
    and id_number), unknown columns (also the backstop for mojibake from a wrong
    encoding, U9), then missing required columns.  Blank header cells are allowed (Excel
    writes phantom empty columns); data under them is a row error.
    """
    if len(cells) > limits.max_columns:
        raise _unsupported(f"列数超过{limits.max_columns}", f"more than {limits.max_columns} columns")
    index = _header_index(source)
    fields: list[str | None] = []
    labels: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for raw in cells:
        text = _cell_text(raw)
        if not text:
            fields.append(None)
            continue
        name = index.get(header_key(text))
        if name is None:
            unknown.append(text)
            fields.append(None)
        elif name in labels:
            duplicates.append(f"{labels[name]} / {text}")
            fields.append(None)
        else:
            labels[name] = text
            fields.append(name)
    if duplicates:
        raise file_error("header_duplicate", sheet=sheet, row=1, column=duplicates[0],
                         columns="；".join(duplicates))
    if unknown:
        raise file_error("header_unknown", sheet=sheet, row=1, column=unknown[0],
                         columns="、".join(unknown[:10]) + ("…" if len(unknown) > 10 else ""))
    missing = [f"{source.field(n).label_zh}（{n}）" for n in source.required_fields
               if n not in labels]
    if missing:
        raise file_error("header_missing", sheet=sheet, row=1, column=missing[0],
                         columns="、".join(missing))
    return _Header(tuple(fields), labels)


def _is_repeated_header(source: Source, cells: list[object]) -> bool:
    """True if a data row consists of header texts: a second header row (U13)."""
    index = _header_index(source)
    texts = [t for t in (_cell_text(c) for c in cells) if t]
    return len(texts) >= min(2, len(source.fields)) and all(
        header_key(t) in index for t in texts
    )


# --------------------------------------------------------------------------- reader base


class TableReader:
    """An opened, pre-checked file.  Iterate it for rows; close it (or use ``with``).

    Attributes available before iterating: ``format``, ``content_hash`` (hex SM3 of the
    bytes), ``size``, ``rows_estimate`` (an upper bound from the pre-scan; exact for
    Parquet and XLSX), ``columns`` (field name → header as written), ``encoding`` and
    ``delimiter`` (CSV), ``float_cells`` (True for XLSX: the only format in which a
    money value may arrive as a float, U16).
    """

    format: FileFormat
    float_cells: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        self.source = source
        self._f = f
        self._owns_file = owns_file
        self.limits = limits
        f.seek(0, io.SEEK_END)
        self.size: int = f.tell()
        f.seek(0)
        self.content_hash: str = ""
        self.rows_estimate: int = 0
        self.columns: dict[str, str] = {}

    def __iter__(self) -> Iterator[RawRow | RowError]:
        """Rows in file order.  A parser failure mid-stream becomes ``ExchangeFileError``."""
        last = 0
        try:
            for item in self._rows():
                last = item.row or last
                yield item
        except (ExchangeFileError, MemoryError):
            raise
        except Exception as e:  # e.g. malformed XML deep inside a sheet the pre-scan passed
            raise file_error("corrupt", row=last + 1, detail="",
                             detail_en=f" ({type(e).__name__})") from None

    def _rows(self) -> Iterator[RawRow | RowError]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        if self._owns_file:
            self._f.close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_rows(self, rows: int) -> None:
        self.rows_estimate = rows
        if rows <= 0:
            raise file_error("no_rows")
        if rows > self.limits.max_rows:
            raise file_error("too_many_rows", limit=f"{self.limits.max_rows:,}", rows=f"{rows:,}")


# --------------------------------------------------------------------------- CSV

_DELIMITERS: Final = (",", "\t", "，")


class _LineScan:
    """Pass 1 over a text file's bytes: hash, line count, and which encoding each line is.

    A line is classified only if it is not ASCII: valid UTF-8, else valid GB18030, else
    neither.  Whole chunks that are ASCII or valid UTF-8 skip the per-line work, so a
    UTF-8 file costs one decode per chunk.
    """

    def __init__(self) -> None:
        self.lines = 0  # complete lines seen so far (also: number of the last line)
        self.first_utf8: int | None = None
        self.first_gb: int | None = None
        self.first_bad: int | None = None

    def feed(self, block: bytes) -> None:
        """*block* holds whole lines, the last one ending in b"\\n" (or at EOF)."""
        base = self.lines
        self.lines += block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        if block.isascii():
            return
        if self.first_gb is None and self.first_bad is None:
            try:
                block.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if self.first_utf8 is None:
                    self.first_utf8 = base + self._first_non_ascii(block)
                return
        for i, line in enumerate(block.split(b"\n"), start=base + 1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    line.decode("gb18030")
                except UnicodeDecodeError:
                    if self.first_bad is None:
                        self.first_bad = i
                else:
                    if self.first_gb is None:
                        self.first_gb = i
            else:
                if self.first_utf8 is None:
                    self.first_utf8 = i

    @staticmethod
    def _first_non_ascii(block: bytes) -> int:
        for i, line in enumerate(block.split(b"\n"), start=1):
            if not line.isascii():
                return i
        return 1  # pragma: no cover - the block is not ASCII


def _scan_text(f: IO[bytes], limits: Limits) -> tuple[str, _LineScan, str]:
    """Hash the file and decide its encoding (U8–U11); return (hash, scan, encoding)."""
    h = _Hasher()
    scan = _LineScan()
    f.seek(0)
    first = f.read(3)
    bom = first == codecs.BOM_UTF8
    f.seek(0)
    carry = b""
    while True:
        chunk = f.read(_CHUNK)
        h.update(chunk)
        if b"\x00" in chunk:
            raise _unsupported("文件含有二进制内容", "the file contains binary content")
        data = carry + chunk
        if not chunk:
            if data:
                scan.feed(data)
            break
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
        else:
            block = data[: cut + 1]
            if len(block) > limits.max_line_bytes:
                # split + map(len) run in C: about a millisecond per megabyte.
                lengths = list(map(len, block.split(b"\n")))
                if max(lengths) > limits.max_line_bytes:
                    line = scan.lines + next(
                        i for i, n in enumerate(lengths, 1) if n > limits.max_line_bytes)
                    raise file_error("line_too_long", row=line, line=line,
                                     limit=f"{limits.max_line_bytes:,}")
            scan.feed(block)
            carry = data[cut + 1 :]
        if len(carry) > limits.max_line_bytes:
            raise file_error("line_too_long", row=scan.lines + 1, line=scan.lines + 1,
                             limit=f"{limits.max_line_bytes:,}")
    f.seek(0)
    if scan.first_bad is not None:
        raise file_error("encoding", row=scan.first_bad, line=scan.first_bad)
    if scan.first_gb is not None and (bom or scan.first_utf8 is not None):
        # The first non-ASCII line sets the file's encoding; the first line in the other
        # one is the bad line (U11).  Never decode such a file "mostly right".
        utf8_first = bom or (scan.first_utf8 is not None and scan.first_utf8 < scan.first_gb)
        bad = scan.first_gb if utf8_first else scan.first_utf8
        raise file_error("encoding_mixed", row=bad, line=bad)
    # UTF-8 first (U9): bytes that are valid UTF-8 are read as UTF-8, even though they
    # would also "decode" as GB18030 mojibake.
    encoding = "utf-8-sig" if bom else ("gb18030" if scan.first_gb is not None else "utf-8")
    return h.hexdigest(), scan, encoding


def _strip_newline(line: str) -> str:
    return line.rstrip("\r\n")


class CsvReader(TableReader):
    format: FileFormat = "csv"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file)
        self.content_hash, scan, self.encoding = _scan_text(f, limits)
        text = self._text()
        try:
            header_line = _strip_newline(next(iter(text), ""))
        finally:
            text.detach()
        self.delimiter = self._pick_delimiter(header_line)
        cells = self._split(header_line)
        if cells is None:
            raise file_error("line_quote", row=1)
        self._header = _map_header(source, list(cells), None, limits)
        self.columns = dict(self._header.labels)
        self._check_rows(scan.lines - 1)

    def _text(self) -> io.TextIOWrapper:
        self._f.seek(0)
        # newline="": every "\n", "\r\n" or lone "\r" ends a line, untranslated, so a stray
        # carriage return inside a field cannot silently join or split values unseen.
        assert self.encoding is not None
        return io.TextIOWrapper(self._f, encoding=self.encoding, errors="strict", newline="")

    def _pick_delimiter(self, header_line: str) -> str:
        """The delimiter under which the most header cells are known columns (U12).

        Counting *recognised* headers rather than characters is what makes this safe: a
        Chinese header containing "，" in a comma-separated file does not fool it.
        """
        index = _header_index(self.source)
        best, best_score = ",", -1
        for d in _DELIMITERS:
            try:
                cells = next(csv.reader([header_line], delimiter=d, strict=True))
            except (csv.Error, StopIteration):
                continue
            score = sum(1 for c in cells if header_key(c) in index)
            if score > best_score:
                best, best_score = d, score
        return best

    def _split(self, line: str) -> list[str] | None:
        """One physical line → cells, or None if its quoting is not self-contained."""
        if line.count('"') % 2:
            return None  # an open quote: the field would continue on the next line
        try:
            return next(csv.reader([line], delimiter=self.delimiter or ",", strict=True))
        except (csv.Error, StopIteration):
            return None

    def _rows(self) -> Iterator[RawRow | RowError]:
        text = self._text()
        try:
            for lineno, raw_line in enumerate(text, start=1):
                if lineno == 1:
                    continue
                item = self.line_item(lineno, _strip_newline(raw_line))
                if item is not None:
                    yield item
        finally:
            text.detach()

    def line_item(self, lineno: int, line: str) -> RawRow | RowError | None:
        """One physical line (newline stripped) → a row, a row error, or None (blank line).

        The per-line rules of ADR 0005 §4; shared by the row iterator and the column-wise
        path (:mod:`jiuzhu.engine.exchange.columnar`), which sends here every line it
        cannot prove simple.  Raises ``header_repeated`` for a second header on line 2.
        """
        if not line.strip():
            return None
        cells = self._split(line)
        if cells is None:
            return RowError.of("line_quote", sheet=None, row=lineno)
        # Trailing empty cells (",,," from Excel) are harmless; anything else that
        # does not line up with the header would shift values into wrong columns.
        expected = len(self._header.fields)
        while len(cells) > expected and not cells[-1].strip():
            cells.pop()
        if not any(c.strip() for c in cells):
            return None
        if len(cells) != expected:
            return RowError.of("line_columns", sheet=None, row=lineno,
                               found=len(cells), expected=expected)
        if lineno == 2 and _is_repeated_header(self.source, list(cells)):
            raise file_error("header_repeated", row=2, line=2)
        blank = _blank_column_with_data(self._header, list(cells))
        if blank is not None:
            return RowError.of("no_header", sheet=None, row=lineno, column=f"#{blank}")
        return RawRow(None, lineno, self._header.row_dict(list(cells)))

    @property
    def header_fields(self) -> tuple[str | None, ...]:
        """Field name of each column in file order (None: a blank header cell)."""
        return self._header.fields

    def line_blocks(self, chunk_bytes: int = 4 << 20) -> Iterator[tuple[int, bytes]]:
        """The file's lines in blocks of UTF-8 bytes: ``(number of the first line, data)``.

        *data* holds whole lines, each ending in ``\n`` or ``\r\n``, with no other
        carriage return, no BOM, and lines numbered exactly as the row iterator numbers them
        (``newline=""``: ``\n``, ``\r\n`` and a lone ``\r`` each end a line; a block with
        a lone ``\r`` is re-split by :mod:`io` that way).  Line 1 (the header) is
        included.  Bytes are read in blocks cut after the last ``\n`` (safe in UTF-8 and
        GB18030, whose multi-byte sequences never contain 0x0A); GB18030 is transcoded.
        Memory is bounded by *chunk_bytes* plus one line.
        """
        assert self.encoding is not None
        enc = "gb18030" if self.encoding == "gb18030" else "utf-8"
        self._f.seek(0)
        lineno = 1
        carry = b""
        first = True
        try:
            while True:
                data = self._f.read(chunk_bytes)
                block = carry + data
                if not data:
                    if not block:
                        return
                    carry = b""
                else:
                    cut = block.rfind(b"\n")
                    if cut < 0:
                        carry = block
                        continue
                    block, carry = block[: cut + 1], block[cut + 1 :]
                if first and block.startswith(codecs.BOM_UTF8) and self.encoding == "utf-8-sig":
                    block = block[len(codecs.BOM_UTF8):]
                first = False
                if enc != "utf-8":
                    block = block.decode(enc).encode("utf-8")
                if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
                    lines = [_strip_newline(x) for x in io.StringIO(block.decode("utf-8"), newline="")]
                    block = "".join(x + "\n" for x in lines).encode("utf-8")
                elif not block.endswith(b"\n"):
                    block += b"\n"  # the last line of a file without a final newline
                yield lineno, block
                lineno += block.count(b"\n")
                if not data:
                    return
        except (ExchangeFileError, MemoryError):
            raise
        except Exception as e:  # never a raw traceback from a decoder
            raise file_error("corrupt", row=lineno, detail="",
                             detail_en=f" ({type(e).__name__})") from None


def _blank_column_with_data(header: _Header, cells: list[Any]) -> int | None:
    """1-based index of the first header-less column that holds a value, if any."""
    for i, c in enumerate(cells):
        if (i >= len(header.fields) or header.fields[i] is None) and c is not None and str(c).strip():
            return i + 1
    return None


# --------------------------------------------------------------------------- JSON lines


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("duplicate key")
        out[k] = v
    return out


def _json_object(line: str) -> dict[str, Any] | None:
    """Parse one JSON-lines record, or None.  Never raises: deep nesting is caught too."""
    try:
        obj = json.loads(line, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


class JsonLinesReader(TableReader):
    format: FileFormat = "jsonl"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file)
        self.content_hash, scan, self.encoding = _scan_text(f, limits)
        if self.encoding == "gb18030":
            # JSON is UTF-8 by definition (RFC 8259); a GB18030 "JSON" file is a mistake.
            raise file_error("encoding", row=scan.first_gb, line=scan.first_gb)
        # The first record's keys are the header: unknown or missing columns reject the
        # file like a CSV header would.
        first_keys: list[str] | None = None
        lines = 0
        text = self._text()
        try:
            for lineno, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                lines += 1
                if first_keys is None:
                    obj = _json_object(line)
                    if obj is None:
                        raise file_error("corrupt", row=lineno,
                                         detail=f"：第{lineno}行不是 JSON 对象",
                                         detail_en=f": line {lineno} is not a JSON object")
                    first_keys = list(obj)
        finally:
            text.detach()
        self._header = _map_header(source, list(first_keys or []), None, limits)
        self._index = _header_index(source)
        self.columns = dict(self._header.labels)
        self._check_rows(lines)

    def _text(self) -> io.TextIOWrapper:
        self._f.seek(0)
        assert self.encoding is not None
        return io.TextIOWrapper(self._f, encoding=self.encoding, errors="strict", newline="\n")

    def _rows(self) -> Iterator[RawRow | RowError]:
        text = self._text()
        try:
            for lineno, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                obj = _json_object(line)
                if obj is None:
                    yield RowError.of("line_json", sheet=None, row=lineno)
                    continue
                values: dict[str, object] = {}
                unknown: list[str] = []
                for k, v in obj.items():
                    name = self._index.get(header_key(k))
                    if name is None or name in values:
                        unknown.append(normalise_text(k)[:40])
                    else:
                        values[name] = v
                if unknown:
                    yield RowError.of("line_unknown_field", sheet=None, row=lineno,
                                      columns="、".join(unknown[:10]))
                    continue
                yield RawRow(None, lineno, values)
        finally:
            text.detach()


# --------------------------------------------------------------------------- Parquet


class ParquetReader(TableReader):
    format: FileFormat = "parquet"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.content_hash = hash_file(f)
        try:
            self._pf = pq.ParquetFile(f)
            schema = self._pf.schema_arrow
        except Exception as e:  # pyarrow raises ArrowInvalid, OSError, ...: all mean "damaged"
            raise file_error("corrupt", detail="", detail_en=f" ({type(e).__name__})") from None
        for fld in schema:
            if pa.types.is_nested(fld.type) or pa.types.is_dictionary(fld.type) and pa.types.is_nested(
                fld.type.value_type
            ):
                raise _unsupported(f"列 {fld.name} 是嵌套类型", f"column {fld.name} is nested")
        self._header = _map_header(source, list(schema.names), None, limits)
        self.columns = dict(self._header.labels)
        self._names = [n for n in schema.names if header_key(n) in _header_index(source)]
        self._check_rows(self._pf.metadata.num_rows)

    def _rows(self) -> Iterator[RawRow | RowError]:
        fields = [f for f in self._header.fields if f is not None]
        row = 0
        try:
            for batch in self._pf.iter_batches(batch_size=4096, columns=self._names):
                # Column-wise to Python, then zipped: about twice as fast as to_pylist().
                cols = [c.to_pylist() for c in batch.columns]
                for values in zip(*cols, strict=True):
                    row += 1
                    yield RawRow(None, row, dict(zip(fields, values, strict=True)))
        except ExchangeFileError:
            raise
        except Exception as e:  # damaged page or row group discovered mid-stream
            raise file_error("corrupt", row=row + 1, detail="", detail_en=f" ({type(e).__name__})") from None


# --------------------------------------------------------------------------- XLSX

# Patterns found while scanning the decompressed XML (tolerating a namespace prefix).
_RE_ENTITY: Final = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_RE_ROW: Final = re.compile(rb"<(?:\w+:)?row[\s>/]")
_RE_FORMULA: Final = re.compile(rb"<(?:\w+:)?f[\s>/]")
_RE_FORMULA_CELL: Final = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<(?:\w+:)?f[\s>/]')
_RE_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z0-9:]{1,30})"')
_OVERLAP: Final = 4096  # bytes kept between chunks so a tag split across chunks is still seen


@dataclass
class _SheetScan:
    rows: int = 0
    formula_cell: str | None = None
    has_formula: bool = False
    merged: str | None = None


def _scan_zip(f: IO[bytes], limits: Limits) -> dict[str, _SheetScan]:
    """Pre-scan an XLSX container before any XML parser sees it (U23, R32).

    From the central directory: member count, total and per-member uncompressed size,
    compression ratio, encrypted members, required parts.  Then every XML member is
    decompressed *in chunks* (never whole) and searched for DTDs/entities (billion
    laughs), and each worksheet for rows, formulas and merged cells.  The bytes actually
    produced are counted, so a member that lies about its size is caught too.
    """
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_members:
            raise _unsupported("压缩包成员过多", "too many zip members")
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_bytes:
            raise _unsupported("解压后体积过大", "too large when decompressed")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise _unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook")
        sheets: dict[str, _SheetScan] = {}
        produced = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise _unsupported("工作簿已加密", "the workbook is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _unsupported("不支持的压缩方式", "unsupported compression method")
            if (info.file_size >= limits.ratio_check_min_bytes
                    and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)):
                raise _unsupported("压缩比异常（疑似压缩炸弹）", "suspicious compression ratio (zip bomb)")
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            scan = sheets.setdefault(info.filename, _SheetScan()) if is_sheet else None
            tail = b""
            try:
                with zf.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        produced += len(chunk)
                        if produced > limits.max_uncompressed_bytes:
                            raise _unsupported("解压后体积过大", "too large when decompressed")
                        data = tail + chunk
                        if _RE_ENTITY.search(data):
                            raise _unsupported("XML 含有 DTD 或实体声明", "XML with a DTD or entities")
                        if scan is not None:
                            # Count only matches that start in the new bytes, so the overlap
                            # is never counted twice.
                            start = len(tail)
                            scan.rows += sum(1 for m in _RE_ROW.finditer(data) if m.start() >= start)
                            if scan.formula_cell is None and _RE_FORMULA.search(data):
                                scan.has_formula = True
                                m = _RE_FORMULA_CELL.search(data)
                                if m:
                                    scan.formula_cell = m.group(1).decode("ascii")
                            if scan.merged is None:
                                mm = _RE_MERGE.search(data)
                                if mm:
                                    scan.merged = mm.group(1).decode("ascii")
                        tail = data[-_OVERLAP:]
            except ExchangeFileError:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
                raise file_error("corrupt", detail="", detail_en="") from None
    return sheets


def _sheet_path(ws: Any) -> str | None:
    """The zip member of a read-only worksheet (openpyxl keeps it as ``_worksheet_path``)."""
    path = getattr(ws, "_worksheet_path", None)
    return str(path).lstrip("/") if path else None


class XlsxReader(TableReader):
    format: FileFormat = "xlsx"
    float_cells = True

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file)
        self.content_hash = hash_file(f)
        scans = _scan_zip(f, limits)
        f.seek(0)
        import openpyxl

        try:
            with warnings.catch_warnings():
                # openpyxl warns about unsupported extensions, data validation etc.; they
                # do not affect cell values, and warnings must not leak into logs per row.
                warnings.simplefilter("ignore")
                self._wb = openpyxl.load_workbook(
                    f, read_only=True, data_only=False, keep_links=False, keep_vba=False
                )
        except ExchangeFileError:
            raise
        except Exception:  # openpyxl raises many types on malformed parts
            raise _unsupported("工作簿无法读取", "the workbook cannot be read") from None
        self._sheets: list[tuple[Any, _Header]] = []
        total_rows = 0
        for ws in self._wb.worksheets:
            title = str(ws.title)
            if getattr(ws, "sheet_state", "visible") != "visible":
                raise file_error("hidden_sheet", sheet=title, name=title)
            scan = scans.get(_sheet_path(ws) or "", _SheetScan())
            if scan.has_formula:
                cell = scan.formula_cell or "?"
                raise file_error("formula", sheet=title, column=cell, cell=f"{title}!{cell}")
            if scan.merged:
                raise file_error("merged_cells", sheet=title, column=scan.merged, cells=scan.merged)
            ws.reset_dimensions()  # never trust the declared <dimension>
            first = next(ws.iter_rows(max_row=1), None)
            header_cells = [c.value for c in first] if first else []
            if not any(_cell_text(v) for v in header_cells):
                if scan.rows > 1:
                    raise file_error("header_missing", sheet=title, row=1,
                                     columns="、".join(f"{source.field(n).label_zh}（{n}）"
                                                      for n in source.required_fields))
                continue  # an empty sheet (e.g. Excel's default Sheet2)
            header = _map_header(source, header_cells, title, limits)
            self._sheets.append((ws, header))
            total_rows += max(scan.rows - 1, 0)
            for name, label in header.labels.items():
                self.columns.setdefault(name, label)
        if not self._sheets:
            raise file_error("no_rows")
        self._check_rows(total_rows)

    def close(self) -> None:
        try:
            self._wb.close()
        finally:
            super().close()

    def _rows(self) -> Iterator[RawRow | RowError]:
        for ws, header in self._sheets:
            title = str(ws.title)
            for rowno, cells in enumerate(ws.iter_rows(), start=1):
                if rowno == 1:
                    continue
                values: list[object] = []
                bad: RowError | None = None
                for col, cell in enumerate(cells, start=1):
                    dtype = getattr(cell, "data_type", "n")
                    if dtype == "f":  # defence in depth: the pre-scan should have caught it
                        raise file_error("formula", sheet=title, row=rowno,
                                         cell=f"{title}!{getattr(cell, 'coordinate', col)}")
                    if dtype == "e" and bad is None:
                        label = header.fields[col - 1] if col <= len(header.fields) else None
                        bad = RowError.of("cell_error", sheet=title, row=rowno,
                                          column=header.labels.get(label or "", f"#{col}"))
                    values.append(cell.value)
                if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    continue
                if rowno == 2 and _is_repeated_header(self.source, values):
                    raise file_error("header_repeated", sheet=title, row=2, line=2)
                if bad is not None:
                    yield bad
                    continue
                blank = _blank_column_with_data(header, values)
                if blank is not None:
                    yield RowError.of("no_header", sheet=title, row=rowno, column=f"#{blank}")
                    continue
                yield RawRow(title, rowno, header.row_dict(values))


# --------------------------------------------------------------------------- entry point

_READERS: Final[dict[FileFormat, type[TableReader]]] = {
    "csv": CsvReader,
    "xlsx": XlsxReader,
    "jsonl": JsonLinesReader,
    "parquet": ParquetReader,
}


def open_table(
    source: Source,
    file: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    limits: Limits = UI_LIMITS,
) -> TableReader:
    """Open and pre-check a department file for *source*; raise :class:`ExchangeFileError`.

    *file* is a path or a seekable binary file object (a Django ``UploadedFile``'s
    ``.file`` works).  *filename* is the name the uploader gave (only its extension is
    used, and only together with the content); it defaults to the path's name.  The
    returned reader must be closed; it owns the file only if it opened it.

    Every whole-file check happens here, before any row is yielded (see the module
    docstring); anything that is not our own :class:`ExchangeFileError` escaping from a
    parser is turned into one, so a hostile file can only produce that error type.
    """
    owns = not hasattr(file, "read")
    if owns:
        path = Path(file)  # type: ignore[arg-type]
        f: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the reader
        name = filename or path.name
    else:
        f = file  # type: ignore[assignment]
        name = filename or str(getattr(file, "name", "") or "")
    try:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        if size == 0:
            raise file_error("empty_file")
        if size > limits.max_bytes:
            raise file_error("too_large", limit=_fmt_bytes(limits.max_bytes))
        f.seek(0)
        head = f.read(64)
        f.seek(max(size - 8, 0))
        tail = f.read(8)
        f.seek(0)
        fmt = detect_format(name, head, tail)
        try:
            return _READERS[fmt](source, f, limits=limits, owns_file=owns)
        except (ExchangeFileError, MemoryError):
            raise
        except UnicodeDecodeError:
            raise file_error("encoding", line="?") from None
        except Exception as e:  # a parser bug or hostile input: never a raw traceback
            raise file_error("corrupt", detail="", detail_en=f" ({type(e).__name__})") from None
    except BaseException:
        if owns:
            f.close()
        raise


# Re-exported for validate.py's type checks of values read from files.
CELL_TYPES: Final = (str, int, float, bool, Decimal, date, datetime)
