"""The full journey and its deadlines: desk → accept → check → visit → opinion → notice → decision → letter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.apps.applications.models import Transition
from jiuzhu.apps.applications.services import ApplicationError, ConflictError, act
from tests.applications.conftest import D, new_application, run, to_visited

pytestmark = pytest.mark.django_db


def test_approval_journey_with_working_day_deadlines_across_national_day(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.assistance.models import Entitlement
    from jiuzhu.apps.exchange.models import AssistanceRecord

    app = new_application(staff["township"], poor)
    assert app.state == "submitted"
    app = run(staff["township"], app, "accept", D(2026, 9, 28))
    # 30 working days from Mon 28 Sep 2026, skipping 1–7 Oct and counting Sat 10 Oct (调休上班).
    assert app.due_on == D(2026, 11, 13)
    app = run(staff["township"], app, "check", D(2026, 9, 29))
    assert app.checks.count() == 1
    app = to_visited_from_checked(staff, app)
    assert app.opinion_due_on == D(2026, 10, 9)  # 2 working days after Wed 30 Sep: Thu 8, Fri 9 Oct
    app = run(staff["township"], app, "opinion", D(2026, 10, 9), "家庭人均收入低于低保标准", proposal="approve")
    assert "dibao" in app.proposed_categories and app.proposed_amount > 0
    app = run(staff["township"], app, "publish", D(2026, 10, 9))
    assert (app.notice_start, app.notice_end) == (D(2026, 10, 9), D(2026, 10, 15))
    assert app.decision_due_on == D(2026, 10, 19)  # Fri 16, Mon 19
    # Not before the notice ends.
    with pytest.raises(ApplicationError) as err:
        run(staff["county"], app, "approve", D(2026, 10, 15))
    assert err.value.code == "notice_running"
    app = run(staff["county"], app, "approve", D(2026, 10, 16))
    assert app.state == "approved" and app.decided_by == staff["county"]
    assert app.decision_reasons and app.decision_reasons[0]["zh"] == "确认类别：最低生活保障对象。"
    ent = Entitlement.objects.get(decision_ref=f"application:{app.uid}", programme="dibao")
    assert ent.monthly_amount == app.decision_amount and ent.start_month == D(2026, 11, 1)
    head = poor.members.get(relation="head")
    assert AssistanceRecord.objects.filter(member=head, programme="dibao").exists()
    # A periodic review is scheduled (head able to work, farming → every 6 months).
    review = app.reviews.get()
    assert (review.kind, review.due_on) == ("irregular", D(2027, 4, 16))
    # Decide twice: refused, nothing changed.
    with pytest.raises(ApplicationError) as err:
        run(staff["county"], app, "approve", D(2026, 10, 17))
    assert err.value.code == "illegal"
    app = run(staff["township"], app, "send_letter", D(2026, 10, 19))
    assert app.letter_sent_on == D(2026, 10, 19)
    # Every step recorded: who, from, to, household and parameter version.
    steps = list(Transition.objects.filter(application=app).values_list("action", "from_state", "to_state"))
    assert [s[0] for s in steps] == ["submit", "accept", "check", "visit", "opinion", "publish", "approve",
                                     "send_letter"]
    last = Transition.objects.filter(application=app, action="approve").get()
    assert last.actor == staff["county"] and last.parameter_version.startswith("sha256:")
    assert last.household_version == poor.__class__.objects.get(pk=poor.pk).version


def to_visited_from_checked(staff: dict[str, Any], app: Any) -> Any:
    return run(staff["township"], app, "visit", D(2026, 9, 30), staff_2=staff["township2"].pk,
               applicant_signed=True, findings="住房简陋")


def test_extension_to_45_working_days_needs_a_reason(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    app = run(staff["township"], app, "accept", D(2026, 9, 28))
    with pytest.raises(ApplicationError):
        run(staff["township"], app, "extend", D(2026, 10, 20))
    app = run(staff["township"], app, "extend", D(2026, 10, 20), "需信函索证")
    assert app.extended and app.due_on == D(2026, 12, 4)
    with pytest.raises(ApplicationError):
        run(staff["township"], app, "extend", D(2026, 10, 21), "再次延长")


def test_a_stale_version_gets_a_conflict_and_nothing_changes(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    stale = app.version
    act(actor=staff["township"], application=app, action="accept", expected_version=stale, on=D(2026, 9, 28))
    with pytest.raises(ConflictError) as err:
        act(actor=staff["township2"], application=app, action="withdraw", expected_version=stale,
            reason="申请人撤回", on=D(2026, 9, 28))
    assert err.value.status == 409
    app.refresh_from_db()
    assert app.state == "accepted"
    assert not Transition.objects.filter(application=app, action="withdraw").exists()


def test_missing_documents_one_notice_then_accept(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.services import create_application

    app = create_application(actor=staff["township"], household=poor, channel="desk", documents=["id_card"],
                             on=D(2026, 9, 28))
    with pytest.raises(ApplicationError) as err:
        run(staff["township"], app, "accept", D(2026, 9, 28))
    # One message listing every missing item, the authorisation included.
    for name in ("家庭收入和财产申报", "家庭经济状况核对授权书", "家庭关系证明"):
        assert name in err.value.message
    app = run(staff["township"], app, "notify_missing", D(2026, 9, 28))
    assert app.missing_notice_items == ["income_declaration", "authorisation", "relationship_proof"]
    app = run(staff["township"], app, "accept", D(2026, 9, 30),
              documents=["income_declaration", "relationship_proof"], authorisation_ref="授权-7")
    assert app.state == "accepted" and app.authorisation_on == D(2026, 9, 30)


def test_same_user_may_not_give_the_opinion_and_decide(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["county"], poor)
    run(staff["county"], app, "accept", D(2026, 9, 28))
    run(staff["county"], app, "check", D(2026, 9, 28))
    run(staff["county"], app, "visit", D(2026, 9, 30), staff_2=staff["county2"].pk, applicant_signed=True)
    run(staff["county"], app, "opinion", D(2026, 10, 9), "符合", proposal="approve")
    run(staff["county"], app, "publish", D(2026, 10, 9))
    with pytest.raises(ApplicationError) as err:
        run(staff["county"], app, "approve", D(2026, 10, 16))
    assert err.value.code == "same_user"
    assert "初审意见" in err.value.message
    app = run(staff["county2"], app, "approve", D(2026, 10, 16))
    assert app.state == "approved"


def test_home_visit_needs_two_different_staff_and_the_applicant_signature(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    run(staff["township"], app, "accept", D(2026, 9, 28))
    run(staff["township"], app, "check", D(2026, 9, 28))
    for data in ({"staff_2": staff["township"].pk, "applicant_signed": True},
                 {"staff_2": staff["county_b"].pk, "applicant_signed": True},
                 {"staff_2": staff["township2"].pk, "applicant_signed": False}):
        with pytest.raises(ApplicationError):
            run(staff["township"], app, "visit", D(2026, 9, 30), **data)
    app.refresh_from_db()
    assert app.state == "checked" and not app.visits.exists()


def test_visit_findings_update_the_household_through_the_registry(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.registry.models import ChangeRecord

    app = new_application(staff["township"], poor)
    before = poor.version
    run(staff["township"], app, "accept", D(2026, 9, 28))
    run(staff["township"], app, "check", D(2026, 9, 28))
    app = run(staff["township"], app, "visit", D(2026, 9, 30), staff_2=staff["township2"].pk, applicant_signed=True,
              updates=[{"kind": "property", "data": {"property_type": "vehicle", "value": "3000"}}])
    poor.refresh_from_db()
    assert poor.version == before + 1
    assert poor.propertyitems.filter(property_type="vehicle").exists()
    assert ChangeRecord.objects.filter(household=poor, object_type="property", actor=staff["township"]).exists()
    visit = app.visits.get()
    assert visit.staff_1 == staff["township"] and visit.staff_2 == staff["township2"]
    assert visit.staff_1_signed_at and visit.staff_2_signed_at and visit.household_version == poor.version


def test_objection_then_appraisal_then_decision(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    app = run(staff["township"], app, "object", D(2026, 10, 12), "邻居反映有经营收入", substantiated=True)
    assert app.state == "objection"
    assert app.objection_due_on == D(2026, 10, 21)  # notice ends Wed 14 Oct; 5 working days → Wed 21 Oct
    with pytest.raises(ApplicationError):
        run(staff["county"], app, "approve", D(2026, 10, 16))  # not while the objection is open
    app = run(staff["township"], app, "resolve", D(2026, 10, 19), "民主评议：异议不成立")
    assert app.objections.get().resolved_on == D(2026, 10, 19)
    app = run(staff["county"], app, "approve", D(2026, 10, 20))
    assert app.state == "approved"


def test_overdue_cases_are_listed(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.models import Application
    from jiuzhu.apps.applications.selectors import overdue_q, overdue_reasons

    app = new_application(staff["township"], poor)
    app = run(staff["township"], app, "accept", D(2026, 9, 28))
    assert overdue_reasons(app, D(2026, 11, 13)) == []
    assert overdue_reasons(app, D(2026, 11, 14)) == ["overall"]
    assert Application.objects.filter(overdue_q(D(2026, 11, 14))).count() == 1
    assert Application.objects.filter(overdue_q(D(2026, 11, 13))).count() == 0


def test_transition_records_are_written_with_the_audit(staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.core.models import AuditEvent

    app = new_application(staff["township"], poor)
    run(staff["township"], app, "accept", D(2026, 9, 28))
    with pytest.raises(ApplicationError):
        run(staff["township"], app, "publish", D(2026, 9, 28))
    events = AuditEvent.objects.filter(event="applications.transition", object_id=str(app.pk))
    assert events.filter(outcome="ok").count() == 2  # submit, accept
    refused = events.get(outcome="refused")
    assert refused.detail["code"] == "illegal"


def test_dates_are_decimal_money(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    app = run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    assert isinstance(app.proposed_amount, Decimal)
    assert app.proposed_amount == app.proposed_amount.quantize(Decimal("0.01"))


_ = dt


def test_approval_of_a_tekun_person_starts_a_per_member_entitlement(staff: dict[str, Any]) -> None:
    from jiuzhu.apps.assistance.models import Entitlement
    from tests.conftest import make_household

    elderly = make_household(staff["township"], "360124100002", "360124195505050072")  # aged 71, alone
    app = new_application(staff["township"], elderly)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "特困供养", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    app = run(staff["county"], app, "approve", D(2026, 10, 15))
    ent = Entitlement.objects.get(decision_ref=f"application:{app.uid}")
    assert ent.programme == "tekun" and ent.member == elderly.members.get()
    assert ent.monthly_amount == app.decision_amount > 0
