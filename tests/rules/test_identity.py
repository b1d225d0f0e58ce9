"""ID numbers (GB 11643-1999): docs/policy-notes.md §6, RELIABILITY R29, U1–U6."""

from __future__ import annotations

import pickle
import random
from datetime import date, timedelta
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.rules.identity import (
    MAX_AGE_YEARS,
    PROVINCE_PREFIXES,
    IdNumber,
    IdNumberError,
    age_on,
    check_char,
    is_valid_id_number,
    normalise_id_number,
    parse_id_number,
)

TODAY = date(2025, 6, 1)
CHECK_ALPHABET = "0123456789X"


def _with_check(first17: str) -> str:
    return first17 + check_char(first17)


# --------------------------------------------------------------------------- vectors


@pytest.mark.parametrize(
    ("raw", "birth", "sex", "region"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F", "110105"),  # the standard's example
        ("34052419800101001X", date(1980, 1, 1), "M", "340524"),
        ("360102198001010013", date(1980, 1, 1), "M", "360102"),
        ("360730195607150023", date(1956, 7, 15), "F", "360730"),
    ],
)
def test_policy_vectors(raw: str, birth: date, sex: Literal["M", "F"], region: str) -> None:
    parsed = parse_id_number(raw, today=TODAY)
    assert parsed == IdNumber(
        value=raw, upgraded_from_15=False, birth_date=birth, sex=sex, region_code=region
    )
    assert is_valid_id_number(raw, today=TODAY)
    assert normalise_id_number(raw, today=TODAY) == raw


def test_check_char_matches_vectors() -> None:
    assert check_char("11010519491231002") == "X"
    assert check_char("36010219800101001") == "3"
    assert check_char("36073019560715002") == "3"


@pytest.mark.parametrize("bad", ["", "1234", "1101051949123100", "11010519491231002X0", "a" * 17])
def test_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError):
        check_char(bad)


def test_check_char_rejects_non_ascii_digits() -> None:
    with pytest.raises(ValueError):
        check_char("１" * 17)  # full-width: str.isdigit() is True, but not for arithmetic here


def test_fifteen_digit_upgrade() -> None:
    parsed = parse_id_number("360102800101001", today=TODAY)
    assert parsed.value == "360102198001010013"
    assert parsed.upgraded_from_15 is True
    assert parsed.birth_date == date(1980, 1, 1)
    assert parsed.sex == "M"
    assert parsed.region_code == "360102"


def test_retired_region_code_is_accepted() -> None:
    # 360782 南康市 became 南康区 (360703) in 2013; people keep their numbers.
    assert check_char("36078219800101001") == "8"
    parsed = parse_id_number("360782198001010018", today=TODAY)
    assert parsed.region_code == "360782"
    assert not is_valid_id_number("360782198001010011", today=TODAY)  # wrong check char


def test_unknown_county_code_in_valid_province_is_accepted() -> None:
    # Only the province prefix is checked here; the historical table is the caller's job.
    value = _with_check("36999919800101001")
    assert parse_id_number(value, today=TODAY).region_code == "369999"


# --------------------------------------------------------------------------- U3 normalisation


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 11010519491231002X ",
        "\u300011010519491231002X\u3000",
        "\u00a011010519491231002X",
        "110105\u200b19491231002X",
        "\ufeff11010519491231002X",
        "110105 19491231 002X",
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２ｘ",
        "110105\u200c1949\u200d1231\u2060002x",
        "11010519491231002X\n",
    ],
)
def test_cosmetic_noise_is_normalised(raw: str) -> None:
    assert normalise_id_number(raw, today=TODAY) == "11010519491231002X"


# --------------------------------------------------------------------------- rejections


def _code(raw: object) -> str:
    with pytest.raises(IdNumberError) as info:
        parse_id_number(raw, today=TODAY)  # type: ignore[arg-type]
    return info.value.code


