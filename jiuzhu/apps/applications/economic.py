"""The economic check report (家庭经济状况核对报告): what the household declared (the registry)
against what the departments' shared data found (``exchange.DepartmentRecord``), item by item.

Each declared item is compared only with the department feeds that are **current**: a feed that
was never delivered, or whose last delivery is older than its schedule allows (the exchange
app's freshness selector, ``exchange.freshness``), says nothing about the household — comparing
with it would read "0.00 found" as "nothing to find".  So every item ends in one of three states:

- ``match`` 一致 — the departments' figure equals the declaration;
- ``differs`` 不一致（差额 …）— flagged when the departments found more than was declared (undeclared
  income or property) or a different number of vehicles, houses or businesses; a department figure
  below a declared amount is shown, not flagged;
- ``no_data`` 无<部门>数据（最近一次报送：日期 / 从未报送）— flagged: the check could not be made.

Every feed consulted is listed with its last delivery, and a missing or late feed is a flagged
line of the report in its own right.  Identifiers never appear in the report: only amounts,
counts, departments and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from jiuzhu.apps.exchange.freshness import FeedStatus, freshness_of
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.registry.models import IncomeItem, PropertyItem
from jiuzhu.rules.exchange.sources import DEPARTMENTS

ZERO = Decimal("0.00")
REPORT_VERSION = 2


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "") else ZERO
    except (InvalidOperation, ValueError):
        return ZERO


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _cn_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}元"


@dataclass(frozen=True)
class Item:
    key: str
    label_zh: str
    label_en: str
    kind: str  # money | count
    sources: tuple[str, ...]


# The declared items and the feeds that can confirm them (jiuzhu/rules/exchange/sources.py).
ITEMS: tuple[Item, ...] = (
    Item("wages", "工资性收入（近12个月）", "Wages (last 12 months)", "money", ("hrss_social_insurance",)),
    Item("pensions", "养老金、失业保险金（年化）", "Pensions and unemployment benefit (per year)", "money",
         ("hrss_pensions", "hrss_unemployment")),
    Item("deposits", "存款", "Deposits", "money", ("banks_deposits",)),
    Item("vehicles", "机动车（辆）", "Vehicles", "count", ("public_security_vehicles",)),
    Item("real_estate", "不动产（处）", "Real estate", "count", ("natural_resources_real_estate",)),
    Item("businesses", "市场主体（存续）", "Businesses (active)", "count", ("market_regulation_businesses",)),
)


def _feed(status: FeedStatus) -> dict[str, Any]:
    """One feed consulted: department, last delivery, whether it can be relied on."""
    source = status.source
    dept = DEPARTMENTS.get(source.department, source.department)
    last = status.last_batch
    delivered = timezone.localdate(last.finished_at or last.received_at) if last is not None else None
    if status.status == "never":
        when_zh, when_en = "从未报送", "never delivered"
    elif status.status == "late":
        when_zh = f"最近一次报送：{_cn_date(delivered)}，已逾期{status.late_days}天"
        when_en = f"last delivery {delivered}, {status.late_days} days late"
    else:
        when_zh, when_en = f"最近一次报送：{_cn_date(delivered)}", f"last delivery {delivered}"
    none = status.status != "ok"
    return {
        "source": source.key, "source_label": source.label_zh, "department": source.department,
        "department_label": dept, "status": status.status, "available": not none,
        "last_delivery": delivered.isoformat() if delivered else None, "late_days": status.late_days,
        "flagged": none,
        "text_zh": f"{'无' if none else ''}{dept}数据（{when_zh}）",
        "text_en": f"{'No current data' if none else 'Data'} from {source.department} ({when_en})",
        # Where one item is checked against several feeds of one department, name the feed too.
        "text_source_zh": f"{'无' if none else ''}{dept}数据（{source.label_zh}：{when_zh}）",
    }


def build_report(household: Any, as_of: dt.date, now: dt.datetime | None = None) -> dict[str, Any]:
    """Declared vs found for one household (the figures of the last 12 months where dated)."""
    year_ago = as_of - dt.timedelta(days=365)
    keys = list(household.members.values_list("id_number_index", flat=True))
    feeds = {k: _feed(s) for k, s in freshness_of([s for item in ITEMS for s in item.sources], now).items()}
    usable = [k for k, f in feeds.items() if f["available"]]
    records = list(DepartmentRecord.objects.filter(person_index__in=keys, source__in=usable)
                   .values("source", "payload", "event_date"))

    def found(source: str) -> list[dict[str, Any]]:
        return [r["payload"] or {} for r in records if r["source"] == source]

    def declared_income(kind: str) -> Decimal:
        total = IncomeItem.objects.filter(household=household, income_type=kind, counted=True,
                                          period_end__gte=year_ago).aggregate(s=Sum("amount"))["s"]
        return _dec(total)

    def declared_property(kind: str) -> tuple[int, Decimal]:
        qs = PropertyItem.objects.filter(household=household, property_type=kind)
        return qs.count(), _dec(qs.aggregate(s=Sum("value"))["s"])

    deposits_by_account: dict[str, Decimal] = {}
    for i, p in enumerate(found("banks_deposits")):
        deposits_by_account[f"{p.get('bank_code', '')}:{i}"] = _dec(p.get("balance"))
    vehicles = found("public_security_vehicles")
    estates = found("natural_resources_real_estate")
    businesses = [p for p in found("market_regulation_businesses") if p.get("status", "active") == "active"]
    found_values: dict[str, dict[str, Any]] = {
        "hrss_social_insurance": {"value": sum((_dec(p.get("wage")) for p in found("hrss_social_insurance")
                                               if (_date(p.get("month")) or dt.date.min) >= year_ago), ZERO)},
        "hrss_pensions": {"value": sum((_dec(p.get("monthly_amount")) * 12 for p in found("hrss_pensions")), ZERO)},
        "hrss_unemployment": {"value": sum((_dec(p.get("benefit_monthly")) * 12 for p in found("hrss_unemployment")
                                            if p.get("status") in (None, "", "receiving")), ZERO)},
        "banks_deposits": {"value": sum(deposits_by_account.values(), ZERO)},
        "public_security_vehicles": {"value": len(vehicles), "found_value": str(
            sum((_dec(p.get("value_estimate")) for p in vehicles), ZERO))},
        "natural_resources_real_estate": {"value": len(estates), "found_area_m2": str(
            sum((_dec(p.get("area_m2")) for p in estates), ZERO))},
        "market_regulation_businesses": {"value": len(businesses)},
    }
    dv_n, dv_v = declared_property("vehicle")
    declared: dict[str, Any] = {
        "wages": declared_income("wages"), "pensions": declared_income("transfer"),
        "deposits": declared_property("deposit")[1], "vehicles": dv_n,
        "real_estate": declared_property("real_estate")[0], "businesses": declared_property("business")[0],
    }
    for source, figures in found_values.items():
        figures["records"] = sum(1 for r in records if r["source"] == source)
    rows = [_row(item, declared[item.key], [feeds[s] for s in item.sources], found_values) for item in ITEMS]
    for row in rows:
        if row["key"] == "vehicles":
            row["declared_value"] = str(dv_v)
    missing = [f for f in feeds.values() if f["flagged"]]
    return {
        "version": REPORT_VERSION,
        "as_of": as_of.isoformat(),
        "members_checked": len(keys),
        "department_records": len(records),
        "feeds": list(feeds.values()),
        "rows": rows,
        "differences": sum(1 for r in rows if r["status"] == "differs" and r["flagged"]),
        "no_data": sum(1 for r in rows if r["status"] == "no_data"),
        "missing_feeds": len(missing),
        "flagged": sum(1 for r in rows if r["flagged"]),
    }


def _row(item: Item, declared: Any, feeds: list[dict[str, Any]], values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    usable = [f for f in feeds if f["available"]]
    missing = [f for f in feeds if not f["available"]]
    key = "text_source_zh" if len(feeds) > 1 else "text_zh"
    row: dict[str, Any] = {
        "key": item.key, "label_zh": item.label_zh, "label_en": item.label_en, "kind": item.kind,
        "declared": str(declared) if item.kind == "money" else declared,
        "sources": [f["source"] for f in feeds], "departments": sorted({f["department_label"] for f in feeds}),
        "missing_sources": [f["source"] for f in missing],
    }
    if not usable:
        row.update(found=None, status="no_data", flagged=True, difference=None,
                   text_zh="；".join(f[key] for f in missing), text_en="; ".join(f["text_en"] for f in missing))
        return row
    for f in usable:  # extra figures of a feed (vehicle values, floor area)
        row.update({k: v for k, v in values[f["source"]].items() if k not in ("value", "records")})
    records = sum(values[f["source"]]["records"] for f in usable)
    row["records"] = records
    if item.kind == "money":
        got = sum((values[f["source"]]["value"] for f in usable), ZERO)
        diff = got - declared
        status = "match" if diff == 0 else "differs"
        flagged = diff > 0
        if diff == 0:
            text_zh = "一致"
        elif diff > 0:
            text_zh = f"不一致（差额{_yuan(diff)}，部门数据高于申报）"
        elif records == 0:  # a current feed that knows nothing of this household (e.g. not insured)
            text_zh = f"不一致（部门数据中无该家庭记录，申报{_yuan(declared)}）"
        else:
            text_zh = f"不一致（差额{_yuan(-diff)}，部门数据低于申报）"
        text_en = "Matches" if diff == 0 else f"Differs by {abs(diff):,.2f} yuan ({'more' if diff > 0 else 'less'} found)"
        row.update(found=str(got), difference=str(diff))
    else:
        got_n = sum(int(values[f["source"]]["value"]) for f in usable)
        diff_n = got_n - int(declared)
        status = "match" if diff_n == 0 else "differs"
        flagged = diff_n != 0
        text_zh = "一致" if diff_n == 0 else f"不一致（部门数据{got_n}，申报{declared}）"
        text_en = "Matches" if diff_n == 0 else f"Differs: {got_n} found, {declared} declared"
        row.update(found=got_n, difference=diff_n)
    if missing:  # part of the item could not be checked: say which, and flag it
        flagged = True
        text_zh += "；" + "；".join(f[key] for f in missing)
        text_en += "; " + "; ".join(f["text_en"] for f in missing)
    row.update(status=status, flagged=flagged, text_zh=text_zh, text_en=text_en)
    return row
