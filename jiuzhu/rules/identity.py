"""居民身份证号码 (GB 11643-1999): normalise, validate, upgrade, and derive birth date and sex.

Pure Python, no Django.  Policy notes §6 and RELIABILITY R28, R29, U1–U6.

The ID number is the join key between the registry and every department's data, so the
rules here are deliberately strict about *shape* and deliberately lenient about *region*:

* It is always text.  A value that looks like a spreadsheet number (``1.10101199003071E+17``,
  ``…1233.0``) is rejected, never coerced: ``int(float(...))`` silently changes the last
  digits (U1, U2).
* Cosmetic noise that users and other systems add (full-width digits, lower-case ``x``,
  spaces, U+3000, NBSP, zero-width characters) is removed, and the *normalised* value is
  what the caller must store (U3).
* The region code (positions 1–6) is the code at first registration and may since have
  been abolished (e.g. 360782 南康市 → 南康区 in 2013), so only the province prefix is
  checked here; the full code is returned for the caller to look up in a historical table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from jiuzhu.rules.text import InputError, remove_zero_width

__all__ = [
    "MAX_AGE_YEARS",
    "PROVINCE_PREFIXES",
    "IdNumber",
    "IdNumberError",
    "age_on",
    "check_char",
    "is_valid_id_number",
    "normalise_id_number",
    "parse_id_number",
]

# GB/T 2260 province-level prefixes: 11–15, 21–23, 31–37, 41–46, 50–54, 61–65,
# 71 (台湾), 81 (香港), 82 (澳门).  Residence permits for HK/Macao/Taiwan residents use
# 81/82/83 with an 830000 region; 83 is not in the policy list, so it is not accepted.
PROVINCE_PREFIXES: Final[frozenset[str]] = frozenset(
    str(n)
    for lo, hi in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for n in range(lo, hi + 1)
) | frozenset({"71", "81", "82"})

# Oldest accepted birth date, in years before the reference day (R29).  Older numbers are
# almost always typos in the century (18xx) or corrupted data, not real residents.
MAX_AGE_YEARS: Final = 120

# ISO 7064:1983 MOD 11-2 as specified by GB 11643: weight of position i (1-based) is
# 2**(18 - i) mod 11, and the remainder 0..10 maps to the check character below.
_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS: Final = "10X98765432"

_RE_18: Final = re.compile(r"[0-9]{17}[0-9X]")
_RE_15: Final = re.compile(r"[0-9]{15}")
# What a spreadsheet or a float conversion makes of an ID: a decimal point and/or an
# exponent ("1.10101199003071E+17", "110101199003071233.0", "1.1E17").  Matched after
# upper-casing, so "e" appears as "E".
_RE_NUMERIC: Final = re.compile(r"[+-]?[0-9]*(?:\.[0-9]*)?(?:E[+-]?[0-9]+)?")

_Code = Literal["empty", "format", "province", "birth_date", "future", "too_old", "check_char"]

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("身份证号为空", "ID number is empty"),
    "numeric": (
        "身份证号须为文本格式（18位）",
        "ID number must be stored as text (18 characters), not as a number",
    ),
    "format": (
        "身份证号格式错误：须为18位（末位可为X）或15位数字",
        "Malformed ID number: expected 18 characters (the last may be X) or 15 digits",
    ),
    "province": (
        "身份证号前两位不是有效的省级行政区划代码",
        "The first two digits are not a valid province code",
    ),
    "birth_date": ("身份证号中的出生日期无效", "Invalid birth date in the ID number"),
    "future": ("身份证号中的出生日期晚于当前日期", "Birth date in the ID number is in the future"),
    "too_old": (
        f"身份证号中的出生日期早于{MAX_AGE_YEARS}年前",
        f"Birth date in the ID number is more than {MAX_AGE_YEARS} years ago",
    ),
    "check_char": ("身份证号校验码错误", "Wrong check character"),
}


class IdNumberError(InputError):
    """An ID number that cannot be accepted.

    ``code`` is one of ``'empty'``, ``'format'``, ``'province'``, ``'birth_date'``,
    ``'future'``, ``'too_old'``, ``'check_char'``; ``str(e)`` is ``message_zh``.  The
    message never contains the number itself (R13).
    """


def _error(code: _Code, message_key: str | None = None) -> IdNumberError:
    zh, en = _MESSAGES[message_key or code]
    return IdNumberError(code, zh, en)


@dataclass(frozen=True)
class IdNumber:
    """A validated ID number and what it encodes."""

    value: str  # normalised, 18 characters, upper-case X: the value to store
    upgraded_from_15: bool  # True if the input was a 15-digit 1989-format number (flag it, U6)
    birth_date: date
    sex: Literal["M", "F"]  # from position 17: odd = male, even = female
    region_code: str  # positions 1–6, possibly a retired code: look up historically


def check_char(first17: str) -> str:
    """Return the GB 11643 check character (``0``–``9`` or ``X``) for 17 leading digits.

    Raises :class:`ValueError` if *first17* is not exactly 17 ASCII digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_char needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _clean(raw: str) -> str:
    """Remove the cosmetic noise described in U3, keeping everything else for validation.

    NFKC turns full-width digits and Ｘ into ASCII and U+3000/NBSP into spaces; then all
    whitespace (anywhere: people type IDs in groups) and zero-width characters go, and a
    lower-case ``x`` becomes ``X``.
    """
    s = unicodedata.normalize("NFKC", remove_zero_width(raw))
    return "".join(s.split()).upper()


