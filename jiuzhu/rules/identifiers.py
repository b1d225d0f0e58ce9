"""Identifiers other than ID numbers: what a spreadsheet does to them, and the credit-code check.

Pure Python, no Django.  Issue 14 item 1; RELIABILITY U1, U2.

Account numbers, certificate numbers, bank codes, credit codes and plates are *text* that
happens to be made of digits.  A spreadsheet that stores them as numbers changes them
without a word:

* a number has at most 15 significant digits in Excel, so ``6229081234567890123`` becomes
  ``6229081234567890000`` (and is shown as ``6.22908E+18``);
* a leading zero disappears: bank code ``01020000`` becomes ``1020000``;
* a CSV written by a program that read the number back may carry ``.0``.

:func:`spreadsheet_damage` names which of these a value shows, so that the row can be refused
with a message saying what happened and how to export the column as text.  The precision test
needs at least 18 digits, i.e. three or more zeros in place of the lost digits: a genuine
value of that shape is a one-in-a-thousand event, while 16 or 17 digits ending in one or two
zeros are common in real numbers and cannot be told apart from a rounded one.
"""

from __future__ import annotations

import re
from typing import Final, Literal

__all__ = [
    "CREDIT_CODE_CHARS",
    "SpreadsheetDamage",
    "credit_code_check_char",
    "is_valid_credit_code",
    "lost_precision",
    "spreadsheet_damage",
]

SpreadsheetDamage = Literal["scientific", "decimal", "precision"]

# Excel keeps 15 significant digits; anything after them is written as zeros.
EXCEL_DIGITS: Final = 15
_RE_SCIENTIFIC: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]{1,3}")
_RE_DECIMAL_TAIL: Final = re.compile(r"[0-9]+\.[0-9]*")

# GB 32100-2015: 统一社会信用代码, 18 characters from this set (no I, O, S, V, Z), the last
# one a check character over the first 17 with these weights (3^i mod 31).
CREDIT_CODE_CHARS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS: Final = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def lost_precision(digits: str) -> bool:
    """True if *digits* (all digits) look like a number Excel rounded to 15 significant digits.

    At least 18 digits, and every digit after the fifteenth is a zero.
    """
    return (len(digits) >= EXCEL_DIGITS + 3 and digits.isdigit()
            and digits[EXCEL_DIGITS:] == "0" * (len(digits) - EXCEL_DIGITS))


def spreadsheet_damage(text: str) -> SpreadsheetDamage | None:
    """What a spreadsheet's number conversion did to *text* (compact, no spaces), if anything."""
    if _RE_SCIENTIFIC.fullmatch(text):
        return "scientific"  # 6.22908E+18
    if _RE_DECIMAL_TAIL.fullmatch(text) and text.rstrip("0").endswith("."):
        return "decimal"  # 1020000.0: a number written back as a float
    if lost_precision(text):
        return "precision"
    return None


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """An 18-character unified social credit code with a correct check character."""
    return (len(code) == 18 and all(c in CREDIT_CODE_CHARS for c in code)
            and credit_code_check_char(code[:17]) == code[17])