@pytest.mark.parametrize(
    "raw",
    [
        "1.10101199003071E+17",
        "1.10101199003071e+17",
        "110101199003071233.0",
        "360102198001010013.0",
        "1.10101E+17",
        "1.1E17",
        "3.60102198001010E+17",
    ],
)
def test_numeric_looking_values_are_rejected_as_format(raw: str) -> None:
    with pytest.raises(IdNumberError) as info:
        parse_id_number(raw, today=TODAY)
    assert info.value.code == "format"
    assert str(info.value) == "身份证号须为文本格式（18位）"


@pytest.mark.parametrize("raw", [110105194912310020, 1.1010519491231002e17])
def test_non_text_input_is_rejected_as_format(raw: object) -> None:
    assert _code(raw) == "format"


@pytest.mark.parametrize("raw", ["", "   ", "\u3000", "\u200b"])
def test_empty(raw: str) -> None:
    assert _code(raw) == "empty"


@pytest.mark.parametrize(
    "raw",
    [
        "1101051949123100",  # 16
        "11010519491231002XX",
        "X1010519491231002X",
        "1101051949123100X2",
        "11010519491231002Y",
        "110105-19491231-002X",
        "3601028001010",
    ],
)
def test_wrong_shape(raw: str) -> None:
    assert _code(raw) == "format"


def test_wrong_check_character() -> None:
    with pytest.raises(IdNumberError) as info:
        parse_id_number("110105194912310021", today=TODAY)
    err = info.value
    assert (err.code, err.message_zh, err.message_en) == (
        "check_char",
        "身份证号校验码错误",
        "Wrong check character",
    )
    assert str(err) == "身份证号校验码错误"


@pytest.mark.parametrize(
    "prefix", ["00", "10", "16", "20", "24", "30", "38", "47", "55", "66", "83", "99"]
)
def test_bad_province_prefix(prefix: str) -> None:
    assert _code(_with_check(prefix + "010219800101001")) == "province"


def test_province_prefixes_are_exactly_the_policy_list() -> None:
    expected = {
        str(n)
        for lo, hi in [(11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65)]
        for n in range(lo, hi + 1)
    }
    assert PROVINCE_PREFIXES == expected | {"71", "81", "82"}
    assert len(PROVINCE_PREFIXES) == 34


@pytest.mark.parametrize(
    "birth", ["19900230", "19900001", "19901301", "19000229", "20230229", "19800100"]
)
def test_impossible_birth_date(birth: str) -> None:
    assert _code(_with_check("360102" + birth + "001")) == "birth_date"


def test_future_birth_date() -> None:
    assert _code(_with_check("360102" + "20250602" + "001")) == "future"
    # born today is fine
    assert parse_id_number(_with_check("36010220250601001"), today=TODAY).birth_date == TODAY


def test_too_old() -> None:
    assert _code(_with_check("360102" + "18500101" + "001")) == "too_old"
    # exactly 120 years is still accepted, one day more is not
    assert is_valid_id_number(_with_check("36010219050601001"), today=TODAY)
    assert _code(_with_check("36010219050531001")) == "too_old"


def test_too_old_boundary_on_leap_day() -> None:
    leap_today = date(2020, 2, 29)  # 1900-02-29 does not exist: cut-off falls back to Feb 28
    assert is_valid_id_number(_with_check("36010219000228001"), today=leap_today)
    assert not is_valid_id_number(_with_check("36010219000227001"), today=leap_today)


def test_default_today_is_used() -> None:
    assert is_valid_id_number("360102198001010013")
    tomorrow = date.today() + timedelta(days=1)
    assert not is_valid_id_number(_with_check("360102" + tomorrow.strftime("%Y%m%d") + "001"))


def test_fifteen_digit_with_bad_date_or_too_old() -> None:
    assert _code("360102800230001") == "birth_date"
    assert _code("360102010101001") == "too_old"  # 1901


