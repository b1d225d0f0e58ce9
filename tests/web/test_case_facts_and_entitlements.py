"""Facts decided outside the registry reach the determination; entitlements start, end and chain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.apps.assistance.models import Entitlement
from jiuzhu.apps.assistance.services import (
    EntitlementError,
    end_entitlement,
    month_after,
    start_entitlement,
)
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.determination import services
from jiuzhu.apps.determination.facts import record_fact
from jiuzhu.apps.exchange.models import AssistanceRecord
from jiuzhu.apps.exchange.selectors import household_chain

pytestmark = pytest.mark.django_db


def test_facts_reach_interchange_and_snapshot(users: dict[str, Any], households: dict[str, Any], tmp_path: Any) -> None:
    import pyarrow.parquet as pq

    h = households["inside"]
    head = h.members.first()
    assert services.interchange(h).get("refused_on") is None
    record_fact(household=h, fact="refused", on=dt.date(2026, 6, 1), actor=users["county"], ref="application:x")
    record_fact(household=h, fact="refused", on=dt.date(2026, 6, 1), actor=users["county"], ref="application:x")
    record_fact(household=h, member=head, fact="in_prison", on=dt.date(2026, 1, 1), actor=users["county"])
    record_fact(household=h, fact="county_confirmed_hardship", on=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31))
    body = services.interchange(h)
    assert body["refused_on"] == "2026-06-01"
    assert body["county_confirmed_hardship"] is False  # ended
    assert [m["in_prison"] for m in body["members"]] == [True]
    assert AuditEvent.objects.filter(event="determination.fact").count() == 3  # the repeat changed nothing
    services.export_snapshot(tmp_path)
    hh = pq.read_table(tmp_path / "households.parquet").to_pylist()
    row = next(r for r in hh if r["household_key"] == h.pk)
    assert row["refused_on"] == dt.date(2026, 6, 1)
    members = pq.read_table(tmp_path / "members.parquet").to_pylist()
    assert next(m for m in members if m["member_key"] == head.pk)["in_prison"] is True


def test_fact_kind_checked(households: dict[str, Any]) -> None:
    h = households["inside"]
    with pytest.raises(ValueError):
        record_fact(household=h, fact="in_prison", on=dt.date(2026, 1, 1))  # a member fact without a member
    with pytest.raises(ValueError):
        record_fact(household=h, fact="nonsense", on=dt.date(2026, 1, 1))


def test_month_after() -> None:
    assert month_after(dt.date(2026, 1, 31)) == dt.date(2026, 2, 1)
    assert month_after(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)


def test_entitlement_starts_next_month_on_the_chain_and_never_twice(users: dict[str, Any], households: dict[str, Any]) -> None:
    h = households["inside"]
    e = start_entitlement(actor=users["county"], household=h, programme="dibao", monthly_amount=Decimal("540.00"),
                          approved_on=dt.date(2026, 11, 20), decision_ref="application:1", category="dibao")
    assert e.start_month == dt.date(2026, 12, 1) and e.members_covered == 1
    again = start_entitlement(actor=users["county"], household=h, programme="dibao", monthly_amount=Decimal("540.00"),
                              approved_on=dt.date(2026, 11, 20), decision_ref="application:1")
    assert again.pk == e.pk
    with pytest.raises(EntitlementError) as err:
        start_entitlement(actor=users["county"], household=h, programme="dibao", monthly_amount=Decimal("1.00"),
                          approved_on=dt.date(2026, 11, 21), decision_ref="application:2")
    assert err.value.code == "already_active"
    entries = [x for x in household_chain(h)["entries"] if x["source"] == "platform"]
    assert [(x["programme"], x["start_date"], x["end_date"], x["amount"]) for x in entries] == [
        ("dibao", dt.date(2026, 12, 1), None, Decimal("540.00"))]
    assert entries[0]["source_label"] == "本平台（民政）"
    ended = end_entitlement(actor=users["county"], entitlement=e, last_month=dt.date(2027, 3, 15), reason="收入超过标准")
    assert ended.end_month == dt.date(2027, 3, 1)
    record = AssistanceRecord.objects.get(source="platform")
    assert record.end_date == dt.date(2027, 3, 31)
    # ended: a new decision may start it again
    start_entitlement(actor=users["county"], household=h, programme="dibao", monthly_amount=Decimal("500.00"),
                      approved_on=dt.date(2027, 5, 2), decision_ref="application:3")
    assert Entitlement.objects.filter(household=h).count() == 2


def test_entitlement_refuses_float_or_negative(users: dict[str, Any], households: dict[str, Any]) -> None:
    for bad in (540.0, Decimal("-1")):
        with pytest.raises(EntitlementError):
            start_entitlement(actor=users["county"], household=households["inside"], programme="dibao",
                              monthly_amount=bad, approved_on=dt.date(2026, 11, 20),  # type: ignore[arg-type]
                              decision_ref="application:f")
