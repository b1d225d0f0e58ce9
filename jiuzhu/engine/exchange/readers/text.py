"""Text files (CSV, JSON lines): the hash, line count and *one* encoding for the whole file.

Pure Python, no Django.  RELIABILITY U8–U12, U22; issue 14 item 3; ADR 0014.

The encoding is decided once, for the whole file, never line by line:

1. A byte-order mark decides: UTF-8 (``utf-8-sig``), or UTF-16 little/big-endian (Excel's
   "Unicode text", tab separated).
2. Otherwise the whole file is decoded strictly as UTF-8 (the first pass, streaming).  If
   it is valid UTF-8 and has no Chinese-looking alternative it is UTF-8 (U9).
3. If it is not valid UTF-8, the whole file is decoded strictly as GB18030 (the Chinese
   fallback, a superset of GBK) in a second pass; a line that fails both is an
   ``encoding`` error.
4. A file may be valid in *both* encodings (a GBK file whose non-ASCII bytes happen to form
   UTF-8 sequences, mostly short files with few Chinese characters).  Then the reading
   whose text looks like Chinese wins: the share of non-ASCII characters that are common
   hanzi (GB 2312 level 1) or CJK punctuation.  UTF-8 wins ties (U9).

A *mixed* file (U11) is still refused: in a file decided as GB18030, a line that is valid
UTF-8 and reads as Chinese in UTF-8 but not in GB18030 is a UTF-8 line; a file with lines of
both kinds is rejected naming the first line in the other encoding.  A line that happens to
be valid UTF-8 but reads as mojibake in UTF-8 is simply GBK — the false "mixed" verdicts of
the old line-by-line rule (about one GBK file in two of a few hundred rows) are gone.

Line ends: ``\\n``, ``\\r\\n`` and a lone ``\\r`` (old Mac "CSV") each end a line, as
``io.TextIOWrapper(newline="")`` reads them; line numbers and lengths count them so.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass
from typing import IO, Final

from jiuzhu.engine.exchange.errors import file_error
from jiuzhu.engine.exchange.readers.base import CHUNK, Hasher, Limits, unsupported

__all__ = ["DELIMITERS", "TextScan", "scan_text", "strip_newline", "zh_score"]

DELIMITERS: Final = (",", "\t", "，")
# Bytes of non-ASCII lines compared between the two readings when both decode (enough to
# judge; a file valid in both encodings throughout is rare and usually small).
_SAMPLE_BYTES: Final = 1 << 20
_BOM_UTF16: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# CJK and full-width punctuation that Chinese text uses (counted as "looks like Chinese").
_ZH_PUNCTUATION: Final = frozenset("，。、；：？！“”‘’（）《》〈〉【】—…·￥　％＋－／")


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """GB 2312 level 1: the 3,755 most common characters (rows 0xB0–0xD7)."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return frozenset(chars)


def zh_score(text: str) -> float:
    """Share of the non-ASCII characters of *text* that are common hanzi or CJK punctuation."""
    common = _common_hanzi()
    n = good = 0
    for ch in text:
        if ch < "\x80":
            continue
        n += 1
        if ch in common or ch in _ZH_PUNCTUATION:
            good += 1
    return good / n if n else 1.0


@dataclass
class TextScan:
    """What the first pass learnt: lines (the number of the last line), whether any line ends
    with a lone carriage return, and whether there is anything but blank lines."""

    lines: int = 0
    lone_cr: bool = False
    has_content: bool = False
    first_non_ascii: int | None = None