def _years_before(day: date, years: int) -> date:
    """The same calendar day *years* earlier; 29 February falls back to 28 February.

    Falling back (rather than forward to 1 March) makes the 120-year cut-off at most one
    day more lenient, never stricter: wrongly rejecting a real resident's ID is the worse
    error.
    """
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Normalise and validate an ID number; raise :class:`IdNumberError` if it is not valid.

    *today* is the reference day for the "not in the future" and "at most 120 years ago"
    checks (default: ``date.today()``); pass the application or upload date for
    reproducible results.

    Checks run in the order of the policy checklist, and the first failure is reported:
    shape (``empty``/``format``), province prefix, birth date (``birth_date``, ``future``,
    ``too_old``), then the check character.  A 15-digit number is upgraded by inserting
    "19" after the region code and appending the computed check character.
    """
    if not isinstance(raw, str):
        # An int or float here means a spreadsheet or program already treated the ID as a
        # number, and the digits may have been changed on the way (U1).
        raise _error("format", "numeric")
    s = _clean(raw)
    if not s:
        raise _error("empty")

    if _RE_18.fullmatch(s):
        upgraded = False
        body = s[:17]
    elif _RE_15.fullmatch(s):
        # GB 11643-1989 numbers were issued before the 1999 switch, so the century is 19.
        upgraded = True
        body = s[:6] + "19" + s[6:]
    elif any(c in s for c in ".E") and _RE_NUMERIC.fullmatch(s):
        raise _error("format", "numeric")
    else:
        raise _error("format")

    if body[:2] not in PROVINCE_PREFIXES:
        raise _error("province")

    try:
        birth = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        raise _error("birth_date") from None
    reference = today if today is not None else date.today()
    if birth > reference:
        raise _error("future")
    if birth < _years_before(reference, MAX_AGE_YEARS):
        raise _error("too_old")

    expected = check_char(body)
    if upgraded:
        value = body + expected
    elif s[17] != expected:
        raise _error("check_char")
    else:
        value = s

    return IdNumber(
        value=value,
        upgraded_from_15=upgraded,
        birth_date=birth,
        sex="M" if int(body[16]) % 2 == 1 else "F",
        region_code=body[:6],
    )


def normalise_id_number(raw: str, *, today: date | None = None) -> str:
    """Return the normalised 18-character value to store; raise :class:`IdNumberError`."""
    return parse_id_number(raw, today=today).value


def is_valid_id_number(raw: str, *, today: date | None = None) -> bool:
    """True if :func:`parse_id_number` accepts *raw* (including a 15-digit legacy number)."""
    try:
        parse_id_number(raw, today=today)
    except IdNumberError:
        return False
    return True


def age_on(birth: date, on: date) -> int:
    """Age in 周岁 (completed years) on day *on*: N on and after the Nth birthday.

    A person born on 29 February turns N on 1 March in non-leap years (not on 28
    February): in those years the anniversary does not exist, and N full years have
    only passed once 28 February is over.  This is the conservative choice for age
    thresholds such as 16 or 60 周岁: nobody reaches one a day early.

    Raises :class:`ValueError` if *on* is before *birth*.
    """
    if on < birth:
        raise ValueError("the reference day is before the birth date")
    # Tuple comparison does the Feb-29 rule by itself: (2, 28) < (2, 29) < (3, 1).
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
