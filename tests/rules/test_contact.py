"""Mainland mobile numbers (RELIABILITY U19, U20)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.rules.contact import ContactError, is_valid_mobile, normalise_mobile


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+86 138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "008613800138000",
        "8613800138000",
        "(+86) 138 0013 8000",
        "138–0013–8000",  # en dash from Word
        "１３８００１３８０００",
        "＋８６　１３８００１３８０００",
        "\u00a013800138000\u200b",
        "138 0013 8000\n",
    ],
)
def test_normalised(raw: str) -> None:
    assert normalise_mobile(raw) == "13800138000"
    assert is_valid_mobile(raw)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-", "empty"),
        ("1380013800", "length"),  # 10 digits
        ("138001380001", "length"),  # 12 digits
        ("23800138000", "prefix"),
        ("12800138000", "prefix"),
        ("10086000000", "prefix"),
        ("+1 415 555 0100", "prefix"),
        ("13800138000.0", "format"),  # a spreadsheet float
        ("1.3800138E+10", "format"),
        ("138O0138000", "format"),  # letter O
        ("0791-88888888", "length"),  # a landline
        ("0791-8888888", "prefix"),  # an 11-digit landline
        ("+86 0791 8888 8888", "length"),
    ],
)
def test_rejected(raw: str, code: str) -> None:
    with pytest.raises(ContactError) as info:
        normalise_mobile(raw)
    assert info.value.code == code
    assert info.value.message_zh and info.value.message_en
    assert raw.strip() == "" or raw not in str(info.value)
    assert not is_valid_mobile(raw)


@pytest.mark.parametrize("raw", [13800138000, 13800138000.0, None])
def test_non_text_rejected(raw: object) -> None:
    with pytest.raises(ContactError) as info:
        normalise_mobile(raw)  # type: ignore[arg-type]
    assert info.value.code == "format"


def test_error_is_value_error() -> None:
    with pytest.raises(ValueError):
        normalise_mobile("23800138000")


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(MOBILES, st.sampled_from(["{}", "+86{}", "+86 {}", "0086{}", "86{}", " {} "]))
def test_decorations_round_trip_and_idempotent(mobile: str, template: str) -> None:
    out = normalise_mobile(template.format(mobile))
    assert out == mobile
    assert normalise_mobile(out) == out


@given(st.text())
def test_arbitrary_text_never_crashes(s: str) -> None:
    try:
        out = normalise_mobile(s)
    except ContactError:
        return
    assert len(out) == 11 and out.isdigit() and out[0] == "1"
