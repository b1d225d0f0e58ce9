"""The CSV reader: one physical line = one record (ADR 0005 §4; RELIABILITY U8–U13).

Pure Python, no Django.  Issue 14: the header may sit under title rows (制表单位…), which
are skipped and reported, like totals rows (合计) and footer lines (制表人) below the data;
UTF-16 ("Unicode text") and lone-CR files are read like any other.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import IO

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers.base import (
    ColumnMapping,
    FileFormat,
    Limits,
    RawRow,
    Skipped,
    TableReader,
)
from jiuzhu.engine.exchange.readers.headers import (
    HEADER_SCAN_ROWS,
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
from jiuzhu.engine.exchange.readers.text import DELIMITERS, scan_text, strip_newline
from jiuzhu.rules.exchange.sources import Source


class CsvReader(TableReader):
    format: FileFormat = "csv"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool,
                 mapping: ColumnMapping | None = None) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file, mapping=mapping)
        self.content_hash, scan, self.encoding = scan_text(f, limits)
        self.lone_cr = scan.lone_cr
        if not scan.has_content:
            raise file_error("blank_file")
        self._index = header_index(source, mapping)
        # The first non-blank lines: the header is among them, under any title rows.
        head: list[tuple[int, str]] = []
        text = self._text()
        try:
            for lineno, raw in enumerate(text, start=1):
                line = strip_newline(raw)
                if line.strip(" \t,，\ufeff"):  # Excel writes empty rows as ",,,,"
                    head.append((lineno, line))
                    if len(head) >= HEADER_SCAN_ROWS:
                        break
        finally:
            text.detach()
        if not head:
            raise file_error("blank_file")
        splits = [self._best_split(line) for _, line in head]
        pos = find_header(source, self._index, [cells or [] for _, cells in splits]) or 0
        lineno, line = head[pos]
        self.delimiter, cells = splits[pos]
        if cells is None:
            raise file_error("line_quote", row=lineno)
        self._header = map_header(source, cells, None, limits, self._index, row=lineno)
        for (n, title), (_, tcells) in zip(head[:pos], splits[:pos], strict=True):
            first = next((t for t in (cell_text(c) for c in tcells or []) if t), title)
            self.skipped.append(Skipped(None, n, "title", safe_label(first)))
        self._use_header(None, self._header.labels, self._header.info, lineno)
        self._check_rows(scan.lines - lineno)

    def _text(self) -> io.TextIOWrapper:
        self._f.seek(0)
        # newline="": every "\n", "\r\n" or lone "\r" ends a line, untranslated, so a stray
        # carriage return inside a field cannot silently join or split values unseen.
        assert self.encoding is not None
        return io.TextIOWrapper(self._f, encoding=self.encoding, errors="strict", newline="")

    def _best_split(self, line: str) -> tuple[str, list[str] | None]:
        """The delimiter under which the most cells of *line* name fields (U12), and the cells.

        Counting *recognised* headers rather than characters is what makes this safe: a
        Chinese header containing "，" in a comma-separated file does not fool it.
        """
        best: tuple[str, list[str] | None] = (",", None)
        best_score = -1
        for d in DELIMITERS:
            if line.count('"') % 2:
                continue
            try:
                cells = next(csv.reader([line], delimiter=d, strict=True))
            except (csv.Error, StopIteration):
                continue
            score = len(recognised(self._index, cells))
            if score > best_score:
                best, best_score = (d, cells), score
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
                if lineno <= self._header.row:
                    continue
                item = self.line_item(lineno, strip_newline(raw_line))
                if item is not None:
                    yield item
        finally:
            text.detach()

    def line_item(self, lineno: int, line: str) -> RawRow | RowError | None:
        """One physical line (newline stripped) → a row, a row error, or None (blank, or not
        data: a title above the header, a totals row or a footer line, noted in ``skipped``).

        The per-line rules of ADR 0005 §4; shared by the row iterator and the column-wise
        path (:mod:`jiuzhu.engine.exchange.validate.fastcsv`), which sends here every line it
        cannot prove simple.  Raises ``header_repeated`` for a second header right under the
        first.
        """
        if lineno <= self._header.row or not line.strip():
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
        kind = classify_row(self.source, self._header, cells)
        if kind is not None:
            self.skipped.append(Skipped(None, lineno, kind[0], kind[1]))  # type: ignore[arg-type]
            return None
        if len(cells) != expected:
            return RowError.of("line_columns", sheet=None, row=lineno,
                               found=len(cells), expected=expected)
        if lineno == self._header.row + 1 and is_repeated_header(self._index, self.source, cells):
            raise file_error("header_repeated", row=lineno, line=lineno)
        blank = blank_column_with_data(self._header, cells)
        if blank is not None:
            return RowError.of("no_header", sheet=None, row=lineno, column=f"#{blank}")
        return RawRow(None, lineno, self._header.row_dict(cells))

    @property
    def header_fields(self) -> tuple[str | None, ...]:
        """Field name of each column in file order (None: a blank or ignored column)."""
        return self._header.fields

    @property
    def blank_columns(self) -> list[int]:
        """0-based positions of columns with a blank header (data under them is an error)."""
        return self._header.blank_columns

    @property
    def header_row(self) -> int:
        """The header's line number (the lines above it are titles, skipped)."""
        return self._header.row

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
        if self.lone_cr or self.encoding not in ("utf-8", "utf-8-sig", "gb18030"):
            yield from self._text_blocks(chunk_bytes)
            return
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
                    lines = [strip_newline(x) for x in io.StringIO(block.decode("utf-8"), newline="")]
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



    def _text_blocks(self, chunk_chars: int) -> Iterator[tuple[int, bytes]]:
        """:meth:`line_blocks` for files whose bytes cannot be cut at ``\\n``: UTF-16, or
        lines ended by a lone ``\\r``.  Decoded text is cut after the last line end that is
        not possibly the first half of a ``\\r\\n``, then re-split exactly as the row
        iterator splits it."""
        text = self._text()
        lineno = 1
        carry = ""
        try:
            while True:
                data = text.read(chunk_chars)
                buf = carry + data
                if data:
                    cut = max(buf.rfind("\n"), buf.rfind("\r", 0, len(buf) - 1))
                    if cut < 0:
                        carry = buf
                        continue
                    block, carry = buf[: cut + 1], buf[cut + 1:]
                else:
                    block, carry = buf, ""
                if block:
                    lines = [strip_newline(x) for x in io.StringIO(block, newline="")]
                    yield lineno, "".join(x + "\n" for x in lines).encode("utf-8")
                    lineno += len(lines)
                if not data:
                    return
        except (ExchangeFileError, MemoryError):
            raise
        except Exception as e:  # never a raw traceback from a decoder
            raise file_error("corrupt", row=lineno, detail="",
                             detail_en=f" ({type(e).__name__})") from None
        finally:
            text.detach()
