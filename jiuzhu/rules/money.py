"""Money: :class:`~decimal.Decimal` yuan with at most two decimals, or integer fen.

Pure Python, no Django.  RELIABILITY R28, U15, U16.

Floats never become money here.  ``0.1 + 0.2`` is ``0.30000000000000004``, and a benefit
computed from floats can be a fen off, which over a province and a year is real money
and a failed reconciliation.  So :func:`parse_money` rejects ``float`` outright; only
:func:`parse_money_cell`, for spreadsheet cells that openpyxl can only hand over as
floats, accepts one, through the shortest round-trip ``repr`` and only if that has at most
two decimals.

Every accepted value is returned quantised to exactly two decimals (``Decimal("12.50")``),
so equal amounts compare, hash and print the same.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from decimal import Decimal
from typing import Final, Literal

from jiuzhu.rules.text import InputError, remove_zero_width

__all__ = [
    "FEN",
    "MAX_YUAN",
    "ROUNDING_MODES",
    "YUAN",
    "MoneyError",
    "from_fen",
    "parse_money",
    "parse_money_cell",
    "quantize_yuan",
    "to_fen",
]

FEN: Final = Decimal("0.01")
YUAN: Final = Decimal("1")

# Upper bound on the absolute amount, in yuan.  Far above any real benefit or income, but
# it keeps the value in fen inside a signed 64-bit integer (PostgreSQL bigint) and inside
# the 28-digit default decimal precision, so no later arithmetic silently rounds.
MAX_YUAN: Final = Decimal(10) ** 15

# A private arithmetic context, so results never depend on whatever the caller's thread
# context says (precision, or a trapped Inexact).  With |amount| < MAX_YUAN, 40 digits
# make every operation below exact except the rounding we ask for.
_CTX: Final = decimal.Context(
    prec=40, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
)

# Configured rounding names (case-insensitive, "ROUND_" prefix optional) → decimal modes.
# Note decimal's "UP" means away from zero and "CEILING" towards +infinity; for the
# non-negative amounts of benefits they coincide.  ROUND_05UP is deliberately absent: no
# policy uses it, so naming it in configuration is a mistake worth catching.
ROUNDING_MODES: Final[dict[str, str]] = {
    "HALF_UP": decimal.ROUND_HALF_UP,  # 四舍五入, the usual local practice
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
}

_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "empty": ("金额为空", "Amount is empty"),
    "float": (
        "金额须以字符串或定点数表示，不能是浮点数",
        "Amounts must be given as text or Decimal, never as a float",
    ),
    "type": ("金额类型无效", "Invalid amount type"),
    "format": ("金额格式错误", "Malformed amount"),
    "exponent": ("金额不能使用科学计数法", "Amounts must not use exponent notation"),
    "non_finite": ("金额须为有限数值", "Amount must be a finite number"),
    "precision": ("金额最多保留两位小数", "Amounts may have at most two decimal places"),
    "negative": ("金额不能为负数", "Amount must not be negative"),
    "too_large": ("金额超出允许范围", "Amount is out of range"),
    "rounding_mode": ("金额取整方式配置无效", "Unknown rounding mode in configuration"),
}


class MoneyError(InputError):
    """An amount that cannot be accepted.

    ``code`` is one of ``'empty'``, ``'float'``, ``'type'``, ``'format'``, ``'exponent'``,
    ``'non_finite'``, ``'precision'``, ``'negative'``, ``'too_large'`` (and
    ``'rounding_mode'`` from :func:`quantize_yuan`); ``str(e)`` is ``message_zh``.
    """


def _error(code: str) -> MoneyError:
    zh, en = _MESSAGES[code]
    return MoneyError(code, zh, en)


# Accepted text after clean-up: optional sign, integer part either plain or grouped by
# thousands with commas (strictly: a comma elsewhere, as in "1,5", may be a European
# decimal comma, and guessing would silently change the amount by a factor of 100), then
# an optional fraction.  ".5" and "5." are not accepted: they are not how any of our
# sources write money, so they more likely signal a damaged cell.
_RE_AMOUNT: Final = re.compile(
    r"(?P<sign>[-+]?)(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?"
)
# Possessive quantifiers (Python 3.11+) keep this linear: with plain "+" a long run of
# digits without an "E" backtracks quadratically (a 100,000-digit cell took 20 s).
_RE_EXPONENT: Final = re.compile(r"[-+]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)E[-+]?[0-9]++")
_NON_FINITE_WORDS: Final = frozenset({"NAN", "SNAN", "INF", "INFINITY"})
# Currency marks: "¥" (NFKC maps the full-width "￥" to it) and "元"/"RMB"/"CNY" are
# recognised only as a prefix sign; "元" also as a suffix ("12.50元").
_PREFIXES: Final = ("RMB", "CNY", "¥")
_SUFFIXES: Final = ("元",)


def _check_decimal(d: Decimal, allow_negative: bool) -> Decimal:
    """Apply the shared value rules and return *d* quantised to fen."""
    if not d.is_finite():
        raise _error("non_finite")
    if d.copy_abs() >= MAX_YUAN:  # copy_abs is exact; abs() would round to the context
        raise _error("too_large")
    # Compare values, not the written exponent: "1234.550" is exactly 1234.55 and loses
    # nothing, while "1234.555" would need rounding, which is never done silently.
    quantised = d.quantize(FEN, context=_CTX)
    if quantised != d:
        raise _error("precision")
    if quantised == 0:
        return quantised.copy_abs()  # "-0" is zero, and must not print as "-0.00"
    if quantised < 0 and not allow_negative:
        raise _error("negative")
    return quantised


def _parse_text(text: str, allow_negative: bool) -> Decimal:
    # NFKC: full-width digits, "，" "．" "－" "＋" and "￥" become ASCII / "¥".
    s = unicodedata.normalize("NFKC", remove_zero_width(text))
    s = "".join(s.split()).upper().replace("\u2212", "-")  # U+2212 MINUS SIGN from Word
    if not s:
        raise _error("empty")

    sign = ""
    if s[:1] in "+-":
        sign, s = s[0], s[1:]  # sign before the currency mark: "-¥12"
    for prefix in _PREFIXES:
        if s.startswith(prefix):
            s = s[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if s.endswith(suffix):
            s = s[: -len(suffix)]
            break
    if sign and s[:1] in "+-":
        raise _error("format")  # two signs: "-¥-12"
    s = sign + s
    if not s:
        raise _error("format")  # a bare currency mark

    if s.lstrip("+-") in _NON_FINITE_WORDS:
        raise _error("non_finite")
    if _RE_EXPONENT.fullmatch(s):
        raise _error("exponent")
    m = _RE_AMOUNT.fullmatch(s)
    if m is None:
        raise _error("format")
    frac = m["frac"]
    # Reject long fractions before building the Decimal, so that a 10,000-digit cell costs
    # nothing; trailing zeros are fine ("12.500").
    if frac is not None and len(frac.rstrip("0")) > 2:
        raise _error("precision")
    digits = m["int"].replace(",", "")
    if len(digits.lstrip("0")) > 15:
        raise _error("too_large")
    return _check_decimal(Decimal(f"{m['sign']}{digits}.{frac or '0'}"), allow_negative)


def parse_money(value: object, *, allow_negative: bool = False) -> Decimal:
    """Parse an amount in yuan and return it as a Decimal with exactly two decimals.

    Accepts :class:`~decimal.Decimal`, :class:`int` and :class:`str`.  Text may carry
    thousands separators (``"1,234.50"``), a currency sign (``"￥1234.5"``, ``"¥ 12"``),
    full-width digits and surrounding or internal spaces.

    Raises :class:`MoneyError` for a ``float`` (``'float'``), ``bool`` or any other type
    (``'type'``), empty text, NaN/Infinity, exponent notation (``"1e3"``), more than two
    decimals (``"1234.555"``), a negative amount unless *allow_negative*, an absolute
    value of 10¹⁵ yuan or more, and anything else that is not a plain amount.
    """
    # bool first: it is a subclass of int, and True must not become 1.00 yuan.
    if isinstance(value, bool):
        raise _error("type")
    if isinstance(value, float):
        raise _error("float")
    if isinstance(value, Decimal):
        return _check_decimal(value, allow_negative)
    if isinstance(value, int):
        if abs(value) >= MAX_YUAN:
            raise _error("too_large")
        return _check_decimal(Decimal(value), allow_negative)
    if isinstance(value, str):
        return _parse_text(value, allow_negative)
    raise _error("type")


def parse_money_cell(value: object, *, allow_negative: bool = False) -> Decimal:
    """Parse an amount from a spreadsheet cell (U16).

    Like :func:`parse_money`, except that a ``float`` is accepted: openpyxl returns every
    numeric cell as float, so refusing them would refuse every typed amount.  The float is
    converted through ``Decimal(repr(value))``, the shortest text that round-trips to the
    same float, i.e. what the user typed: ``1234.5`` → ``1234.50``.  If that text has more
    than two decimals, the cell held a computed value such as ``0.30000000000000004`` and
    is rejected (``'precision'``) rather than rounded behind the user's back.
    """
    if isinstance(value, float):
        try:
            d = Decimal(repr(value))
        except decimal.InvalidOperation:  # pragma: no cover - repr of a float always parses
            raise _error("format") from None
        return _check_decimal(d, allow_negative)
    return parse_money(value, allow_negative=allow_negative)


def _require_decimal(d: object) -> Decimal:
    # Money arithmetic must not accept a float or an int by accident: an int passed to
    # to_fen may already be fen, and a float has already lost precision.
    if isinstance(d, bool) or not isinstance(d, Decimal):
        raise _error("float" if isinstance(d, float) else "type")
    if not d.is_finite():
        raise _error("non_finite")
    if d.copy_abs() >= MAX_YUAN:
        raise _error("too_large")
    return d


def to_fen(amount: Decimal) -> int:
    """Convert yuan to integer fen (cents): ``Decimal("12.34")`` → ``1234``.

    Raises :class:`MoneyError` if *amount* is not a finite Decimal or has more than two
    decimals: converting must never round.
    """
    d = _require_decimal(amount)
    fen = d.scaleb(2, context=_CTX)
    if fen != fen.to_integral_value(context=_CTX):
        raise _error("precision")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    """Convert integer fen to yuan with exactly two decimals: ``1234`` → ``Decimal("12.34")``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise _error("type")
    if abs(fen) >= MAX_YUAN * 100:
        raise _error("too_large")
    # Exact under _CTX for any fen inside the bound.
    return Decimal(fen).scaleb(-2, context=_CTX).quantize(FEN, context=_CTX)


