"""The transition table walked exhaustively; refusal → other hardship; staff relatives; scoping; letters."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from jiuzhu.apps.applications.models import Application, State
from jiuzhu.apps.applications.services import ApplicationError, act
from jiuzhu.apps.applications.workflow import TRANSITIONS, next_state
from tests.applications.conftest import D, new_application, run, to_visited
from tests.conftest import make_household

pytestmark = pytest.mark.django_db

DATA = {"proposal": "refuse", "staff_2": None, "applicant_signed": True}


def test_every_illegal_transition_is_refused_and_changes_nothing(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["county"], poor)
    for action, step in TRANSITIONS.items():
        for state in State.values:
            if state in step.sources:
                continue
            Application.objects.filter(pk=app.pk).update(state=state)
            app.refresh_from_db()
            version = app.version
            with pytest.raises(ApplicationError) as err:
                act(actor=staff["county"], application=app, action=action, expected_version=version,
                    reason="理由", data={}, on=D(2026, 10, 20))
            assert err.value.code == "illegal", (action, state)
            app.refresh_from_db()
            assert (app.state, app.version) == (state, version), (action, state)
            assert next_state(action, state) is None


def test_every_legal_transition_passes_the_table(staff: dict[str, Any], poor: Any) -> None:
    """Legal pairs are never refused as illegal (their own guards may still ask for more)."""
    app = new_application(staff["county"], poor)
    for action, step in TRANSITIONS.items():
        for state in step.sources:
            Application.objects.filter(pk=app.pk).update(state=state, opinion="refuse", extended=False,
                                                         notice_end=D(2026, 10, 1), letter_sent_on=None)
            app.refresh_from_db()
            try:
                out = act(actor=staff["county2"], application=app, action=action, expected_version=app.version,
                          reason="理由", data={**DATA, "staff_2": staff["county"].pk}, on=D(2026, 10, 20))
                assert out.state == next_state(action, state) == (step.target or state)
            except ApplicationError as err:
                assert err.code != "illegal", (action, state, err.message)
    assert set(TRANSITIONS) >= {"accept", "check", "visit", "opinion", "publish", "approve", "refuse"}


def test_capabilities_of_the_table_are_enforced(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    Application.objects.filter(pk=app.pk).update(state="appraised")
    app.refresh_from_db()
    with pytest.raises(PermissionDenied):  # the township may not decide (decide_applications)
        act(actor=staff["township"], application=app, action="approve", on=D(2026, 10, 20))
    with pytest.raises(PermissionDenied):  # the auditor sees, never acts
        act(actor=staff["auditor"], application=app, action="withdraw", reason="x", on=D(2026, 10, 20))


def test_outside_the_region_is_404_and_creates_nothing(staff: dict[str, Any], households: dict[str, Any]) -> None:
    with pytest.raises(Http404):
        new_application(staff["township"], households["outside"])
    with pytest.raises(Http404):
        new_application(staff["township"], households["other_town"])
    assert not Application.objects.exists()
    from jiuzhu.apps.core.models import AuditEvent

    refused = AuditEvent.objects.filter(event="applications.create", outcome="refused", actor=staff["township"])
    assert refused.count() == 2 and refused.first().detail["code"] == "scope"
    app = new_application(staff["county_b"], households["outside"])
    with pytest.raises(Http404):
        act(actor=staff["county"], application=app, action="accept", on=D(2026, 9, 28))


def test_one_open_application_per_household(staff: dict[str, Any], poor: Any) -> None:
    new_application(staff["township"], poor)
    with pytest.raises(ApplicationError) as err:
        new_application(staff["township2"], poor)
    assert err.value.code == "open"


def test_on_behalf_and_hotline_need_their_details(staff: dict[str, Any], poor: Any) -> None:
    with pytest.raises(ApplicationError):
        new_application(staff["township"], poor, channel="on_behalf")
    with pytest.raises(ApplicationError):
        new_application(staff["township"], poor, channel="hotline")
    app = new_application(staff["township"], poor, channel="hotline", hotline_ref="12345-2026-0001")
    assert app.channel == "hotline" and app.hotline_ref == "12345-2026-0001"


def test_refusal_records_the_fact_and_puts_the_household_into_other_hardship(staff: dict[str, Any]) -> None:
    """Per-capita income above 1.5 × the standard but below last year's disposable income."""
    from jiuzhu.apps.determination.models import CaseFact
    from jiuzhu.apps.determination.services import determine_one
    from jiuzhu.apps.registry.services import item_add

    h = make_household(staff["township"], "360124100001", "360124197007070053")
    item_add(actor=staff["township"], household=h, kind="income", data={
        "income_type": "wages", "amount": "18000.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    before = determine_one(h, D(2026, 10, 20))
    assert "other" not in before["categories"]
    app = new_application(staff["township"], h)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "收入超过低保标准", proposal="refuse")
    with pytest.raises(ApplicationError):
        run(staff["township"], app, "publish", D(2026, 10, 8))  # a refusal proposal is not published
    app = run(staff["county"], app, "refuse", D(2026, 10, 9), "家庭人均收入高于低保标准")
    assert app.state == "refused"
    assert app.decision_reasons[0]["zh"] == "家庭人均收入高于低保标准" and len(app.decision_reasons) > 1
    assert CaseFact.objects.filter(household=h, fact="refused", on=D(2026, 10, 9),
                                   ref=f"application:{app.uid}").exists()
    after = determine_one(h, D(2026, 10, 20))
    assert "other" in after["categories"]
    # The refusal letter is due within 3 working days (Fri 9 Oct → Sat 10 (调休), Mon 12, Tue 13).
    assert app.letter_due_on == D(2026, 10, 13)
    from jiuzhu.apps.applications.selectors import overdue_reasons

    assert overdue_reasons(app, D(2026, 10, 14)) == ["letter"]
    app = run(staff["township"], app, "send_letter", D(2026, 10, 12))
    assert overdue_reasons(app, D(2026, 10, 14)) == []


def test_staff_relatives_are_detected_and_forced_to_a_county_visit(staff: dict[str, Any]) -> None:
    from jiuzhu.apps.applications.services import staff_relative_add
    from jiuzhu.apps.core.models import AuditEvent

    staff_relative_add(actor=staff["township"], region="360124100", staff_kind="village_cadre", staff_name="赵六",
                       relative_name="张三", relative_id="360124201001010067", relation="子")
    h = make_household(staff["township"], "360124100001", "360124201001010067")
    app = new_application(staff["township"], h)
    assert app.related_to_staff and app.related_detail[0]["by"] == "id_number"
    assert app.related_detail[0]["member"].startswith("360124") and "201001010067" not in str(app.related_detail)
    assert AuditEvent.objects.filter(event="applications.related_to_staff", object_id=str(app.pk)).exists()
    run(staff["township"], app, "accept", D(2026, 9, 28))
    run(staff["township"], app, "check", D(2026, 9, 28))
    with pytest.raises(ApplicationError) as err:
        run(staff["township"], app, "visit", D(2026, 9, 30), staff_2=staff["township2"].pk, applicant_signed=True)
    assert err.value.code == "county_visit"
    app = run(staff["county"], app, "visit", D(2026, 9, 30), staff_2=staff["county2"].pk, applicant_signed=True)
    assert app.visits.get().county_level


def test_declared_relation_flags_too(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor, declared_relation="申请人之兄为村委会委员")
    assert app.related_to_staff and app.related_detail == [{"by": "declared", "text": "申请人之兄为村委会委员"}]


def test_unrelated_households_are_not_flagged(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.services import staff_relative_add

    staff_relative_add(actor=staff["township"], region="360124100", staff_kind="caseworker", staff_name="赵六",
                       relative_name="李某", relative_id="360124201001010067", relation="女")
    assert not new_application(staff["township"], poor).related_to_staff


def test_appeal_is_linked_to_the_decision(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.services import appeal_conclude, appeal_record

    app = new_application(staff["township"], poor)
    with pytest.raises(ApplicationError):
        appeal_record(actor=staff["township"], application=app, kind="review", grounds="不服")
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "不符合", proposal="refuse")
    app = run(staff["county"], app, "refuse", D(2026, 10, 9), "存款超过规定")
    appeal = appeal_record(actor=staff["township"], application=app, kind="review", grounds="存款为医疗借款",
                           on=D(2026, 10, 20))
    assert appeal.decision_snapshot["state"] == "refused"
    assert appeal.decision_snapshot["reasons"][0]["zh"] == "存款超过规定"
    with pytest.raises(PermissionDenied):
        appeal_conclude(actor=staff["township"], appeal=appeal, outcome="upheld", text="维持")
    appeal = appeal_conclude(actor=staff["county"], appeal=appeal, outcome="overturned", text="重新调查")
    assert appeal.concluded_by == staff["county"]


def test_review_tasks_reschedule(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.models import ReviewTask
    from jiuzhu.apps.applications.services import review_done

    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    app = run(staff["county"], app, "approve", D(2026, 10, 15))
    task = ReviewTask.objects.get(application=app)
    review_done(actor=staff["township"], task=task, note="无变化", on=D(2027, 4, 10))
    nxt = ReviewTask.objects.filter(household=poor, done_on__isnull=True).get()
    assert nxt.due_on == D(2027, 10, 10) and nxt.kind == "irregular"


def test_decision_letter_is_a_pdf_with_a_chinese_font(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.letters import LetterError, decision_letter, font

    try:
        font()
    except LetterError:
        pytest.skip("no Chinese font installed (apt-get install fonts-noto-cjk)")
    app = new_application(staff["township"], poor)
    with pytest.raises(LetterError):
        decision_letter(app)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "不符合", proposal="refuse")
    app = run(staff["county"], app, "refuse", D(2026, 10, 9), "存款超过规定")
    pdf = decision_letter(app)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    assert b"/FontFile" in pdf or b"FontFile2" in pdf or b"/Type /Font" in pdf


_ = dt


def test_economic_check_compares_declared_and_found(staff: dict[str, Any], poor: Any) -> None:
    import uuid

    from jiuzhu.apps.exchange.models import DepartmentRecord, ImportBatch
    from jiuzhu.apps.registry.services import item_add

    item_add(actor=staff["township"], household=poor, kind="property", data={"property_type": "deposit",
                                                                           "value": "1000"})
    head = poor.members.get()

    def record(source: str, dept: str, payload: dict[str, Any]) -> None:
        batch = ImportBatch.objects.create(source=source, department=dept, content_hash=uuid.uuid4().hex,
                                           state="committed", channel="ui", filename="f.csv", rows_total=1, rows_valid=1)
        DepartmentRecord.objects.create(source=source, department=dept, batch=batch, key_digest=uuid.uuid4().hex,
                                        values_digest="v", person_index=head.id_number_index, id_number_enc="x",
                                        id_number_masked=head.id_number_masked, payload=payload)

    record("public_security_vehicles", "public_security", {"vehicle_type": "car", "value_estimate": "80000.00",
                                                           "registered_on": "2024-01-01"})
    record("banks_deposits", "banks", {"bank_code": "B1", "balance": "1000.00", "as_of": "2026-09-01"})
    record("hrss_social_insurance", "hrss", {"month": "2026-08-01", "wage": "2600.00", "paid": True})
    app = new_application(staff["township"], poor)
    run(staff["township"], app, "accept", D(2026, 9, 28))
    app = run(staff["township"], app, "check", D(2026, 9, 29))
    report = app.checks.get().report
    rows = {r["key"]: r for r in report["rows"]}
    assert rows["vehicles"]["found"] == 1 and rows["vehicles"]["declared"] == 0
    assert rows["vehicles"]["status"] == "differs" and rows["vehicles"]["flagged"]
    assert rows["vehicles"]["found_value"] == "80000.00"
    assert rows["deposits"]["found"] == "1000.00" and rows["deposits"]["status"] == "match"
    assert not rows["deposits"]["flagged"] and rows["deposits"]["text_zh"] == "一致"
    # Less found than declared: shown as a difference, not flagged (nothing undeclared was found).
    assert rows["wages"]["declared"] == "3000.00" and rows["wages"]["found"] == "2600.00"
    assert rows["wages"]["status"] == "differs" and not rows["wages"]["flagged"]
    assert report["differences"] == 1 == app.checks.get().differences
    # Feeds never delivered are not "0 found": those items could not be checked, and say so.
    assert rows["real_estate"]["status"] == "no_data" and rows["real_estate"]["found"] is None
    assert head.id_number_masked not in str(report)


def test_failing_one_tier_moves_to_the_next_with_consent(staff: dict[str, Any], households: dict[str, Any]) -> None:
    """1,000 yuan a month per person: above the dibao standard, below 1.5 × (marginal)."""
    from jiuzhu.apps.assistance.models import Entitlement

    h = households["inside"]
    for consent, expected in ((False, "not_eligible"), (True, None)):
        app = new_application(staff["township"], h, consent_next_tier=consent)
        to_visited(staff, app)
        run(staff["township"], app, "opinion", D(2026, 10, 8), "边缘", proposal="approve")
        run(staff["township"], app, "publish", D(2026, 10, 8))
        if expected:
            with pytest.raises(ApplicationError) as err:
                run(staff["county"], app, "approve", D(2026, 10, 15))
            assert err.value.code == expected
            run(staff["township"], app, "withdraw", D(2026, 10, 16), "改为同意下一层级后重新申请")
        else:
            app = run(staff["county"], app, "approve", D(2026, 10, 15))
            assert app.state == "approved" and "marginal" in app.decision_categories
            assert not Entitlement.objects.filter(decision_ref=f"application:{app.uid}").exists()


def test_missing_reviews_are_scheduled_once(staff: dict[str, Any], poor: Any) -> None:
    import io

    from django.core.management import call_command

    from jiuzhu.apps.applications.models import ReviewTask

    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    run(staff["county"], app, "approve", D(2026, 10, 15))
    out = io.StringIO()
    call_command("applications_reviews", stdout=out)
    assert "scheduled: 0" in out.getvalue()
    ReviewTask.objects.all().delete()
    call_command("applications_reviews", "--dry-run", stdout=out)
    assert "to schedule: 1" in out.getvalue() and not ReviewTask.objects.exists()
    call_command("applications_reviews", stdout=out)
    task = ReviewTask.objects.get()
    assert task.household == poor and task.due_on == D(2027, 4, 15)
    call_command("applications_reviews", stdout=out)
    assert ReviewTask.objects.count() == 1
