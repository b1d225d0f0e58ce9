"""Readers: format sniffing, encodings, delimiters, headers, XLSX safety, limits.

RELIABILITY U1, U8–U14, U22–U24, R32.  Each test states the expected behaviour from the
catalogue (the code and the place), not a captured output.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from exchange_helpers import ID_A, ID_B, ID_C, csv_bytes, jsonl_bytes, xlsx_bytes

from jiuzhu.engine.exchange import (
    UI_LIMITS,
    ExchangeFileError,
    RawRow,
    RowError,
    display_name,
    open_table,
    validate_file,
)
from jiuzhu.rules.exchange import get_source

DEATHS = get_source("health_deaths")
MED = get_source("medical_insurance_settlements")


def read(data: bytes, name: str = "f.csv", source=DEATHS, limits=UI_LIMITS) -> list[RawRow | RowError]:
    with open_table(source, io.BytesIO(data), filename=name, limits=limits) as r:
        return list(r)


def reject(data: bytes, name: str = "f.csv", source=DEATHS, limits=UI_LIMITS) -> ExchangeFileError:
    with pytest.raises(ExchangeFileError) as ei:
        read(data, name, source, limits)
    return ei.value


# --------------------------------------------------------------------------- encodings


def test_utf8_csv_reads() -> None:
    rows = read(csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "张三"]]))
    assert rows == [RawRow(None, 2, {"id_number": ID_A, "death_date": "2024-03-07", "name": "张三"})]


def test_u8_gb18030_csv_is_detected() -> None:
    data = csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "张三"]], encoding="gb18030")
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.encoding == "gb18030"
        rows = list(r)
    assert isinstance(rows[0], RawRow) and rows[0].values["name"] == "张三"


def test_u9_utf8_wins_over_gb18030() -> None:
    # These UTF-8 bytes would also "decode" as GB18030 mojibake (濮撳悕...); UTF-8 first.
    data = csv_bytes([["id_number", "death_date", "姓名"], [ID_A, "2024-03-07", "姓名"]])
    data.decode("gb18030")  # the premise of U9
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.encoding == "utf-8"
        assert r.columns["name"] == "姓名"


def test_u9_mojibake_header_is_caught_by_the_header_check() -> None:
    # Round-tripping those bytes is harmless (they are read as UTF-8, above); the danger is
    # a file whose text already *is* mojibake (decoded the wrong way once, then saved).
    mojibake = "身份证号".encode().decode("gb18030", errors="replace")
    data = csv_bytes([[mojibake, "death_date"], [ID_A, "2024-03-07"]])
    e = reject(data)
    assert e.code == "header_unknown" and e.column == mojibake


def test_u10_bom_header_is_not_reported_missing() -> None:
    data = b"\xef\xbb\xbf" + csv_bytes([["姓名", "身份证号", "死亡日期"], ["张三", ID_A, "2024-3-7"]])
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.encoding == "utf-8-sig"
        assert r.columns == {"name": "姓名", "id_number": "身份证号", "death_date": "死亡日期"}


def test_u11_mixed_encodings_rejected_naming_the_first_bad_line() -> None:
    head = csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "张三"]])
    gbk = csv_bytes([[ID_B, "2024-03-08", "李四"]], encoding="gbk")
    e = reject(head + gbk)
    assert e.code == "encoding_mixed" and e.row == 3
    assert "第3行" in e.message_zh


def test_u11_gbk_first_then_utf8() -> None:
    gbk = csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "张三"]], encoding="gbk")
    utf8 = csv_bytes([[ID_B, "2024-03-08", "李四"]])
    e = reject(gbk + utf8)
    assert e.code == "encoding_mixed" and e.row == 3


def test_neither_utf8_nor_gb18030() -> None:
    e = reject(b"id_number,death_date\n" + ID_A.encode() + b",\x80\xff\xfe\n")
    assert e.code == "encoding" and e.row == 2


# --------------------------------------------------------------------------- delimiters, lines


@pytest.mark.parametrize("delimiter", [",", "\t", "，"])
def test_u12_delimiters(delimiter: str) -> None:
    data = csv_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "张三"]], delimiter=delimiter)
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.delimiter == delimiter
        (row,) = list(r)
    assert isinstance(row, RawRow) and row.values["death_date"] == "2024-03-07"


def test_u12_fullwidth_comma_inside_a_comma_file_is_a_value() -> None:
    data = csv_bytes([["id_number", "death_date", "name"], [ID_A, "2024-03-07", '"张，三"']])
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.delimiter == ","
        (row,) = list(r)
    assert isinstance(row, RawRow) and row.values["name"] == "张，三"


def test_u12_embedded_newline_and_unbalanced_quote_are_line_errors_without_shifting() -> None:
    data = (
        "id_number,death_date,name\n"
        f'{ID_A},2024-03-07,"张\n三"\n'  # a quoted field with a newline: lines 2 and 3
        f'{ID_B},2024-03-08,"李四\n'  # an unbalanced quote: line 4
        f"{ID_C},2024-03-09,王五\n"  # a good line after them: line 5
        f"{ID_C},2024-03-09\n"  # a short line: line 6
    ).encode()
    rows = read(data)
    errors = [(r.row, r.code) for r in rows if isinstance(r, RowError)]
    assert errors == [(2, "line_quote"), (3, "line_quote"), (4, "line_quote"), (6, "line_columns")]
    good = [r for r in rows if isinstance(r, RawRow)]
    assert good == [RawRow(None, 5, {"id_number": ID_C, "death_date": "2024-03-09", "name": "王五"})]


def test_quoted_fields_and_crlf() -> None:
    data = csv_bytes([["id_number", "death_date", "name"], [ID_A, "2024-03-07", '"A, B"']],
                     newline="\r\n")
    (row,) = read(data)
    assert isinstance(row, RawRow) and row.values == {"id_number": ID_A, "death_date": "2024-03-07",
                                                      "name": "A, B"}


def test_blank_and_delimiter_only_lines_are_skipped() -> None:
    data = csv_bytes([["id_number", "death_date"], [ID_A, "2024-03-07"], [""], [",,"], ["", ""]])
    assert [r.row for r in read(data)] == [2]


# --------------------------------------------------------------------------- headers (U13)


def test_u13_missing_required_column_is_named() -> None:
    e = reject(csv_bytes([["身份证号", "姓名"], [ID_A, "张三"]]))
    assert e.code == "header_missing" and "死亡日期" in e.message_zh and "death_date" in e.message_zh


def test_u13_duplicate_column_is_named() -> None:
    e = reject(csv_bytes([["身份证号", "死亡日期", "id_number"], [ID_A, "2024-03-07", ID_A]]))
    assert e.code == "header_duplicate" and "身份证号" in e.message_zh


def test_u13_unknown_column_is_named() -> None:
    e = reject(csv_bytes([["身份证号", "死亡日期", "收入"], [ID_A, "2024-03-07", "1"]]))
    assert e.code == "header_unknown" and e.column == "收入"


def test_u13_two_header_rows() -> None:
    data = csv_bytes([["id_number", "death_date", "name"], ["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", "x"]])
    e = reject(data)
    assert e.code == "header_repeated" and e.row == 2


def test_header_matching_ignores_case_spaces_and_fullwidth() -> None:
    data = csv_bytes([["ＩＤ_Number", " 死亡 日期 "], [ID_A, "2024-03-07"]])
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert set(r.columns) == {"id_number", "death_date"}


def test_data_under_a_blank_header_is_a_row_error() -> None:
    data = csv_bytes([["id_number", "death_date", ""], [ID_A, "2024-03-07", "x"], [ID_B, "2024-03-07", ""]])
    rows = read(data)
    assert isinstance(rows[0], RowError) and rows[0].code == "no_header"
    assert isinstance(rows[1], RawRow)


def test_u13_xlsx_merged_cells_and_hidden_sheet() -> None:
    """Issue 14 item 7 changed U13: merged cells in data rows refuse those rows (they leave the
    other cells empty), the rest of the file is read; a hidden sheet is skipped and named."""
    rows = [["身份证号", "死亡日期"], [ID_A, "2024-03-07"], [ID_B, "2024-03-07"], [ID_C, "2024-03-08"]]
    got = read(xlsx_bytes(rows, merge="A2:A3"), "f.xlsx")
    assert [(type(r).__name__, r.row) for r in got] == [("RowError", 2), ("RowError", 3), ("RawRow", 4)]
    assert all(r.code == "row_merged" and "A2:A3" in r.message_zh for r in got[:2])  # type: ignore[union-attr]
    with open_table(DEATHS, io.BytesIO(xlsx_bytes(rows, extra_sheets={"备注": [["x"]]}, hidden=["备注"])),
                    filename="f.xlsx") as r:
        assert [row.row for row in r] == [2, 3, 4]
        assert [(s.sheet, s.kind) for s in r.skipped] == [("备注", "sheet_hidden")]


def test_xlsx_empty_extra_sheet_is_ignored_and_data_sheets_are_all_read() -> None:
    rows = [["身份证号", "死亡日期"], [ID_A, "2024-03-07"]]
    got = read(xlsx_bytes(rows, extra_sheets={"Sheet2": [], "续": [["id_number", "death_date"], [ID_B, "2024-03-08"]]}), "f.xlsx")
    assert [(r.sheet, r.row) for r in got] == [("Sheet1", 2), ("续", 2)]


# --------------------------------------------------------------------------- XLSX cells


def test_xlsx_values_and_row_numbers() -> None:
    data = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, date(2024, 3, 7)], [], [ID_B, "2024/3/8"]])
    rows = read(data, "f.xlsx")
    assert rows == [
        RawRow("Sheet1", 2, {"id_number": ID_A, "death_date": datetime(2024, 3, 7)}),
        RawRow("Sheet1", 4, {"id_number": ID_B, "death_date": "2024/3/8"}),
    ]


def test_u14_formula_cell_refuses_its_row_naming_the_cell() -> None:
    """U14: a formula is never evaluated; since issue 14 (totals rows with SUM are skipped) the
    row holding it is refused, not the whole file."""
    data = xlsx_bytes([["身份证号", "死亡日期", "姓名"], [ID_A, "2024-03-07", '=HYPERLINK("http://x",A1)'],
                       [ID_B, "2024-03-08", "张三"]])
    got = read(data, "f.xlsx")
    assert isinstance(got[0], RowError) and got[0].code == "row_formula" and "C2" in got[0].message_zh
    assert isinstance(got[1], RawRow) and got[1].row == 3


def test_u17_1904_workbook_dates_are_honoured() -> None:
    data = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, date(2024, 3, 7)]], epoch_1904=True)
    (row,) = read(data, "f.xlsx")
    assert isinstance(row, RawRow) and row.values["death_date"] == datetime(2024, 3, 7)


def test_xlsx_error_cell_is_a_row_error() -> None:
    wb_bytes = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, "#N/A"]])
    # openpyxl writes "#N/A" typed as an error value
    rows = read(wb_bytes, "f.xlsx")
    assert isinstance(rows[0], RowError) and rows[0].code == "cell_error" and rows[0].column == "死亡日期"


# --------------------------------------------------------------------------- U23 formats and bombs


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("f.xlsx", csv_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]])),  # CSV renamed
        ("f.xlsx", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        ("f.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>"),
        ("f.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),  # encrypted = OLE
        ("f.csv", b"PK\x03\x04" + b"\x00" * 100),  # a zip named .csv
        ("f.csv", b"<!DOCTYPE html><html></html>"),
        ("f.parquet", b"PAR1 not really"),
        ("f.exe", b"MZ"),
    ],
)
def test_u23_unsupported_format(name: str, data: bytes) -> None:
    e = reject(data, name)
    assert e.code == "unsupported_format" and e.message_zh.startswith("不支持的文件格式")


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return bio.getvalue()


def test_u23_zip_bomb_is_refused_before_decompression() -> None:
    base = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]])
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["xl/media/bomb.bin"] = b"\x00" * (50 << 20)  # 50 MB of zeros: ratio ≈ 1000
    e = reject(_zip(members), "f.xlsx")
    assert e.code == "unsupported_format" and "压缩" in e.message_zh


def test_u23_billion_laughs_is_refused() -> None:
    base = xlsx_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]])
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    members["xl/sharedStrings.xml"] = lol + b"<sst><si><t>&lol2;</t></si></sst>"
    e = reject(_zip(members), "f.xlsx")
    assert e.code == "unsupported_format" and "DTD" in e.message_zh


def test_u23_zip_that_is_not_a_workbook() -> None:
    e = reject(_zip({"hello.txt": b"hi"}), "f.xlsx")
    assert e.code == "unsupported_format"


def test_too_many_zip_members() -> None:
    members = {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"}
    members.update({f"xl/m{i}.bin": b"" for i in range(20)})
    e = reject(_zip(members), "f.xlsx", limits=replace(UI_LIMITS, max_zip_members=10))
    assert e.code == "unsupported_format"


# --------------------------------------------------------------------------- U22 limits


def test_u22_zero_bytes() -> None:
    assert reject(b"").code == "empty_file"


def test_u22_header_only() -> None:
    assert reject(csv_bytes([["身份证号", "死亡日期"]])).code == "no_rows"
    assert reject(xlsx_bytes([["身份证号", "死亡日期"]]), "f.xlsx").code == "no_rows"


def test_u22_too_large_before_parsing() -> None:
    limits = replace(UI_LIMITS, max_bytes=1000)
    e = reject(b"\x00" * 1001, "f.csv", limits=limits)  # garbage: the size check comes first
    assert e.code == "too_large"


def test_u22_too_many_rows_before_parsing() -> None:
    limits = replace(UI_LIMITS, max_rows=3)
    rows = [["身份证号", "死亡日期"]] + [[ID_A, "2024-03-07"]] * 4
    assert reject(csv_bytes(rows), limits=limits).code == "too_many_rows"
    assert reject(xlsx_bytes(rows), "f.xlsx", limits=limits).code == "too_many_rows"
    assert read(csv_bytes(rows[:4]), limits=limits)  # exactly at the limit is fine


def test_ui_limits_are_the_r32_figures() -> None:
    assert UI_LIMITS.max_bytes == 20 * 1024 * 1024 and UI_LIMITS.max_rows == 200_000


def test_line_too_long() -> None:
    limits = replace(UI_LIMITS, max_line_bytes=100)
    e = reject(b"id_number,death_date\n" + b"x" * 5000 + b"\n", limits=limits)
    assert e.code == "line_too_long" and e.row == 2


# --------------------------------------------------------------------------- U24 names


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../x.xlsx", "x.xlsx"),
        ("..\\..\\evil.csv", "evil.csv"),
        ("a\x00b.csv", "ab.csv"),
        ("", "upload"),
    ],
)
def test_u24_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


def test_u24_long_name_keeps_extension_and_format_detection_uses_the_basename() -> None:
    name = "数" * 500 + ".csv"
    shown = display_name(name)
    assert len(shown) <= 100 and shown.endswith(".csv")
    data = csv_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]])
    assert len(read(data, "../../" + name)) == 1


# --------------------------------------------------------------------------- JSON lines, Parquet


def test_jsonl_reads_and_reports_bad_lines() -> None:
    data = jsonl_bytes([{"id_number": ID_A, "death_date": "2024-03-07"}])
    data += b"not json\n" + b"[1,2]\n" + b'{"id_number": "x", "id_number": "y"}\n'
    data += b'{"id_number": "' + ID_B.encode() + b'", "death_date": NaN}\n'
    data += b"[" * 100_000 + b"\n"
    data += b'{"id_number": "' + ID_B.encode() + b'", "income": 1}\n'
    rows = read(data, "f.jsonl")
    assert isinstance(rows[0], RawRow) and rows[0].values == {"id_number": ID_A, "death_date": "2024-03-07"}
    assert [(r.row, r.code) for r in rows[1:] if isinstance(r, RowError)] == [
        (2, "line_json"), (3, "line_json"), (4, "line_json"), (5, "line_json"), (6, "line_json"),
        (7, "line_unknown_field"),
    ]


def test_jsonl_header_comes_from_the_first_record() -> None:
    e = reject(jsonl_bytes([{"id_number": ID_A, "收入": 1}]), "f.jsonl")
    assert e.code == "header_unknown"


def _parquet(table: pa.Table) -> bytes:
    bio = io.BytesIO()
    pq.write_table(table, bio)
    return bio.getvalue()


def test_parquet_reads_typed_values_in_batches() -> None:
    n = 10_000
    table = pa.table({
        "id_number": [ID_A] * n,
        "death_date": pa.array([date(2024, 3, 7)] * n, pa.date32()),
    })
    with open_table(DEATHS, io.BytesIO(_parquet(table)), filename="f.parquet") as r:
        assert r.rows_estimate == n
        rows = list(r)
    assert len(rows) == n and rows[-1] == RawRow(None, n, {"id_number": ID_A, "death_date": date(2024, 3, 7)})


def test_parquet_nested_column_is_unsupported() -> None:
    table = pa.table({"id_number": [ID_A], "death_date": [[1, 2]]})
    assert reject(_parquet(table), "f.parquet").code == "unsupported_format"


def test_parquet_money_decimal_passes_and_float_is_rejected() -> None:
    base = {
        "settlement_id": ["YB1"], "id_number": [ID_A],
        "settle_date": pa.array([date(2024, 3, 7)], pa.date32()),
        "insurance_paid": pa.array([Decimal("1.00")], pa.decimal128(12, 2)),
        "self_paid": pa.array([Decimal("1.00")], pa.decimal128(12, 2)),
        "disease_code": ["uremia"], "chronic_or_serious": [True],
    }
    ok = validate_file(MED, io.BytesIO(_parquet(pa.table({**base, "total_cost": pa.array([Decimal("2.00")], pa.decimal128(12, 2))}))), filename="f.parquet")
    assert ok.valid == 1 and not ok.errors
    bad = validate_file(MED, io.BytesIO(_parquet(pa.table({**base, "total_cost": [2.0]}))), filename="f.parquet")
    assert [e.code for e in bad.errors] == ["money_float"]


def test_content_hash_is_sm3_of_the_bytes() -> None:
    from cryptography.hazmat.primitives import hashes

    data = csv_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]])
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
        assert r.content_hash == h.finalize().hex()


def test_open_table_accepts_a_path_and_closes_it(tmp_path) -> None:
    p = tmp_path / "deaths.csv"
    p.write_bytes(csv_bytes([["身份证号", "死亡日期"], [ID_A, "2024-03-07"]]))
    with open_table(DEATHS, p) as r:
        assert len(list(r)) == 1
    assert r._f.closed
