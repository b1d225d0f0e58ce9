"""The XLSX reader: a zip and XML pre-scan, then openpyxl in read-only mode (ADR 0005 §5, ADR 0014).

Pure Python, no Django.  RELIABILITY U13, U14, U17, U23, R32; issue 14 item 7.

Workbooks as offices make them: each visible sheet's header is looked for in its first rows
(title rows and a merged title above it are skipped and reported); a sheet without a header
naming the feed's required columns — a 字典 or 说明 sheet — and every hidden sheet are
skipped and named; totals rows (合计, a SUM formula) and footer lines (制表人) are skipped and
reported.  What stays refused, row by row: a formula in a data row (never evaluated, U14)
and merged cells in a data row (they leave the other cells empty).  Dates written with the
Chinese-locale built-in formats (年月日, numFmtId 27–36 and 50–58, which openpyxl does not
know) are read as dates, not as serial numbers.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers.base import (
    CHUNK,
    ColumnMapping,
    FileFormat,
    Limits,
    RawRow,
    Skipped,
    TableReader,
    hash_file,
    unsupported,
)
from jiuzhu.engine.exchange.readers.headers import (
    HEADER_SCAN_ROWS,
    Header,
    blank_column_with_data,
    cell_text,
    classify_row,
    find_header,
    header_index,
    is_repeated_header,
    map_header,
    recognised,
    safe_label,
)
from jiuzhu.rules.exchange.sources import Source

# Patterns found while scanning the decompressed XML (tolerating a namespace prefix).
_RE_ENTITY: Final = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_RE_ROW: Final = re.compile(rb"<(?:\w+:)?row[\s>/]")
_RE_MERGE: Final = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z0-9:]{1,30})"')
_RE_REF: Final = re.compile(r"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?")
_OVERLAP: Final = 4096  # bytes kept between chunks so a tag split across chunks is still seen
_MAX_MERGED: Final = 10_000
# Built-in number formats that only Chinese/Japanese/Korean Excel defines (年月日, 时分):
# openpyxl does not know them and would return the serial number of a date.
_CJK_DATE_FORMAT_IDS: Final = frozenset(range(27, 37)) | frozenset(range(50, 59))


@dataclass
class _SheetScan:
    rows: int = 0
    merged: set[str] = field(default_factory=set)


@dataclass
class _DataSheet:
    ws: Any
    header: Header
    merged_rows: dict[int, str]  # data rows covered by a merged range → the range


def _scan_zip(f: IO[bytes], limits: Limits) -> dict[str, _SheetScan]:
    """Pre-scan an XLSX container before any XML parser sees it (U23, R32).

    From the central directory: member count, total and per-member uncompressed size,
    compression ratio, encrypted members, required parts.  Then every XML member is
    decompressed *in chunks* (never whole) and searched for DTDs/entities (billion
    laughs), and each worksheet for rows and merged cells.  The bytes actually
    produced are counted, so a member that lies about its size is caught too.
    """
    try:
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, OSError, ValueError):
        # It starts like a zip (detect_format checked) but its directory cannot be read: a
        # workbook cut short in the upload or the save, not some other kind of file.
        raise file_error("corrupt", detail="：XLSX 工作簿不完整（可能未完整上传或保存），请重新保存后上传",
                         detail_en=": the XLSX workbook is incomplete (cut short when uploaded or "
                                   "saved); save it again and upload") from None
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
                            if len(scan.merged) < _MAX_MERGED:
                                scan.merged.update(m.group(1).decode("ascii") for m in _RE_MERGE.finditer(data))
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


def _rows_of(ref: str) -> tuple[int, int] | None:
    m = _RE_REF.fullmatch(ref)
    if m is None:
        return None
    first = int(m.group(2))
    return first, int(m.group(4) or first)


def _mark_cjk_dates(wb: Any) -> None:
    """Make openpyxl read cells in the Chinese-locale date formats as dates.

    Relies on two attributes of openpyxl 3.1's workbook (``_cell_styles``, ``_date_formats``,
    read by its worksheet parser per cell); without them nothing changes and such cells stay
    numbers, which the validator refuses as ambiguous rather than misreads.
    """
    styles = getattr(wb, "_cell_styles", None)
    dates = getattr(wb, "_date_formats", None)
    if styles is None or not isinstance(dates, set):
        return
    for i, style in enumerate(styles):
        if getattr(style, "numFmtId", None) in _CJK_DATE_FORMAT_IDS:
            dates.add(i)


class XlsxReader(TableReader):
    format: FileFormat = "xlsx"
    float_cells = True

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool,
                 mapping: ColumnMapping | None = None) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file, mapping=mapping)
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
        _mark_cjk_dates(self._wb)
        self._index = header_index(source, mapping)
        self._sheets: list[_DataSheet] = []
        required = set(source.required_fields)
        nearest: tuple[int, str, int, list[object]] | None = None  # the best non-data header
        total_rows = 0
        for ws in self._wb.worksheets:
            title = str(ws.title)
            if getattr(ws, "sheet_state", "visible") != "visible":
                self.skipped.append(Skipped(title, None, "sheet_hidden", title))
                continue
            scan = scans.get(_sheet_path(ws) or "", _SheetScan())
            ws.reset_dimensions()  # never trust the declared <dimension>
            head: list[tuple[int, list[object]]] = []
            for rowno, cells in enumerate(ws.iter_rows(max_row=HEADER_SCAN_ROWS), start=1):
                values = [c.value for c in cells]
                if any(cell_text(v) for v in values):
                    head.append((rowno, values))
            if not head:
                if scan.rows:
                    self.skipped.append(Skipped(title, None, "sheet_empty", title))
                continue
            pos = find_header(source, self._index, [v for _, v in head])
            found = recognised(self._index, head[pos][1]) if pos is not None else set()
            if pos is None or not required <= found:
                if pos is not None and (nearest is None or len(found) > nearest[0]):
                    nearest = (len(found), title, head[pos][0], head[pos][1])
                self.skipped.append(Skipped(title, None, "sheet_not_data", title))
                continue
            rowno, values = head[pos]
            header = map_header(source, values, title, limits, self._index, row=rowno)
            for n, cells_above in head[:pos]:
                first = next((t for t in (cell_text(c) for c in cells_above) if t), "")
                self.skipped.append(Skipped(title, n, "title", safe_label(first)))
            merged_rows: dict[int, str] = {}
            for ref in sorted(scan.merged):
                span = _rows_of(ref)
                if span is not None and span[1] > rowno:  # reaches below the header
                    for r in range(max(span[0], rowno + 1), span[1] + 1):
                        merged_rows.setdefault(r, ref)
            self._sheets.append(_DataSheet(ws, header, merged_rows))
            self._use_header(title, header.labels, header.info, rowno)
            total_rows += max(scan.rows - rowno, 0)
        if not self._sheets:
            if nearest is not None:  # explain what the nearest sheet lacks (missing/unknown columns)
                map_header(source, nearest[3], nearest[1], limits, self._index, row=nearest[2])
            if self.skipped:
                raise file_error("no_data_sheet", skipped="、".join(
                    f"{s.sheet}（{'隐藏' if s.kind == 'sheet_hidden' else '无表头'}）" for s in self.skipped[:10]))
            raise file_error("no_rows")
        self._check_rows(total_rows)

    def close(self) -> None:
        try:
            self._wb.close()
        finally:
            super().close()

    def _rows(self) -> Iterator[RawRow | RowError]:
        for sheet in self._sheets:
            ws, header = sheet.ws, sheet.header
            title = str(ws.title)
            for rowno, cells in enumerate(ws.iter_rows(min_row=header.row + 1), start=header.row + 1):
                values: list[object] = []
                formulas: list[tuple[str, str]] = []
                bad: RowError | None = None
                for col, cell in enumerate(cells, start=1):
                    dtype = getattr(cell, "data_type", "n")
                    if dtype == "f":
                        formulas.append((str(getattr(cell, "coordinate", col)), str(cell.value)))
                    if dtype == "e" and bad is None:
                        label = header.fields[col - 1] if col <= len(header.fields) else None
                        bad = RowError.of("cell_error", sheet=title, row=rowno,
                                          column=header.labels.get(label or "", f"#{col}"))
                    values.append(cell.value)
                if not any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):
                    continue
                if rowno == header.row + 1 and is_repeated_header(self._index, self.source, values):
                    raise file_error("header_repeated", sheet=title, row=rowno, line=rowno)
                kind = classify_row(self.source, header, values, [f for _, f in formulas])
                if kind is not None:
                    self.skipped.append(Skipped(title, rowno, kind[0], kind[1]))  # type: ignore[arg-type]
                    continue
                if rowno in sheet.merged_rows:
                    ref = sheet.merged_rows[rowno]
                    yield RowError.of("row_merged", sheet=title, row=rowno, column=ref, cells=ref)
                    continue
                if formulas:  # U14: never evaluated; the row is refused, the others are read
                    coord = formulas[0][0]
                    yield RowError.of("row_formula", sheet=title, row=rowno, column=coord,
                                      cell=f"{title}!{coord}")
                    continue
                if bad is not None:
                    yield bad
                    continue
                blank = blank_column_with_data(header, values)
                if blank is not None:
                    yield RowError.of("no_header", sheet=title, row=rowno, column=f"#{blank}")
                    continue
                yield RawRow(title, rowno, header.row_dict(values))
