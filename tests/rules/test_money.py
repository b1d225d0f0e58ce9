"""Money as Decimal yuan / integer fen (RELIABILITY R28, U15, U16)."""

from __future__ import annotations

import decimal
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.rules.money import (
    MAX_YUAN,
    MoneyError,
    from_fen,
    parse_money,
    parse_money_cell,
    quantize_yuan,
    to_fen,
)

D = Decimal


def _code(value: object, **kw: bool) -> str:
    with pytest.raises(MoneyError) as info:
        parse_money(value, **kw)
    return info.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,234.50", "1234.50"),
        ("￥1234.5", "1234.50"),
        ("¥1234.5", "1234.50"),
        ("¥ 12", "12.00"),
        ("1234", "1234.00"),
        ("１２３４．５", "1234.50"),
        ("１，２３４．５０", "1234.50"),
        ("  750  ", "750.00"),
        ("\u3000750\u00a0", "750.00"),
        ("7\u200b50", "750.00"),
        ("0", "0.00"),
        ("0.5", "0.50"),
        ("12.500", "12.50"),  # trailing zeros lose nothing
        ("1234.550", "1234.55"),
        ("1,234,567.89", "1234567.89"),
        ("12.50元", "12.50"),
        ("RMB 12", "12.00"),
        ("+12", "12.00"),
        ("007", "7.00"),
        ("-0", "0.00"),
        (D("12.5"), "12.50"),
        (D("1E+3"), "1000.00"),  # a Decimal value is exact whatever its exponent
        (D("12.500"), "12.50"),
        (12, "12.00"),
        (0, "0.00"),
    ],
)
def test_accepted(raw: object, expected: str) -> None:
    result = parse_money(raw)
    assert result == D(expected)
    assert str(result) == expected  # always exactly two decimals


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1234.555", "precision"),
        ("0.001", "precision"),
        (D("1.001"), "precision"),
        ("-100", "negative"),
        ("-¥100", "negative"),
        ("¥-100", "negative"),
        ("−100", "negative"),  # U+2212 minus sign
        (-1, "negative"),
        (D("-0.01"), "negative"),
        ("NaN", "non_finite"),
        ("nan", "non_finite"),
        ("Infinity", "non_finite"),
        ("-inf", "non_finite"),
        ("sNaN", "non_finite"),
        (D("NaN"), "non_finite"),
        (D("Infinity"), "non_finite"),
        ("1e3", "exponent"),
        ("1E+3", "exponent"),
        ("1.5e2", "exponent"),
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000", "empty"),
        ("1,2", "format"),  # maybe a decimal comma: never guess
        ("1,23", "format"),
        ("12,34.5", "format"),
        ("1,234,56", "format"),
        (".5", "format"),
        ("5.", "format"),
        ("¥", "format"),
        ("--1", "format"),
        ("-¥-1", "format"),
        ("(100)", "format"),
        ("12 元 5", "format"),
        ("abc", "format"),
        ("0x10", "format"),
        ("1_000", "format"),
        ("1" * 16, "too_large"),
        (10**15, "too_large"),
        (D("1E+15"), "too_large"),
        (1.5, "float"),
        (0.0, "float"),
        (float("nan"), "float"),
        (True, "type"),
        (False, "type"),
        (None, "type"),
        (b"12", "type"),
        ([12], "type"),
    ],
)
def test_rejected(raw: object, code: str) -> None:
    assert _code(raw) == code


def test_float_message() -> None:
    with pytest.raises(MoneyError) as info:
        parse_money(0.1)
    assert str(info.value) == "金额须以字符串或定点数表示，不能是浮点数"
    assert info.value.message_en


def test_negative_allowed_when_asked() -> None:
    assert parse_money("-100", allow_negative=True) == D("-100.00")
    assert parse_money("-¥1,234.5", allow_negative=True) == D("-1234.50")
    assert parse_money(-3, allow_negative=True) == D("-3.00")
    assert str(parse_money("-0.00", allow_negative=True)) == "0.00"


def test_huge_input_is_cheap_and_rejected() -> None:
    assert _code("1." + "1" * 100_000) == "precision"
    assert _code("1" * 100_000) == "too_large"


def test_result_does_not_depend_on_the_callers_decimal_context() -> None:
    with decimal.localcontext() as ctx:
        ctx.prec = 3
        ctx.traps[decimal.Inexact] = True
        assert parse_money("123456789.12") == D("123456789.12")
        assert to_fen(D("123456789.12")) == 12345678912
        assert from_fen(12345678912) == D("123456789.12")
        assert quantize_yuan(D("123456789.50"), "HALF_UP") == D("123456790.00")


def test_error_pickles() -> None:
    with pytest.raises(MoneyError) as info:
        parse_money("1e3")
    clone = pickle.loads(pickle.dumps(info.value))
    assert clone.code == "exponent" and str(clone) == str(info.value)


# --------------------------------------------------------------------------- cells (U16)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1234.5, "1234.50"),
        (0.3, "0.30"),
        (750.0, "750.00"),
        (12, "12.00"),
        ("1,234.50", "1234.50"),
        (D("1.1"), "1.10"),
    ],
)
def test_cell_accepted(cell: object, expected: str) -> None:
    assert parse_money_cell(cell) == D(expected)


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        (0.1 + 0.2, "precision"),  # 0.30000000000000004
        (1234.555, "precision"),
        (float("nan"), "non_finite"),
        (float("inf"), "non_finite"),
        (-5.0, "negative"),
        (1e16, "too_large"),
        (True, "type"),
        (None, "type"),
    ],
)
def test_cell_rejected(cell: object, code: str) -> None:
    with pytest.raises(MoneyError) as info:
        parse_money_cell(cell)
    assert info.value.code == code


