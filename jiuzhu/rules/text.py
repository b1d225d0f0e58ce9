"""Canonical text: the one normaliser every free-text field goes through (RELIABILITY R28).

Pure Python, no Django.  Imports, forms, the API and the synthetic generator all call
:func:`normalise_text` so that "张三" typed on a phone, pasted from Word (with NBSP or a
zero-width space) or exported by another department's system (full-width letters,
U+3000 ideographic spaces) is stored, compared and indexed as the same string.

Also home of :class:`InputError`, the common base of the bilingual validation errors
(ID numbers, money, mobile numbers), so the import pipeline can turn any of them into a
row report (sheet, row, column, ``code``, Chinese message) without knowing which rule
raised it (R23).
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = [
    "NAME_DOT",
    "NAME_DOT_VARIANTS",
    "ZERO_WIDTH_CHARS",
    "InputError",
    "normalise_text",
    "remove_zero_width",
]


class InputError(ValueError):
    """A rejected input value, with a stable machine code and messages in Chinese and English.

    ``str(e)`` is the Chinese message, because that is what caseworkers see in row reports
    and form errors.  Messages never contain the offending value: the value may be an ID
    number or a phone number, and errors end up in logs (R13, R27).  The caller, who knows
    the column, masks and shows the value itself.
    """

    code: str
    message_zh: str
    message_en: str

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en

    def __str__(self) -> str:
        return self.message_zh

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message_en={self.message_en!r})"

    # ValueError pickles as ``cls(*self.args)``, and args holds only the Chinese message;
    # without this, an error raised in a worker process could not be sent back to the parent.
    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        return (type(self), (self.code, self.message_zh, self.message_en))


# Characters that are invisible but break equality, uniqueness and the blind index:
# ZERO WIDTH SPACE / NON-JOINER / JOINER, WORD JOINER, and the BOM (ZERO WIDTH NO-BREAK
# SPACE), which survives in the first cell of many CSV files.
ZERO_WIDTH_CHARS: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")

# The separator in transliterated names of ethnic-minority and foreign-born residents
# (e.g. 阿依古丽·买买提).  It is part of the legal name, so it is canonicalised, never
# stripped.  GB 18030 and the public-security population registry use U+00B7 MIDDLE DOT.
NAME_DOT: Final = "\u00b7"

# Look-alikes that input methods, Japanese fonts and Word actually produce for that dot:
# ・ U+30FB katakana middle dot, ･ U+FF65 half-width katakana middle dot, • U+2022 bullet,
# ‧ U+2027 hyphenation point, ∙ U+2219 bullet operator, ⋅ U+22C5 dot operator,
# · U+00B7 itself.
NAME_DOT_VARIANTS: Final = frozenset("\u30fb\uff65\u2022\u2027\u2219\u22c5\u00b7")

_ZERO_WIDTH_TABLE: Final = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS))
_NAME_DOT_TABLE: Final = dict.fromkeys(map(ord, NAME_DOT_VARIANTS), NAME_DOT)


def remove_zero_width(s: str) -> str:
    """Delete the zero-width characters in :data:`ZERO_WIDTH_CHARS` from *s*."""
    return s.translate(_ZERO_WIDTH_TABLE)


def normalise_text(s: str) -> str:
    """Return the canonical form of a free-text value (name, address, remark).

    Steps, in this order:

    1. Remove zero-width characters.  This happens *before* NFKC on purpose: a zero-width
       character between a letter and a combining mark blocks composition, so removing it
       afterwards could leave a string that NFKC would change again, and the function
       would not be idempotent.
    2. NFKC: full-width Latin letters and digits become ASCII, U+3000 and NBSP become
       ordinary spaces, compatibility forms are unified.  CJK Extension B characters such
       as 𠀀 (U+20000) are untouched.  Caveat: the CJK *compatibility* ideographs
       (U+F900–U+FAFF, U+2F800–U+2FA1F) are mapped to their unified equivalents, as by
       any Unicode normalisation; that is the intended behaviour for matching.
    3. Every name-dot variant becomes U+00B7 (never removed, because it is part of the name).
    4. Trim, and collapse each internal run of whitespace (spaces, tabs, newlines, and
       anything else ``str.isspace`` accepts) into a single ASCII space.

    The function is idempotent: ``normalise_text(normalise_text(s)) == normalise_text(s)``
    (property-tested).
    """
    s = unicodedata.normalize("NFKC", remove_zero_width(s))
    s = s.translate(_NAME_DOT_TABLE)
    # str.split() with no argument splits on any run of Unicode whitespace and drops empty
    # pieces at both ends, which is exactly "trim and collapse".
    return " ".join(s.split())
