"""Header rows: finding them under a template's title, and mapping their columns to a feed's fields.

Pure Python, no Django.  RELIABILITY U10, U13; issue 14 items 7 and 8; ADR 0014, 0015.

A column title is recognised by field name, Chinese label or alias after
:func:`~jiuzhu.rules.exchange.sources.header_key` normalisation, by the department's own
column mapping (which may also *ignore* a column), and :data:`IGNORED_HEADERS` (序号, 备注)
are ignored in every feed.  Ignored columns are read and dropped: never stored.

Office templates put title rows and "制表单位" lines above the header, a totals row (合计)
and footer lines (制表人, 审核人) below the data.  :func:`find_header` picks the header among
the first rows; :func:`classify_row` recognises totals and footers, which the readers skip
and report (:class:`~jiuzhu.engine.exchange.readers.base.Skipped`), never as data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from jiuzhu.engine.exchange.errors import file_error
from jiuzhu.engine.exchange.readers.base import ColumnInfo, ColumnMapping, Limits, unsupported
from jiuzhu.rules.exchange.sources import (
    IGNORED_HEADER_KEYS,
    Source,
    header_key,
    suggest_field,
)
from jiuzhu.rules.text import normalise_text

__all__ = [
    "HEADER_SCAN_ROWS",
    "ColumnMapping",
    "Header",
    "HeaderIndex",
    "blank_column_with_data",
    "cell_text",
    "classify_row",
    "find_header",
    "header_index",
    "is_repeated_header",
    "map_header",
    "recognised",
    "safe_label",
]

# How far down a sheet the header may be (title rows, 制表单位 lines, a two-row header).
HEADER_SCAN_ROWS: Final = 30

# header_key → (field name or None for an ignored column, how it was recognised)
HeaderIndex = dict[str, tuple["str | None", str]]

# Totals rows: a cell reading one of these (after header_key: no spaces, case-folded; a
# trailing colon removed).
_TOTAL_WORDS: Final = frozenset({"合计", "总计", "小计", "共计", "总合计", "合计金额", "本页合计", "本页小计",
                                 "累计", "全县合计", "全市合计", "汇总", "total", "subtotal", "sum"})
_RE_SUM: Final = re.compile(r"=\s*(?:SUM|SUBTOTAL|SUMIF|SUMIFS)\s*\(", re.IGNORECASE)
# Footer lines under the data: who made, checked, approved the table, and notes.
_RE_FOOTER: Final = re.compile(
    r"(?:制表人|制表|填表人|填报人|审核人|审核|复核人|复核|审批人|负责人|单位负责人|分管领导|主管领导|经办人|"
    r"联系人|联系电话|制表日期|填报日期|填表日期|报送日期|打印日期|打印时间|制表时间|制表单位|填报单位|"
    r"注|说明|备注|附注)\s*(?:[:：]|$)")
_RE_DIGIT_RUN: Final = re.compile(r"[0-9]{6,}[0-9Xx]*")


@dataclass(frozen=True)
class Header:
    """A header row: which field each column holds.

    ``fields``: per column, the field name or None (a blank header cell, or an ignored
    column); ``ignored``: positions of ignored columns (their data is read and dropped);
    ``labels``: field → header as written; ``info``: every column, as shown in the preview;
    ``row``: the header's row (line) number.
    """

    fields: tuple[str | None, ...]
    labels: dict[str, str]
    ignored: frozenset[int] = frozenset()
    info: tuple[ColumnInfo, ...] = ()
    row: int = 1

    def row_dict(self, cells: Sequence[object]) -> dict[str, object]:
        return {f: cells[i] if i < len(cells) else None
                for i, f in enumerate(self.fields) if f is not None}

    @property
    def blank_columns(self) -> list[int]:
        """0-based positions of columns with a blank header (data under them is an error)."""
        return [j for j, name in enumerate(self.fields) if name is None and j not in self.ignored]

    @property
    def provided(self) -> frozenset[str]:
        """The fields this file supplies (an absent optional column means "not provided")."""
        return frozenset(self.labels)


def header_index(source: Source, mapping: ColumnMapping | None = None) -> HeaderIndex:
    """header_key → (field name or None, how): built-in names, labels and aliases, the
    always-ignored headers, then the department's mapping (which wins)."""
    index: HeaderIndex = dict.fromkeys(IGNORED_HEADER_KEYS, (None, "ignored"))
    for f in source.fields:
        index[header_key(f.name)] = (f.name, "name")
        index.setdefault(header_key(f.label_zh), (f.name, "label"))
        for a in f.aliases:
            index.setdefault(header_key(a), (f.name, "alias"))
    for text, name in (mapping or {}).items():
        key = header_key(text)
        if key:
            index[key] = (name, "mapping") if name else (None, "ignored")
    return index


