"""Receipt numbers of online applications (jiuzhu.rules.receipt)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.rules.identity import check_char as id_check_char
from jiuzhu.rules.receipt import check_char, format_receipt, parse_receipt

YEARS = st.integers(2000, 2099)
SEQS = st.integers(1, 9_999_999)


def test_same_check_as_gb_11643() -> None:
    for first17 in ("11010519491231002", "34052419800101001", "36010219800101001", "36073019560715002"):
        assert check_char(first17) == id_check_char(first17)


def test_format_and_forgiving_parse() -> None:
    receipt = format_receipt(2026, 123)
    assert receipt.startswith("SQ-2026-000123-") and len(receipt) == 16
    for typed in (receipt, receipt.lower(), receipt.replace("-", ""), f"  {receipt.replace('-', ' ')} ",
                  "ＳＱ－２０２６－０００１２３－" + receipt[-1]):
        assert parse_receipt(typed) == (2026, 123), typed
    assert format_receipt(2027, 1_234_567).startswith("SQ-2027-1234567-")
    for bad in ("", "SQ-2026-000123", "AB-2026-000123-1", "SQ-26-000123-1", "SQ-2026-000000-" + check_char("2026000000"),
                "SQ-2026-00012-" + check_char("202600012")):
        assert parse_receipt(bad) is None, bad
    with pytest.raises(ValueError):
        format_receipt(2026, 0)


@given(YEARS, SEQS)
def test_round_trip(year: int, seq: int) -> None:
    assert parse_receipt(format_receipt(year, seq)) == (year, seq)


@given(YEARS, SEQS, st.data())
def test_every_single_digit_change_is_caught(year: int, seq: int, data: st.DataObject) -> None:
    receipt = format_receipt(year, seq)
    digits = [i for i, ch in enumerate(receipt[:-1]) if ch.isdigit()]
    i = data.draw(st.sampled_from(digits))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != receipt[i]]))
    assert parse_receipt(receipt[:i] + new + receipt[i + 1:]) is None


@given(YEARS, SEQS, st.data())
def test_every_swap_of_neighbouring_digits_is_caught(year: int, seq: int, data: st.DataObject) -> None:
    body = f"{year:04d}{seq:06d}"
    pairs = [i for i in range(len(body) - 1) if body[i] != body[i + 1]]
    if not pairs:
        return
    i = data.draw(st.sampled_from(pairs))
    swapped = body[:i] + body[i + 1] + body[i] + body[i + 2:]
    assert parse_receipt(f"SQ{swapped}{check_char(body)}") is None
