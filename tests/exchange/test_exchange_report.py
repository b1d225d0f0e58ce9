"""The row-error workbook (R23) and its export safety (R31)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from exchange_helpers import ID_A, TODAY, csv_bytes

from jiuzhu.engine.exchange import RowError, validate_file, write_error_report
from jiuzhu.engine.exchange.report import REPORT_HEADERS, sanitise_cell
from jiuzhu.rules.exchange import get_source


def _read_back(data: bytes) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    for row in ws.iter_rows(min_row=2):
        for c in row:
            assert c.data_type in ("s", "n"), (c.coordinate, c.data_type)  # never "f"
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_report_of_a_real_file_lists_sheet_row_column_code_message_and_masked_value() -> None:
    deaths = get_source("health_deaths")
    data = csv_bytes([["身份证号", "死亡日期"], [ID_A[:-1] + "4", "2024-03-07"], [ID_A, "24-3-7"]])
    out = validate_file(deaths, io.BytesIO(data), filename="f.csv", today=TODAY)
    bio = io.BytesIO()
    assert write_error_report(out.errors, bio) == 2
    rows = _read_back(bio.getvalue())
    assert rows[0] == REPORT_HEADERS
    assert rows[1] == (None, 2, "身份证号", "id_check_char", "身份证号校验码错误",
                       "Wrong check character", "110101********1234")
    assert rows[2][1:5] == (3, "死亡日期", "date_two_digit_year", "日期须使用四位年份")
    # no full ID number anywhere in the workbook (R13)
    assert ID_A[:-1].encode() not in bio.getvalue()


@pytest.mark.parametrize(
    "dangerous", ['=HYPERLINK("http://x",A1)', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_r31_formula_injection_is_neutralised(dangerous: str) -> None:
    """R31 in the XLSX report: text, never a formula, with Excel's quote prefix so that editing
    the cell keeps it text; the value reads as it is, without a literal apostrophe (issue 14
    item 6: "-100" used to read "'-100")."""
    err = RowError("S", 2, dangerous, "x", dangerous, dangerous, dangerous)
    bio = io.BytesIO()
    write_error_report([err], bio)
    ws = openpyxl.load_workbook(io.BytesIO(bio.getvalue())).active
    cells = next(ws.iter_rows(min_row=2))
    # XML parsers turn a raw CR into LF when reading back.
    expected = dangerous.replace("\r", "\n")
    for i in (2, 4, 5, 6):
        assert (cells[i].value, cells[i].data_type, cells[i].quotePrefix) == (expected, "s", True)
    assert cells[0].value == "S" and not cells[0].quotePrefix


def test_strings_stay_strings_and_control_characters_do_not_break_the_file() -> None:
    err = RowError("工作表1", 7, "姓名", "text_control", "文本含有控制字符", "ctl", "张\x07三", )
    bio = io.BytesIO()
    write_error_report([err], bio)
    row = _read_back(bio.getvalue())[1]
    assert row[1] == 7 and row[6] == "张\\x07三"


def test_rare_characters_round_trip_through_the_report() -> None:
    err = RowError(None, 2, "姓名", "x", "𠀀·明", "x", "𠀀·明")
    bio = io.BytesIO()
    write_error_report([err], bio)
    assert _read_back(bio.getvalue())[1][6] == "𠀀·明"


def test_sanitise_cell() -> None:
    assert sanitise_cell("=1") == "'=1"
    assert sanitise_cell("ok") == "ok"
    assert sanitise_cell("a\x00b") == "a\\x00b"


def test_report_to_a_path(tmp_path) -> None:
    p = tmp_path / "r.xlsx"
    write_error_report([RowError.of("required", sheet=None, row=2, column="x")], p)
    assert _read_back(p.read_bytes())[1][3] == "required"
