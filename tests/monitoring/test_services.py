"""Comparison runs, dedupe, the warning lifecycle, deadlines, escalation, push, visits, handling."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange.models import AssistanceRecord, OutboxMessage
from jiuzhu.apps.monitoring import selectors, services
from jiuzhu.apps.monitoring.lifecycle import TRANSITIONS, TransitionError
from jiuzhu.apps.monitoring.models import ComparisonRun, CountyDecision, State, Warning
from jiuzhu.apps.registry.models import ChangeRecord
from tests.monitoring.conftest import add_record, days_ago

pytestmark = pytest.mark.django_db

INSIDE_HEAD = "360124198001010011"
OTHER_HEAD = "360124197505050020"
OUTSIDE_HEAD = "360730195607150023"
STRANGER = "360124199002020031"  # valid ID, not in the registry


def _ill(id_number: str, disease: str = "uremia", ago: int = 10) -> None:
    add_record("health_serious_illness", id_number, disease_code=disease, diagnosed_on=days_ago(ago))


def _run(mode: str = "full") -> ComparisonRun:
    return services.comparison_run(actor=None, mode=mode)


def _one(indicator: str = "serious_illness", **kw: Any) -> Warning:
    return Warning.objects.get(indicator=indicator, **kw)


def _visit_data(w: Warning, **extra: Any) -> dict[str, Any]:
    """A complete visit; the second visitor is the account of county2 (a colleague of every unit here)."""
    from jiuzhu.apps.core.models import User
    from jiuzhu.engine.monitoring.indicators import get_indicator

    data = {f"check_{i}": "yes" for i in range(len(get_indicator(w.indicator).checklist))}
    data.update({"visited_on": timezone.localdate().isoformat(), "staff_2": str(User.objects.get(username="county2").pk),
                 "findings": "属实"})
    data.update(extra)
    return data


def _verified(actor: Any, w: Warning) -> Warning:
    return services.visit_submit(actor=actor, warning=w, data=_visit_data(w))


# --------------------------------------------------------------------------- runs and dedupe

def test_run_raises_pushes_with_deadlines_and_second_run_raises_nothing(households: Any) -> None:
    _ill(INSIDE_HEAD)
    run = _run()
    w = _one()
    assert run.state == "done" and run.raised >= 1
    assert w.state == State.PUSHED and w.household == households["inside"]
    assert w.member.id_number_masked == w.person_masked
    assert w.unit_region_id == "360124100" and w.county_id == "360124"
    assert w.severity == "orange"  # monitoring.serious_illness.severity
    today = timezone.localdate()
    assert (w.verify_due - today, w.handle_due - today) == (dt.timedelta(days=14), dt.timedelta(days=21))
    assert [e.action for e in w.events.all()] == ["raise", "push"]
    again = _run()
    assert again.raised == 0 and again.already_open == run.raised
    assert Warning.objects.count() == run.raised
    daily = _run("daily")
    assert daily.raised == 0 and daily.findings == 0  # nothing new loaded since the last run


def test_lookups_in_chunks_dedupe_the_same(households: Any, users: Any, monkeypatch: Any) -> None:
    """Findings are looked up in chunks (SQLite limits bound variables): tiny chunks change nothing."""
    monkeypatch.setattr(services.runs, "LOOKUP_CHUNK", 1)
    _ill(INSIDE_HEAD)
    _ill(OUTSIDE_HEAD)
    first = _run()
    assert first.raised >= 2
    assert _run().raised == 0 and Warning.objects.count() == first.raised
    w = _verified(users["township"], Warning.objects.get(indicator="serious_illness", county_id="360124"))
    w = services.handle(actor=users["township"], warning=w, outcome="false_positive", reason="诊断有误")
    services.close(actor=users["county"], warning=w)
    assert _run().raised == 0


def test_daily_run_sees_new_department_data(households: Any) -> None:
    _run()
    assert not Warning.objects.filter(indicator="serious_illness").exists()
    _ill(INSIDE_HEAD)
    daily = _run("daily")
    assert daily.raised == 1 and daily.since is not None
    assert _one().run == daily


def test_false_positive_not_raised_again_for_same_facts(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _verified(users["township"], _one())
    w = services.handle(actor=users["township"], warning=w, outcome="false_positive", reason="诊断有误")
    services.close(actor=users["county"], warning=w)
    assert _run().raised == 0 and Warning.objects.filter(indicator="serious_illness").count() == 1
    assert ComparisonRun.objects.first().already_seen == 1
    _ill(INSIDE_HEAD, disease="leukaemia", ago=2)  # new facts
    assert _run().raised == 1
    assert Warning.objects.filter(indicator="serious_illness", state=State.PUSHED).count() == 1


def test_database_refuses_a_second_open_warning_for_the_same_subject(households: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    w.pk, w.uid, w.fingerprint = None, None, "f" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        import uuid

        w.uid = uuid.uuid4()
        w.save()


# --------------------------------------------------------------------------- lifecycle

def test_illegal_transitions_are_refused_clearly(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    with pytest.raises(TransitionError, match="已推送|Pushed"):
        services.close(actor=users["township"], warning=w)
    with pytest.raises(TransitionError):
        services.handle(actor=users["township"], warning=w, outcome="false_positive", reason="x")
    with pytest.raises(TransitionError):
        services.accept(actor=users["township"], warning=w)
    w.refresh_from_db()
    assert w.state == State.PUSHED and w.version == 1 and w.events.count() == 2


def test_state_table_reaches_every_state() -> None:
    reached, frontier = {State.RAISED.value}, [State.RAISED.value]
    while frontier:
        s = frontier.pop()
        for t in TRANSITIONS.values():
            if s in t.sources and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(State.values)
    assert not any(State.CLOSED in t.sources for t in TRANSITIONS.values())  # closed is final


def test_stale_version_refused(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    services.start_visit(actor=users["township"], warning=w, expected_version=1)
    with pytest.raises(ConflictError, match="reload|刷新"):
        services.transfer(actor=users["township"], warning=w, to_region="360124", reason="x", expected_version=1)


def test_transfer_with_reason_within_the_county(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    t = users["township"]
    with pytest.raises(ValidationError) as err:
        services.transfer(actor=t, warning=w, to_region="360124101", reason=" ")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.transfer(actor=t, warning=w, to_region="360730100", reason="跨县")
    services.transfer(actor=t, warning=w, to_region="360124101", reason="户籍在李渡镇")
    w.refresh_from_db()
    assert w.state == State.TRANSFERRED and w.unit_region_id == "360124101"
    with pytest.raises(Http404):  # the township no longer holds it
        selectors.warning_get(t, w.pk)
    services.accept(actor=users["county"], warning=w)
    w.refresh_from_db()
    assert w.state == State.PUSHED
    assert AuditEvent.objects.filter(event="monitoring.transfer", object_id=str(w.uid)).exists()


def test_overdue_escalates_to_the_level_above(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    today = timezone.localdate()
    assert services.escalate_overdue(today=w.verify_due) == 0  # due today is not overdue
    assert services.escalate_overdue(today=w.verify_due + dt.timedelta(days=1)) == 1
    w.refresh_from_db()
    assert (w.supervision_level, w.supervisor_id) == (1, "360124")  # township → county
    assert services.escalate_overdue(today=w.verify_due + dt.timedelta(days=1)) == 0
    assert services.escalate_overdue(today=w.handle_due + dt.timedelta(days=1)) == 1
    w.refresh_from_db()
    assert (w.supervision_level, w.supervisor_id) == (2, "360100")  # then the city
    assert [e.action for e in w.events.all()][-2:] == ["overdue", "overdue"]
    assert w.handle_due > today


def test_verified_in_time_is_not_escalated_for_verification(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _verified(users["township"], _one())
    assert services.escalate_overdue(today=w.verify_due + dt.timedelta(days=1)) == 0


def test_push_to_department_enqueued_once_without_clear_identifiers(households: Any, users: Any) -> None:
    from jiuzhu.apps.registry.services import member_update

    h = households["inside"]
    head = h.members.get()
    member_update(actor=users["township"], member=head, data={"school_stage": "senior"})
    AssistanceRecord.objects.create(person_index=head.id_number_index, member=head, household=h, programme="dibao",
                                    department="civil_affairs", start_date=days_ago(300), source="platform",
                                    fact_key="demo-dibao")
    _run()
    w = _one("student_no_education_aid")
    assert w.department == "education" and w.unit_region_id == "360124100"
    messages = list(OutboxMessage.objects.all())
    assert len(messages) == 1 and messages[0].department == "education"
    body = json.dumps(messages[0].payload, ensure_ascii=False)
    assert INSIDE_HEAD not in body and messages[0].payload["person_masked"] == head.id_number_masked
    _run()
    services.start_visit(actor=users["township"], warning=w)
    assert OutboxMessage.objects.count() == 1


def test_person_not_in_registry_informed_never_enrolled(households: Any, users: Any) -> None:
    add_record("agriculture_poverty_monitoring", STRANGER, region="360124100001", household_ref="NM9",
               monitoring_type="edge", risk_status="at_risk", identified_on=days_ago(20).isoformat())
    _run()
    w = _one("poverty_monitoring_unknown")
    assert w.household is None and w.unit_region_id == "360124100" and w.person_masked.startswith("360124")
    w = _verified(users["township"], w)
    with pytest.raises(ValidationError) as err:
        services.handle(actor=users["township"], warning=w, outcome="policy_applied", ref="A1")
    assert "outcome" in err.value.message_dict
    services.handle(actor=users["township"], warning=w, outcome="explained_declined", reason="暂不申请")
    w.refresh_from_db()
    assert w.state == State.HANDLED


def test_reveal_who_to_inform_needs_a_reason_and_is_audited(households: Any, users: Any) -> None:
    add_record("trade_union_difficult_workers", STRANGER, name="赵六", region="360124100",
               registered_on=days_ago(5).isoformat())
    _run()
    w = _one("difficult_worker_unmonitored")
    with pytest.raises(ValidationError):
        selectors.reveal_person(users["township"], w.pk, "看")
    assert AuditEvent.objects.filter(event="pii.unmask", object_id=str(w.uid), outcome="denied").exists()
    assert selectors.reveal_person(users["township"], w.pk, "入户告知政策") == {"name": "赵六", "id_number": STRANGER}
    assert AuditEvent.objects.filter(event="pii.unmask", object_id=str(w.uid), outcome="ok").exists()
    with pytest.raises(PermissionDenied):
        selectors.reveal_person(users["auditor"], w.pk, "入户告知政策")
    with pytest.raises(Http404):
        selectors.reveal_person(users["county_b"], w.pk, "入户告知政策")


# --------------------------------------------------------------------------- scoping

def test_township_sees_only_its_warnings(households: Any, users: Any) -> None:
    for head in (INSIDE_HEAD, OTHER_HEAD, OUTSIDE_HEAD):
        _ill(head)
    _run()
    mine = selectors.workbench(users["township"], {})
    assert {w.household_id for w in mine if w.indicator == "serious_illness"} == {households["inside"].pk}
    county = selectors.workbench(users["county"], {"indicator": "serious_illness"})
    assert {w.household_id for w in county} == {households["inside"].pk, households["other_town"].pk}
    other = _one(household=households["other_town"])
    with pytest.raises(Http404):
        selectors.warning_get(users["township"], other.pk)
    with pytest.raises(Http404):
        services.start_visit(actor=users["township"], warning=other)
    with pytest.raises(PermissionDenied):
        services.start_visit(actor=users["auditor"], warning=other)


def test_workbench_orders_by_severity_then_deadline(households: Any) -> None:
    _ill(INSIDE_HEAD)
    add_record("health_deaths", INSIDE_HEAD, death_date=days_ago(3).isoformat())
    _run()
    from jiuzhu.apps.core.models import User

    rows = list(selectors.workbench(User.objects.get(username="township"), {}))
    assert [w.severity for w in rows][:2] == ["red", "orange"]
    assert [w.indicator for w in selectors.workbench(User.objects.get(username="township"), {"severity": "red"})] \
        == ["member_death"]


# --------------------------------------------------------------------------- visits and handling

def test_visit_submit_validates_and_updates_the_registry(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    t = users["township"]
    with pytest.raises(ValidationError) as err:
        services.visit_submit(actor=t, warning=w, data={"staff_1": "甲", "staff_2": "甲", "check_0": "yes"})
    assert {"visited_on", "staff_2", "check_1", "findings"} <= set(err.value.message_dict)
    w.refresh_from_db()
    assert w.state == State.VERIFYING and w.visit.checklist["0"]["answer"] == "yes"  # kept despite refusal
    w = services.visit_submit(actor=t, warning=w, data=_visit_data(w, member_serious_illness="尿毒症"))
    assert w.state == State.VERIFIED and w.verified_at is not None and w.visit.submitted
    head = households["inside"].members.get()
    assert head.serious_illness == "尿毒症"
    assert ChangeRecord.objects.filter(household=households["inside"], action="update",
                                       reason__contains=str(w.uid)[:8]).exists()


def test_handle_outcomes_rules(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    t = users["township"]
    w = _verified(t, _one())
    with pytest.raises(ValidationError) as err:
        services.handle(actor=t, warning=w, outcome="false_positive", reason="")
    assert "reason" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.handle(actor=t, warning=w, outcome="policy_applied")
    assert "ref" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.handle(actor=t, warning=w, outcome="county_decision")
    w = services.handle(actor=t, warning=w, outcome="assistance_ended", reason="收入提高")
    from jiuzhu.apps.determination.models import CaseFact

    assert CaseFact.objects.filter(household=households["inside"], fact="left_assistance",
                                   ref=f"warning:{w.uid}").exists()
    assert w.stays_monitored in (True, False)
    assert AuditEvent.objects.filter(event="monitoring.handle", object_id=str(w.uid)).exists()


def test_county_case_by_case_decision(households: Any, users: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    t, c = users["township"], users["county"]
    w = _verified(t, _one())
    with pytest.raises(ValidationError):
        services.escalate(actor=t, warning=w, reason="")
    w = services.escalate(actor=t, warning=w, reason="情况复杂")
    assert w.state == State.ESCALATED
    with pytest.raises(PermissionDenied):
        services.decide(actor=t, warning=w, meeting_date=timezone.localdate(), members="甲,乙,丙", approved=True,
                        decision="同意")
    with pytest.raises(ValidationError) as err:
        services.decide(actor=c, warning=w, meeting_date=timezone.localdate() + dt.timedelta(days=1),
                        members="甲,乙", approved=True, decision="")
    assert {"members", "meeting_date", "decision"} == set(err.value.message_dict)
    w = services.decide(actor=c, warning=w, meeting_date=timezone.localdate(), members="甲\n乙\n丙", approved=True,
                        decision="认定为困难家庭")
    assert w.state == State.HANDLED and w.outcome == "county_decision"
    d = CountyDecision.objects.get(warning=w)
    assert d.members == "甲、乙、丙" and d.approved
    from jiuzhu.apps.determination.models import CaseFact

    assert CaseFact.objects.filter(household=households["inside"], fact="county_confirmed_hardship").exists()
    w = services.close(actor=c, warning=w, note="已反馈")
    assert w.state == State.CLOSED and w.closed_at is not None


PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_attachments_checked_by_content_and_size(households: Any, users: Any, settings: Any) -> None:
    _ill(INSIDE_HEAD)
    _run()
    w = _one()
    t = users["township"]
    with pytest.raises(ValidationError):
        services.attachment_add(actor=t, warning=w, upload=SimpleUploadedFile("x.png", b"<html>", "image/png"))
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * services.ATTACHMENT_MAX_BYTES, "application/pdf")
    with pytest.raises(ValidationError):
        services.attachment_add(actor=t, warning=w, upload=big)
    a = services.attachment_add(actor=t, warning=w, upload=SimpleUploadedFile("../../p.png", PNG, "image/png"))
    path = services.attachment_path(a)
    assert path.read_bytes() == PNG and str(path).startswith(str(settings.VAR_DIR))
    assert a.original_name == "p.png" and a.content_type == "image/png"


# --------------------------------------------------------------------------- measured warnings

def test_measured_warnings(households: Any, users: Any) -> None:
    for head in (INSIDE_HEAD, OTHER_HEAD):
        _ill(head)
    _run()
    t, c = users["township"], users["county"]
    w1 = _verified(t, _one(household=households["inside"]))
    services.handle(actor=t, warning=w1, outcome="false_positive", reason="误报")
    w2 = _verified(c, _one(household=households["other_town"]))
    services.handle(actor=c, warning=w2, outcome="explained_applied")
    row = next(r for r in selectors.measured(c) if r["indicator"] == "serious_illness")
    assert (row["raised"], row["verified"], row["verified_in_time"], row["handled"]) == (2, 2, 2, 2)
    assert row["precision"] == 0.5 and row["median_days"] is not None and row["median_days"] < 1
    assert sorted(n for _l, n, _s in row["outcomes"]) == [1, 1]
    mine = next(r for r in selectors.measured(t) if r["indicator"] == "serious_illness")
    assert mine["raised"] == 1 and mine["precision"] == 0.0
    by_county = selectors.measured(c, "county")
    assert {r["county"] for r in by_county} == {"360124"}