def cell_text(v: object) -> str:
    return "" if v is None else normalise_text(str(v))


# A unit or format note after a column title that changes nothing about the value: 总费用（元）,
# 身份证号码（18位）, 结算日期(yyyy-mm-dd).  Only these: 金额（万元） is another scale and is
# never read as yuan.
_RE_HEADER_NOTE: Final = re.compile(
    r"\((?:元|人民币元|单位:?元|18位|yyyy-mm-dd|yyyy/mm/dd|yyyymmdd|年-月-日|年月日|格式:.{1,12})\)$",
    re.IGNORECASE)


def lookup(index: HeaderIndex, text: str) -> tuple[str | None, str] | None:
    """What a column title names: the index entry of its header key, or of the key without a
    harmless unit note (see :data:`_RE_HEADER_NOTE`); None if nothing."""
    key = header_key(text)
    hit = index.get(key)
    if hit is None:
        bare = _RE_HEADER_NOTE.sub("", key)
        if bare != key:
            hit = index.get(bare)
    return hit


def recognised(index: HeaderIndex, cells: Sequence[object]) -> set[str]:
    """The fields named by a row's cells (through *index*)."""
    out = set()
    for c in cells:
        hit = lookup(index, cell_text(c))
        if hit is not None and hit[0] is not None:
            out.add(hit[0])
    return out


def find_header(source: Source, index: HeaderIndex, rows: Sequence[Sequence[object]]) -> int | None:
    """Which of the first *rows* is the header: the first naming every required field; failing
    that the one naming the most fields (whose mapping then says what is wrong); None if no
    row names any field."""
    required = set(source.required_fields)
    best, best_n = None, 0
    for i, cells in enumerate(rows):
        found = recognised(index, cells)
        if required <= found and found:
            return i
        if len(found) > best_n:
            best, best_n = i, len(found)
    return best


