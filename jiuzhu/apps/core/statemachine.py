"""One small state machine for every record with a life: applications, warnings, and next jobs
and inspections.

A workflow declares its table once, as :class:`Transition` rows: for each action, the states it
may start from, the state it leads to, the capability it needs, and, where the rules ask for it,
the earlier actions whose author may not take it (separation of duties, "who may not repeat a
previous step"), a boolean parameter switching that rule on, whether a reason is required and an
extra guard.  :meth:`StateMachine.run` is the one entry point that takes a step:

1. checks the capability of the transition (refused → audited ``denied``, 403);
2. in one transaction: locks the row (``select_for_update``), checks the region scope (outside →
   audited ``denied``, 404), the version (stale → :class:`~jiuzhu.apps.core.errors.ConflictError`,
   HTTP 409), the state, the reason, the separation of duties and the guard; runs the caller's
   *effect* (the step's own checks and writes); moves the state, bumps the version, saves, and
   writes the history row and the audit record;
3. a refusal (the workflow's refusal error, a conflict, a ``ValidationError``) rolls the
   transaction back and is then audited with ``outcome="refused"`` *outside* it, so the refusal
   itself stays on record.

Example (a job with a four-eyes approval)::

    from jiuzhu.apps.core.statemachine import StateMachine, Transition

    from django.utils.translation import gettext_lazy as label

    JOB_STEPS = (
        Transition("start", ("queued",), "running", capability="run_jobs", label=label("Start")),
        Transition("finish", ("running",), "done", capability="run_jobs", label=label("Finish")),
        Transition("approve", ("done",), "approved", capability="approve_jobs", label=label("Approve"),
                   not_same_as=("start",)),  # whoever started the job may not approve it
    )
    JOBS = StateMachine(
        model=Job, history=JobEvent, history_fk="job", transitions=JOB_STEPS,
        region_of=lambda job: job.region_id, audit_event="jobs.{action}",
        conflict_message=label("This job was changed by someone else in the meantime; reload it and try again."),
    )

    job = JOBS.run(actor=user, obj=job, action="finish", expected_version=3,
                   effect=lambda step: {"rows": step.obj.rows})   # detail kept on the history row

The model needs a state field and an integer ``version`` field; the history model a foreign key
to it (*history_fk*) and the fields ``action``, ``from_state``, ``to_state``, ``actor``,
``actor_username``, ``reason`` and ``detail``; workflow-specific columns come from
*history_fields*.  System steps (a job worker) pass ``actor=None`` on transitions declared with
``capability=""``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .audit import audit
from .errors import ConflictError, RefusedError
from .models import User
from .scoping import region_in_scope

M = TypeVar("M", bound=models.Model)


class TransitionRefused(Exception):
    """The default refusal of a step: a stable ``code`` and a message in the current language."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Transition:
    """One row of a workflow's table: ``(state, action) → (next state, capability, extra guard)``.

    *target* ``None`` keeps the state (a step recorded in the history that does not move it).
    *not_same_as*: earlier actions whose author may not take this one; *separation_param*: the
    boolean parameter that switches that rule on (``""`` = always on; resolved by the
    machine's *switch*).  *guard* (given the :class:`Step`) raises the workflow's refusal error or a
    ``ValidationError`` when the step may not be taken.
    """

    action: str
    sources: tuple[str, ...]
    target: str | None
    capability: str
    label: Any
    not_same_as: tuple[str, ...] = ()
    separation_param: str = ""
    needs_reason: bool = False
    guard: Callable[[Step[Any]], None] | None = None
    same_user_message: Any = None  # what a refused separation says (a generic text if None)


@dataclass
class Step(Generic[M]):
    """One step being taken: what the effect and the history/audit hooks are given."""

    machine: StateMachine[M]
    transition: Transition
    actor: User
    obj: M
    from_state: str
    reason: str
    context: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return self.transition.action


def _user(actor: User) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _join(items: Iterable[str]) -> str:
    """An enumeration in the current language (、 in Chinese)."""
    return (", " if (get_language() or "").startswith("en") else "、").join(items)


