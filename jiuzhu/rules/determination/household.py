"""The household interchange format (docs/schemas/household.schema.json): validate one household.

:func:`parse_household` checks a household given as a JSON object and returns its rows in
the snapshot layout (one list of row dicts per snapshot table), so that one household goes
through exactly the same feature query and formulas as the registry.  Every error names
the field (``members[2].birth_date``) in Chinese and English; amounts must be decimal
strings (or integers) — a JSON float is refused, because money never passes through float.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from jiuzhu.rules.identity import parse_id_number
from jiuzhu.rules.money import MoneyError, parse_money
from jiuzhu.rules.text import InputError
from jiuzhu.rules.vocab import (
    ADL_ITEMS,
    AreaType,
    CapacityAssessor,
    DisabilityType,
    Employment,
    ExpenseType,
    IncomeType,
    PropertyType,
    Relation,
    SchoolStage,
    WorkCapacity,
)

__all__ = ["EXCLUSION_FLAGS", "HouseholdError", "parse_household"]

EXCLUSION_FLAGS: Final[tuple[str, ...]] = (
    "in_prison", "compulsory_detox", "declared_missing", "religious_away", "military_service",
)
MEMBER_FLAGS: Final[tuple[str, ...]] = (
    "serious_illness", *ADL_ITEMS, *EXCLUSION_FLAGS, "orphan", "receiving_tekun", "difficult_worker",
)
LEFT_REASONS: Final[tuple[str, ...]] = ("improved", "other")


class HouseholdError(InputError):
    """A household that cannot be determined; ``field`` names the offending field."""

    field: str

    def __init__(self, code: str, message_zh: str, message_en: str, field: str = "") -> None:
        super().__init__(code, message_zh, message_en)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.message_zh, self.message_en, self.field))


def _fail(field: str, code: str, zh: str, en: str) -> HouseholdError:
    return HouseholdError(code, f"字段 {field}：{zh}", f"Field {field}: {en}", field)


def _str(obj: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{where}{key}", "missing", "必填", "is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"{where}{key}", "type", "须为非空文本", "must be non-empty text")
    return value.strip()


def _code(obj: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...], *, required: bool = False, default: str | None = None) -> str | None:
    value = _str(obj, key, where, required=required)
    if value is None:
        return default
    if value not in allowed:
        raise _fail(f"{where}{key}", "code", f"取值 {value!r} 不在允许范围 {list(allowed)} 内", f"value {value!r} is not one of {list(allowed)}")
    return value


def _bool(obj: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _fail(f"{where}{key}", "type", "须为 true 或 false", "must be true or false")
    return value


def _date(obj: Mapping[str, Any], key: str, where: str, *, required: bool = False) -> date | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise _fail(f"{where}{key}", "missing", "必填", "is required")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(f"{where}{key}", "date", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD")


def _money(obj: Mapping[str, Any], key: str, where: str, *, allow_negative: bool = False) -> Decimal:
    if obj.get(key) is None:
        raise _fail(f"{where}{key}", "missing", "必填", "is required")
    try:
        return parse_money(obj[key], allow_negative=allow_negative)
    except MoneyError as exc:
        raise _fail(f"{where}{key}", f"money_{exc.code}", exc.message_zh, exc.message_en) from None


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(key, "type", "须为数组", "must be an array")
    return value


def _objects(obj: Mapping[str, Any], key: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(field-path prefix, item) for each item of a list of objects; a non-object names its index."""
    for i, it in enumerate(_list(obj, key)):
        if not isinstance(it, Mapping):
            raise _fail(f"{key}[{i}]", "type", "须为对象", "must be an object")
        yield f"{key}[{i}].", it


def _values(enum: Any) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


def _period(item: Mapping[str, Any], where: str) -> tuple[date | None, date | None]:
    start = _date(item, "period_start", where)
    end = _date(item, "period_end", where)
    if start and end and end < start:
        raise _fail(f"{where}period_end", "period", "结束日期早于开始日期", "is before period_start")
    return start, end


