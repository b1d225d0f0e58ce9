"""The economic check report (家庭经济状况核对报告): what the household declared (the registry)
against what the departments' shared data found (``exchange.DepartmentRecord``), line by line,
differences flagged.  Identifiers never appear in the report: only amounts, counts, sources.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Sum

from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.registry.models import IncomeItem, PropertyItem

ZERO = Decimal("0.00")


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


def build_report(household: Any, as_of: dt.date) -> dict[str, Any]:
    """Declared vs found for one household (the figures of the last 12 months where dated)."""
    year_ago = as_of - dt.timedelta(days=365)
    keys = list(household.members.values_list("id_number_index", flat=True))
    records = list(DepartmentRecord.objects.filter(person_index__in=keys).values("source", "payload", "event_date"))

    def declared_income(kind: str) -> Decimal:
        total = IncomeItem.objects.filter(household=household, income_type=kind, counted=True,
                                          period_end__gte=year_ago).aggregate(s=Sum("amount"))["s"]
        return _dec(total)

    def declared_property(kind: str) -> tuple[int, Decimal]:
        qs = PropertyItem.objects.filter(household=household, property_type=kind)
        return qs.count(), _dec(qs.aggregate(s=Sum("value"))["s"])

    def found(source: str) -> list[dict[str, Any]]:
        return [r["payload"] or {} for r in records if r["source"] == source]

    wages = sum((_dec(p.get("wage")) for p in found("hrss_social_insurance")
                 if (_date(p.get("month")) or dt.date.min) >= year_ago), ZERO)
    pensions = sum((_dec(p.get("monthly_amount")) * 12 for p in found("hrss_pensions")), ZERO)
    unemployment = sum((_dec(p.get("benefit_monthly")) * 12 for p in found("hrss_unemployment")
                        if p.get("status") in (None, "", "receiving")), ZERO)
    deposits_by_account: dict[str, tuple[dt.date, Decimal]] = {}
    for i, p in enumerate(found("banks_deposits")):
        key = f"{p.get('bank_code', '')}:{i}"
        deposits_by_account[key] = (_date(p.get("as_of")) or dt.date.min, _dec(p.get("balance")))
    deposits = sum((v for _, v in deposits_by_account.values()), ZERO)
    vehicles = found("public_security_vehicles")
    estates = found("natural_resources_real_estate")
    businesses = [p for p in found("market_regulation_businesses") if p.get("status", "active") == "active"]

    dv_n, dv_v = declared_property("vehicle")
    de_n, _de_v = declared_property("real_estate")
    db_n, _db_v = declared_property("business")
    _dd_n, dd_v = declared_property("deposit")
    rows = [
        _money("wages", "工资性收入（近12个月）", "Wages (last 12 months)", declared_income("wages"), wages,
               "hrss_social_insurance"),
        _money("pensions", "养老金（年化）", "Pensions (per year)", declared_income("transfer"), pensions + unemployment,
               "hrss_pensions, hrss_unemployment"),
        _money("deposits", "存款", "Deposits", dd_v, deposits, "banks_deposits"),
        _count("vehicles", "机动车（辆）", "Vehicles", dv_n, len(vehicles), "public_security_vehicles",
               extra={"declared_value": str(dv_v),
                      "found_value": str(sum((_dec(p.get("value_estimate")) for p in vehicles), ZERO))}),
        _count("real_estate", "不动产（处）", "Real estate", de_n, len(estates), "natural_resources_real_estate",
               extra={"found_area_m2": str(sum((_dec(p.get("area_m2")) for p in estates), ZERO))}),
        _count("businesses", "市场主体（存续）", "Businesses (active)", db_n, len(businesses),
               "market_regulation_businesses"),
    ]
    return {
        "as_of": as_of.isoformat(),
        "members_checked": len(keys),
        "department_records": len(records),
        "rows": rows,
        "differences": sum(1 for r in rows if r["differs"]),
    }


def _money(key: str, zh: str, en: str, declared: Decimal, found: Decimal, source: str) -> dict[str, Any]:
    # A difference is something found that was not declared (found above declared).
    return {"key": key, "label_zh": zh, "label_en": en, "kind": "money", "declared": str(declared),
            "found": str(found), "differs": found > declared, "source": source}


def _count(key: str, zh: str, en: str, declared: int, found: int, source: str,
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"key": key, "label_zh": zh, "label_en": en, "kind": "count", "declared": declared, "found": found,
            "differs": found != declared, "source": source, **(extra or {})}
