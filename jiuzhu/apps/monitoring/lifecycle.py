"""The life of a warning, declared once: action → (states it may start from, state it leads to).

::

    raised ─push→ pushed ─start_visit→ verifying ─verify→ verified ─handle→ handled ─close→ closed
       │            │                     │                  └─escalate→ escalated ─decide→ handled
       └─transfer→ transferred ←─transfer─┘ (from raised, pushed, transferred, verifying)
                    └─accept→ pushed

Overdue escalation (督办) is not a state: it raises ``supervision_level`` and names the
supervising region above the responsible unit (services.escalate_overdue).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import State

S = State
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "push": (frozenset({S.RAISED}), S.PUSHED),
    "transfer": (frozenset({S.RAISED, S.PUSHED, S.TRANSFERRED, S.VERIFYING}), S.TRANSFERRED),
    "accept": (frozenset({S.TRANSFERRED}), S.PUSHED),
    "start_visit": (frozenset({S.PUSHED}), S.VERIFYING),
    "verify": (frozenset({S.VERIFYING}), S.VERIFIED),
    "handle": (frozenset({S.VERIFIED}), S.HANDLED),
    "escalate": (frozenset({S.VERIFIED}), S.ESCALATED),
    "decide": (frozenset({S.ESCALATED}), S.HANDLED),
    "close": (frozenset({S.HANDLED}), S.CLOSED),
}
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
OPEN_STATES = frozenset(State.values) - {S.HANDLED, S.CLOSED}


class TransitionError(Exception):
    """An action that the warning's state does not allow (shown to the user as is)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def next_state(state: str, action: str) -> str:
    """The state *action* leads to from *state*; :class:`TransitionError` if it is not allowed."""
    if action not in TRANSITIONS:
        raise TransitionError(_("Unknown action: %(action)s.") % {"action": action})
    sources, target = TRANSITIONS[action]
    if state not in sources:
        allowed = ", ".join(str(State(s).label) for s in sorted(sources))
        raise TransitionError(
            _("This warning is %(state)s; “%(action)s” is possible only when it is: %(allowed)s.") % {
                "state": State(state).label, "action": ACTION_LABELS[action], "allowed": allowed})
    return target


def allowed_actions(state: str) -> list[str]:
    return [a for a, (sources, _t) in TRANSITIONS.items() if state in sources]