def test_cell_negative_allowed() -> None:
    assert parse_money_cell(-5.25, allow_negative=True) == D("-5.25")


@given(st.integers(min_value=0, max_value=10**12))
def test_cell_floats_with_two_decimals_are_exact(fen: int) -> None:
    # What a user types as "x.yz" arrives from openpyxl as the nearest float.
    typed = from_fen(fen)
    assert parse_money_cell(float(str(typed))) == typed


# --------------------------------------------------------------------------- fen


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        (D("12.34"), 1234),
        (D("0"), 0),
        (D("0.01"), 1),
        (D("750"), 75000),
        (D("-1.5"), -150),
        (D("12.340"), 1234),
    ],
)
def test_to_fen(yuan: Decimal, fen: int) -> None:
    assert to_fen(yuan) == fen


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (D("0.001"), "precision"),
        (D("NaN"), "non_finite"),
        (1.5, "float"),
        (12, "type"),
        (True, "type"),
        ("12", "type"),
        (D("1E+20"), "too_large"),
    ],
)
def test_to_fen_rejects(bad: object, code: str) -> None:
    with pytest.raises(MoneyError) as info:
        to_fen(bad)  # type: ignore[arg-type]
    assert info.value.code == code


def test_from_fen() -> None:
    assert str(from_fen(1234)) == "12.34"
    assert str(from_fen(0)) == "0.00"
    assert str(from_fen(-5)) == "-0.05"
    assert str(from_fen(100)) == "1.00"
    for bad in (1.0, True, "1", D(1)):
        with pytest.raises(MoneyError):
            from_fen(bad)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        from_fen(10**17)


FEN_RANGE = st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1)


@given(FEN_RANGE)
def test_fen_round_trip(fen: int) -> None:
    yuan = from_fen(fen)
    assert yuan.as_tuple().exponent == -2
    assert to_fen(yuan) == fen


@given(
    st.decimals(
        min_value=-MAX_YUAN + D("0.01"),
        max_value=MAX_YUAN - D("0.01"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_yuan_round_trip_and_text_forms(d: Decimal) -> None:
    assert from_fen(to_fen(d)) == d
    assert parse_money(str(d), allow_negative=True) == d
    assert parse_money(f"{d:,.2f}", allow_negative=True) == d  # thousands separators
    assert parse_money(f"¥{d:.2f}", allow_negative=True) == d


@given(st.one_of(st.text(), st.integers(), st.decimals(), st.floats()))
def test_parse_money_is_idempotent(value: object) -> None:
    try:
        once = parse_money(value, allow_negative=True)
    except MoneyError:
        return
    assert parse_money(once, allow_negative=True) == once
    assert parse_money(str(once), allow_negative=True) == once
    assert once.as_tuple().exponent == -2


@given(st.floats(allow_nan=True, allow_infinity=True), st.booleans())
def test_parse_money_never_accepts_a_float(value: float, allow_negative: bool) -> None:
    with pytest.raises(MoneyError) as info:
        parse_money(value, allow_negative=allow_negative)
    assert info.value.code == "float"


@given(st.text())
def test_arbitrary_text_never_crashes(s: str) -> None:
    try:
        result = parse_money(s)
    except MoneyError:
        return
    assert result >= 0 and result.as_tuple().exponent == -2


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("amount", "mode", "unit", "expected"),
    [
        ("750.50", "HALF_UP", "yuan", "751.00"),
        ("750.49", "half_up", "yuan", "750.00"),
        ("750.50", "ROUND_HALF_UP", "yuan", "751.00"),
        ("750.50", "HALF_EVEN", "yuan", "750.00"),
        ("751.50", "half_even", "yuan", "752.00"),
        ("750.01", "UP", "yuan", "751.00"),
        ("750.01", "CEILING", "yuan", "751.00"),
        ("750.99", "DOWN", "yuan", "750.00"),
        ("750.99", "FLOOR", "yuan", "750.00"),
        ("-0.4", "HALF_UP", "yuan", "0.00"),
        ("-750.5", "HALF_UP", "yuan", "-751.00"),
        ("1.005", "HALF_UP", "fen", "1.01"),
        ("1.005", "HALF_EVEN", "fen", "1.00"),
        ("1.004999", "HALF_UP", "fen", "1.00"),
        ("734.615", "HALF_UP", "fen", "734.62"),
        ("12", "HALF_UP", "yuan", "12.00"),
    ],
)
def test_quantize_yuan(amount: str, mode: str, unit: str, expected: str) -> None:
    result = quantize_yuan(D(amount), mode, unit=unit)  # type: ignore[arg-type]
    assert str(result) == expected


def test_quantize_yuan_rejects() -> None:
    with pytest.raises(MoneyError) as info:
        quantize_yuan(D("1"), "BANKERS")
    assert info.value.code == "rounding_mode"
    with pytest.raises(MoneyError):
        quantize_yuan(D("1"), "05UP")
    with pytest.raises(MoneyError):
        quantize_yuan(1.5, "HALF_UP")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        quantize_yuan(D("NaN"), "HALF_UP")
    with pytest.raises(ValueError):
        quantize_yuan(D("1"), "HALF_UP", unit="jiao")  # type: ignore[arg-type]


@given(
    st.decimals(
        min_value=-(10**9), max_value=10**9, places=6, allow_nan=False, allow_infinity=False
    ),
    st.sampled_from(["HALF_UP", "HALF_EVEN", "UP", "DOWN", "CEILING", "FLOOR"]),
)
def test_quantize_yuan_result_is_whole_and_close(d: Decimal, mode: str) -> None:
    result = quantize_yuan(d, mode)
    assert result == result.to_integral_value()
    assert abs(result - d) < 1
    assert to_fen(result) % 100 == 0
