"""Row validation: RELIABILITY U1–U7, U15–U21, U25 and the row-error contents of R23.

Expectations are the catalogue's: which code, on which row and column, and what the
stored (canonical) value is.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from exchange_helpers import ID_15, ID_A, ID_B, ID_C, TODAY, csv_bytes, jsonl_bytes, xlsx_bytes

from jiuzhu.engine.exchange import (
    RawRow,
    RowError,
    SqliteKeyTracker,
    ValidationOutcome,
    Validator,
    ValidRow,
    mask_value,
    validate_file,
)
from jiuzhu.rules.exchange import get_source

DEATHS = get_source("health_deaths")
MED = get_source("medical_insurance_settlements")
WORKERS = get_source("trade_union_difficult_workers")
DISABLED = get_source("disabled_certificates")
ESTATE = get_source("natural_resources_real_estate")


def check(source, values: dict[str, object], *, spreadsheet: bool = False, region_ok=None):
    v = Validator(source, today=TODAY, spreadsheet=spreadsheet, region_ok=region_ok)
    return v.check(RawRow("S", 2, values))


def codes(result) -> list[tuple[str | None, str]]:
    assert isinstance(result, list), result
    return [(e.column, e.code) for e in result]


def death(id_number: object = ID_A, death_date: object = "2024-03-07", **more: object) -> dict[str, object]:
    return {"id_number": id_number, "death_date": death_date, **more}


def ok(result) -> dict[str, object]:
    assert isinstance(result, ValidRow), result
    return result.values


# --------------------------------------------------------------------------- ID numbers


def test_u1_numeric_id_cell_is_refused_with_the_u1_message() -> None:
    for raw in (1.101011990030712e17, 110101199003071233, Decimal("110101199003071233")):
        result = check(DEATHS, death(raw), spreadsheet=True)
        assert codes(result) == [("id_number", "id_not_text")]
        assert result[0].message_zh.startswith("身份证号列须为文本格式")  # U1, and what to do (issue 14)


def test_u1_from_a_real_xlsx_file() -> None:
    data = xlsx_bytes([["身份证号", "死亡日期"], [110101199003071233, "2024-03-07"]])
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.xlsx", today=TODAY)
    assert [(e.sheet, e.row, e.column, e.code) for e in out.errors] == [("Sheet1", 2, "身份证号", "id_not_text")]
    assert out.errors[0].message_zh.startswith("身份证号列须为文本格式") and "重新导出" in out.errors[0].message_zh
    assert out.valid == 0


@pytest.mark.parametrize("raw", ["110101199003071233.0", "1.10101E+17", "1.10101199003071E+17"])
def test_u2_csv_id_that_went_through_a_number_is_rejected(raw: str) -> None:
    assert codes(check(DEATHS, death(raw))) == [("id_number", "id_not_text")]


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "  11010519491231002X ",
        "\u300011010519491231002X\u3000",
        "\u00a011010519491231002X",
        "110105\u200b19491231002X",
    ],
)
def test_u3_cosmetic_noise_is_normalised_and_the_normalised_value_is_stored(raw: str) -> None:
    assert ok(check(DEATHS, death(raw)))["id_number"] == ID_C


def test_u4_wrong_check_character_names_the_column() -> None:
    bad = ID_A[:-1] + "4"
    (err,) = check(DEATHS, death(bad))
    assert (err.row, err.column, err.code) == (2, "id_number", "id_check_char")
    assert err.value_masked == "110101********1234"  # masked, never the raw value


@pytest.mark.parametrize(
    ("birth", "code"),
    [("19900230", "id_birth_date"), ("20300101", "id_future"), ("18500101", "id_too_old")],
)
def test_u5_impossible_birth_dates(birth: str, code: str) -> None:
    from jiuzhu.rules.identity import check_char

    first17 = "360102" + birth + "001"
    assert codes(check(DEATHS, death(first17 + check_char(first17)))) == [("id_number", code)]


def test_u6_fifteen_digit_id_is_upgraded_and_flagged() -> None:
    result = check(DEATHS, death(ID_15))
    assert isinstance(result, ValidRow)
    assert result.values["id_number"] == "360102198001010013"
    assert result.flags == ("id_number:upgraded_from_15",)


# --------------------------------------------------------------------------- U7 keys


def _file(rows: list[list[str]]) -> ValidationOutcome:
    data = csv_bytes([["id_number", "death_date", "name"], *rows])
    return validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY)


def test_u7_conflicting_rows_are_all_reported_and_none_kept() -> None:
    out = _file([[ID_A, "2024-03-07", "张三"], [ID_B, "2024-03-07", "李四"], [ID_A, "2024-04-01", "张三"]])
    assert [(e.row, e.code) for e in out.errors] == [(2, "conflict"), (4, "conflict")]
    assert "4" in out.errors[0].message_zh and "2" in out.errors[1].message_zh
    assert [r.values["id_number"] for r in out.valid_rows] == [ID_B]
    assert (out.rows, out.valid) == (3, 1)


def test_u7_identical_duplicates_are_reported_once_and_the_first_kept() -> None:
    out = _file([[ID_A, "2024-03-07", "张三"], [ID_A, "2024-3-7", "张三"], [ID_A, "2024年3月7日", "张三"]])
    assert [(e.row, e.code) for e in out.errors] == [(3, "duplicate")]
    assert "共3行" in out.errors[0].message_zh
    assert [r.row for r in out.valid_rows] == [2]
    assert out.valid == 1


def test_u7_normalised_ids_are_the_same_key() -> None:
    out = _file([[ID_C, "2024-03-07", "x"], [ID_C.lower(), "2024-03-08", "x"]])
    assert [e.code for e in out.errors] == ["conflict", "conflict"]


def test_u7_with_the_disk_tracker() -> None:
    data = csv_bytes([["id_number", "death_date"], [ID_A, "2024-03-07"], [ID_A, "2024-03-08"],
                      [ID_B, "2024-03-07"], [ID_B, "2024-03-07"]])
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY,
                        key_tracker=SqliteKeyTracker())
    assert [(e.row, e.code) for e in out.errors] == [(2, "conflict"), (3, "conflict"), (5, "duplicate")]
    assert [r.row for r in out.valid_rows] == [4]


def test_u7_composite_natural_key() -> None:
    head = ["settlement_id", "id_number", "settle_date", "total_cost", "insurance_paid",
            "self_paid", "disease_code", "chronic_or_serious"]
    same_day_two_settlements = [
        ["YB1", ID_A, "2024-03-07", "10", "5", "5", "uremia", "是"],
        ["YB2", ID_A, "2024-03-07", "20", "5", "15", "uremia", "是"],
    ]
    out = validate_file(MED, io.BytesIO(csv_bytes([head, *same_day_two_settlements])),
                        filename="f.csv", today=TODAY)
    assert out.errors == [] and out.valid == 2


# --------------------------------------------------------------------------- U15, U16 money


def _settlement(total: object) -> dict[str, object]:
    return {"settlement_id": "YB1", "id_number": ID_A, "settle_date": "2024-03-07",
            "total_cost": total, "insurance_paid": "0", "self_paid": "0",
            "disease_code": "uremia", "chronic_or_serious": "1"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,234.50", Decimal("1234.50")), ("￥1234.5", Decimal("1234.50")), ("¥ 12", Decimal("12.00")),
     ("12.50元", Decimal("12.50")), ("0", Decimal("0.00"))],
)
def test_u15_money_is_normalised(raw: str, expected: Decimal) -> None:
    got = ok(check(MED, _settlement(raw)))["total_cost"]
    assert got == expected and isinstance(got, Decimal) and str(got) == str(expected)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1234.555", "money_precision"), ("NaN", "money_non_finite"),
     ("1e3", "money_exponent"), ("abc", "money_format")],
)
def test_u15_bad_money(raw: str, code: str) -> None:
    assert codes(check(MED, _settlement(raw))) == [("total_cost", code)]


def test_u15_negative_money_only_where_the_feed_declares_refunds() -> None:
    """Issue 14 item 10: a settlement's amounts may be negative (a refund or reversal, declared
    ``negative=True``); elsewhere a negative amount is refused, saying so."""
    assert ok(check(MED, _settlement("-100")))["total_cost"] == Decimal("-100.00")
    worker = {"id_number": ID_A, "registered_on": "2024-03-07", "support_amount": "-100"}
    (err,) = check(WORKERS, worker)  # type: ignore[misc]
    assert (err.column, err.code) == ("support_amount", "money_negative") and "退费" in err.message_zh


def test_u16_float_money_only_from_spreadsheet_cells_and_via_repr() -> None:
    assert ok(check(MED, _settlement(1234.5), spreadsheet=True))["total_cost"] == Decimal("1234.50")
    assert codes(check(MED, _settlement(0.30000000000000004), spreadsheet=True)) == [("total_cost", "money_precision")]
    # a float from JSON (or anywhere that is not a spreadsheet cell) is never money (A2)
    assert codes(check(MED, _settlement(0.1))) == [("total_cost", "money_float")]


def test_u16_from_a_real_xlsx_file() -> None:
    head = ["settlement_id", "id_number", "settle_date", "total_cost", "insurance_paid",
            "self_paid", "disease_code", "chronic_or_serious"]
    data = xlsx_bytes([head, ["YB1", ID_A, "2024-03-07", 0.3, 0, 1234.5, "uremia", True]])
    # openpyxl writes 0.1 + 0.2 rounded; Excel stores what a computed cell really holds.
    data = _patch_member(data, "xl/worksheets/sheet1.xml", b"<v>0.3</v>", b"<v>0.30000000000000004</v>")
    out = validate_file(MED, io.BytesIO(data), filename="f.xlsx", today=TODAY)
    assert [(e.column, e.code) for e in out.errors] == [("total_cost", "money_precision")]


def _patch_member(xlsx: bytes, member: str, old: bytes, new: bytes) -> bytes:
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(xlsx))
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == member:
                assert old in data
                data = data.replace(old, new)
            dst.writestr(name, data)
    return bio.getvalue()


# --------------------------------------------------------------------------- U17, U18 dates


@pytest.mark.parametrize(
    "raw", ["2024-03-07", "2024/3/7", "2024.3.7", "2024年3月7日", "２０２４年３月７日", "20240307",
            "2024-03-07 00:00:00", " 2024-3-07 ",
            # Issue 14 item 10: a date-time where a date is meant is that date.
            "2024-03-07 12:30", "2024/3/7 0:00", "2024-03-07 14:32:10", "2024-03-07T14:32:10"],
)
def test_u18_accepted_dates(raw: str) -> None:
    assert ok(check(DEATHS, death(death_date=raw)))["death_date"] == date(2024, 3, 7)


@pytest.mark.parametrize(
    ("raw", "code"),
    [("24-3-7", "date_two_digit_year"), ("24年3月7日", "date_two_digit_year"),
     ("2024/13/01", "date_invalid"), ("2023-02-29", "date_invalid"), ("2024-03/07", "date_format"),
     ("2024-03-07 25:30", "date_format"), ("March 7", "date_format"), ("1899-12-31", "date_range")],
)
def test_u17_rejected_dates(raw: str, code: str) -> None:
    assert codes(check(DEATHS, death(death_date=raw))) == [("death_date", code)]


def test_u17_excel_fake_1900_02_29_is_rejected() -> None:
    data = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, 60], [ID_B, 61]],
                      formats={"B2": "yyyy-mm-dd", "B3": "yyyy-mm-dd"})
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.xlsx", today=TODAY)
    assert [(e.row, e.code) for e in out.errors] == [(2, "date_excel_1900")]
    assert out.valid_rows[0].values["death_date"] == date(1900, 3, 1)


def test_u17_1904_workbook_gives_the_right_date() -> None:
    data = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, date(2024, 3, 7)]], epoch_1904=True)
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.xlsx", today=TODAY)
    assert out.valid_rows[0].values["death_date"] == date(2024, 3, 7)


def test_a_bare_serial_number_in_a_date_column_is_refused() -> None:
    assert codes(check(DEATHS, death(death_date=45358), spreadsheet=True)) == [("death_date", "date_number")]


# --------------------------------------------------------------------------- U19, U20 mobile


@pytest.mark.parametrize("raw", ["+86 138-0013-8000", "0086 13800138000", "１３８００１３８０００"])
def test_u19_mobile_is_normalised(raw: str) -> None:
    values = {"id_number": ID_A, "registered_on": "2024-03-07", "phone": raw}
    assert ok(check(WORKERS, values))["phone"] == "13800138000"


@pytest.mark.parametrize(("raw", "code"), [("1380013800", "mobile_length"), ("23800138000", "mobile_prefix")])
def test_u20_bad_mobile(raw: str, code: str) -> None:
    values = {"id_number": ID_A, "registered_on": "2024-03-07", "phone": raw}
    (err,) = check(WORKERS, values)
    assert (err.column, err.code) == ("phone", code)
    assert raw not in err.value_masked and raw not in err.message_zh


# --------------------------------------------------------------------------- U21 regions


def test_u21_region_codes_shape_and_scope() -> None:
    in_scope = {"360124", "360124100", "360124100001"}
    region_ok = in_scope.__contains__
    for code in in_scope:
        assert ok(check(DEATHS, death(region_code=code), region_ok=region_ok))["region_code"] == code
    assert codes(check(DEATHS, death(region_code="360730"), region_ok=region_ok)) == [("region_code", "region_not_allowed")]
    assert codes(check(DEATHS, death(region_code="360782"), region_ok=region_ok)) == [("region_code", "region_not_allowed")]
    for bad in ("3601", "36012410", "36A124", "360124.0"):
        assert codes(check(DEATHS, death(region_code=bad), region_ok=region_ok)) == [("region_code", "region_format")]


# --------------------------------------------------------------------------- U25 text


@pytest.mark.parametrize(("raw", "stored"), [("𠀀明", "𠀀明"), ("阿依古丽・买买提", "阿依古丽·买买提"),
                                             ("阿依古丽·买买提", "阿依古丽·买买提"), (" 张\u3000三 ", "张 三")])
def test_u25_rare_characters_and_the_name_dot(raw: str, stored: str) -> None:
    assert ok(check(DEATHS, death(name=raw)))["name"] == stored


def test_u25_round_trip_through_a_gb18030_file() -> None:
    data = csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "𠀀·明"]], encoding="gb18030")
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY)
    assert out.valid_rows[0].values["name"] == "𠀀·明"


def test_text_with_control_characters_and_overlong_text() -> None:
    assert codes(check(DEATHS, death(name="张\x07三"))) == [("name", "text_control")]
    assert codes(check(DEATHS, death(name="张" * 101))) == [("name", "text_too_long")]


def test_text_column_refuses_floats_but_takes_ints() -> None:
    values = {"id_number": ID_A, "registered_on": "2024-03-07", "difficulty_type": 20240001}
    assert ok(check(WORKERS, values, spreadsheet=True))["difficulty_type"] == "20240001"
    values["difficulty_type"] = 2.0240001e7
    assert codes(check(WORKERS, values, spreadsheet=True)) == [("difficulty_type", "text_numeric")]


def test_identifier_column_refuses_every_number_cell() -> None:
    """Issue 14 item 1: an identifier (here a property certificate) that arrives as a number,
    even a whole one, may have lost digits or leading zeros: a row error, never stored."""
    values = {"id_number": ID_A, "property_cert_no": 20240001, "area_m2": "95.47", "registered_on": "2024-03-07"}
    assert codes(check(ESTATE, values, spreadsheet=True)) == [("property_cert_no", "ident_number")]
    values["property_cert_no"] = "赣(2024)南昌市不动产权第0001234号"
    assert ok(check(ESTATE, values, spreadsheet=True))["property_cert_no"] == "赣(2024)南昌市不动产权第0001234号"


# --------------------------------------------------------------------------- other types


def test_required_codes_bools_ints_and_decimals() -> None:
    base = {"id_number": ID_A, "cert_no": "36010219800101001342", "disability_type": "肢体残疾",
            "grade": "2", "issued_on": "2024-03-07"}
    values = ok(check(DISABLED, base))
    assert values["disability_type"] == "physical" and values["grade"] == 2
    assert values["cancelled_on"] is None
    assert codes(check(DISABLED, {**base, "grade": "5"})) == [("grade", "int_range")]
    assert codes(check(DISABLED, {**base, "grade": "2.5"})) == [("grade", "int_format")]
    assert codes(check(DISABLED, {**base, "disability_type": "腿脚不便"})) == [("disability_type", "choice")]
    assert codes(check(DISABLED, {**base, "issued_on": "  "})) == [("issued_on", "required")]
    several = check(DISABLED, {**base, "grade": None, "issued_on": "x"})
    assert codes(several) == [("grade", "required"), ("issued_on", "date_format")]

    estate = {"id_number": ID_A, "property_cert_no": "赣（2024）", "registered_on": "2024-03-07"}
    assert ok(check(ESTATE, {**estate, "area_m2": "95.5"}))["area_m2"] == Decimal("95.50")
    assert codes(check(ESTATE, {**estate, "area_m2": "95.555"})) == [("area_m2", "decimal_precision")]
    assert codes(check(ESTATE, {**estate, "area_m2": "-1"})) == [("area_m2", "decimal_negative")]

    students = get_source("education_students")
    row = {"id_number": ID_A, "school_stage": "初中", "hardship_flag": "是", "enrolled": "否"}
    assert ok(check(students, row)) | {} == {**ok(check(students, row))}
    v = ok(check(students, row))
    assert (v["school_stage"], v["hardship_flag"], v["enrolled"]) == ("junior", True, False)
    assert codes(check(students, {**row, "enrolled": "maybe"})) == [("enrolled", "bool_format")]


def test_reader_row_errors_pass_through_and_count_as_rows() -> None:
    data = csv_bytes([["id_number", "death_date"], [ID_A, "2024-03-07"], ['"x', "y"]])
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY)
    assert (out.rows, out.valid, [e.code for e in out.errors]) == (2, 1, ["line_quote"])


def test_file_error_gives_a_rejected_outcome() -> None:
    out = validate_file(DEATHS, io.BytesIO(b""), filename="f.csv")
    assert out.rejected and out.to_dict()["errors"] == [
        {"sheet": None, "row": None, "column": None, "code": "empty_file",
         "message": "文件为空（0字节）", "message_en": "The file is empty (0 bytes)", "value": ""}]


def test_outcome_json_shape() -> None:
    out = _file([[ID_A, "2024-03-07", "张三"], [ID_B, "bad", "李四"]])
    d = out.to_dict()
    assert (d["rows"], d["valid"], d["rejected"]) == (2, 1, False)
    assert d["errors"] == [{"sheet": None, "row": 3, "column": "death_date", "code": "date_format",
                            "message": "日期格式错误：请使用 2024-03-07、2024/3/7 或 2024年3月7日",
                            "message_en": "Malformed date: use 2024-03-07, 2024/3/7 or 2024年3月7日",
                            "value": "bad"}]


def test_jsonl_values_are_validated_with_json_types() -> None:
    data = jsonl_bytes([{"id_number": ID_A, "death_date": "2024-03-07"},
                        {"id_number": 110101199003071233, "death_date": "2024-03-07"}])
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.jsonl", today=TODAY)
    assert [(e.row, e.code) for e in out.errors] == [(2, "id_not_text")]


# --------------------------------------------------------------------------- masking (R13)


def test_masks_never_show_the_raw_personal_value() -> None:
    assert mask_value(DEATHS.field("id_number"), ID_A) == "110101********1233"
    assert mask_value(DEATHS.field("name"), "张三丰") == "张*丰"
    assert mask_value(WORKERS.field("phone"), "13800138000") == "138****8000"
    assert mask_value(get_source("banks_deposits").field("account_no"), "6222021234567890123") == "6222***********0123"
    assert mask_value(get_source("public_security_vehicles").field("plate"), "赣DMXFR6") == "赣*****6"
    assert mask_value(DEATHS.field("death_date"), "x" * 100).endswith("…")
    assert len(mask_value(DEATHS.field("death_date"), "x" * 100)) == 40


def test_every_row_error_value_is_masked_in_a_messy_file() -> None:
    bad_ids = [ID_A[:-1] + "4", "110101199003071233.0", "36010219900230001X"]
    data = csv_bytes([["身份证号", "死亡日期"], *[[i, "2024-03-07"] for i in bad_ids]])
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY)
    assert len(out.errors) == 3
    for e, raw in zip(out.errors, bad_ids, strict=True):
        assert raw not in e.value_masked and raw not in e.message_zh and raw not in e.message_en
        assert "*" in e.value_masked


def test_row_error_is_json_ready() -> None:
    e = RowError.of("required", sheet="S", row=3, column="姓名")
    assert e.to_dict()["message"] == "必填项为空"