def parse_household(obj: Any, as_of: date) -> dict[str, list[dict[str, Any]]]:
    """Validate a household object; return its rows per snapshot table.

    Raises :class:`HouseholdError` naming the field on the first problem found.
    """
    if not isinstance(obj, Mapping):
        raise HouseholdError("type", "家庭数据须为 JSON 对象", "A household must be a JSON object", "")
    hid = _str(obj, "household_id", "", required=True)
    assert hid is not None
    county = _str(obj, "county_code", "", required=True)
    assert county is not None
    if len(county) != 6 or not county.isdigit():
        raise _fail("county_code", "format", "须为6位数字区划代码", "must be a 6-digit region code")
    area = _code(obj, "area_type", "", _values(AreaType), required=True)
    reason = _code(obj, "left_assistance_reason", "", LEFT_REASONS)
    household = {
        "household_id": hid,
        "county_code": county,
        "area_type": area,
        "refused_on": _date(obj, "refused_on", ""),
        "left_assistance_on": _date(obj, "left_assistance_on", ""),
        "left_assistance_reason": reason,
        "county_confirmed_hardship": _bool(obj, "county_confirmed_hardship", ""),
        "poverty_monitoring": _bool(obj, "poverty_monitoring", ""),
    }
    raw_members = _list(obj, "members")
    if not raw_members:
        raise _fail("members", "no_members", "家庭至少要有一名成员", "a household needs at least one member")
    members: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, m in enumerate(raw_members):
        where = f"members[{i}]."
        if not isinstance(m, Mapping):
            raise _fail(f"members[{i}]", "type", "须为对象", "must be an object")
        mid = _str(m, "member_id", where, required=True)
        assert mid is not None
        if mid in seen:
            raise _fail(f"{where}member_id", "duplicate", f"成员编号 {mid} 重复", f"member_id {mid} is duplicated")
        seen.add(mid)
        birth = _date(m, "birth_date", where)
        person_key = _str(m, "person_key", where)
        raw_id = m.get("id_number")
        if raw_id is not None:
            if not isinstance(raw_id, str):
                raise _fail(f"{where}id_number", "type", "身份证号码须为文本", "must be text")
            try:
                idn = parse_id_number(raw_id, today=as_of)
            except InputError as exc:
                raise _fail(f"{where}id_number", f"id_{exc.code}", exc.message_zh, exc.message_en) from None
            if birth is None:
                birth = idn.birth_date
            elif birth != idn.birth_date:
                raise _fail(f"{where}birth_date", "birth_mismatch", "与身份证号码中的出生日期不一致", "does not match the ID number")
            person_key = person_key or hashlib.sha256(idn.value.encode("ascii")).hexdigest()
        if birth is None:
            raise _fail(f"{where}birth_date", "missing", "必填（或提供身份证号码）", "is required (or give id_number)")
        if birth > as_of:
            raise _fail(f"{where}birth_date", "future", "晚于认定日期", "is after the as-of date")
        grade = m.get("disability_grade")
        if grade is not None and (isinstance(grade, bool) or not isinstance(grade, int) or not 1 <= grade <= 4):
            raise _fail(f"{where}disability_grade", "grade", "残疾等级须为1–4的整数", "must be an integer 1–4")
        dtype = _code(m, "disability_type", where, _values(DisabilityType), default="none")
        if grade is not None and dtype == "none":
            raise _fail(f"{where}disability_type", "grade_without_type", "有残疾等级时须注明残疾类别", "is required when disability_grade is given")
        row: dict[str, Any] = {
            "household_id": hid,
            "member_id": mid,
            "person_key": person_key,
            "birth_date": birth,
            "relation": _code(m, "relation", where, _values(Relation)),
            "work_capacity": _code(m, "work_capacity", where, _values(WorkCapacity)),
            "work_capacity_assessed_by": _code(m, "work_capacity_assessed_by", where, _values(CapacityAssessor)),
            "disability_type": dtype,
            "disability_grade": grade,
            "school_stage": _code(m, "school_stage", where, _values(SchoolStage), default="none"),
            "employment": _code(m, "employment", where, _values(Employment)),
        }
        for flag in MEMBER_FLAGS:
            row[flag] = _bool(m, flag, where)
        members.append(row)

    def member_ref(item: Mapping[str, Any], where: str) -> str | None:
        mid = _str(item, "member_id", where)
        if mid is not None and mid not in seen:
            raise _fail(f"{where}member_id", "member_unknown", f"成员编号 {mid} 不在 members 中", f"member_id {mid} is not among the members")
        return mid

    income: list[dict[str, Any]] = []
    for where, it in _objects(obj, "income_items"):
        start, end = _period(it, where)
        counted = _bool(it, "counted", where)
        reason = _str(it, "exclusion_reason", where)
        if counted is False and reason is None:
            # a caseworker's exclusion is never silent: the reason is shown on the sheet
            raise _fail(f"{where}exclusion_reason", "missing", "不计入收入时须说明原因", "is required when counted is false")
        income.append({
            "household_id": hid,
            "member_id": member_ref(it, where),
            "income_type": _code(it, "income_type", where, _values(IncomeType), required=True),
            "subtype": _str(it, "subtype", where),
            "amount": _money(it, "amount", where, allow_negative=True),
            "period_start": start,
            "period_end": end,
            "counted": counted,
            "exclusion_reason": reason,
        })
    props: list[dict[str, Any]] = []
    for where, it in _objects(obj, "property_items"):
        props.append({
            "household_id": hid,
            "member_id": member_ref(it, where),
            "property_type": _code(it, "property_type", where, _values(PropertyType), required=True),
            "value": _money(it, "value", where),
            "exempt": _bool(it, "exempt", where),
        })
    expenses: list[dict[str, Any]] = []
    for where, it in _objects(obj, "expenses"):
        start, end = _period(it, where)
        expenses.append({
            "household_id": hid,
            "member_id": member_ref(it, where),
            "expense_type": _code(it, "expense_type", where, _values(ExpenseType), required=True),
            "amount": _money(it, "amount", where),
            "period_start": start,
            "period_end": end,
        })
    supporters: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    supporter_ids: set[str] = set()
    for n, (where, it) in enumerate(_objects(obj, "supporters")):
        able = _bool(it, "able_to_support", where)
        if able is None:
            raise _fail(f"{where}able_to_support", "missing", "必填", "is required")
        sid = _str(it, "supporter_id", where) or f"{hid}-s{n}"
        if sid in supporter_ids:
            raise _fail(f"{where}supporter_id", "duplicate", f"义务人编号 {sid} 重复", f"supporter_id {sid} is duplicated")
        supporter_ids.add(sid)
        supporters.append({
            "household_id": hid,
            "supporter_id": sid,
            "relation": _str(it, "relation", where),
            "able_to_support": able,
            "reason": _str(it, "reason", where),
        })
        # the member(s) this supporter is obliged to support; absent: not recorded (docs/decisions/0016)
        supported = it.get("supported_member_ids") or []
        if not isinstance(supported, list):
            raise _fail(f"{where}supported_member_ids", "type", "须为数组", "must be an array")
        seen_links: set[str] = set()
        for k, ref in enumerate(supported):
            field = f"{where}supported_member_ids[{k}]"
            if not isinstance(ref, str) or not ref.strip():
                raise _fail(field, "type", "须为成员编号（文本）", "must be a member_id (text)")
            if ref not in seen:
                raise _fail(field, "member_unknown", f"成员编号 {ref} 不在 members 中", f"member_id {ref} is not among the members")
            if ref in seen_links:
                raise _fail(field, "duplicate", f"成员编号 {ref} 重复", f"member_id {ref} is repeated")
            seen_links.add(ref)
            links.append({"household_id": hid, "supporter_id": sid, "member_id": ref})
    return {
        "households": [household],
        "members": members,
        "income_items": income,
        "property_items": props,
        "expenses": expenses,
        "supporters": supporters,
        "support_links": links,
    }
