"""The economic check report (issue 13.3): matches, differs, and no data from a department."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.apps.applications.economic import build_report
from tests.applications.conftest import D, new_application, run

pytestmark = pytest.mark.django_db


def _batch(source: str, dept: str, days_ago: int = 1) -> Any:
    from jiuzhu.apps.exchange.models import ImportBatch

    return ImportBatch.objects.create(source=source, department=dept, content_hash=uuid.uuid4().hex,
                                      state="committed", channel="ui", filename="f.csv",
                                      # a delivery counts only with valid rows (freshness, ADR 0014 §15)
                                      rows_total=1, rows_valid=1,
                                      finished_at=timezone.now() - dt.timedelta(days=days_ago))


def _record(batch: Any, member: Any, payload: dict[str, Any]) -> None:
    from jiuzhu.apps.exchange.models import DepartmentRecord

    DepartmentRecord.objects.create(source=batch.source, department=batch.department, batch=batch,
                                    key_digest=uuid.uuid4().hex, values_digest="v", person_index=member.id_number_index,
                                    id_number_enc="x", id_number_masked=member.id_number_masked, payload=payload)


def test_no_department_data_is_not_zero_differences(staff: dict[str, Any], poor: Any) -> None:
    """The regression: declared wages and deposits were compared with 0.00 from feeds never sent."""
    from jiuzhu.apps.registry.services import item_add

    item_add(actor=staff["township"], household=poor, kind="property",
             data={"property_type": "deposit", "value": "1000"})
    report = build_report(poor, D(2026, 9, 29))
    rows = {r["key"]: r for r in report["rows"]}
    for key in ("wages", "pensions", "deposits", "vehicles", "real_estate", "businesses"):
        assert rows[key]["status"] == "no_data" and rows[key]["flagged"] and rows[key]["found"] is None, key
    assert rows["wages"]["text_zh"] == "无人力资源和社会保障部门数据（从未报送）"
    assert rows["deposits"]["text_zh"] == "无银行（经授权）数据（从未报送）"
    assert report["differences"] == 0 and report["no_data"] == 6 and report["flagged"] == 6
    assert report["missing_feeds"] == 7 and all(f["flagged"] for f in report["feeds"])


def test_a_late_feed_gives_its_last_delivery_and_is_flagged(staff: dict[str, Any], poor: Any) -> None:
    # Deposits: yearly + 30 days of grace.  Delivered 500 days ago: 500 − 365 − 30 = 105 days late.
    batch = _batch("banks_deposits", "banks", days_ago=500)
    _record(batch, poor.members.get(), {"bank_code": "B1", "balance": "88000.00", "as_of": "2025-05-01"})
    rows = {r["key"]: r for r in build_report(poor, timezone.localdate())["rows"]}
    delivered = timezone.localdate(batch.finished_at)
    assert rows["deposits"]["status"] == "no_data" and rows["deposits"]["found"] is None
    assert rows["deposits"]["text_zh"] == (f"无银行（经授权）数据（最近一次报送：{delivered.year}年{delivered.month}月"
                                           f"{delivered.day}日，已逾期{rows['deposits']['text_zh'].split('已逾期')[1]}")
    assert "已逾期10" in rows["deposits"]["text_zh"]  # 104–106 days depending on the months


def test_current_feeds_are_compared_and_a_missing_one_is_named(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.registry.services import item_add

    head = poor.members.get()
    item_add(actor=staff["township"], household=poor, kind="income", data={
        "income_type": "transfer", "amount": "1200.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    _record(_batch("hrss_pensions", "hrss"), head, {"pension_type": "enterprise", "monthly_amount": "150.00",
                                                     "start_month": "2020-01-01"})
    _record(_batch("hrss_social_insurance", "hrss"), head, {"month": "2026-08-01", "wage": "3000.00", "paid": True})
    _batch("natural_resources_real_estate", "natural_resources")  # delivered; nothing about this household
    rows = {r["key"]: r for r in build_report(poor, D(2026, 9, 29))["rows"]}
    assert rows["wages"]["status"] == "match" and rows["wages"]["text_zh"] == "一致" and not rows["wages"]["flagged"]
    # Pensions: 150 × 12 = 1,800 found against 1,200 declared; unemployment data never sent.
    pensions = rows["pensions"]
    assert pensions["status"] == "differs" and pensions["flagged"] and pensions["found"] == "1800.00"
    assert pensions["text_zh"] == ("不一致（差额600.00元，部门数据高于申报）；"
                                   "无人力资源和社会保障部门数据（登记失业人员：从未报送）")
    assert pensions["missing_sources"] == ["hrss_unemployment"]
    # A current feed without a record of this household: nothing to find, so it matches 0 declared.
    assert rows["real_estate"]["status"] == "match" and rows["real_estate"]["found"] == 0


def test_the_case_page_tells_the_three_states_apart(client: Any, staff: dict[str, Any], poor: Any) -> None:
    from django.urls import reverse

    from tests.conftest import PASSWORD

    _record(_batch("hrss_social_insurance", "hrss"), poor.members.get(),
            {"month": "2026-08-01", "wage": "3000.00", "paid": True})
    app = new_application(staff["township"], poor)
    run(staff["township"], app, "accept", D(2026, 9, 28))
    app = run(staff["township"], app, "check", D(2026, 9, 29))
    assert app.transitions.get(action="check").detail == {"check": app.checks.get().pk, "differences": 0,
                                                           "no_data": 5}
    assert client.login(username="township", password=PASSWORD)
    page = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "0 项不一致，5 项无部门数据，6 个部门数据源缺失或逾期" in page
    assert "一致" in page and "无银行（经授权）数据（从未报送）" in page and "3,000.00元" in page


def test_a_current_feed_without_a_record_of_the_household_says_so(staff: dict[str, Any], poor: Any) -> None:
    _batch("hrss_social_insurance", "hrss")  # delivered, but this farmer is not insured
    rows = {r["key"]: r for r in build_report(poor, D(2026, 9, 29))["rows"]}
    assert rows["wages"]["status"] == "differs" and not rows["wages"]["flagged"] and rows["wages"]["records"] == 0
    assert rows["wages"]["text_zh"] == "不一致（部门数据中无该家庭记录，申报3,000.00元）"
