"""Department files as offices really send them (issue 14): synthetic data, built in the tests.

Every builder returns bytes.  The rows are what a county office's Excel holds; the files are
what Excel (or WPS) writes when the office saves them: GBK "CSV (逗号分隔)" with a title row,
a 制表单位 line, a totals row and footer lines; UTF-16 "Unicode 文本" (tab separated, BOM,
CRLF); an old Mac CSV with CR line ends; an XLSX template with a merged title, a SUM totals
row, a 字典 sheet and a hidden sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

import openpyxl

from jiuzhu.rules.identity import check_char


def ident(first17: str) -> str:
    return first17 + check_char(first17)


# Three people of 进贤县 (360124); names chosen so that one of them, in GBK, is also valid
# UTF-8 (郑伟 = D6 A3 CE B0): the line-by-line encoding rule called such files "mixed".
PEOPLE = [
    (ident("36012419800101001"), "郑伟"),
    (ident("36012419750505002"), "王芳"),
    (ident("36012419620315003"), "李秀英"),
]


def rounded(digits: str) -> str:
    """What Excel keeps of an 18-digit number: 15 significant digits (half away from zero), zeros."""
    return str((int(digits) + 500) // 1000 * 1000)


def excel_csv(header: Sequence[str], rows: Sequence[Sequence[object]], *, title: str = "进贤县死亡人员名单",
              unit: str = "制表单位：进贤县卫生健康委员会", totals: Sequence[object] | None = None,
              footer: bool = True, encoding: str = "gbk", newline: str = "\r\n", delimiter: str = ",") -> bytes:
    """A sheet saved by Excel as CSV: every line as wide as the widest, empty cells as ",,"."""
    width = len(header)
    lines: list[list[str]] = []
    if title:
        lines.append([title] + [""] * (width - 1))
    if unit:
        lines.append([unit] + [""] * (width - 1))
    lines.append(list(header))
    lines += [["" if v is None else str(v) for v in r] for r in rows]
    if totals is not None:
        lines.append(["" if v is None else str(v) for v in totals])
    if footer:
        lines.append((["制表人：张三", "", "审核人：李四"] + [""] * width)[:width])
        lines.append([f"填报日期：{date(2026, 11, 2):%Y年%m月%d日}"] + [""] * (width - 1))
    text = newline.join(delimiter.join(c for c in line) for line in lines) + newline
    return text.encode(encoding)


def unicode_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """Excel's "Unicode 文本 (*.txt)": UTF-16 little-endian with a BOM, tab separated, CRLF."""
    lines = ["\t".join(header), *("\t".join("" if v is None else str(v) for v in r) for r in rows)]
    return "\ufeff".encode("utf-16-le") + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


def xlsx_template(header: Sequence[str], rows: Sequence[Sequence[object]], *, title: str,
                  totals_label_col: int = 0, sum_cols: Sequence[int] = (), text_cols: Sequence[int] = (),
                  date_formats: dict[int, str] | None = None, dictionary: bool = True, hidden: bool = True) -> bytes:
    """A workbook as an office template has it: a merged title row, a 制表单位 line, the header
    on row 3, the data, a totals row (合计 with SUM formulas), footer lines, a visible 字典 sheet
    (the codes for a drop-down) and a hidden sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "明细"
    last = openpyxl.utils.get_column_letter(len(header))
    ws.append([title])
    ws.merge_cells(f"A1:{last}1")
    ws.append(["制表单位：进贤县医疗保障局", None, None, "单位：元"])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    first_data, last_data = 4, 3 + len(rows)
    for c in text_cols:
        for rr in range(first_data, last_data + 1):
            ws.cell(rr, c + 1).number_format = "@"
    for c, fmt in (date_formats or {}).items():
        for rr in range(first_data, last_data + 1):
            ws.cell(rr, c + 1).number_format = fmt
    total = [None] * len(header)
    total[totals_label_col] = "合计"
    for c in sum_cols:
        letter = openpyxl.utils.get_column_letter(c + 1)
        total[c] = f"=SUM({letter}{first_data}:{letter}{last_data})"
    ws.append(total)
    ws.append(["制表人：张三", None, "审核人：李四"])
    if dictionary:
        d = wb.create_sheet("字典")
        d.append(["病种代码", "病种名称"])
        d.append(["uremia", "尿毒症"])
    if hidden:
        h = wb.create_sheet("Sheet3")
        h.append(["旧数据"])
        h.sheet_state = "hidden"
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def settlement_rows() -> list[list[object]]:
    """Three settlements written the everyday ways: a date-time cell, text with a time, a refund."""
    (a, _), (b, _), (c, _) = PEOPLE
    return [
        [1, "JS20261005001", a, datetime(2026, 10, 5, 14, 32), 1200.5, 800, 400.5, "尿毒症", "是", 300, "住院"],
        [2, "JS20261006002", b, "2026/10/6 0:00", 356.2, 200, 156.2, "高血压", "否", "-", None],
        [3, "JS20261007003", c, "2026-10-07", -50, -30, -20, "糖尿病", "否", None, "退费"],
    ]


SETTLEMENT_HEADER = ["序号", "结算编号", "身份证号码", "结算日期", "总费用", "医保支付", "个人自付", "病种", "慢特病",
                     "医疗救助支付", "备注"]