def map_header(source: Source, cells: Sequence[object], sheet: str | None, limits: Limits,
               index: HeaderIndex | None = None, row: int = 1) -> Header:
    """Check a header row (U10, U13) and map its columns to fields.

    Rejected, naming the columns: duplicates (two columns for one field, e.g. 身份证号
    and id_number), unknown columns (also the backstop for mojibake from a wrong encoding,
    U9; each with the nearest field as a suggestion), then missing required columns.  Blank
    header cells are allowed (Excel writes phantom empty columns); data under them is a row
    error.
    """
    if len(cells) > limits.max_columns:
        raise unsupported(f"列数超过{limits.max_columns}", f"more than {limits.max_columns} columns")
    index = index if index is not None else header_index(source)
    fields: list[str | None] = []
    labels: dict[str, str] = {}
    ignored: set[int] = set()
    info: list[ColumnInfo] = []
    unknown: list[str] = []
    duplicates: list[str] = []
    for j, raw in enumerate(cells):
        text = cell_text(raw)
        if not text:
            fields.append(None)
            continue
        name, how = lookup(index, text) or (None, "")
        if how == "ignored":
            ignored.add(j)
            fields.append(None)
        elif name is None:
            unknown.append(text)
            fields.append(None)
        elif name in labels:
            duplicates.append(f"{labels[name]} / {text}")
            fields.append(None)
        else:
            labels[name] = text
            fields.append(name)
        info.append(ColumnInfo(sheet, j + 1, text, name, how or "unknown"))
    if duplicates:
        raise file_error("header_duplicate", sheet=sheet, row=row, column=duplicates[0],
                         columns="；".join(duplicates))
    if unknown:
        supplied = frozenset(labels)
        hints = [(u, suggest_field(source, u, exclude=supplied)) for u in unknown]
        zh = "、".join(f"{u}（可能是“{f.label_zh}”）" if f else u for u, f in hints[:10])
        en = ", ".join(f"{u} (perhaps {f.name})" if f else u for u, f in hints[:10])
        more = "…" if len(unknown) > 10 else ""
        err = file_error("header_unknown", sheet=sheet, row=row, column=unknown[0],
                         columns=zh + more, columns_en=en + more)
        err.unknown = tuple((u, f.name if f else None) for u, f in hints)
        raise err
    missing = [f"{source.field(n).label_zh}（{n}）" for n in source.required_fields
               if n not in labels]
    if missing:
        raise file_error("header_missing", sheet=sheet, row=row, column=missing[0],
                         columns="、".join(missing))
    return Header(tuple(fields), labels, frozenset(ignored), tuple(info), row)


def is_repeated_header(index: HeaderIndex, source: Source, cells: Sequence[object]) -> bool:
    """True if a data row consists of header texts: a second header row (U13)."""
    texts = [t for t in (cell_text(c) for c in cells) if t]
    return len(texts) >= min(2, len(source.fields)) and all(
        lookup(index, t) is not None for t in texts
    )


def blank_column_with_data(header: Header, cells: Sequence[Any]) -> int | None:
    """1-based index of the first column without a header that holds a value, if any
    (ignored columns hold values by design)."""
    for i, c in enumerate(cells):
        if i in header.ignored:
            continue
        if (i >= len(header.fields) or header.fields[i] is None) and c is not None and str(c).strip():
            return i + 1
    return None


def _person_cells(source: Source, header: Header, cells: Sequence[object]) -> bool:
    """Does any ID-number column of the row hold something that could be an ID number?"""
    for j, name in enumerate(header.fields):
        if name is not None and j < len(cells) and source.field(name).type == "id_number":
            digits = sum(ch.isdigit() for ch in cell_text(cells[j]))
            if digits >= 15:
                return True
    return False


def classify_row(source: Source, header: Header, cells: Sequence[object],
                 formulas: Sequence[str] = ()) -> tuple[str, str] | None:
    """``("totals", label)`` or ``("footer", label)`` for a row that is not data, else None.

    A totals row has a cell reading 合计/总计/小计… or a SUM/SUBTOTAL formula; a footer line
    starts with 制表人/审核人/填报日期/注…; neither has an ID number in an ID column, so a
    person's row is never mistaken for one.  *label* is the word found, never a value.
    """
    if _person_cells(source, header, cells):
        return None
    texts = [cell_text(c) for c in cells]
    first = next((t for t in texts if t), "")
    if first and _RE_FOOTER.match(first):
        m = _RE_FOOTER.match(first)
        assert m is not None
        return "footer", m.group(0).rstrip(":： ")
    for t in texts:
        key = header_key(t).rstrip(":：")
        if key in _TOTAL_WORDS:
            return "totals", t.rstrip(":： ")
    if any(_RE_SUM.match(f) for f in formulas):
        return "totals", "SUM"
    return None


def safe_label(text: str, limit: int = 60) -> str:
    """Text of a skipped row shown to the user: digit runs that could be identifiers masked."""
    t = _RE_DIGIT_RUN.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), normalise_text(text))
    return t if len(t) <= limit else t[: limit - 1] + "…"
