"""The identifier scanner (jiuzhu.pii.scan): in clear, rebuilt from a page, narrowed by an age."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.pii.masking import mask_certificate_number, mask_date, mask_id_number
from jiuzhu.pii.scan import (
    Fragment,
    candidates_for_age,
    find_id_numbers,
    find_legacy_id_numbers,
    find_mobiles,
    fragments,
    rebuild,
    scan_bytes,
    scan_file,
)
from jiuzhu.rules.identity import age_on, check_char

ID = "360124198001010011"
REGISTRY = {ID, "360730195607150023", "11010519491231002X"}
ON = dt.date(2026, 11, 15)


def _registry(n: str) -> bool:
    return n in REGISTRY


def test_ids_in_clear_also_inside_longer_runs() -> None:
    assert find_id_numbers(f"证号 {ID}12 与 11010519491231002x") == [ID, "11010519491231002X"]
    assert find_id_numbers("360124198001010012") == []  # wrong check character
    assert find_id_numbers("36012419800101001") == []  # 17 digits
    assert find_legacy_id_numbers("旧号 360102800101001。") == ["360102198001010013"]


def test_mobiles_in_clear() -> None:
    assert find_mobiles("电话 13800138000，138****8000，0791-88888888，113800138000，ab13800138000") == ["13800138000"]


def test_fragments() -> None:
    text = f"{mask_id_number(ID)} 残疾证 {mask_certificate_number(ID + '12')} 电话 138****8000"
    assert fragments(text) == [Fragment("360124", 8, "0011")]


@pytest.mark.parametrize("shown", ["1980-01-01", "1980/1/1", "1980年1月1日", "19800101", "生日 1月1日，1980年生",
                                   "46周岁，生日1月1日"])
def test_a_birth_date_beside_a_masked_id_rebuilds_it(shown: str) -> None:
    page = f"<td>{mask_id_number(ID)}</td><td>{shown}</td>"
    assert rebuild(page, _registry, on=ON) == {ID}


@pytest.mark.parametrize("shown", ["46周岁", mask_date("1980-01-01"), "1980-**-** 46周岁", "男"])
def test_age_or_a_masked_date_beside_it_does_not(shown: str) -> None:
    page = f"<td>{mask_id_number(ID)}</td><td>{shown}</td>"
    assert rebuild(page, _registry, on=ON) == set()


def test_a_candidate_that_is_nobodys_number_is_no_leak() -> None:
    page = f"{mask_id_number(ID)} 1975-05-05"
    assert rebuild(page, _registry, on=ON) == set()


def test_an_age_leaves_dozens_of_candidates() -> None:
    frag = fragments(mask_id_number(ID))[0]
    n = candidates_for_age(frag, age_on(dt.date(1980, 1, 1), ON), ON)
    assert 15 <= n <= 60  # 365 or 366 birth dates, about one in eleven passes the check character


def test_scan_bytes_finds_utf8_and_utf16(tmp_path: object) -> None:
    blob = b"\x00\x01" + ID.encode() + b"xx" + "11010519491231002X".encode("utf-16-le") + b"\x00"
    assert set(scan_bytes(blob)) == {ID, "11010519491231002X"}
    assert scan_bytes(mask_id_number(ID).encode()) == []


def test_scan_file_across_chunk_borders(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import jiuzhu.pii.scan as scan

    monkeypatch.setattr(scan, "_CHUNK", 64)
    path = tmp_path / "db.bin"  # type: ignore[operator]
    path.write_bytes(b"a" * 55 + ID.encode() + b"b" * 100)
    assert scan_file(str(path)) == [ID]


@settings(max_examples=200)
@given(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)), st.integers(0, 999))
def test_every_full_date_format_rebuilds(birth: dt.date, seq: int) -> None:
    body = f"360124{birth:%Y%m%d}{seq:03d}"
    number = body + check_char(body)
    masked = mask_id_number(number)
    for shown in (birth.isoformat(), f"{birth.year}年{birth.month}月{birth.day}日", f"{birth:%Y%m%d}"):
        assert rebuild(f"{masked} {shown}", {number}.__contains__, on=ON) == {number}
    assert rebuild(f"{masked} {mask_date(birth)}", {number}.__contains__, on=ON) == set()
