"""The life of a warning, declared once as a table of the core state machine.

::

    raised ─push→ pushed ─start_visit→ verifying ─verify→ verified ─handle→ handled ─close→ closed
       │            │                     │                  └─escalate→ escalated ─decide→ handled
       └─transfer→ transferred ←─transfer─┘ (from raised, pushed, transferred, verifying)
                    └─accept→ pushed

Two staff (issue 13 §12): where ``monitoring.visit.two_staff_kinds`` names the warning's kind,
``verify`` needs the second visitor's own account (guard ``visits.visit_complete``) and whoever
recorded the outcome (``handle``) may not ``close`` the warning: no single clerk verifies,
handles and closes it alone.  (A county decision, ``decide``, is collective: its recorder may close.)

``MACHINE.run`` takes a step: it locks the warning, checks the unit's scope, the version (stale →
``ConflictError``, HTTP 409), the state and the rules of the table, runs the step's own checks
(``services``), writes the ``WarningEvent`` and the audit record (``monitoring.<action>``) and
audits a refusal after the rollback.

Overdue escalation (督办) is not a state: it raises ``supervision_level`` and names the
supervising region above the responsible unit (services.escalate_overdue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.statemachine import StateMachine, Step, Transition

from .models import State, Warning, WarningEvent
from .visits import HANDLE, TWO_STAFF, two_staff_required, visit_complete

S = State

ACTION_LABELS = {
    "raise": _("Raised by the comparison"),
    "push": _("Pushed to the responsible unit"),
    "transfer": _("Transferred"),
    "accept": _("Accepted"),
    "start_visit": _("Visit started"),
    "verify": _("Verified by a visit"),
    "handle": _("Handled"),
    "escalate": _("Escalated to the county (case by case)"),
    "decide": _("County decision recorded"),
    "close": _("Fed back and closed"),
    "overdue": _("Overdue: escalated for supervision"),
}
# What the button of each action says.
ACTION_VERBS = {
    "transfer": _("Transfer to another unit"),
    "accept": _("Accept"),
    "start_visit": _("Start the visit"),
    "handle": _("Record the outcome"),
    "escalate": _("Ask the county for a case-by-case decision"),
    "decide": _("Record the county's decision"),
    "close": _("Feed back and close"),
}


def _t(action: str, sources: tuple[str, ...], target: str, **rules: Any) -> Transition:
    return Transition(action, sources, target, HANDLE, ACTION_LABELS[action], **rules)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("push", (S.RAISED,), S.PUSHED),
    _t("transfer", (S.RAISED, S.PUSHED, S.TRANSFERRED, S.VERIFYING), S.TRANSFERRED),
    _t("accept", (S.TRANSFERRED,), S.PUSHED),
    _t("start_visit", (S.PUSHED,), S.VERIFYING),
    _t("verify", (S.VERIFYING,), S.VERIFIED, guard=visit_complete),
    _t("handle", (S.VERIFIED,), S.HANDLED),
    _t("escalate", (S.VERIFIED,), S.ESCALATED),
    _t("decide", (S.ESCALATED,), S.HANDLED),
    _t("close", (S.HANDLED,), S.CLOSED, not_same_as=("handle",), separation_param=TWO_STAFF,
       same_user_message=_("You recorded the outcome of this warning: another staff member checks the feedback and "
                           "closes it.")),
)}
OPEN_STATES = frozenset(State.values) - {S.HANDLED, S.CLOSED}


class TransitionError(Exception):
    """A step the warning's state or the rules do not allow (shown to the user as is)."""

    status = 400

    def __init__(self, message: str, code: str = "illegal") -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _switch(step: Step[Warning], name: str) -> bool:
    if name != TWO_STAFF:
        raise ValueError(f"unknown separation parameter {name!r}")
    return two_staff_required(step.obj)


def _history_fields(step: Step[Warning]) -> Mapping[str, Any]:
    return {"at": timezone.now()}


def _audit_fields(step: Step[Warning]) -> Mapping[str, Any]:
    return {"indicator": step.obj.indicator}


MACHINE: StateMachine[Warning] = StateMachine(
    model=Warning, transitions=TRANSITIONS.values(), history=WarningEvent, history_fk="warning",
    audit_event="monitoring.{action}", region_of=lambda w: w.unit_region_id,
    object_ref=lambda w: ("warning", w.uid),
    refusal=lambda code, message: TransitionError(message, code), refusal_types=(TransitionError,),
    switch=_switch, history_fields=_history_fields, audit_fields=_audit_fields,
    conflict_message=_("This warning was changed by someone else meanwhile; reload the page and try again."),
)


def allowed_actions(state: str) -> list[str]:
    return [t.action for t in MACHINE.available(state)]


__all__ = ["ACTION_LABELS", "ACTION_VERBS", "HANDLE", "MACHINE", "OPEN_STATES", "TRANSITIONS", "TransitionError",
           "allowed_actions"]
