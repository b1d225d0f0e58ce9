"""Mainland mobile numbers: normalise to the bare 11 digits, or reject (RELIABILITY U19, U20).

Pure Python, no Django.  The normalised form is what is stored, encrypted, blind-indexed
and masked, so "+86 138-0013-8000", "0086 13800138000" and "１３８００１３８０００" must all
become "13800138000": otherwise the same person's phone would not match across imports.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from jiuzhu.rules.text import InputError, remove_zero_width

__all__ = ["ContactError", "is_valid_mobile", "normalise_mobile"]

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("手机号为空", "Mobile number is empty"),
    "format": ("手机号含有无效字符", "Mobile number contains invalid characters"),
    "length": ("手机号须为11位数字", "Mobile number must have 11 digits"),
    "prefix": ("手机号须以13至19开头", "Mobile number must start with 13 to 19"),
}


class ContactError(InputError):
    """A mobile number that cannot be accepted.

    ``code`` is one of ``'empty'``, ``'format'``, ``'length'``, ``'prefix'``;
    ``str(e)`` is ``message_zh``.  The message never contains the number (R13).
    """


def _error(code: str) -> ContactError:
    zh, en = _MESSAGES[code]
    return ContactError(code, zh, en)


# Separators people and systems put inside numbers: hyphen-minus and the Unicode hyphens
# and dashes U+2010–U+2015, U+2212 minus, and parentheses ("(+86) 138…").  Whitespace
# (including U+3000 and NBSP after NFKC) and zero-width characters are removed too.
# Dots are NOT separators: "13800138000.0" is a spreadsheet float and must be rejected.
_SEPARATORS: Final = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212()"))
_MOBILE: Final = re.compile(r"1[3-9][0-9]{9}")


def normalise_mobile(raw: str) -> str:
    """Return the 11-digit mainland mobile number in *raw*, or raise :class:`ContactError`.

    Accepted decorations: full-width digits, spaces, hyphens/dashes, parentheses, and a
    country code written as ``+86``, ``0086`` or a bare ``86`` in front of 11 digits.
    The result must be 11 digits starting with 13–19 (``1[3-9]``): 10 digits, or a number
    starting with ``2…``, is rejected (U20).
    """
    if not isinstance(raw, str):
        # A number typed as a spreadsheet number has already been through float; accept
        # only text, like ID numbers, so nothing is silently coerced.
        raise _error("format")
    s = unicodedata.normalize("NFKC", remove_zero_width(raw))
    s = "".join(s.split()).translate(_SEPARATORS)
    if not s:
        raise _error("empty")

    if s.startswith("+"):
        if not s.startswith("+86"):
            raise _error("prefix")  # a foreign number is not a mainland mobile
        s = s[3:]
    elif s.startswith("0086"):
        s = s[4:]
    elif len(s) == 13 and s.startswith("86"):
        s = s[2:]

    if not (s.isascii() and s.isdigit()):
        raise _error("format")
    if len(s) != 11:
        raise _error("length")
    if _MOBILE.fullmatch(s) is None:
        raise _error("prefix")
    return s


def is_valid_mobile(raw: str) -> bool:
    """True if :func:`normalise_mobile` accepts *raw*."""
    try:
        normalise_mobile(raw)
    except ContactError:
        return False
    return True
