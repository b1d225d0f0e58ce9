"""Cell parsers: one value of a declared type → its canonical value, or :class:`Bad`.

Pure Python, no Django.  Issue 4 §2; RELIABILITY R28–R30, U1–U6, U15–U21, U25.

Every value is turned into its canonical type or reported, never guessed:

* ID numbers go through :func:`~jiuzhu.rules.identity.parse_id_number` and are stored as
  the normalised 18-character text; a 15-digit number is upgraded (the caller flags it,
  U6), and a number that reached us as a spreadsheet number is rejected (U1, U2).
* Dates accept ``2024-03-07``, ``2024/3/7``, ``2024.3.7``, ``2024年3月7日``, ``20240307``
  and real date cells; two-digit years, impossible dates and Excel's phantom
  1900-02-29 are rejected (U17, U18).
* Money is :class:`~decimal.Decimal` via :func:`~jiuzhu.rules.money.parse_money`; a
  float is accepted only from a spreadsheet cell, through ``Decimal(repr)``
  (:func:`~jiuzhu.rules.money.parse_money_cell`, U15, U16).
* Region codes must have a valid shape and pass the caller's ``region_ok`` (the uploader's
  scope and the historical code table live in Django, R30, U21).

Values in row reports are masked (:func:`mask_value`, R13, R23).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from jiuzhu.pii.masking import mask_bank_account, mask_id_number, mask_name, mask_phone
from jiuzhu.rules.contact import ContactError, normalise_mobile
from jiuzhu.rules.exchange.sources import Field, spelling_key
from jiuzhu.rules.identifiers import is_valid_credit_code, spreadsheet_damage
from jiuzhu.rules.identity import IdNumberError, parse_id_number
from jiuzhu.rules.money import MoneyError, parse_money, parse_money_cell
from jiuzhu.rules.text import normalise_text, remove_zero_width

RegionCheck = Callable[[str], bool]
RowRef = tuple[str | None, int]  # (sheet, row)

MAX_MASKED_CHARS: Final = 40
_MIN_YEAR: Final = 1900
_MAX_YEAR: Final = 2099
# Excel's 1900 date system counts a non-existent 1900-02-29 (serial 60), so serials up to
# 60 cannot be trusted: openpyxl maps both 59 and 60 to 1900-02-28.
_EXCEL_1900_SAFE_FROM: Final = date(1900, 3, 1)

# Dates: one separator used twice, 年月日, eight digits; optionally followed by a time of
# day, which is dropped where a date is meant (2026/10/5 0:00, 2026-10-05 14:32:10).
_RE_DATE_SEP: Final = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_RE_DATE_ZH: Final = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日")
_RE_DATE_COMPACT: Final = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_RE_MONTH: Final = re.compile(r"([0-9]{4})(?:[-/.]([0-9]{1,2})|年([0-9]{1,2})月?|([0-9]{2}))")
_RE_DATE_TWO_DIGIT: Final = re.compile(r"[0-9]{2}([-/.])[0-9]{1,2}\1[0-9]{1,2}|[0-9]{2}年[0-9]{1,2}月[0-9]{1,2}日")
_RE_DATE_YEAR_LAST: Final = re.compile(r"[0-9]{1,2}([-/.])[0-9]{1,2}\1[0-9]{4}")
_RE_TIME: Final = re.compile(r"(.*?)(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?)")
# Text that a spreadsheet or float conversion made of an ID (U2): a point or an exponent.
_RE_ID_NUMERIC: Final = re.compile(r"[+-]?[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?")
_RE_REGION: Final = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")
_RE_INT: Final = re.compile(r"[+-]?[0-9]{1,18}")
_RE_DECIMAL: Final = re.compile(r"([0-9]{1,15})(?:\.([0-9]+))?")
TRUE_WORDS: Final = frozenset({"true", "t", "1", "y", "yes", "是", "有", "√"})
FALSE_WORDS: Final = frozenset({"false", "f", "0", "n", "no", "否", "无", "×"})
# What offices write in a cell that has no value (issue 14 item 10): empty in an optional
# field, "missing" in a required one.  Compared after NFKC (so －／ are - and /).
PLACEHOLDERS: Final = frozenset({"-", "--", "—", "——", "–", "―", "/", "//", "\\", "无"})
# 18 digits whose last three are zeros: what Excel leaves of an ID number after rounding it
# to 15 significant digits (see Validator: refused when the column shows that damage).
ID_ROUNDED_TAIL: Final = "000"
# Separators removed from plates and account numbers (赣A·12345, 6222 0212 3456 7890).
_PLATE_SEPARATORS: Final = str.maketrans("", "", " ·-.•")
_ACCOUNT_SEPARATORS: Final = str.maketrans("", "", " -")


_NEGATIVE: Final = ("金额不能为负数（该项不登记退费或冲销）",
                     "The amount must not be negative (this field records no refunds or reversals)")


class Bad(Exception):
    """A cell failed: carries the message code and its parameters."""

    def __init__(self, code: str, zh: str | None = None, en: str | None = None,
                 **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.zh = zh
        self.en = en
        self.params = params


# --------------------------------------------------------------------------- masking


def _truncate(s: str, limit: int = MAX_MASKED_CHARS) -> str:
    return s if len(s) <= limit else s[: limit - 1] + "…"


def mask_value(f: Field | None, raw: object) -> str:
    """The masked form of *raw* for a row report (R13, R23): never the raw personal value."""
    if raw is None:
        return ""
    s = raw if isinstance(raw, str) else repr(raw) if isinstance(raw, float) else str(raw)
    # Control characters would corrupt the report (and can hide text); show them escaped.
    s = "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in s)
    kind = f.mask_kind if f is not None else "partial"
    if kind == "id":
        return _truncate(mask_id_number(s))
    if kind == "name":
        return _truncate(mask_name(s))
    if kind == "phone":
        return _truncate(mask_phone(s))
    if kind == "account":
        return _truncate(mask_bank_account(s))
    if kind == "partial":
        t = normalise_text(s)
        return "*" * min(len(t), 8) if len(t) < 6 else t[0] + "*" * min(len(t) - 2, 20) + t[-1]
    return _truncate(s)


# --------------------------------------------------------------------------- cell parsers


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not normalise_text(raw))


def is_placeholder(raw: object, f: Field) -> bool:
    """A "no value" mark (``-``, ``—``, ``无``, ``/``) that is not itself a value of *f*.

    ``无`` is a value of a bool field (有/无) and of fields that declare it (房屋损坏程度 无);
    there it is read as that value.
    """
    if not isinstance(raw, str):
        return False
    t = normalise_text(raw)
    if t not in PLACEHOLDERS:
        return False
    if f.type == "bool" and t.casefold() in FALSE_WORDS | TRUE_WORDS:
        return False
    return spelling_key(t) not in f.spelling_map and not (f.type == "code" and t in code_maps(f)[1])


def cell_str(raw: object) -> str:
    """Text of a cell that should hold text; an int is exact, a float is not (U2)."""
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        raise Bad("type")
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, (float, Decimal)):
        raise Bad("text_numeric")
    raise Bad("type")


def _compact(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", remove_zero_width(s)).split())


def parse_id(raw: object, today: date | None) -> tuple[str, bool]:
    """An ID number → (normalised value, upgraded from 15 digits).

    A number cell, or text a number conversion produced (``…1233.0``, ``1.10101E+17``), is
    refused (U1, U2).  An 18-digit value ending in ``000`` that fails the check is reported as
    the rounding it almost certainly is (``id_precision``); one that passes is accepted here
    and judged with its column by the validator (:func:`id_rounding_suspect`).
    """
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        raise Bad("id_not_text")  # U1: the digits may already have changed
    s = cell_str(raw)
    compact = _compact(s)
    if any(c in compact for c in ".eE") and _RE_ID_NUMERIC.fullmatch(compact):
        raise Bad("id_not_text")  # U2: "…1233.0", "1.10101E+17"
    try:
        parsed = parse_id_number(s, today=today)
    except IdNumberError as e:
        if id_rounding_suspect(compact):
            raise Bad("id_precision") from None
        raise Bad(f"id_{e.code}", e.message_zh, e.message_en) from None
    return parsed.value, parsed.upgraded_from_15


def id_rounding_suspect(value: str) -> bool:
    """18 digits ending in ``000``: what Excel leaves of an ID stored as a number."""
    return len(value) == 18 and value.isdigit() and value.endswith(ID_ROUNDED_TAIL)


def parse_ident(raw: object, f: Field) -> str:
    """An identifier column (account, certificate, bank or credit code, plate…): text only.

    A number cell, scientific notation, a ``.0`` tail or the tell-tale precision loss of a
    float is refused with what happened and how to export the column as text; a declared
    fixed-width code keeps its leading zeros or is refused, never shortened or padded.
    """
    if isinstance(raw, bool):
        raise Bad("type")
    if isinstance(raw, (int, float, Decimal)):
        raise Bad("ident_number")
    s = cell_str(raw)
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in s):
        raise Bad("text_control")
    t = normalise_text(s)
    compact = t.replace(" ", "")
    damage = spreadsheet_damage(compact)
    if damage is not None:
        raise Bad(f"ident_{damage}")
    kind = f.ident
    if kind == "account":
        t = t.translate(_ACCOUNT_SEPARATORS)
        if not t.isdigit() or not t.isascii():
            raise Bad("ident_digits")
    elif kind == "bank_code":
        t = compact
        if not t.isdigit() or not t.isascii():
            raise Bad("ident_digits")
    elif kind == "plate":
        t = t.translate(_PLATE_SEPARATORS).upper()
    elif kind == "credit_code":
        t = compact.upper()
        if not is_valid_credit_code(t):
            raise Bad("ident_credit_code")
    elif kind == "certificate":
        t = t.upper()
    if f.widths and len(t) not in f.widths:
        widths = "或".join(str(w) for w in f.widths)
        raise Bad("ident_width_short" if len(t) < min(f.widths) else "ident_width",
                  widths=widths, widths_en=" or ".join(str(w) for w in f.widths))
    if len(t) > f.max_length:
        raise Bad("text_too_long", limit=f.max_length)
    return t


def parse_date(raw: object, f: Field | None = None, spreadsheet: bool = False,
               not_after: date | None = None) -> date:
    """A date (or, for a ``month`` field, a month: ``2024-03``, ``2024年3月`` or its first day)
    that is not after *not_after* unless the field may be in the future."""
    month = f is not None and f.month
    if isinstance(raw, datetime):
        d = raw.date()  # a time of day where a date is meant: the date (issue 14 item 10)
        if spreadsheet and d < _EXCEL_1900_SAFE_FROM:
            raise Bad("date_excel_1900")
    elif isinstance(raw, date):
        d = raw
        if spreadsheet and d < _EXCEL_1900_SAFE_FROM:  # pragma: no cover - openpyxl gives datetime
            raise Bad("date_excel_1900")
    elif isinstance(raw, bool):
        raise Bad("type")
    elif isinstance(raw, int) and 10_000_000 <= raw <= 99_999_999:
        d = parse_date_text(str(raw), month)  # 20240307 typed into a number cell
    elif isinstance(raw, int) and month and 190_001 <= raw <= 209_912:
        d = parse_date_text(str(raw), month)  # 202403 in a month column
    elif isinstance(raw, (int, float, Decimal)):
        raise Bad("date_number")  # a serial number in a General cell: ambiguous epoch
    else:
        d = parse_date_text(cell_str(raw), month)
    if month and d.day != 1:
        # A month written as a full date is accepted as its first day only: any other day
        # would be changed silently (2024-03-15 is not "March" to every reader).
        raise Bad("month_day")
    if not _MIN_YEAR <= d.year <= _MAX_YEAR:
        raise Bad("date_range")
    if not_after is not None and d > not_after and not (f is not None and f.future):
        raise Bad("date_future", day=not_after.isoformat())
    return d


def parse_date_text(s: str, month: bool = False) -> date:
    t = normalise_text(s)
    m0 = _RE_TIME.fullmatch(t)
    if m0 is not None:
        hour, minute, second = int(m0.group(2)), int(m0.group(3)), int(m0.group(4) or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise Bad("date_format")
        t = m0.group(1)
    core = t.replace(" ", "")
    m = _RE_DATE_SEP.fullmatch(core)
    if m is not None:
        y, mo, d = m.group(1), m.group(3), m.group(4)
    else:
        m = _RE_DATE_ZH.fullmatch(core) or _RE_DATE_COMPACT.fullmatch(core)
        if m is None:
            mm = _RE_MONTH.fullmatch(core)
            if mm is not None:
                if not month:
                    raise Bad("date_month_only")
                y, mo = mm.group(1), mm.group(2) or mm.group(3) or mm.group(4)
                try:
                    return date(int(y), int(mo), 1)
                except ValueError:
                    raise Bad("date_invalid") from None
            if _RE_DATE_TWO_DIGIT.fullmatch(core):
                raise Bad("date_two_digit_year")
            if _RE_DATE_YEAR_LAST.fullmatch(core):
                raise Bad("date_year_last")
            raise Bad("month_format" if month else "date_format")
        y, mo, d = m.groups()
    try:
        return date(int(y), int(mo), int(d))
    except ValueError:
        raise Bad("date_invalid") from None


def parse_amount(raw: object, spreadsheet: bool, negative: bool = False) -> Decimal:
    try:
        if spreadsheet:
            return parse_money_cell(raw, allow_negative=negative)
        return parse_money(raw, allow_negative=negative)
    except MoneyError as e:
        if e.code == "negative":
            zh, en = _NEGATIVE
            raise Bad("money_negative", zh, en) from None
        raise Bad(f"money_{e.code}", e.message_zh, e.message_en) from None


def parse_decimal(raw: object, spreadsheet: bool) -> Decimal:
    """A non-money quantity (m²): ≥ 0, at most two decimals, never rounded."""
    if isinstance(raw, bool):
        raise Bad("type")
    if isinstance(raw, float):
        if not spreadsheet:
            raise Bad("decimal_format")
        raw = repr(raw)  # the shortest round-trip text: what the user typed (U16)
    if isinstance(raw, int):
        d = Decimal(raw)
    elif isinstance(raw, Decimal):
        d = raw
    else:
        s = "".join(normalise_text(cell_str(raw)).split())
        m = _RE_DECIMAL.fullmatch(s.lstrip("+"))
        if s.startswith("-") and _RE_DECIMAL.fullmatch(s[1:]):
            raise Bad("decimal_negative")
        if m is None:
            raise Bad("decimal_format")
        try:
            d = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the regex admits only plain numbers
            raise Bad("decimal_format") from None
    if not d.is_finite():
        raise Bad("decimal_format")
    if d < 0:
        raise Bad("decimal_negative")
    if d >= Decimal(10) ** 15:
        raise Bad("decimal_range")
    q = d.quantize(Decimal("0.01"))
    if q != d:
        raise Bad("decimal_precision")
    return q


def _spelled(raw: object, f: Field) -> object | None:
    """The value a declared spelling stands for, if *raw* is one."""
    if not f.spellings or not isinstance(raw, str):
        return None
    return f.spelling_map.get(spelling_key(raw))


def parse_int(raw: object, f: Field, spreadsheet: bool) -> int:
    spelled = _spelled(raw, f)
    if isinstance(spelled, int):
        return spelled
    if isinstance(raw, bool):
        raise Bad("int_format")
    if isinstance(raw, int):
        n = raw
    elif isinstance(raw, float) and spreadsheet and raw.is_integer() and abs(raw) < 2**53:
        n = int(raw)
    elif isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        n = int(raw)
    elif isinstance(raw, str):
        s = "".join(normalise_text(raw).split())
        if not _RE_INT.fullmatch(s):
            raise Bad("int_format")
        n = int(s)
    else:
        raise Bad("int_format")
    low = f.min_value if f.min_value is not None else -(2**63)
    high = f.max_value if f.max_value is not None else 2**63 - 1
    if not low <= n <= high:
        raise Bad("int_range", low=low, high=high)
    return n


def parse_bool(raw: object, f: Field | None = None) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, float) and raw in (0.0, 1.0):
        return bool(raw)
    if isinstance(raw, str):
        s = normalise_text(raw).casefold()
        if s in TRUE_WORDS:
            return True
        if s in FALSE_WORDS:
            return False
        if f is not None:
            spelled = _spelled(raw, f)
            if isinstance(spelled, bool):
                return spelled
    raise Bad("bool_format")


@functools.lru_cache(maxsize=512)
def code_maps(f: Field) -> tuple[dict[str, str], dict[str, str]]:
    """A code field's lookups: casefolded code → code, normalised label → code."""
    return ({c.casefold(): c for c, _ in f.choices},
            {normalise_text(zh): c for c, zh in f.choices})


