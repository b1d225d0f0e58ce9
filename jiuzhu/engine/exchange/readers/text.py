"""Text files (CSV, JSON lines): one pass over the bytes for the hash, line count and encoding.

Pure Python, no Django.  RELIABILITY U8–U11, U22; ADR 0005 §3.
"""

from __future__ import annotations

import codecs
from typing import IO, Final

from jiuzhu.engine.exchange.errors import file_error
from jiuzhu.engine.exchange.readers.base import CHUNK, Hasher, Limits, unsupported

DELIMITERS: Final = (",", "\t", "，")


class LineScan:
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


def scan_text(f: IO[bytes], limits: Limits) -> tuple[str, LineScan, str]:
    """Hash the file and decide its encoding (U8–U11); return (hash, scan, encoding)."""
    h = Hasher()
    scan = LineScan()
    f.seek(0)
    first = f.read(3)
    bom = first == codecs.BOM_UTF8
    f.seek(0)
    carry = b""
    while True:
        chunk = f.read(CHUNK)
        h.update(chunk)
        if b"\x00" in chunk:
            raise unsupported("文件含有二进制内容", "the file contains binary content")
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


def strip_newline(line: str) -> str:
    return line.rstrip("\r\n")