def test_check_order_follows_policy_checklist() -> None:
    # Bad province and a wrong check character: the province is reported first.
    assert _code("990102198001010010") == "province"
    # Bad date and a wrong check character: the date is reported first.
    assert _code("360102199002300010") == "birth_date"


def test_error_messages_never_contain_the_number() -> None:
    for raw in [
        "110105194912310021",
        "990102198001010013",
        "360102199002300010",
        "1.10101199003071E+17",
    ]:
        with pytest.raises(IdNumberError) as info:
            parse_id_number(raw, today=TODAY)
        err = info.value
        for text in (str(err), repr(err), err.message_en, err.message_zh):
            assert raw not in text
            assert "1980" not in text and "1990" not in text


def test_error_is_a_value_error_and_pickles() -> None:
    with pytest.raises(ValueError):
        parse_id_number("110105194912310021", today=TODAY)
    err = IdNumberError("check_char", "身份证号校验码错误", "Wrong check character")
    clone = pickle.loads(pickle.dumps(err))
    assert (clone.code, clone.message_zh, clone.message_en) == (
        "check_char",
        err.message_zh,
        err.message_en,
    )


def test_result_is_frozen() -> None:
    parsed = parse_id_number("360102198001010013", today=TODAY)
    with pytest.raises(AttributeError):
        parsed.value = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- age


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1980, 1, 1), date(1980, 1, 1), 0),
        (date(1980, 6, 15), date(2040, 6, 14), 59),
        (date(1980, 6, 15), date(2040, 6, 15), 60),  # 周岁: N on the Nth birthday
        (date(1980, 6, 15), date(2040, 6, 16), 60),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),  # leap year: on the day
        (date(2008, 2, 29), date(2025, 2, 28), 16),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2025, 3, 1), 17),
        (date(2004, 2, 29), date(2020, 2, 28), 15),
        (date(2004, 2, 29), date(2021, 2, 28), 16),
        (date(2004, 2, 29), date(2021, 3, 1), 17),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_on_feb29_turns_n_on_march_1_in_non_leap_years() -> None:
    birth = date(1964, 2, 29)
    assert age_on(birth, date(2025, 2, 28)) == 60
    assert age_on(birth, date(2025, 3, 1)) == 61


def test_age_on_before_birth_raises() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    delta=st.integers(min_value=0, max_value=50_000),
)
def test_age_on_is_monotonic_and_bounded(birth: date, delta: int) -> None:
    on = birth + timedelta(days=delta)
    age = age_on(birth, on)
    assert age >= 0
    assert age <= age_on(birth, on + timedelta(days=1)) <= age + 1
    # every year has 365 or 366 days
    assert delta // 366 <= age <= delta // 365


# --------------------------------------------------------------------------- properties

SORTED_PREFIXES = sorted(PROVINCE_PREFIXES)
OLDEST = date(TODAY.year - MAX_AGE_YEARS, TODAY.month, TODAY.day)


@st.composite
def valid_ids(draw: st.DrawFn) -> tuple[str, date]:
    prefix = draw(st.sampled_from(SORTED_PREFIXES))
    county = draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    birth = draw(st.dates(min_value=OLDEST, max_value=TODAY))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    return _with_check(prefix + county + birth.strftime("%Y%m%d") + seq), birth


@given(valid_ids())
def test_every_generated_valid_id_parses_and_round_trips(case: tuple[str, date]) -> None:
    value, birth = case
    parsed = parse_id_number(value, today=TODAY)
    assert parsed.value == value
    assert parsed.birth_date == birth
    assert parsed.region_code == value[:6]
    assert parsed.sex == ("M" if int(value[16]) % 2 else "F")
    assert parsed.upgraded_from_15 is False
    assert normalise_id_number(parsed.value, today=TODAY) == parsed.value


