"""Errors of the exchange pipeline: whole-file rejections and per-row errors.

Pure Python, no Django.  RELIABILITY R23 (row reports), U1–U25; issue 4 §2.

Two kinds, because the caller treats them differently:

* :class:`ExchangeFileError` — the file as a whole is rejected (unsupported format, over
  the limits, mixed encodings, bad header, formula cells...).  Nothing from it may be
  stored; the UI shows the message, ``jiuzhu import --dry-run`` exits 1.
* :class:`RowError` — one cell or line is wrong; the rest of the file is still read, and
  the row-error report (``report.py``) lists every one.

Messages never contain a raw value (R13, R27): a row error carries the *masked* value in
its own field, and file errors name columns and line numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from jiuzhu.rules.text import InputError

__all__ = ["MESSAGES", "ExchangeFileError", "RowError", "file_error", "message"]

# code → (Chinese, English).  Templates use str.format with the keyword arguments the
# raising code passes; none of them is ever a personal value.
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    # ---- whole file
    "empty_file": ("文件为空（0字节）", "The file is empty (0 bytes)"),
    "no_rows": ("文件只有表头，没有数据行", "The file has a header but no data rows"),
    "blank_file": ("文件没有内容（只有空行）", "The file has no content (blank lines only)"),
    "no_valid_rows": (
        "文件没有可以导入的数据行（共{rows}行，均有错误）；请按错误报告修改后重新上传",
        "The file has no row that can be imported ({rows} rows, all with errors); correct them "
        "using the error report and upload again",
    ),
    "no_data_sheet": (
        "工作簿中没有找到数据表（已跳过：{skipped}）",
        "The workbook has no data sheet (skipped: {skipped})",
    ),
    "too_large": (
        "文件超过大小上限（{limit}）",
        "The file exceeds the size limit ({limit})",
    ),
    "too_many_rows": (
        "文件行数超过上限（最多{limit}行，约有{rows}行）",
        "Too many rows (at most {limit}; the file has about {rows})",
    ),
    "unsupported_format": (
        "不支持的文件格式{detail}",
        "Unsupported file format{detail_en}",
    ),
    "encoding": (
        "第{line}行既不是 UTF-8 也不是 GB18030 编码",
        "Line {line} is neither UTF-8 nor GB18030",
    ),
    "encoding_utf16": (
        "第{line}行不是有效的 UTF-16 文本（文件以 UTF-16 标记开头）",
        "Line {line} is not valid UTF-16 text (the file starts with a UTF-16 byte-order mark)",
    ),
    "encoding_mixed": (
        "文件混用了多种字符编码（第{line}行与前面的行编码不同），请统一保存为 UTF-8 后重新上传",
        "The file mixes character encodings (line {line} differs from earlier lines); "
        "save it as UTF-8 and upload again",
    ),
    "line_too_long": (
        "第{line}行过长（超过{limit}字节）",
        "Line {line} is too long (over {limit} bytes)",
    ),
    "header_missing": ("缺少必填列：{columns}", "Required column(s) missing: {columns}"),
    "header_unknown": (
        "无法识别的列：{columns}（请核对数据源与表头；本部门的列名可在“列名对应”中保存，或将该列设为忽略）",
        "Unknown column(s): {columns_en} (check the data source and the header; a department's own "
        "column names can be saved under \"Column mapping\", or the column ignored)",
    ),
    "header_duplicate": ("列重复：{columns}", "Duplicate column(s): {columns}"),
    "header_blank": (
        "第{index}列表头为空，但该列有数据",
        "Column {index} has data but no header",
    ),
    "header_repeated": (
        "第{line}行重复了表头（只允许一行表头）",
        "Row {line} repeats the header (only one header row is allowed)",
    ),
    "formula": (
        "单元格{cell}含有公式；请将公式转换为数值后再上传（系统不计算公式）",
        "Cell {cell} contains a formula; convert formulas to values before uploading "
        "(formulas are never evaluated)",
    ),
    "merged_cells": (
        "工作表含有合并单元格（{cells}）；请取消合并后再上传",
        "The sheet has merged cells ({cells}); unmerge them before uploading",
    ),
    "hidden_sheet": (
        "工作簿含有隐藏的工作表（{name}）；请删除或取消隐藏后再上传",
        "The workbook has a hidden sheet ({name}); delete or unhide it before uploading",
    ),
    "corrupt": ("文件已损坏，无法读取{detail}", "The file is damaged and cannot be read{detail_en}"),
    # ---- one line or row
    "line_quote": (
        "该行引号不配对或字段内含换行；该行未导入",
        "Unbalanced quotes or a line break inside a field; the line was not imported",
    ),
    "line_columns": (
        "该行有{found}列，表头有{expected}列；该行未导入",
        "The line has {found} columns but the header has {expected}; not imported",
    ),
    "line_json": ("该行不是有效的 JSON 对象", "The line is not a valid JSON object"),
    "line_unknown_field": (
        "该行含有无法识别的字段：{columns}",
        "The line has unknown field(s): {columns}",
    ),
    "no_header": ("该单元格所在列没有表头", "This cell's column has no header"),
    "cell_error": ("单元格为错误值（如 #N/A）", "The cell holds an error value (such as #N/A)"),
    "row_formula": (
        "单元格{cell}含有公式，该行未导入；请将公式转换为数值后再上传（系统不计算公式）",
        "Cell {cell} contains a formula; the row was not imported: convert formulas to values "
        "(formulas are never evaluated)",
    ),
    "row_merged": (
        "该行含有合并单元格（{cells}），合并后其余单元格为空；该行未导入，请取消合并后重新上传",
        "The row has merged cells ({cells}), which leave the other cells empty; not imported: "
        "unmerge them and upload again",
    ),
    "required": ("必填项为空", "Required value is missing"),
    "type": ("单元格类型无效", "Invalid cell type"),
    "id_not_text": (
        "身份证号列须为文本格式：该单元格是数字（或被写成 3.60124E+17、…1233.0 这样的数字形式），"
        "号码可能已经改变；请把该列设为“文本”格式，从原始数据重新导出",
        "The ID-number column must be formatted as text, not as a number: this cell is a number (or "
        "looks like one, 3.60124E+17, …1233.0) and its digits may have changed; format the column as text "
        "and export it again from the source data",
    ),
    "id_precision": (
        "身份证号后三位为000，是 Excel 按数字保存后只剩15位有效数字的典型结果，原号码已无法还原；"
        "请把该列设为“文本”格式，从原始数据重新导出",
        "The ID number ends in 000, the typical result of Excel storing it as a number (only 15 "
        "significant digits kept); the real number is lost: format the column as text and export "
        "it again from the source data",
    ),
    "ident_number": (
        "该列是编号，须为文本：单元格是数字，长号码会被 Excel 改成科学计数法或把末尾改成0，开头的0也会丢失；"
        "请把该列设为“文本”格式后重新导出",
        "This column holds a number-like code and must be text: the cell is a number, so long codes "
        "lose their last digits and codes lose leading zeros; format the column as text and export again",
    ),
    "ident_scientific": (
        "该编号被写成了科学计数法（如 6.22908E+18），原来的数字已丢失；请把该列设为“文本”格式，从原始数据重新导出",
        "The code is in scientific notation (such as 6.22908E+18) and its digits are lost; format "
        "the column as text and export it again from the source data",
    ),
    "ident_decimal": (
        "该编号带有小数点（如 1020000.0），说明它被当作数字保存过；请把该列设为“文本”格式后重新导出",
        "The code has a decimal point (such as 1020000.0): it was stored as a number; format the "
        "column as text and export again",
    ),
    "ident_precision": (
        "该编号第15位之后全是0，是 Excel 按数字保存后丢失末尾数字的典型结果；请把该列设为“文本”格式，从原始数据重新导出",
        "Every digit after the fifteenth is 0, the typical result of Excel storing the code as a "
        "number; format the column as text and export it again from the source data",
    ),
    "ident_digits": ("该编号只能由数字组成", "This code must consist of digits only"),
    "ident_credit_code": (
        "统一社会信用代码无效（须为18位，且校验码正确）",
        "Invalid unified social credit code (18 characters with a correct check character)",
    ),
    "ident_width": ("长度应为{widths}位", "Must have {widths_en} characters"),
    "ident_width_short": (
        "长度应为{widths}位：位数不足，可能是 Excel 去掉了开头的0；请把该列设为“文本”格式后重新导出",
        "Must have {widths_en} digits: too short, Excel may have dropped leading zeros; format "
        "the column as text and export again",
    ),
    "date_format": (
        "日期格式错误：请使用 2024-03-07、2024/3/7 或 2024年3月7日",
        "Malformed date: use 2024-03-07, 2024/3/7 or 2024年3月7日",
    ),
    "date_two_digit_year": (
        "日期须使用四位年份",
        "Dates must have a four-digit year",
    ),
    "date_invalid": ("日期不存在", "The date does not exist"),
    "date_range": ("日期超出合理范围（1900–2099年）", "Date out of range (1900–2099)"),
    "date_time": ("日期不能包含时间", "A date must not include a time of day"),
    "date_future": (
        "日期晚于{day}，该项不能是将来的日期",
        "The date is after {day}; this field cannot be in the future",
    ),
    "date_month_only": (
        "须为完整日期（年、月、日），这里只有年月",
        "A full date (year, month and day) is needed; this is only a month",
    ),
    "date_year_last": (
        "年份写在最后的日期（如 05/10/2026）无法确定月、日的顺序；请使用 2026-10-05",
        "A date with the year last (such as 05/10/2026) is ambiguous between day and month; "
        "use 2026-10-05",
    ),
    "month_day": (
        "该项是月份：请写年月（如 2024-03 或 2024年3月），或写该月1日；其他日期不会被改成月份",
        "This field is a month: write the year and month (2024-03, 2024年3月) or the month's first "
        "day; another day is never turned into a month",
    ),
    "month_format": (
        "月份格式错误：请使用 2024-03、2024/3 或 2024年3月",
        "Malformed month: use 2024-03, 2024/3 or 2024年3月",
    ),
    "person_out_of_scope": (
        "该人员户籍登记在您的辖区之外，不能由您上传其数据",
        "This person is registered outside your area; you may not upload data about them",
    ),
    "person_region_unknown": (
        "该人员不在登记库中，且未填写行政区划代码，无法确认属于您的辖区",
        "This person is not in the registry and the row has no region code, so it cannot be "
        "shown to be in your area",
    ),
    "date_number": (
        "日期列须为日期格式或文本，不能是数字",
        "A date column must hold dates or text, not numbers",
    ),
    "date_excel_1900": (
        "日期早于1900年3月1日，Excel 的1900日期系统无法可靠表示（如不存在的1900-02-29）",
        "Dates before 1900-03-01 are unreliable in Excel's 1900 date system "
        "(e.g. the non-existent 1900-02-29)",
    ),
    "decimal_format": ("数值格式错误", "Malformed number"),
    "decimal_precision": ("数值最多保留两位小数", "At most two decimal places"),
    "decimal_negative": ("数值不能为负数", "Must not be negative"),
    "decimal_range": ("数值超出允许范围", "Number out of range"),
    "int_format": ("须为整数", "Must be a whole number"),
    "int_range": ("整数超出允许范围（{low}–{high}）", "Whole number out of range ({low}–{high})"),
    "bool_format": ("须为 是/否（或 1/0、true/false）", "Must be yes/no (or 1/0, true/false)"),
    "choice": ("不是允许的取值；允许：{allowed}", "Not an allowed value; allowed: {allowed_en}"),
    "text_numeric": (
        "该列须为文本格式，不能是小数或科学计数法",
        "This column must be text, not a decimal or exponent number",
    ),
    "text_too_long": ("文本过长（最多{limit}字）", "Text too long (at most {limit} characters)"),
    "text_control": ("文本含有控制字符", "Text contains control characters"),
    "region_format": (
        "行政区划代码须为6、9或12位数字",
        "A region code must have 6, 9 or 12 digits",
    ),
    "region_not_allowed": (
        "行政区划代码不存在、已撤销或不在您的管辖范围内",
        "Region code unknown, abolished or outside your area",
    ),
    "duplicate": (
        "与第{first}行完全相同（共{count}行），只保留第一行",
        "Identical to row {first} ({count} rows in all); only the first is kept",
    ),
    "conflict": (
        "与第{others}行的{key}相同但其他内容不同；这些行均未导入，请核实后重新上传",
        "Same {key_en} as row(s) {others} but different data; none of these rows were "
        "imported: check and upload again",
    ),
}


def message(code: str, **params: object) -> tuple[str, str]:
    """The (Chinese, English) message for *code*, with *params* filled in."""
    zh, en = MESSAGES[code]
    return zh.format(**params), en.format(**params)


class ExchangeFileError(InputError):
    """The whole file is rejected.  ``code`` is a key of :data:`MESSAGES`.

    ``sheet``, ``row`` and ``column`` locate the problem when there is one place to
    point at (the first bad line, the header that is unknown).  ``str(e)`` is the Chinese
    message (:class:`~jiuzhu.rules.text.InputError`).
    """

    sheet: str | None
    row: int | None
    column: str | None
    # header_unknown: each unknown column as written, with the suggested field name (or None)
    unknown: tuple[tuple[str, str | None], ...] = ()

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(code, message_zh, message_en)
        self.sheet = sheet
        self.row = row
        self.column = column

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, str]]:
        # Location is lost on pickling, like the base class's extra attributes would be;
        # the code and both messages (what a worker must report) survive.
        return (type(self), (self.code, self.message_zh, self.message_en))

    def as_row_error(self) -> RowError:
        """The same problem as one line of a row-error report."""
        return RowError(self.sheet, self.row, self.column, self.code, self.message_zh,
                        self.message_en, "")


def file_error(
    code: str,
    *,
    sheet: str | None = None,
    row: int | None = None,
    column: str | None = None,
    **params: object,
) -> ExchangeFileError:
    """Build an :class:`ExchangeFileError` from :data:`MESSAGES`."""
    zh, en = message(code, **params)
    return ExchangeFileError(code, zh, en, sheet=sheet, row=row, column=column)


@dataclass(frozen=True)
class RowError:
    """One line of the row-error report (R23).

    ``row`` is the row as the user sees it: the spreadsheet row or the CSV/JSON-lines line
    number (the header is row 1 in CSV and XLSX); for Parquet, the 1-based record number.
    ``column`` is the header as written in the file, or ``None`` for a whole-line error.
    ``value_masked`` is the offending value, masked (ID numbers as ``360102********0013``)
    or truncated; never the raw value.
    """

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message_zh: str
    message_en: str
    value_masked: str = ""

    @classmethod
    def of(
        cls,
        code: str,
        *,
        sheet: str | None,
        row: int | None,
        column: str | None = None,
        value_masked: str = "",
        **params: object,
    ) -> RowError:
        zh, en = message(code, **params)
        return cls(sheet, row, column, code, zh, en, value_masked)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``jiuzhu import --dry-run``, the API)."""
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message_zh,
            "message_en": self.message_en,
            "value": self.value_masked,
        }
