"""What every reader shares: limits, the raw row, hashing, safe names, format detection, the base class.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R32, U22–U24.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Final, Literal

from cryptography.hazmat.primitives import hashes

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.rules.exchange.sources import Source
from jiuzhu.rules.text import normalise_text

__all__ = [
    "CLI_LIMITS",
    "HASH_ALGORITHM",
    "UI_LIMITS",
    "ColumnInfo",
    "ColumnMapping",
    "FileFormat",
    "Skipped",
    "Limits",
    "RawRow",
    "TableReader",
    "detect_format",
    "display_name",
    "hash_file",
]

FileFormat = Literal["csv", "xlsx", "jsonl", "parquet"]

# The batch identity is (source, SM3 of the bytes) (R22).  SM3 comes from the same
# `cryptography` backend whose known-answer test runs at startup (jiuzhu.pii.crypto).
HASH_ALGORITHM: Final = "sm3"

CHUNK: Final = 1 << 20  # 1 MiB: large enough to be fast, small enough to stay bounded


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


# A department's column mapping (issue 14 item 8): header text as the department writes it →
# field name, or None to ignore the column.
ColumnMapping = Mapping[str, "str | None"]

SkipKind = Literal["title", "totals", "footer", "sheet_hidden", "sheet_not_data", "sheet_empty"]
SKIP_LABELS: Final[dict[str, tuple[str, str]]] = {
    "title": ("标题或说明行", "title or note row"),
    "totals": ("合计行", "totals row"),
    "footer": ("表尾（制表人、审核人等）", "footer (made by, checked by…)"),
    "sheet_hidden": ("隐藏的工作表", "hidden sheet"),
    "sheet_not_data": ("不是数据表（未找到表头）", "not a data sheet (no header found)"),
    "sheet_empty": ("空工作表", "empty sheet"),
}


@dataclass(frozen=True)
class Skipped:
    """Something of the file that was deliberately not read as data, and why (issue 14 item 7).

    ``row`` is None for a whole sheet.  ``label`` identifies it without personal values: the
    word found (合计, 制表人), the sheet's name, or a title's text with digit runs masked.
    """

    sheet: str | None
    row: int | None
    kind: SkipKind
    label: str = ""

    def to_dict(self) -> dict[str, object]:
        zh, en = SKIP_LABELS[self.kind]
        return {"sheet": self.sheet, "row": self.row, "kind": self.kind, "label": self.label,
                "what": zh, "what_en": en}


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a header as found: where, as written, the field it feeds and how it was
    recognised ("name", "label", "alias", "mapping", "ignored", "unknown")."""

    sheet: str | None
    index: int  # 1-based
    header: str
    field: str | None
    how: str

    def to_dict(self) -> dict[str, object]:
        return {"sheet": self.sheet, "index": self.index, "header": self.header, "field": self.field,
                "how": self.how}


def fmt_bytes(n: int) -> str:
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


class Hasher:
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
    h = Hasher()
    while chunk := f.read(CHUNK):
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


def unsupported(detail_zh: str = "", detail_en: str = "") -> ExchangeFileError:
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
        raise unsupported(
            "请上传 CSV、XLSX、JSON Lines 或 Parquet 文件",
            "upload CSV, XLSX, JSON Lines or Parquet",
        )
    if head.startswith(_OLE_MAGIC):
        raise unsupported(
            "旧版 Excel（.xls）或加密的工作簿，请另存为未加密的 .xlsx",
            "legacy .xls or an encrypted workbook; save as an unencrypted .xlsx",
        )
    if fmt == "xlsx":
        if not head.startswith(_ZIP_MAGIC):
            raise unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook")
    elif fmt == "parquet":
        if not (head.startswith(_PARQUET_MAGIC) and tail.endswith(_PARQUET_MAGIC)):
            raise unsupported("文件内容不是 Parquet", "the content is not Parquet")
    else:
        sniff = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:16].lower()
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text (Excel "Unicode text")
            sniff = head[2:].decode("utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be",
                                    errors="replace").lstrip(" \t\r\n")[:8].lower().encode()
        if (
            head.startswith((_ZIP_MAGIC, _PARQUET_MAGIC))
            or sniff.startswith((b"<html", b"<!doctype", b"<?xml", b"<table"))
        ):
            raise unsupported(
                "文件内容不是 UTF-8 或 GB18030 文本",
                "the content is not UTF-8 or GB18030 text",
            )
    return fmt




# --------------------------------------------------------------------------- reader base


class TableReader:
    """An opened, pre-checked file.  Iterate it for rows; close it (or use ``with``).

    Attributes available before iterating: ``format``, ``content_hash`` (hex SM3 of the
    bytes), ``size``, ``rows_estimate`` (an upper bound from the pre-scan; exact for
    Parquet and XLSX), ``columns`` (field name → header as written), ``encoding`` and
    ``delimiter`` (CSV), ``float_cells`` (True for XLSX: the only format in which a
    money value may arrive as a float, U16), ``column_info`` (every column found, for the
    preview), ``provided`` (per sheet, the fields the file has a column for: an absent
    optional column means "not provided", never "empty"), ``header_rows`` (per sheet).
    ``skipped`` lists what was deliberately not read (title rows, hidden and dictionary
    sheets before iterating; totals rows and footers as they are met).
    """

    format: FileFormat
    float_cells: bool = False
    encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool,
                 mapping: ColumnMapping | None = None) -> None:
        self.source = source
        self.mapping = mapping
        self._f = f
        self._owns_file = owns_file
        self.limits = limits
        f.seek(0, io.SEEK_END)
        self.size: int = f.tell()
        f.seek(0)
        self.content_hash: str = ""
        self.rows_estimate: int = 0
        self.columns: dict[str, str] = {}
        self.column_info: list[ColumnInfo] = []
        self.provided: dict[str | None, frozenset[str]] = {}
        self.header_rows: dict[str | None, int] = {}
        self.skipped: list[Skipped] = []

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

    def _use_header(self, sheet: str | None, labels: Mapping[str, str], info: Iterator[ColumnInfo] | tuple[ColumnInfo, ...],
                    row: int) -> None:
        """Record a (sheet's) header: columns, what it provides, where it is."""
        for name, label in labels.items():
            self.columns.setdefault(name, label)
        self.column_info.extend(info)
        self.provided[sheet] = frozenset(labels)
        self.header_rows[sheet] = row

    def _check_rows(self, rows: int) -> None:
        self.rows_estimate = rows
        if rows <= 0:
            raise file_error("no_rows")
        if rows > self.limits.max_rows:
            raise file_error("too_many_rows", limit=f"{self.limits.max_rows:,}", rows=f"{rows:,}")

