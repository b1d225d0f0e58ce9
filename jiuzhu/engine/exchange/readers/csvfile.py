"""The CSV reader: one physical line = one record (ADR 0005 §4; RELIABILITY U8–U13).

Pure Python, no Django.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import IO

from jiuzhu.engine.exchange.errors import ExchangeFileError, RowError, file_error
from jiuzhu.engine.exchange.readers.base import FileFormat, Limits, RawRow, TableReader
from jiuzhu.engine.exchange.readers.headers import (
    blank_column_with_data,
    header_index,
    is_repeated_header,
    map_header,
)
from jiuzhu.engine.exchange.readers.text import DELIMITERS, scan_text, strip_newline
from jiuzhu.rules.exchange.sources import Source, header_key


class CsvReader(TableReader):
    format: FileFormat = "csv"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file)
        self.content_hash, scan, self.encoding = scan_text(f, limits)
        text = self._text()
        try:
            header_line = strip_newline(next(iter(text), ""))
        finally:
            text.detach()
        self.delimiter = self._pick_delimiter(header_line)
        cells = self._split(header_line)
        if cells is None:
            raise file_error("line_quote", row=1)
        self._header = map_header(source, list(cells), None, limits)
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
        index = header_index(self.source)
        best, best_score = ",", -1
        for d in DELIMITERS:
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
                item = self.line_item(lineno, strip_newline(raw_line))
                if item is not None:
                    yield item
        finally:
            text.detach()

    def line_item(self, lineno: int, line: str) -> RawRow | RowError | None:
        """One physical line (newline stripped) → a row, a row error, or None (blank line).

        The per-line rules of ADR 0005 §4; shared by the row iterator and the column-wise
        path (:mod:`jiuzhu.engine.exchange.validate.fastcsv`), which sends here every line it
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
        if lineno == 2 and is_repeated_header(self.source, list(cells)):
            raise file_error("header_repeated", row=2, line=2)
        blank = blank_column_with_data(self._header, list(cells))
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


