"""Default masks (RELIABILITY R13)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.pii.masking import mask_bank_account, mask_id_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("360102198001010013", "360102********0013"),
        ("110101199003071233", "110101********1233"),
        ("11010519491231002x", "110105********002X"),
        (" 360102 19800101 0013 ", "360102********0013"),
        ("３６０１０２１９８００１０１００１３", "360102********0013"),
        ("360102800101001", "36***********01"),  # 15-digit legacy: generic rule
        ("1.10101199003071E+17", "1.****************17"),
        ("12345678", "12****78"),
        ("1234567", "*******"),  # would hide fewer than 4: hide all
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13800138000", "138****8000"),
        ("+86 138-0013-8000", "138****8000"),
        ("0086 13800138000", "138****8000"),
        ("1380013800", "13******00"),  # invalid: generic rule
        ("0791-88888888", "07*********88"),
        ("12345", "*****"),
        ("", ""),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张*丰"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "*"),
        ("", ""),
        (" 张三 ", "张*"),
        ("𠀀明", "𠀀*"),  # Extension B counts as one character
        ("张𠀀明", "张*明"),
        ("阿依古丽·买买提", "阿******提"),
        ("阿依古丽・买买提", "阿******提"),
    ],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("6222021234567890123", "6222***********0123"),
        ("6222 0212 3456 7890", "6222********7890"),
        ("6222-0212-3456-7890", "6222********7890"),
        ("622202123456", "6222****3456"),
        ("62220212345", "***********"),
        ("", ""),
    ],
)
def test_mask_bank_account(raw: str, masked: str) -> None:
    assert mask_bank_account(raw) == masked


@given(
    st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    st.dates().map(lambda d: f"{d.year:04d}{d.month:02d}{d.day:02d}"),
    st.from_regex(r"[0-9]{3}[0-9X]", fullmatch=True),
)
def test_id_mask_hides_the_birth_date(region: str, birth: str, tail: str) -> None:
    value = region + birth + tail
    masked = mask_id_number(value)
    assert len(masked) == 18
    assert masked == region + "*" * 8 + tail[-4:]
    assert birth not in masked


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_phone_mask_hides_the_middle_four(mobile: str) -> None:
    assert mask_phone(mobile) == mobile[:3] + "****" + mobile[7:]


@given(st.text())
def test_masks_never_raise_and_never_return_long_unmasked_runs(s: str) -> None:
    for mask in (mask_id_number, mask_phone, mask_bank_account):
        out = mask(s)
        assert "*" in out or out == ""
    name = mask_name(s)
    assert name == "" or "*" in name


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        # 残疾人证号 = ID number + type digit + grade digit: the ID part as mask_id_number masks it.
        ("36012419800101001112", "360124********0011**"),
        ("3601241980010100111 2", "360124********0011**"),
        ("36012419800101002X12", "360124********002X**"),
        ("CJ2024-000123", "CJ*********23"),  # not built on an ID number: generic rule
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_certificate_number(raw: str, masked: str) -> None:
    from jiuzhu.pii.masking import mask_certificate_number

    assert mask_certificate_number(raw) == masked


def test_masked_certificate_reveals_nothing_the_masked_id_hides() -> None:
    from jiuzhu.pii.masking import mask_certificate_number

    number = "360124198001010011"
    assert mask_certificate_number(number + "12").startswith(mask_id_number(number))
    assert "19800101" not in mask_certificate_number(number + "12")


def test_mask_date() -> None:
    import datetime as dt

    from jiuzhu.pii.masking import mask_date

    assert mask_date(dt.date(1956, 7, 15)) == "1956-**-**"
    assert mask_date("1956-07-15") == "1956-**-**"
    assert mask_date(None) == "" and mask_date("") == ""
    assert mask_date("15/07/1956") == "**********"