def quantize_yuan(
    amount: Decimal, rounding_mode: str, *, unit: Literal["yuan", "fen"] = "yuan"
) -> Decimal:
    """Round a computed amount to whole yuan (default) or to fen, as configured.

    *rounding_mode* is a configuration string such as ``"HALF_UP"`` or ``"ROUND_HALF_UP"``
    (case-insensitive; see :data:`ROUNDING_MODES`).  Jiangxi practice is to pay benefits
    in whole yuan (docs/policy-notes.md §4.1), but the mode is configuration, not code.  The result
    always has two decimals (``Decimal("751.00")``) so it can go straight to
    :func:`to_fen`.

    Raises :class:`MoneyError` (``'rounding_mode'``) for an unknown mode, and for a
    non-Decimal or non-finite *amount*.
    """
    d = _require_decimal(amount)
    key = rounding_mode.strip().upper().removeprefix("ROUND_")
    mode = ROUNDING_MODES.get(key)
    if mode is None:
        raise _error("rounding_mode")
    if unit == "yuan":
        step = YUAN
    elif unit == "fen":
        step = FEN
    else:
        raise ValueError("unit must be 'yuan' or 'fen'")
    rounded = d.quantize(step, rounding=mode, context=_CTX).quantize(FEN, context=_CTX)
    return rounded.copy_abs() if rounded == 0 else rounded
