"""Matching households to the matrix: given, missing, duplicates, a person on another household's record;
the batch and the household page agree; 免申即享 enrolment, notice, decline, never re-enrolled."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.apps.assistance.matching import household_matches, run_matching
from jiuzhu.apps.assistance.models import Enrolment, Match, MatchStatus
from jiuzhu.apps.assistance.services import (
    EntitlementError,
    auto_enrol,
    decline_enrolment,
    start_entitlement,
)
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange.models import AssistanceRecord, OutboxMessage
from jiuzhu.apps.exchange.platform import record_platform_assistance

from .helpers import add_member, born, determined, household_with

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 15)


@pytest.fixture
def family(users: dict[str, Any]) -> dict[str, Any]:
    """A rural dibao household: a head aged 60 today, a spouse of 59, a pupil, a disabled adult."""
    t = users["township"]
    h = household_with(t, head_birth=born(60, ON), name="王老")
    spouse = add_member(t, h, birth=born(60, ON, days=1), sex="F", relation="spouse", name="李氏",
                        employment="not_working")
    pupil = add_member(t, h, birth=born(10, ON), name="王小", school_stage="primary", employment="student")
    disabled = add_member(t, h, birth=born(30, ON), name="王残", disability_type="physical", disability_grade=2,
                          work_capacity="none", employment="not_working")
    determined(h, ["dibao"], ON)
    head = h.members.get(relation="head")
    return {"h": h, "head": head, "spouse": spouse, "pupil": pupil, "disabled": disabled}


def rows_of(data: dict[str, Any]) -> dict[tuple[int | None, str], str]:
    return {(r["member_id"], r["programme"]): r["status"] for r in data["rows"]}


def test_household_matches_given_and_missing(family: dict[str, Any]) -> None:
    h, head, spouse, pupil = family["h"], family["head"], family["spouse"], family["pupil"]
    rows = rows_of(household_matches(h, ON))
    assert rows[(head.pk, "resident_pension")] == MatchStatus.MISSING  # 60 today: qualifies
    assert (spouse.pk, "resident_pension") not in rows  # 59 (one day short of 60)
    assert rows[(spouse.pk, "pension_contribution_subsidy")] == MatchStatus.MISSING
    assert rows[(pupil.pk, "education_assistance")] == MatchStatus.MISSING
    assert (head.pk, "education_assistance") not in rows
    assert (family["disabled"].pk, "disability_subsidies") in rows
    assert rows[(None, "dibao")] == MatchStatus.MISSING  # determined eligible, nothing paid: an omission
    assert (None, "rent_subsidy") not in rows  # urban only (and on application)
    # now the education department has given it, and dibao is paid
    record_platform_assistance(member=pupil, programme="education_assistance", fact_key="t:edu",
                               start_date=dt.date(2026, 9, 1), department="education")
    start_entitlement(actor=None, household=h, programme="dibao", monthly_amount=Decimal("500.00"),
                      approved_on=dt.date(2026, 10, 1), decision_ref="application:a")
    rows = rows_of(household_matches(h, ON))
    assert rows[(pupil.pk, "education_assistance")] == MatchStatus.GIVEN
    assert rows[(None, "dibao")] == MatchStatus.GIVEN
    data = household_matches(h, ON)
    assert any(p.key == "disaster_relief" for p in data["on_event"])  # available when a disaster strikes


def test_no_category_no_programme(users: dict[str, Any]) -> None:
    h = household_with(users["township"], head_birth=born(70, ON))
    determined(h, [], ON)
    assert household_matches(h, ON)["rows"] == []


def test_duplicates_and_person_on_two_households(family: dict[str, Any], households: dict[str, Any]) -> None:
    h, head, pupil = family["h"], family["head"], family["pupil"]
    # the same programme from two sources
    record_platform_assistance(member=pupil, programme="education_assistance", fact_key="t:edu1",
                               start_date=dt.date(2026, 9, 1), department="education")
    AssistanceRecord.objects.create(person_index=pupil.id_number_index, member=pupil, household=h,
                                    programme="education_assistance", department="education",
                                    start_date=dt.date(2026, 9, 1), source="education_students", fact_key="e1")
    # renovation and disaster rebuilding for the same need
    for programme, source in (("dilapidated_house_renovation", "housing_dilapidated_renovation"),
                              ("disaster_relief", "emergency_disaster_victims")):
        AssistanceRecord.objects.create(person_index=head.id_number_index, member=head, household=h,
                                        programme=programme, department="housing", start_date=dt.date(2026, 5, 1),
                                        source=source, fact_key=f"x-{programme}")
    # the head also appears on another household's record
    AssistanceRecord.objects.create(person_index=head.id_number_index, household=households["other_town"],
                                    programme="medical_assistance", department="medical_insurance",
                                    start_date=dt.date(2026, 6, 1), source="medical_insurance_settlements",
                                    fact_key="other")
    rows = household_matches(h, ON)["rows"]
    dups = {(r["member_id"], r["programme"]) for r in rows if r["status"] == MatchStatus.DUPLICATE}
    assert (pupil.pk, "education_assistance") in dups
    assert (head.pk, "dilapidated_house_renovation") in dups and (head.pk, "disaster_relief") in dups
    two = [r for r in rows if r["status"] == MatchStatus.TWO_HOUSEHOLDS]
    assert [(r["member_id"], r["programme"]) for r in two] == [(head.pk, "medical_assistance")]


def test_batch_agrees_with_the_household_page(family: dict[str, Any], households: dict[str, Any]) -> None:
    h = family["h"]
    determined(households["outside"], ["marginal"], ON)
    run = run_matching(actor=None, as_of=ON)
    assert run.state == "done" and run.job.kind == "assistance.matching" and run.households == 2
    stored = {(m.member_id, m.programme, m.status) for m in Match.objects.filter(household=h)}
    single = {(r["member_id"], r["programme"], r["status"]) for r in household_matches(h, ON)["rows"]}
    assert stored == single and stored
    assert run.missing == Match.objects.filter(status=MatchStatus.MISSING).count()
    # a second run replaces the rows
    run2 = run_matching(actor=None, as_of=ON)
    assert not Match.objects.filter(run=run).exists() and Match.objects.filter(run=run2).count() == run2.rows
    assert AuditEvent.objects.filter(event="assistance.match_run").count() == 2


def test_auto_enrol_notice_outbox_decline_and_never_again(family: dict[str, Any], users: dict[str, Any]) -> None:
    head, spouse = family["head"], family["spouse"]
    run_matching(actor=None, as_of=ON)
    counts = auto_enrol(actor=users["county"], as_of=ON, county="360124")
    assert counts["resident_pension"] == 1  # the head, 60
    assert counts["medical_insurance_subsidy"] == 4  # everyone in a dibao household
    assert "education_assistance" not in counts  # needs an application
    e = Enrolment.objects.get(member=head, programme="resident_pension")
    assert e.state == "enrolled" and e.notice_no in e.notice_text and "免申即享" in e.notice_text
    assert e.department == "hrss"
    record = AssistanceRecord.objects.get(member=head, programme="resident_pension", source="platform")
    assert record.end_date is None and record.department == "hrss"
    msg = OutboxMessage.objects.get(department="hrss", topic="assistance.auto_enrolment")
    items = msg.payload["items"]
    assert {i["programme"] for i in items} >= {"resident_pension", "pension_contribution_subsidy"}
    assert all("*" in i["id_number"] for i in items)  # masked only
    assert head.name not in str(msg.payload)
    assert Match.objects.get(member=head, programme="resident_pension").status == MatchStatus.ENROLLED
    assert AuditEvent.objects.filter(event="assistance.auto_enrol").exists()
    # again: nothing new
    assert auto_enrol(actor=users["county"], as_of=ON, county="360124") == {}
    # decline
    with pytest.raises(EntitlementError):
        decline_enrolment(actor=users["township"], enrolment=e, reason=" ")
    decline_enrolment(actor=users["township"], enrolment=e, reason="本人已有其他养老待遇", on=ON)
    e.refresh_from_db()
    assert e.state == "declined" and e.declined_on == ON
    record.refresh_from_db()
    assert record.end_date == ON
    assert OutboxMessage.objects.filter(department="hrss", topic="assistance.enrolment_declined").count() == 1
    # a new matching + enrolment does not put them back
    run_matching(actor=None, as_of=ON)
    assert Match.objects.get(member=head, programme="resident_pension").status == MatchStatus.DECLINED
    auto_enrol(actor=users["county"], as_of=ON)
    assert Enrolment.objects.filter(member=head, programme="resident_pension").count() == 1
    assert Enrolment.objects.get(member=head, programme="resident_pension").state == "declined"
    assert Enrolment.objects.filter(member=spouse, programme="pension_contribution_subsidy").exists()


def test_auto_enrol_needs_the_county(family: dict[str, Any], users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    run_matching(actor=None, as_of=ON)
    with pytest.raises(PermissionDenied):
        auto_enrol(actor=users["department"], as_of=ON)
    assert not Enrolment.objects.exists()
