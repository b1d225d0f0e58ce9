"""The XLSX reader: a zip and XML pre-scan, then openpyxl in read-only mode (ADR 0005 §5).

Pure Python, no Django.  RELIABILITY U13, U14, U17, U23, R32.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers.base import (
    CHUNK,
    FileFormat,
    Limits,
    RawRow,
    TableReader,
    hash_file,
    unsupported,
)
from jiuzhu.engine.exchange.readers.headers import (
    Header,
    blank_column_with_data,
    cell_text,
    is_repeated_header,
    map_header,
)
from jiuzhu.rules.exchange.sources import Source

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
        raise unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_zip_members:
            raise unsupported("压缩包成员过多", "too many zip members")
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_bytes:
            raise unsupported("解压后体积过大", "too large when decompressed")
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise unsupported("文件内容不是 XLSX 工作簿", "the content is not an XLSX workbook")
        sheets: dict[str, _SheetScan] = {}
        produced = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise unsupported("工作簿已加密", "the workbook is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise unsupported("不支持的压缩方式", "unsupported compression method")
            if (info.file_size >= limits.ratio_check_min_bytes
                    and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)):
                raise unsupported("压缩比异常（疑似压缩炸弹）", "suspicious compression ratio (zip bomb)")
            if not info.filename.endswith((".xml", ".rels", ".vml")):
                continue
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            scan = sheets.setdefault(info.filename, _SheetScan()) if is_sheet else None
            tail = b""
            try:
                with zf.open(info) as member:
                    while chunk := member.read(CHUNK):
                        produced += len(chunk)
                        if produced > limits.max_uncompressed_bytes:
                            raise unsupported("解压后体积过大", "too large when decompressed")
                        data = tail + chunk
                        if _RE_ENTITY.search(data):
                            raise unsupported("XML 含有 DTD 或实体声明", "XML with a DTD or entities")
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
            raise unsupported("工作簿无法读取", "the workbook cannot be read") from None
        self._sheets: list[tuple[Any, Header]] = []
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
            if not any(cell_text(v) for v in header_cells):
                if scan.rows > 1:
                    raise file_error("header_missing", sheet=title, row=1,
                                     columns="、".join(f"{source.field(n).label_zh}（{n}）"
                                                      for n in source.required_fields))
                continue  # an empty sheet (e.g. Excel's default Sheet2)
            header = map_header(source, header_cells, title, limits)
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
                if rowno == 2 and is_repeated_header(self.source, values):
                    raise file_error("header_repeated", sheet=title, row=2, line=2)
                if bad is not None:
                    yield bad
                    continue
                blank = blank_column_with_data(header, values)
                if blank is not None:
                    yield RowError.of("no_header", sheet=title, row=rowno, column=f"#{blank}")
                    continue
                yield RawRow(title, rowno, header.row_dict(values))


