"""The core state-machine helper (core/statemachine.py) and the one ConflictError (core/errors.py).

Exercised on the warning model with small tables of its own, so the helper is tested apart from
the applications and monitoring tables that use it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from jiuzhu.apps.core.errors import ConflictError, RefusedError
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.core.statemachine import StateMachine, Step, Transition, TransitionRefused
from jiuzhu.apps.monitoring.models import Warning, WarningEvent

H = "handle_warnings"
TABLE = (
    Transition("start", ("pushed",), "verifying", H, gettext_lazy("Visit started")),
    Transition("finish", ("verifying",), "verified", H, gettext_lazy("Verified by a visit")),
    Transition("sign_off", ("verified",), "closed", H, gettext_lazy("Fed back and closed"), not_same_as=("finish",)),
    Transition("note", ("pushed", "verifying"), None, H, gettext_lazy("Handled"), needs_reason=True),
    Transition("tick", ("pushed",), "raised", "", gettext_lazy("Raised by the comparison")),  # a system step
)


def _machine(**kw: Any) -> StateMachine[Warning]:
    args: dict[str, Any] = {
        "model": Warning, "transitions": TABLE, "history": WarningEvent, "history_fk": "warning",
        "audit_event": "test.{action}", "region_of": lambda w: w.unit_region_id,
        "object_ref": lambda w: ("warning", w.uid), "history_fields": lambda step: {"at": timezone.now()},
    }
    args.update(kw)
    return StateMachine(**args)


@pytest.fixture
def warning(users: dict[str, Any]) -> Warning:
    today = timezone.localdate()
    return Warning.objects.create(
        indicator="serious_illness", severity="orange", kind="need", state="pushed", subject="p:x",
        fingerprint=uuid.uuid4().hex, county_id="360124", unit_region_id="360124100", raised_at=timezone.now(),
        verify_due=today + dt.timedelta(days=14), handle_due=today + dt.timedelta(days=21))


def _refusals(w: Warning) -> list[tuple[str, str, str]]:
    return [(e.event, e.outcome, e.detail.get("code", "")) for e in
            AuditEvent.objects.filter(object_id=str(w.uid)).exclude(outcome="ok").order_by("id")]


def test_the_table_is_checked_when_declared() -> None:
    with pytest.raises(ValueError, match="twice"):
        _machine(transitions=(*TABLE, TABLE[0]))
    with pytest.raises(ValueError, match="undeclared"):
        _machine(transitions=(Transition("a", ("x",), "y", H, "a", not_same_as=("b",)),))
    with pytest.raises(ValueError, match="switch"):
        _machine(transitions=(Transition("a", ("x",), "y", H, "a", not_same_as=("a",), separation_param="p"),))
    m = _machine()
    assert m.next_state("start", "pushed") == "verifying" and m.next_state("start", "verified") is None
    assert m.next_state("note", "verifying") == "verifying"  # target None keeps the state
    assert m.next_state("nope", "pushed") is None
    assert [t.action for t in m.available("pushed")] == ["start", "note", "tick"]
    assert m.states() == {"pushed", "verifying", "verified", "closed", "raised"}


@pytest.mark.django_db
def test_a_step_moves_state_and_version_and_writes_history_and_audit(warning: Warning, users: Any) -> None:
    m = _machine()
    seen: list[str] = []

    def effect(step: Step[Warning]) -> dict[str, Any]:
        seen.append(step.from_state)
        step.obj.outcome_reason = "看过了"
        return {"checked": True}

    w = m.run(actor=users["township"], obj=warning, action="start", expected_version=1, reason=" 入户 ",
              effect=effect, fields=("outcome_reason",))
    w.refresh_from_db()
    assert (w.state, w.version, w.outcome_reason, seen) == ("verifying", 2, "看过了", ["pushed"])
    event = WarningEvent.objects.get(warning=w)
    assert (event.action, event.from_state, event.to_state, event.actor, event.reason, event.detail) == (
        "start", "pushed", "verifying", users["township"], "入户", {"checked": True})
    audit = AuditEvent.objects.get(event="test.start")
    assert audit.outcome == "ok" and audit.object_id == str(w.uid) and audit.detail["to_state"] == "verifying"


@pytest.mark.django_db
def test_refusals_change_nothing_and_are_audited_after_the_rollback(warning: Warning, users: Any) -> None:
    m = _machine()
    t = users["township"]
    with pytest.raises(TransitionRefused) as err:
        m.run(actor=t, obj=warning, action="finish")
    assert err.value.code == "illegal" and err.value.status == 400
    with translation.override("zh-hans"):
        with pytest.raises(TransitionRefused, match="已推送"):  # the current state, in the user's language
            m.run(actor=t, obj=warning, action="finish")
    with pytest.raises(TransitionRefused) as err:
        m.run(actor=t, obj=warning, action="note", reason="  ")
    assert err.value.code == "reason"

    def failing(step: Step[Warning]) -> None:
        step.obj.outcome_reason = "半途"
        WarningEvent.objects.create(warning=step.obj, at=timezone.now(), action="partial")
        raise ValidationError({"findings": "缺少"})

    with pytest.raises(ValidationError):
        m.run(actor=t, obj=warning, action="start", effect=failing, fields=("outcome_reason",))
    with pytest.raises(TransitionRefused):
        m.run(actor=t, obj=warning, action="unknown")
    warning.refresh_from_db()
    assert (warning.state, warning.version, warning.outcome_reason) == ("pushed", 1, "")
    assert not WarningEvent.objects.filter(warning=warning).exists()  # the effect's write was rolled back too
    assert _refusals(warning) == [
        ("test.finish", "refused", "illegal"), ("test.finish", "refused", "illegal"),
        ("test.note", "refused", "reason"), ("test.start", "refused", "invalid"),
        ("test.unknown", "refused", "action")]


@pytest.mark.django_db
def test_capability_and_scope_are_denied_and_audited(warning: Warning, users: Any) -> None:
    m = _machine()
    with pytest.raises(PermissionDenied):
        m.run(actor=users["auditor"], obj=warning, action="start")
    with pytest.raises(Http404):  # another county's caseworker: the warning does not exist for them
        m.run(actor=users["county_b"], obj=warning, action="start")
    warning.refresh_from_db()
    assert warning.state == "pushed"
    assert _refusals(warning) == [("test.start", "denied", "capability"), ("test.start", "denied", "scope")]


@pytest.mark.django_db
def test_a_stale_version_is_the_one_conflict_error(warning: Warning, users: Any) -> None:
    m = _machine(conflict_message=gettext_lazy("This warning was changed by someone else meanwhile; reload the page "
                                               "and try again."))
    m.run(actor=users["township"], obj=warning, action="start", expected_version=1)
    with pytest.raises(ConflictError) as err:
        m.run(actor=users["county"], obj=warning, action="finish", expected_version=1)
    conflict = err.value
    assert isinstance(conflict, RefusedError) and conflict.status == 409 and conflict.code == "conflict"
    assert "刷新" in conflict.message_zh and "reload" in conflict.message_en
    with translation.override("en"):
        assert str(conflict) == conflict.message_en
    with translation.override("zh-hans"):
        assert str(conflict) == conflict.message_zh
    warning.refresh_from_db()
    assert (warning.state, warning.version) == ("verifying", 2)
    assert _refusals(warning) == [("test.finish", "refused", "conflict")]
    # The registry and the applications raise the very same class.
    from jiuzhu.apps.applications import services as applications
    from jiuzhu.apps.registry import services as registry

    assert registry.ConflictError is applications.ConflictError is ConflictError


@pytest.mark.django_db
def test_who_took_an_earlier_step_may_not_take_this_one(warning: Warning, users: Any) -> None:
    m = _machine()
    t, c = users["township"], users["county"]
    m.run(actor=t, obj=warning, action="start")
    m.run(actor=t, obj=warning, action="finish")
    with pytest.raises(TransitionRefused) as err:
        m.run(actor=t, obj=warning, action="sign_off")
    assert err.value.code == "same_user"
    w = m.run(actor=c, obj=warning, action="sign_off")
    assert w.state == "closed"


@pytest.mark.django_db
def test_the_separation_can_be_switched_by_a_parameter(warning: Warning, users: Any) -> None:
    switched: list[str] = []

    def switch(step: Step[Warning], name: str) -> bool:
        switched.append(name)
        return bool(step.context.get("separate"))

    table = tuple(Transition(t.action, t.sources, t.target, t.capability, t.label, t.not_same_as,
                             "test.separate" if t.not_same_as else "", t.needs_reason) for t in TABLE)
    m = _machine(transitions=table, switch=switch)
    t = users["township"]
    m.run(actor=t, obj=warning, action="start")
    m.run(actor=t, obj=warning, action="finish")
    with pytest.raises(TransitionRefused):
        m.run(actor=t, obj=warning, action="sign_off", context={"separate": True})
    assert m.run(actor=t, obj=warning, action="sign_off", context={"separate": False}).state == "closed"
    assert switched == ["test.separate", "test.separate"]


@pytest.mark.django_db
def test_a_system_step_without_actor_or_capability(warning: Warning) -> None:
    m = _machine()
    w = m.run(actor=None, obj=warning, action="tick")
    assert w.state == "raised"
    event = WarningEvent.objects.get(warning=w)
    assert event.actor is None and event.actor_username == ""
    with pytest.raises(PermissionDenied):  # a caseworker's step still needs a caseworker
        m.run(actor=None, obj=warning, action="start")


@pytest.mark.django_db
def test_a_guard_of_the_table_refuses_before_the_effect(warning: Warning, users: Any) -> None:
    def guard(step: Step[Warning]) -> None:
        if step.actor.region_id != "360124100":
            raise TransitionRefused("township_only", "只能由乡镇办理")

    ran: list[bool] = []
    m = _machine(transitions=(Transition("start", ("pushed",), "verifying", H, "start", guard=guard),))
    with pytest.raises(TransitionRefused) as err:
        m.run(actor=users["county"], obj=warning, action="start", effect=lambda step: ran.append(True) and None)
    assert err.value.code == "township_only" and ran == []
    assert m.run(actor=users["township"], obj=warning, action="start").state == "verifying"
