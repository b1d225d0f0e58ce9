"""Policy cases (政策测试用例): YAML a policy officer can read, turned into households.

A case file has optional ``defaults`` and a list of ``cases``.  Each case describes a
household in a few lines and what the policy says should happen::

    - name: 低保：两口之家，月人均收入比标准低一分钱
      clause: 实施意见 §1
      as_of: 2026-01-15
      county: "360102"          # 东湖区（南昌市）
      area: urban
      members:
        - {id: A, age: 45}
        - {id: B, age: 40}
      monthly_income: "1999.98"   # household income per month, for the whole window
      expect:
        categories: [dibao]
        benefits: {dibao: "0.00"}
        figures: {per_capita_income: "999.99"}

Shortcuts (all optional): ``age`` (周岁 on the as-of date; the birthday was 30 days before)
or ``birth_date``; ``disability: {type, grade}``; ``adl_failed: N`` (the first N of the six
self-care items cannot be done); ``monthly_income``; income items with ``monthly`` (over
the whole window) or ``amount`` with ``from``/``to`` (``not_counted: reason`` marks a
caseworker's exclusion); expenses with ``amount`` (over the window); ``property`` (``member`` for
a member's own); ``supporters`` (``supports: [A, B]`` the members each is obliged to support;
without it, every member); member ``relation`` (to the head; the first member is the head, the
others' relations are not recorded unless given) and ``work_capacity_assessed_by``; facts
(``refused_on``, ``left_assistance_on``,
``left_assistance_reason``, ``county_confirmed_hardship``, ``poverty_monitoring``);
``params`` (what-if overrides for this case).  ``expect`` may give ``categories``,
``benefits`` (yuan strings), ``figures`` (named intermediates; ``*_fen`` ones in yuan
without the suffix), ``members`` (per member: ``tekun``, ``care_level``, ``individual``,
``category`` — the member's one category)
or ``error`` (an error code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jiuzhu.rules.determination.paramtable import income_window, years_before
from jiuzhu.rules.vocab import ADL_ITEMS

__all__ = ["PolicyCase", "case_to_household", "load_cases"]

_MEMBER_PASS = (
    "relation", "work_capacity", "work_capacity_assessed_by", "school_stage", "employment", "serious_illness",
    "receiving_tekun", "orphan", "difficult_worker", "in_prison", "compulsory_detox", "declared_missing",
    "religious_away", "military_service", "id_number", "person_key",
)


@dataclass
class PolicyCase:
    """One case: where it came from, the household built from it, and the expectations."""

    file: str
    name: str
    clause: str
    as_of: date
    household: dict[str, Any]
    expect: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _yuan(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError(f"case amounts must be strings, got float {value!r}")
    return Decimal(str(value))


def _s(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def case_to_household(spec: Mapping[str, Any], defaults: Mapping[str, Any], hid: str) -> tuple[dict[str, Any], date]:
    """Build the interchange-format household of a case; returns (household, as_of)."""
    c = {**defaults, **spec}
    as_of = _d(c["as_of"])
    w_start, w_end = income_window(as_of, int(c.get("window_months", 12)))
    months = int(c.get("window_months", 12))
    members: list[dict[str, Any]] = []
    ids: list[str] = []
    for i, m in enumerate(c.get("members") or []):
        mid = f"{hid}-{m.get('id', i)}"
        ids.append(mid)
        if "birth_date" in m:
            birth = _d(m["birth_date"])
        else:
            birth = years_before(as_of, int(m["age"])) - timedelta(days=30)
        out: dict[str, Any] = {"member_id": mid, "birth_date": birth.isoformat()}
        if i == 0:
            out["relation"] = "head"  # the others' relations are not recorded unless the case says
        out["employment"] = "not_working"
        out["work_capacity"] = "full"
        for key in _MEMBER_PASS:
            if key in m:
                out[key] = m[key]
        if "disability" in m:
            out["disability_type"] = m["disability"]["type"]
            out["disability_grade"] = int(m["disability"]["grade"])
        failed = int(m.get("adl_failed", 0))
        for k, item in enumerate(ADL_ITEMS):
            out[item] = k >= failed
        members.append(out)

    def member_ref(ref: Any) -> str | None:
        if ref is None:
            return None
        return f"{hid}-{ref}"

    income: list[dict[str, Any]] = []
    if "monthly_income" in c:
        income.append({
            "member_id": ids[0] if ids else None, "income_type": "wages", "subtype": "odd_jobs",
            "amount": _s(_yuan(c["monthly_income"]) * months),
            "period_start": w_start.isoformat(), "period_end": w_end.isoformat(),
        })
    for it in c.get("income") or []:
        start = _d(it["from"]) if "from" in it else w_start
        end = _d(it["to"]) if "to" in it else w_end
        amount = _yuan(it["monthly"]) * months if "monthly" in it else _yuan(it["amount"])
        income.append({
            "member_id": member_ref(it.get("member")), "income_type": it.get("type", "wages"),
            "subtype": it.get("subtype", "salary"), "amount": _s(amount),
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            **({"counted": False, "exclusion_reason": it["not_counted"]} if it.get("not_counted") else {}),
        })
    expenses = []
    for it in c.get("expenses") or []:
        expenses.append({
            "member_id": member_ref(it.get("member")), "expense_type": it["type"], "amount": _s(_yuan(it["amount"])),
            "period_start": (_d(it["from"]) if "from" in it else w_start).isoformat(),
            "period_end": (_d(it["to"]) if "to" in it else w_end).isoformat(),
        })
    props = [
        {"member_id": member_ref(p.get("member")), "property_type": p["type"], "value": _s(_yuan(p["value"])),
         "exempt": bool(p.get("exempt", False))}
        for p in c.get("property") or []
    ]
    supporters = [
        {"relation": s.get("relation", "child"), "able_to_support": bool(s["able"]), "reason": s.get("reason"),
         **({"supported_member_ids": [f"{hid}-{m}" for m in s["supports"]]} if s.get("supports") else {})}
        for s in c.get("supporters") or []
    ]
    household: dict[str, Any] = {
        "household_id": hid,
        "county_code": str(c.get("county", "360102")),
        "area_type": c.get("area", "urban"),
        "members": members,
        "income_items": income,
        "property_items": props,
        "expenses": expenses,
        "supporters": supporters,
    }
    for fact in ("refused_on", "left_assistance_on", "left_assistance_reason", "county_confirmed_hardship", "poverty_monitoring"):
        if fact in c:
            value = c[fact]
            household[fact] = value.isoformat() if isinstance(value, date) else value
    return household, as_of


def _default_dir() -> Path:
    return Path(str(resources.files("jiuzhu.rules").joinpath("cases")))


def load_cases(directory: str | Path | None = None) -> list[PolicyCase]:
    """Every case of every ``*.yaml`` file under *directory* (default: the shipped cases)."""
    root = Path(directory) if directory is not None else _default_dir()
    out: list[PolicyCase] = []
    for file in sorted(root.glob("*.yaml")):
        data = yaml.safe_load(file.read_text("utf-8")) or {}
        defaults = data.get("defaults") or {}
        for n, spec in enumerate(data.get("cases") or []):
            hid = f"{file.stem}-{n:03d}"
            household, as_of = case_to_household(spec, defaults, hid)
            out.append(PolicyCase(
                file=file.name, name=str(spec.get("name", hid)), clause=str(spec.get("clause", "")),
                as_of=as_of, household=household, expect=dict(spec.get("expect") or {}),
                params=dict({**(defaults.get("params") or {}), **(spec.get("params") or {})}),
            ))
    return out
