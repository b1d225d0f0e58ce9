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

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import State

PROCESS = "process_applications"
DECIDE = "decide_applications"
VIEW = "view_applications"

OPEN_STATES: tuple[str, ...] = (
    State.SUBMITTED, State.ACCEPTED, State.CHECKED, State.VISITED, State.OPINION, State.NOTICE,
    State.OBJECTION, State.APPRAISED,
)
TERMINAL_STATES: tuple[str, ...] = (State.APPROVED, State.REFUSED, State.WITHDRAWN)
IN_PROGRESS: tuple[str, ...] = OPEN_STATES[1:]  # accepted onwards (the overall deadline runs)


@dataclass(frozen=True)
class Step:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None: stays in the same state
    capability: str
    label: object
    not_same_as: tuple[str, ...] = ()  # earlier actions whose author may not take this one
    separation_param: str = ""  # the boolean parameter switching not_same_as on ("" = always)
    needs_reason: bool = False


TRANSITIONS: dict[str, Step] = {s.action: s for s in (
    Step("notify_missing", (State.SUBMITTED,), None, PROCESS, _("One-time notice of missing documents")),
    Step("accept", (State.SUBMITTED,), State.ACCEPTED, PROCESS, _("Accept")),
    Step("check", (State.ACCEPTED,), State.CHECKED, PROCESS, _("Economic check report")),
    Step("visit", (State.CHECKED,), State.VISITED, PROCESS, _("Home visit")),
    Step("opinion", (State.VISITED,), State.OPINION, PROCESS, _("Township opinion"), needs_reason=True),
    Step("publish", (State.OPINION,), State.NOTICE, PROCESS, _("Start the public notice")),
    Step("object", (State.NOTICE,), State.OBJECTION, PROCESS, _("Record an objection"), needs_reason=True),
    Step("resolve", (State.OBJECTION,), State.APPRAISED, PROCESS, _("Objection handled"), needs_reason=True),
    Step("republish", (State.OBJECTION,), State.NOTICE, PROCESS, _("Publish again after re-investigation"),
         needs_reason=True),
    Step("approve", (State.NOTICE, State.APPRAISED), State.APPROVED, DECIDE, _("Approve"),
         not_same_as=("opinion",), separation_param="applications.separate_decider"),
    Step("refuse", (State.OPINION, State.NOTICE, State.APPRAISED), State.REFUSED, DECIDE, _("Refuse"),
         not_same_as=("opinion",), separation_param="applications.separate_decider", needs_reason=True),
    Step("send_letter", (State.APPROVED, State.REFUSED), None, PROCESS, _("Written notice sent")),
    Step("extend", IN_PROGRESS, None, PROCESS, _("Extend the time limit"), needs_reason=True),
    Step("withdraw", OPEN_STATES, State.WITHDRAWN, PROCESS, _("Withdraw"), needs_reason=True),
)}


def next_state(action: str, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None when the step is illegal there."""
    step = TRANSITIONS.get(action)
    if step is None or state not in step.sources:
        return None
    return step.target or state


def available(state: str) -> list[Step]:
    """The steps that may start from ``state`` (guards not yet checked)."""
    return [s for s in TRANSITIONS.values() if state in s.sources]