@given(valid_ids(), st.data())
def test_decorated_ids_normalise_to_the_same_value(
    case: tuple[str, date], data: st.DataObject
) -> None:
    value, _ = case
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in value)
    noisy = data.draw(
        st.sampled_from(
            [value.lower(), full_width, f" {value}\u3000", value[:6] + "\u200b" + value[6:]]
        )
    )
    assert normalise_id_number(noisy, today=TODAY) == value
    # the normaliser is idempotent
    assert normalise_id_number(normalise_id_number(noisy, today=TODAY), today=TODAY) == value


@given(valid_ids(), st.integers(min_value=0, max_value=17), st.sampled_from(CHECK_ALPHABET))
def test_every_single_character_change_fails(case: tuple[str, date], pos: int, new: str) -> None:
    value, _ = case
    if new == value[pos]:
        new = CHECK_ALPHABET[(CHECK_ALPHABET.index(new) + 1) % (11 if pos == 17 else 10)]
    changed = value[:pos] + new + value[pos + 1 :]
    assert changed != value
    assert not is_valid_id_number(changed, today=TODAY)


@given(valid_ids(), st.integers(min_value=0, max_value=16))
def test_every_adjacent_transposition_fails(case: tuple[str, date], pos: int) -> None:
    value, _ = case
    a, b = value[pos], value[pos + 1]
    if a == b:
        return
    swapped = value[:pos] + b + a + value[pos + 2 :]
    assert not is_valid_id_number(swapped, today=TODAY)


def test_single_changes_and_transpositions_exhaustively() -> None:
    # R29's exhaustive check, deterministic: every substitution and every adjacent swap of
    # distinct characters, for a few hundred random valid IDs.
    rng = random.Random(11643)
    span = (TODAY - OLDEST).days
    substitutions = transpositions = 0
    for _ in range(300):
        birth = OLDEST + timedelta(days=rng.randrange(span + 1))
        first17 = (
            rng.choice(SORTED_PREFIXES)
            + f"{rng.randrange(10_000):04d}"
            + birth.strftime("%Y%m%d")
            + f"{rng.randrange(1000):03d}"
        )
        value = _with_check(first17)
        assert is_valid_id_number(value, today=TODAY)
        for pos in range(18):
            for new in CHECK_ALPHABET if pos == 17 else CHECK_ALPHABET[:10]:
                if new != value[pos]:
                    substitutions += 1
                    assert not is_valid_id_number(value[:pos] + new + value[pos + 1 :], today=TODAY)
        for pos in range(17):
            a, b = value[pos], value[pos + 1]
            if a != b:
                transpositions += 1
                assert not is_valid_id_number(value[:pos] + b + a + value[pos + 2 :], today=TODAY)
    assert substitutions > 45_000 and transpositions > 4_000


@given(
    prefix=st.sampled_from(SORTED_PREFIXES),
    county=st.from_regex(r"[0-9]{4}", fullmatch=True),
    birth=st.dates(min_value=date(1906, 1, 1), max_value=date(1999, 12, 31)),
    seq=st.from_regex(r"[0-9]{3}", fullmatch=True),
)
def test_fifteen_digit_numbers_upgrade(prefix: str, county: str, birth: date, seq: str) -> None:
    legacy = prefix + county + birth.strftime("%y%m%d") + seq
    parsed = parse_id_number(legacy, today=TODAY)
    assert parsed.upgraded_from_15
    assert parsed.value == _with_check(prefix + county + birth.strftime("%Y%m%d") + seq)
    assert parsed.birth_date == birth
    # the upgraded value is itself a valid, non-upgraded 18-digit number
    again = parse_id_number(parsed.value, today=TODAY)
    assert again.value == parsed.value and not again.upgraded_from_15


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_never_crashes(raw: str) -> None:
    try:
        parsed = parse_id_number(raw, today=TODAY)
    except IdNumberError as err:
        assert err.code in {
            "empty",
            "format",
            "province",
            "birth_date",
            "future",
            "too_old",
            "check_char",
        }
    else:
        assert len(parsed.value) == 18