class _Lines:
    """Counts lines (``\\n``, ``\\r\\n``, lone ``\\r``) and checks their length, chunk by chunk."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.done = 0  # complete lines so far
        self.current = 0  # length of the unfinished last line
        self.pending_cr = False  # the previous chunk ended in "\r"
        self.lone_cr = False
        self.content = False
        self.first_non_ascii: int | None = None

    def feed(self, chunk: bytes) -> None:
        if self.pending_cr:
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]  # the "\n" of a "\r\n" split across chunks: counted already
            else:
                self.lone_cr = True
        self.pending_cr = chunk.endswith(b"\r")
        if b"\r" in chunk:
            body = chunk[:-1] if self.pending_cr else chunk
            if body.count(b"\r") != body.count(b"\r\n"):
                self.lone_cr = True
            # One terminator per line end, whatever it was, for counting and lengths.
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if not self.content and chunk.strip(b" \t\n\xef\xbb\xbf"):
            self.content = True
        if self.first_non_ascii is None and not chunk.isascii():
            at = next(i for i, b in enumerate(chunk) if b >= 0x80)
            self.first_non_ascii = self.done + 1 + chunk.count(b"\n", 0, at)
        limit = self.limits.max_line_bytes
        first = chunk.find(b"\n")
        if first < 0:
            self.current += len(chunk)
        else:
            last = chunk.rfind(b"\n")
            longest = max(self.current + first, len(chunk) - last - 1)
            if len(chunk) > limit:  # only then can an inner line be too long; split runs in C
                longest = max(longest, *map(len, chunk.split(b"\n")))
            if longest > limit:
                lengths = list(map(len, chunk.split(b"\n")))
                lengths[0] += self.current
                line = self.done + 1 + next(i for i, n in enumerate(lengths) if n > limit)
                raise file_error("line_too_long", row=line, line=line, limit=f"{limit:,}")
            self.done += chunk.count(b"\n")
            self.current = len(chunk) - last - 1
        if self.current > limit:
            line = self.done + 1
            raise file_error("line_too_long", row=line, line=line, limit=f"{limit:,}")

    def line_of(self, chunk_before: bytes) -> int:
        """The line number of the byte after *chunk_before* (bytes of the current chunk)."""
        return self.done + 1 + chunk_before.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")

    @property
    def total(self) -> int:
        return self.done + (1 if self.current else 0)


def scan_text(f: IO[bytes], limits: Limits) -> tuple[str, TextScan, str]:
    """Hash the file and decide its encoding (U8–U11); return (hash, scan, encoding).

    Raises ``encoding``, ``encoding_utf16``, ``encoding_mixed``, ``line_too_long`` or
    ``unsupported_format`` (binary content) as :class:`ExchangeFileError`.
    """
    h = Hasher()
    f.seek(0)
    head = f.read(4)
    f.seek(0)
    if head.startswith(_BOM_UTF16) and not head.startswith(codecs.BOM_UTF32_LE):
        return _scan_utf16(f, limits, h)
    bom = head.startswith(codecs.BOM_UTF8)
    lines = _Lines(limits)
    utf8 = codecs.getincrementaldecoder("utf-8")("strict")
    utf8_bad: int | None = None
    ascii_only = True
    sample: list[bytes] = []
    sampled = 0
    while chunk := f.read(CHUNK):
        h.update(chunk)
        if b"\x00" in chunk:
            raise unsupported("文件含有二进制内容", "the file contains binary content")
        if utf8_bad is None:
            try:
                utf8.decode(chunk)
            except UnicodeDecodeError as e:
                utf8_bad = lines.line_of(chunk[: e.start])
        if not chunk.isascii():
            ascii_only = False
            if sampled < _SAMPLE_BYTES:
                for line in chunk.split(b"\n"):
                    if not line.isascii():
                        sample.append(line)
                        sampled += len(line)
        lines.feed(chunk)
    if utf8_bad is None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_bad = max(lines.total, 1)
    f.seek(0)
    scan = TextScan(lines.total, lines.lone_cr, lines.content, lines.first_non_ascii)
    digest = h.hexdigest()
    if ascii_only:
        return digest, scan, "utf-8"
    if utf8_bad is None:
        if bom or not _gb_reads_better(sample):
            return digest, scan, "utf-8-sig" if bom else "utf-8"
        # Valid UTF-8 that reads as mojibake, while GB18030 reads as Chinese: a GBK file.
        _check_gb18030(f)
        return digest, scan, "gb18030"
    if bom:
        raise file_error("encoding_mixed", row=utf8_bad, line=utf8_bad)
    _check_gb18030(f)
    return digest, scan, "gb18030"


def _gb_reads_better(sample: list[bytes]) -> bool:
    """Do the sampled non-ASCII lines read more like Chinese as GB18030 than as UTF-8?"""
    data = b"\n".join(sample)
    try:
        gb = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return _reads_better(gb, data.decode("utf-8", errors="replace"))


# A reading "looks Chinese" when most of its non-ASCII characters are common; it must beat
# the other reading clearly, or UTF-8 stays (U9) and the header check remains the backstop.
_ZH_LIKELY: Final = 0.6
_ZH_MARGIN: Final = 0.2


def _reads_better(candidate: str, other: str) -> bool:
    score = zh_score(candidate)
    return score >= _ZH_LIKELY and score > zh_score(other) + _ZH_MARGIN


def _check_gb18030(f: IO[bytes]) -> None:
    """Second pass for a file decided as GB18030: every line must decode; a line that is
    UTF-8 Chinese rather than GBK makes the file mixed (U11)."""
    f.seek(0)
    first_gb: int | None = None  # first line that only GB18030 explains
    first_utf8: int | None = None  # first line that reads as UTF-8 Chinese
    base = 0
    carry = b""
    while True:
        chunk = f.read(CHUNK)
        data = carry + chunk
        if chunk:
            cut = data.rfind(b"\n")
            block, carry = (data[: cut + 1], data[cut + 1:]) if cut >= 0 else (b"", data)
        else:
            block, carry = data, b""
        if block:
            for i, line in enumerate(block.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"),
                                     start=base + 1):
                if line.isascii():
                    continue
                kind = _line_kind(line)
                if kind is None:
                    raise file_error("encoding", row=i, line=i)
                if kind == "utf-8" and first_utf8 is None:
                    first_utf8 = i
                if kind == "gb18030" and first_gb is None:
                    first_gb = i
            base += block.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
        if not chunk:
            break
    f.seek(0)
    if first_gb is not None and first_utf8 is not None:
        # The first non-ASCII line sets the file's encoding; the first line in the other
        # one is the bad line (U11).  Never decode such a file "mostly right".
        bad = first_utf8 if first_gb < first_utf8 else first_gb
        raise file_error("encoding_mixed", row=bad, line=bad)


def _line_kind(line: bytes) -> str | None:
    """One non-ASCII line of a GB18030 file: "gb18030", "utf-8" (UTF-8 Chinese) or None."""
    try:
        gb = line.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    try:
        u8 = line.decode("utf-8")
    except UnicodeDecodeError:
        u8 = None
    if gb is None:
        return "utf-8" if u8 is not None else None
    if u8 is not None and _reads_better(u8, gb):
        return "utf-8"
    return "gb18030"


def _scan_utf16(f: IO[bytes], limits: Limits, h: Hasher) -> tuple[str, TextScan, str]:
    """A file with a UTF-16 byte-order mark: decoded (strictly) to count and measure lines."""
    dec = codecs.getincrementaldecoder("utf-16")("strict")
    lines = _Lines(limits)
    while chunk := f.read(CHUNK):
        h.update(chunk)
        try:
            text = dec.decode(chunk)
        except UnicodeDecodeError:
            line = lines.total or 1
            raise file_error("encoding_utf16", row=line, line=line) from None
        if "\x00" in text:
            raise unsupported("文件含有二进制内容", "the file contains binary content")
        lines.feed(text.encode("utf-8"))
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError:
        line = lines.total or 1
        raise file_error("encoding_utf16", row=line, line=line) from None
    f.seek(0)
    return h.hexdigest(), TextScan(lines.total, lines.lone_cr, lines.content, lines.first_non_ascii), "utf-16"


def strip_newline(line: str) -> str:
    return line.rstrip("\r\n")
