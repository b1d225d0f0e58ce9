"""Receipt numbers of online applications (受理回执号): ``SQ-2026-000123-7``.

``SQ`` + the year received + a sequence number within the year (at least six digits) + one
check character, ISO 7064 MOD 11-2 over the year and sequence digits — the same scheme as
the last character of an ID number (GB 11643), so it is 0–9 or X.  It catches every single
mistyped digit and every swap of two neighbouring digits, so a receipt read out over the
phone or copied by hand is either right or refused, never someone else's.

Parsing is forgiving about what people type: full-width characters, spaces, missing or
extra dashes, lower-case ``sq`` / ``x``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["PREFIX", "check_char", "format_receipt", "parse_receipt"]

PREFIX: Final = "SQ"
_CHARS: Final = "0123456789X"
_SHAPE: Final = re.compile(r"^SQ(\d{4})(\d{6,9})([0-9X])$")


def check_char(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of a string of digits."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError("digits only")
    p = 0
    for d in digits:
        p = ((p + int(d)) * 2) % 11
    return _CHARS[(12 - p) % 11]


def format_receipt(year: int, seq: int) -> str:
    """``SQ-<year>-<seq, 6 digits or more>-<check>``."""
    if not (2000 <= year <= 9999) or not (1 <= seq <= 999_999_999):
        raise ValueError("year or sequence out of range")
    body = f"{year:04d}{seq:06d}"
    return f"{PREFIX}-{year:04d}-{seq:06d}-{check_char(body)}"


def parse_receipt(raw: str) -> tuple[int, int] | None:
    """(year, sequence) of a receipt as typed, or None when it is not a valid receipt."""
    text = unicodedata.normalize("NFKC", raw or "").upper()
    text = re.sub(r"[\s\-_—–－·.]", "", text)
    m = _SHAPE.match(text)
    if m is None:
        return None
    year, seq, check = m.group(1), m.group(2), m.group(3)
    if check_char(year + seq) != check or int(seq) == 0:
        return None
    return int(year), int(seq)