def parse_code(raw: object, f: Field) -> str:
    s = normalise_text(cell_str(raw))
    by_code, by_label = code_maps(f)
    found = by_code.get(s.casefold()) or by_label.get(s)
    if found is None:
        spelled = _spelled(s, f)
        found = spelled if isinstance(spelled, str) else None
    if found is None:
        shown = [f"{zh}({c})" for c, zh in f.choices[:12]]
        allowed = "、".join(shown) + ("…" if len(f.choices) > 12 else "")
        raise Bad("choice", allowed=allowed,
                   allowed_en=", ".join(c for c, _ in f.choices[:12]))
    return found


def parse_text(raw: object, f: Field) -> str:
    s = cell_str(raw)
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in s):
        raise Bad("text_control")
    t = normalise_text(s)
    if len(t) > f.max_length:
        raise Bad("text_too_long", limit=f.max_length)
    return t


def parse_region(raw: object, region_ok: RegionCheck | None) -> str:
    if isinstance(raw, bool) or isinstance(raw, (float, Decimal)):
        raise Bad("region_format")
    s = "".join(normalise_text(cell_str(raw)).split())
    if not _RE_REGION.fullmatch(s):
        raise Bad("region_format")
    if region_ok is not None and not region_ok(s):
        raise Bad("region_not_allowed")
    return s


def parse_mobile(raw: object) -> str:
    try:
        return normalise_mobile(cell_str(raw))
    except ContactError as e:
        raise Bad(f"mobile_{e.code}", e.message_zh, e.message_en) from None


