"""Display masks for personal data: the default everywhere (RELIABILITY R13).

Pure Python, no Django.  Lists, exports, logs, error reports and department pushes show
these forms; the full value needs an audited, per-field unmask.

Every function accepts any text, including invalid values (row error reports must mask
the bad value too, R23), and never raises on content.  When a value does not have the
expected shape, the fallback hides more, not less: short values are masked completely,
because keeping "the first two and last two" of a five-character string would reveal
almost all of it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Final

from jiuzhu.rules.contact import ContactError, normalise_mobile
from jiuzhu.rules.identity import is_valid_id_number
from jiuzhu.rules.text import normalise_text, remove_zero_width

__all__ = [
    "mask_bank_account",
    "mask_certificate_number",
    "mask_date",
    "mask_id_number",
    "mask_name",
    "mask_phone",
]

STAR: Final = "*"
# A partial mask must hide at least this many characters, otherwise mask everything.
_MIN_HIDDEN: Final = 4


def _compact(value: str) -> str:
    """NFKC, without whitespace or zero-width characters: how numbers are typed vs. stored."""
    return "".join(unicodedata.normalize("NFKC", remove_zero_width(value)).split())


def _keep_ends(s: str, head: int, tail: int, stars: int | None = None) -> str:
    """Keep *head* leading and *tail* trailing characters and star the middle.

    *stars* fixes the number of stars (so the mask does not reveal the length); by default
    it equals the number of hidden characters.  If fewer than ``_MIN_HIDDEN`` characters
    would be hidden, everything is starred.
    """
    hidden = len(s) - head - tail
    if hidden < _MIN_HIDDEN:
        return STAR * len(s)
    return s[:head] + STAR * (hidden if stars is None else stars) + s[len(s) - tail :]


def mask_id_number(value: str) -> str:
    """``"360102198001010013"`` → ``"360102********0013"``.

    18 characters: the region code (6) and the last 4 stay, the birth date and the first
    sequence digit are hidden.  Anything else (a 15-digit legacy number, a damaged value):
    all but the first 2 and last 2 characters are hidden, or everything if that would
    hide fewer than 4.
    """
    s = _compact(value).upper()
    if len(s) == 18:
        return _keep_ends(s, 6, 4)
    return _keep_ends(s, 2, 2)


def _embedded_id(s: str) -> bool:
    """Whether the first 18 characters of *s* are a valid ID number (a certificate built on it)."""
    return len(s) >= 18 and is_valid_id_number(s[:18])


def mask_certificate_number(value: str) -> str:
    """A certificate number, masked so that it reveals no more than the masked ID beside it.

    A 残疾人证 number is the holder's ID number followed by a type digit and a grade digit
    (``"36012419800101001112"``).  Masked: the ID part exactly as :func:`mask_id_number`
    masks it, and the trailing characters starred (``"360124********0011**"``); type and
    grade are shown as their own fields.  So a page showing both the masked ID and the
    masked certificate shows the same fragment twice, never more of the number.  A
    certificate that does not start with a valid ID number keeps its first 2 and last 2
    characters (or nothing, if short), like any other identifier.
    """
    s = _compact(value).upper()
    if _embedded_id(s):
        return mask_id_number(s[:18]) + STAR * (len(s) - 18)
    return _keep_ends(s, 2, 2)


def mask_date(value: dt.date | str | None) -> str:
    """A date shown beside a masked ID: the year only, ``"1956-**-**"``.

    The hidden digits of a masked ID number *are* the birth date, so wherever the ID is
    masked the birth date may not be shown in full (ADR 0024).  Accepts a date or an
    ISO ``YYYY-MM-DD`` text (as change records store it); anything else is starred.
    """
    if value is None or value == "":
        return ""
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    year = text[:4]
    if len(text) >= 10 and year.isdigit() and text[4] == "-":
        return f"{year}-**-**"
    return STAR * len(text)


def mask_phone(value: str) -> str:
    """``"13800138000"`` → ``"138****8000"``; ``"+86 138-0013-8000"`` too.

    A value that is not a valid mainland mobile keeps only its first 2 and last 2
    characters (or nothing, if short).
    """
    try:
        return _keep_ends(normalise_mobile(value), 3, 4)
    except ContactError:
        return _keep_ends(_compact(value), 2, 2)


def mask_name(value: str) -> str:
    """``"张三"`` → ``"张*"``, ``"张三丰"`` → ``"张*丰"``, ``"欧阳娜娜"`` → ``"欧**娜"``.

    One character: ``"*"``.  Two: first character and a star.  Three or more: first and
    last characters, a star for each one between.  Characters are code points after text
    normalisation, so a CJK Extension B character (𠀀) counts as one.
    """
    s = normalise_text(value)
    if len(s) <= 1:
        return STAR * len(s)
    if len(s) == 2:
        return s[0] + STAR
    return s[0] + STAR * (len(s) - 2) + s[-1]


def mask_bank_account(value: str) -> str:
    """``"6222021234567890123"`` → ``"6222***********0123"``: first 4, stars, last 4.

    Spaces and hyphens (as printed on cards) are ignored.  Values of 11 characters or
    fewer are masked completely.
    """
    s = _compact(value).replace("-", "")
    return _keep_ends(s, 4, 4)