class StateMachine(Generic[M]):
    """A declared table of transitions over one model, and the one way to take them (see module)."""

    def __init__(
        self,
        *,
        model: type[M],
        transitions: Iterable[Transition],
        history: type[models.Model],
        history_fk: str,
        audit_event: str,
        conflict_message: Any = None,
        region_of: Callable[[M], str] | None = None,
        object_ref: Callable[[M], tuple[str, Any]] | None = None,
        state_label: Callable[[str], str] | None = None,
        refusal: Callable[[str, str], Exception] = TransitionRefused,  # builds a refusal (code, message)
        refusal_types: tuple[type[Exception], ...] = (TransitionRefused,),
        switch: Callable[[Step[M], str], bool] | None = None,
        history_fields: Callable[[Step[M]], Mapping[str, Any]] | None = None,
        audit_fields: Callable[[Step[M]], Mapping[str, Any]] | None = None,
        select_related: tuple[str, ...] = (),
        state_field: str = "state",
    ) -> None:
        self.model = model
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.action in self.transitions:
                raise ValueError(f"{model.__name__}: action {t.action!r} declared twice")
            self.transitions[t.action] = t
        self.history, self.history_fk = history, history_fk
        self.audit_event = audit_event
        self.conflict_message = conflict_message
        self.region_of = region_of
        self.object_ref = object_ref or (lambda obj: (model._meta.model_name or "", obj.pk))
        # By default a state reads as its label among the state field's choices.
        choices = dict(model._meta.get_field(state_field).flatchoices)
        self.state_label = state_label or (lambda s: str(choices.get(s, s)))
        self.refusal, self.refusal_types = refusal, refusal_types
        self.switch = switch
        self.history_fields = history_fields
        self.audit_fields = audit_fields
        self.select_related = select_related
        self.state_field = state_field
        MACHINES[audit_event] = self  # the audit log reads its steps and states by label (audit_labels)
        for t in self.transitions.values():
            unknown = set(t.not_same_as) - set(self.transitions)
            if unknown:
                raise ValueError(f"{t.action}: not_same_as names undeclared actions {sorted(unknown)}")
            if t.separation_param and switch is None:
                raise ValueError(f"{t.action}: separation_param needs the machine's switch")

    # ---------------------------------------------------------------- reading the table

    def next_state(self, action: str, state: str) -> str | None:
        """The state *action* leads to from *state*, or None when the table does not allow it."""
        t = self.transitions.get(action)
        if t is None or state not in t.sources:
            return None
        return t.target or state

    def available(self, state: str) -> list[Transition]:
        """The transitions that may start from *state* (guards not yet checked)."""
        return [t for t in self.transitions.values() if state in t.sources]

    def states(self) -> set[str]:
        return {s for t in self.transitions.values() for s in (*t.sources, t.target) if s}

    # ---------------------------------------------------------------- taking a step

    def run(
        self,
        *,
        actor: User,
        obj: M,
        action: str,
        expected_version: int | None = None,
        reason: str = "",
        effect: Callable[[Step[M]], Mapping[str, Any] | None] | None = None,
        fields: tuple[str, ...] = (),
        context: dict[str, Any] | None = None,
    ) -> M:
        """Take *action* on *obj* (see the module docstring); returns the saved, locked object.

        *effect* (the step's own checks and writes) runs once every declared rule has passed and
        before the state moves; what it returns is kept as the history row's ``detail``.  *fields*
        are the extra model fields the effect changed (saved with the state and the version).
        """
        t = self.transitions.get(action)
        if t is None:
            self._audit_refusal(actor, obj, action, "refused", "action")
            raise self.refusal("action", _("Unknown step."))
        if t.capability and not (actor is not None and actor.is_authenticated and actor.has_capability(t.capability)):
            self._audit_refusal(actor, obj, action, "denied", "capability")
            raise PermissionDenied(t.capability)
        try:
            with transaction.atomic():
                locked = self.lock(actor, obj, expected_version)
                return self.apply(actor, locked, action, reason=reason, effect=effect, fields=fields,
                                  context=context)
        except Http404:
            self._audit_refusal(actor, obj, action, "denied", "scope")
            raise
        except PermissionDenied:  # a rule of the step itself (e.g. only the county decides)
            self._audit_refusal(actor, obj, action, "denied", "permission")
            raise
        except ValidationError as err:
            fields_refused = sorted(err.message_dict) if hasattr(err, "error_dict") else []
            self._audit_refusal(actor, obj, action, "refused", "invalid", fields=fields_refused)
            raise
        except Exception as err:
            if isinstance(err, (RefusedError, *self.refusal_types)):
                # After the rollback, so the refusal itself is on record.
                self._audit_refusal(actor, obj, action, "refused", str(getattr(err, "code", "refused")))
            raise

    def lock(self, actor: User, obj: M, expected_version: int | None = None, *, capability: str = "") -> M:
        """Inside a transaction: the row locked, in the actor's region, at the expected version.

        *capability*: also required of the actor (for writes on the way of a step, e.g. a draft).
        """
        if capability and not (actor is not None and actor.is_authenticated and actor.has_capability(capability)):
            raise PermissionDenied(capability)
        qs = self.model._default_manager.select_for_update(of=("self",))
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        locked = qs.get(pk=obj.pk)
        if self.region_of is not None and actor is not None and not region_in_scope(actor, self.region_of(locked)):
            raise Http404
        if expected_version is not None and locked.version != int(expected_version):
            raise ConflictError(self.conflict_message)
        return locked

    def apply(
        self,
        actor: User,
        locked: M,
        action: str,
        *,
        reason: str = "",
        effect: Callable[[Step[M]], Mapping[str, Any] | None] | None = None,
        fields: tuple[str, ...] = (),
        context: dict[str, Any] | None = None,
    ) -> M:
        """Take *action* on a row already locked by :meth:`lock` in the current transaction.

        For a step taken on the way of another write (a visit draft starts the visit); refusals
        raise, the caller's transaction rolls back.
        """
        t = self.transitions.get(action)
        if t is None:
            raise self.refusal("action", _("Unknown step."))
        before = str(getattr(locked, self.state_field))
        if before not in t.sources:
            raise self.refusal("illegal", self.illegal_message(t, before))
        reason = (reason or "").strip()
        if t.needs_reason and not reason:
            raise self.refusal("reason", _("Give the reason for this step."))
        step = Step(machine=self, transition=t, actor=actor, obj=locked, from_state=before, reason=reason,
                     context=dict(context or {}))
        if self.separated(step):
            raise self.refusal("same_user", self.same_user_message(t))
        if t.guard is not None:
            t.guard(step)
        if effect is not None:
            step.detail = dict(effect(step) or {})
        setattr(locked, self.state_field, t.target or before)
        locked.version += 1
        locked.save(update_fields=[self.state_field, "version", *fields] if fields else None)
        self._record(step)
        return locked

    def separated(self, step: Step[M]) -> bool:
        """Whether the actor took one of the earlier actions this transition may not follow."""
        t, user = step.transition, _user(step.actor)
        if not t.not_same_as or user is None:
            return False
        if t.separation_param and not (self.switch and self.switch(step, t.separation_param)):
            return False
        return self.history._default_manager.filter(
            **{self.history_fk: step.obj, "action__in": t.not_same_as, "actor": user}).exists()

    def blocked(self, actor: User, obj: M, action: str, context: dict[str, Any] | None = None) -> str:
        """What a separation-of-duties refusal would tell *actor* about *action* now, or "" (for screens)."""
        t = self.transitions[action]
        step = Step(machine=self, transition=t, actor=actor, obj=obj, from_state=str(getattr(obj, self.state_field)),
                    reason="", context=dict(context or {}))
        return self.same_user_message(t) if self.separated(step) else ""

    def illegal_message(self, t: Transition, state: str) -> str:
        allowed = _join(self.state_label(s) for s in t.sources)
        return _("“%(action)s” is not possible while this is “%(state)s”; it is possible only when: %(allowed)s.") % {
            "action": t.label, "state": self.state_label(state), "allowed": allowed}

    def same_user_message(self, t: Transition) -> str:
        if t.same_user_message is not None:
            return str(t.same_user_message)
        earlier = _join(str(self.transitions[a].label) for a in t.not_same_as)
        return _("You took an earlier step of this case (%(steps)s); another person must take “%(action)s”.") % {
            "steps": earlier, "action": t.label}

    # ---------------------------------------------------------------- history and audit

    def _record(self, step: Step[M]) -> None:
        user = _user(step.actor)
        t = step.transition
        reason_field = self.history._meta.get_field("reason")
        limit = getattr(reason_field, "max_length", None) or 1000
        row = {
            self.history_fk: step.obj, "action": t.action, "from_state": step.from_state,
            "to_state": getattr(step.obj, self.state_field), "actor": user,
            "actor_username": getattr(step.actor, "username", "") or "", "reason": step.reason[:limit],
            "detail": step.detail,
        }
        if self.history_fields is not None:
            row.update(self.history_fields(step))
        self.history._default_manager.create(**row)
        object_type, object_id = self.object_ref(step.obj)
        extra = dict(self.audit_fields(step)) if self.audit_fields is not None else {}
        audit(self.audit_event.format(action=t.action), actor=user, object_type=object_type, object_id=object_id,
              action=t.action, from_state=step.from_state, to_state=getattr(step.obj, self.state_field), **extra)

    def _audit_refusal(self, actor: User, obj: M, action: str, outcome: str, code: str, **detail: Any) -> None:
        object_type, object_id = self.object_ref(obj)
        audit(self.audit_event.format(action=action), actor=_user(actor), object_type=object_type,
              object_id=object_id, outcome=outcome, action=action, code=code, **detail)


# Every machine, by its audit event ("monitoring.{action}", "applications.transition"): the audit log
# names a record's steps and states with the labels its machine declares.
MACHINES: dict[str, StateMachine[Any]] = {}


def machine_for_event(event: str) -> StateMachine[Any] | None:
    """The machine whose steps are audited as *event* (``monitoring.verify`` → the warnings' machine)."""
    for pattern, machine in MACHINES.items():
        head, braces, tail = pattern.partition("{action}")
        if event == pattern or (braces and event.startswith(head) and event.endswith(tail)):
            return machine
    return None


__all__ = ["MACHINES", "StateMachine", "Step", "Transition", "TransitionRefused", "machine_for_event"]
