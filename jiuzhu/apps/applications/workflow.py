"""The workflow of an application, declared once.

``TRANSITIONS`` is the whole state machine: for each action, the states it may start from,
the state it leads to, the capability it needs, and the earlier actions whose author may not
take it (separation of duties, where a parameter switches the rule on).  The services read
this table and nothing else to decide whether a step is legal; the UI reads it to offer
the steps; the tests walk it (every legal and every illegal pair).

    submitted ─accept→ accepted ─check→ checked ─visit→ visited ─opinion→ opinion
      opinion ─publish→ notice ─(notice over)─approve/refuse→ approved / refused
      notice ─object→ objection ─resolve→ appraised ─approve/refuse→ …
                                 └republish→ notice
      opinion (proposal: refuse) ─refuse→ refused
    Any open state ─withdraw→ withdrawn; ─extend→ (same state, deadline 30 → 45 working days).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.statemachine import StateMachine, Transition
from jiuzhu.apps.core.statemachine import Step as StepContext
from jiuzhu.apps.registry.models import Household

from .models import Application, State
from .models import Transition as TransitionRecord

PROCESS = "process_applications"
DECIDE = "decide_applications"
VIEW = "view_applications"

OPEN_STATES: tuple[str, ...] = (
    State.SUBMITTED, State.ACCEPTED, State.CHECKED, State.VISITED, State.OPINION, State.NOTICE,
    State.OBJECTION, State.APPRAISED,
)
TERMINAL_STATES: tuple[str, ...] = (State.APPROVED, State.REFUSED, State.WITHDRAWN)
IN_PROGRESS: tuple[str, ...] = OPEN_STATES[1:]  # accepted onwards (the overall deadline runs)

Step = Transition  # the name the services have always used for a row of the table

SEPARATE_DECIDER = _("The person who gave the township opinion may not also decide this application.")

TRANSITIONS: dict[str, Transition] = {s.action: s for s in (
    Transition("notify_missing", (State.SUBMITTED,), None, PROCESS, _("One-time notice of missing documents")),
    Transition("accept", (State.SUBMITTED,), State.ACCEPTED, PROCESS, _("Accept")),
    Transition("check", (State.ACCEPTED,), State.CHECKED, PROCESS, _("Economic check report")),
    Transition("visit", (State.CHECKED,), State.VISITED, PROCESS, _("Home visit")),
    Transition("opinion", (State.VISITED,), State.OPINION, PROCESS, _("Township opinion"), needs_reason=True),
    Transition("publish", (State.OPINION,), State.NOTICE, PROCESS, _("Start the public notice")),
    Transition("object", (State.NOTICE,), State.OBJECTION, PROCESS, _("Record an objection"), needs_reason=True),
    Transition("resolve", (State.OBJECTION,), State.APPRAISED, PROCESS, _("Objection handled"), needs_reason=True),
    Transition("republish", (State.OBJECTION,), State.NOTICE, PROCESS, _("Publish again after re-investigation"),
               needs_reason=True),
    Transition("approve", (State.NOTICE, State.APPRAISED), State.APPROVED, DECIDE, _("Approve"),
               not_same_as=("opinion",), separation_param="applications.separate_decider",
               same_user_message=SEPARATE_DECIDER),
    Transition("refuse", (State.OPINION, State.NOTICE, State.APPRAISED), State.REFUSED, DECIDE, _("Refuse"),
               not_same_as=("opinion",), separation_param="applications.separate_decider", needs_reason=True,
               same_user_message=SEPARATE_DECIDER),
    Transition("send_letter", (State.APPROVED, State.REFUSED), None, PROCESS, _("Written notice sent")),
    Transition("extend", IN_PROGRESS, None, PROCESS, _("Extend the time limit"), needs_reason=True),
    Transition("withdraw", OPEN_STATES, State.WITHDRAWN, PROCESS, _("Withdraw"), needs_reason=True),
)}


class ApplicationError(Exception):
    """A refused step: a clear message (translated), a code for the API."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _switch(step: StepContext[Application], name: str) -> bool:
    """A boolean parameter (e.g. ``applications.separate_decider``) for the household, on the step's date."""
    household = step.obj.household
    return bool(step.context["params"].resolve(name, household.county_id, household.area_type,
                                               step.context["on"]).value)


def _history_fields(step: StepContext[Application]) -> Mapping[str, Any]:
    household_version = Household.objects.filter(pk=step.obj.household_id).values_list("version", flat=True).get()
    step.context["household_version"] = household_version
    return {"on": step.context["on"], "household_version": household_version,
            "parameter_version": step.context["params"].version}


def _audit_fields(step: StepContext[Application]) -> Mapping[str, Any]:
    return {"reason": step.reason[:200], "household_version": step.context["household_version"],
            "parameter_version": step.context["params"].version}


MACHINE: StateMachine[Application] = StateMachine(
    model=Application, transitions=TRANSITIONS.values(), history=TransitionRecord, history_fk="application",
    audit_event="applications.transition", region_of=lambda app: app.village_id,
    object_ref=lambda app: ("application", app.pk),
    refusal=ApplicationError, refusal_types=(ApplicationError,), switch=_switch,
    history_fields=_history_fields, audit_fields=_audit_fields, select_related=("household",),
    conflict_message=_("This application was changed by someone else in the meantime; reload it and try again."),
)


def next_state(action: str, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when the step is illegal there."""
    return MACHINE.next_state(action, state)


def available(state: str) -> list[Transition]:
    """The steps that may start from ``state`` (guards not yet checked)."""
    return MACHINE.available(state)
