"""The warning's steps (transfer, accept, visit, verify, handle, escalate, decide, close) over the
declared table (``lifecycle.MACHINE``), and overdue escalation (督办).

Each step runs in one transaction through the core state machine: the warning locked, its unit's
scope, its version (stale → ``ConflictError``, HTTP 409) and state checked, the step's own checks
(a ``ValidationError`` names the field), then the ``WarningEvent`` and the audit record; a refused
step changes nothing and is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.models import Region, RegionClosure, User
from jiuzhu.apps.core.statemachine import Step
from jiuzhu.apps.determination.facts import record_fact
from jiuzhu.apps.determination.selectors import determine_for_page
from jiuzhu.apps.registry.models import Member
from jiuzhu.apps.registry.services import member_update

from ..lifecycle import HANDLE, MACHINE, OPEN_STATES, TransitionError
from ..models import CountyDecision, Outcome, State, Visit, Warning, WarningEvent
from ..selectors import ancestor, overdue_level
from ..visits import clean_draft

MONITORED_CATEGORIES = frozenset({"marginal", "rigid", "other", "poverty_monitoring"})


# --------------------------------------------------------------------------- overdue escalation

def escalate_overdue(*, actor: User | None = None, today: dt.date | None = None) -> int:
    """Escalate overdue open warnings to the level above their unit (督办); returns how many moved."""
    today = today or timezone.localdate()
    actor = actor if getattr(actor, "pk", None) else None
    candidates = Warning.objects.filter(state__in=OPEN_STATES, supervision_level__lt=2).filter(
        Q(verified_at__isnull=True, verify_due__lt=today) | Q(handled_at__isnull=True, handle_due__lt=today))
    moved = 0
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            w = Warning.objects.select_for_update().select_related("unit_region").get(pk=pk)
            level = overdue_level(w, today)
            if level <= w.supervision_level:
                continue
            supervisor = ancestor(w.unit_region_id, level) or w.supervisor
            w.supervision_level, w.supervisor = level, supervisor
            w.version += 1
            w.save(update_fields=["supervision_level", "supervisor", "version"])
            WarningEvent.objects.create(
                warning=w, at=timezone.now(), actor=actor, actor_username=actor.username if actor else "",
                action="overdue", from_state=w.state, to_state=w.state,
                detail={"level": level, "supervisor": supervisor.code if supervisor else ""})
            audit("monitoring.overdue", actor=actor, object_type="warning", object_id=w.uid, level=level,
                  supervisor=supervisor.code if supervisor else "")
            moved += 1
    return moved


# --------------------------------------------------------------------------- lifecycle steps

def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def transfer(*, actor: User, warning: Warning, to_region: str, reason: str,
             expected_version: int | None = None) -> Warning:
    """Hand the warning to another unit (a township or the county of the same county), with a reason."""
    def effect(step: Step[Warning]) -> dict[str, Any]:
        w = step.obj
        _require_text(reason, "reason", _("Give the reason for the transfer."))
        target = Region.objects.filter(code=(to_region or "").strip(), valid_to__isnull=True).first()
        if target is None or target.level not in ("township", "county"):
            raise ValidationError({"to_region": _("Choose a township or a county.")})
        inside = RegionClosure.objects.filter(ancestor_id=w.county_id, descendant_id=target.code).exists()
        if not inside:
            raise ValidationError({"to_region": _("A warning can be transferred only within its county.")})
        if target.code == w.unit_region_id:
            raise ValidationError({"to_region": _("The warning is already with this unit.")})
        old = w.unit_region_id
        w.unit_region = target
        return {"from": old, "to": target.code}

    return MACHINE.run(actor=actor, obj=warning, action="transfer", expected_version=expected_version,
                       reason=reason, effect=effect, fields=("unit_region",))


def accept(*, actor: User, warning: Warning, expected_version: int | None = None) -> Warning:
    return MACHINE.run(actor=actor, obj=warning, action="accept", expected_version=expected_version)


def _visit_for(actor: User, w: Warning) -> Visit:
    visit = Visit.objects.filter(warning=w).first()
    if visit is None:
        visit = Visit.objects.create(warning=w, created_by=actor)
    return visit


def start_visit(*, actor: User, warning: Warning, expected_version: int | None = None) -> Warning:
    """Begin verification: the warning is being verified and its visit form exists (a draft)."""
    return MACHINE.run(actor=actor, obj=warning, action="start_visit", expected_version=expected_version,
                       effect=lambda step: _visit_for(actor, step.obj) and None)


@transaction.atomic
def visit_save_draft(*, actor: User, warning: Warning, data: dict[str, Any]) -> Visit:
    """Keep what has been typed (autosave): never refused for being incomplete, never loses data."""
    w = MACHINE.lock(actor, warning, capability=HANDLE)
    if w.state == State.PUSHED:
        w = MACHINE.apply(actor, w, "start_visit")
    if w.state != State.VERIFYING:
        raise TransitionError(_("The visit of this warning can no longer be changed."))
    visit = _visit_for(actor, w)
    clean = clean_draft(w, actor, data)
    for k, v in clean.items():
        setattr(visit, k, v)
    visit.save()
    return visit


def visit_submit(*, actor: User, warning: Warning, data: dict[str, Any],
                 expected_version: int | None = None) -> Warning:
    """Submit the visit (``verify``): complete checklist, a date, findings, the second visitor's
    account where the kind requires two staff (``visits.visit_complete``); member facts updated.

    What was typed is first kept as the draft (its own transaction), so a refused submission
    never loses it; the submission itself is then all or nothing.
    """
    current = Warning.objects.filter(pk=warning.pk).values_list("version", flat=True).first()
    if expected_version is not None and current != expected_version:
        raise ConflictError(MACHINE.conflict_message)
    visit_save_draft(actor=actor, warning=warning, data=data)

    def effect(step: Step[Warning]) -> dict[str, Any]:
        w = step.obj
        clean = clean_draft(w, actor, data)
        visit = _visit_for(actor, w)
        for k, v in clean.items():
            setattr(visit, k, v)
        if clean["member_updates"] and w.member_id is not None:
            updates: dict[str, Any] = dict(clean["member_updates"])
            if "disability_grade" in updates:
                try:
                    updates["disability_grade"] = int(updates["disability_grade"])
                except ValueError:
                    raise ValidationError({"member_disability_grade": _("Choose a grade.")}) from None
            try:
                member_update(actor=actor, member=Member.objects.get(pk=w.member_id), data=updates,
                              reason=_("Verification of warning %(uid)s") % {"uid": str(w.uid)[:8]})
            except ValidationError as err:
                raise ValidationError({f"member_{k}": v for k, v in err.message_dict.items()}) from err
        visit.submitted, visit.submitted_at, visit.submitted_by = True, timezone.now(), actor
        visit.save()
        w.verified_at = timezone.now()
        second = clean["staff_2_user"]
        return {"visited_on": clean["visited_on"].isoformat(), "member_updates": sorted(clean["member_updates"]),
                "staff": [getattr(actor, "username", ""), *([second.username] if second else [])]}

    return MACHINE.run(actor=actor, obj=warning, action="verify", effect=effect, fields=("verified_at",),
                       context={"data": data})


def _stays_monitored(household: Any) -> bool:
    result, _err = determine_for_page(household)
    return bool(result and MONITORED_CATEGORIES & set(result.get("categories") or []))


def handle(*, actor: User, warning: Warning, outcome: str, reason: str = "", ref: str = "",
           expected_version: int | None = None) -> Warning:
    """Record the outcome of a verified warning (§12–§14)."""
    reason, ref = (reason or "").strip(), (ref or "").strip()

    def effect(step: Step[Warning]) -> dict[str, Any]:
        w = step.obj
        allowed = set(Outcome.values) - {Outcome.COUNTY_DECISION}
        if outcome not in allowed:
            raise ValidationError({"outcome": _("Choose an outcome.")})
        if w.household_id is None and outcome not in (Outcome.EXPLAINED_APPLIED, Outcome.EXPLAINED_DECLINED,
                                                      Outcome.FALSE_POSITIVE):
            # §12: a person not in the registry is informed of the policies, never enrolled.
            raise ValidationError({"outcome": _(
                "This person is not assisted yet: explain the policies; only the person's own application starts a "
                "case.")})
        if outcome == Outcome.FALSE_POSITIVE and not reason:
            raise ValidationError({"reason": _("Say why the warning is a false positive.")})
        if outcome == Outcome.POLICY_APPLIED and not ref:
            raise ValidationError({"ref": _("Give the application or assistance reference.")})
        if outcome == Outcome.ASSISTANCE_ENDED:
            household = w.household
            w.stays_monitored = _stays_monitored(household)
            record_fact(household=household, fact="left_assistance", on=timezone.localdate(), actor=actor,
                        reason="improved" if w.indicator == "income_above_line" else "other", ref=f"warning:{w.uid}")
        w.outcome, w.outcome_reason, w.outcome_ref = outcome, reason[:300], ref[:80]
        w.handled_at = timezone.now()
        return {"outcome": outcome, "ref": ref, "stays_monitored": w.stays_monitored}

    return MACHINE.run(actor=actor, obj=warning, action="handle", expected_version=expected_version, reason=reason,
                       effect=effect,
                       fields=("outcome", "outcome_reason", "outcome_ref", "handled_at", "stays_monitored"))


def escalate(*, actor: User, warning: Warning, reason: str, expected_version: int | None = None) -> Warning:
    """Ask the county's coordination mechanism for a case-by-case collective decision (一事一议)."""
    def effect(step: Step[Warning]) -> None:
        _require_text(reason, "reason", _("Say why the case needs the county's decision."))
        if step.obj.household_id is None:
            raise ValidationError({"reason": _("Only a registered household's case can go to the county.")})

    return MACHINE.run(actor=actor, obj=warning, action="escalate", expected_version=expected_version,
                       reason=reason, effect=effect)


def decide(*, actor: User, warning: Warning, meeting_date: dt.date | None, members: str, approved: bool,
           decision: str, expected_version: int | None = None) -> Warning:
    """Record the county's collective decision; a confirmed hardship becomes a determination fact."""
    def effect(step: Step[Warning]) -> dict[str, Any]:
        w = step.obj
        if actor.region is None or actor.region.level != "county":
            raise PermissionDenied(_("Only the county records its case-by-case decision."))
        errors: dict[str, list[str]] = {}
        names = [n.strip() for n in re.split(r"[,，、;；\n]+", members or "") if n.strip()]
        if len(names) < 3:
            errors["members"] = [_("List the members present (at least three).")]
        if meeting_date is None:
            errors["meeting_date"] = [_("Give the date of the meeting.")]
        elif meeting_date > timezone.localdate():
            errors["meeting_date"] = [_("The meeting date cannot be in the future.")]
        if not (decision or "").strip():
            errors["decision"] = [_("Write down the decision.")]
        if errors:
            raise ValidationError(errors)
        assert meeting_date is not None
        CountyDecision.objects.create(warning=w, meeting_date=meeting_date, members="、".join(names),
                                      approved=approved, decision=decision.strip(), recorded_by=actor)
        if approved:
            record_fact(household=w.household, fact="county_confirmed_hardship", on=meeting_date, actor=actor,
                        reason=decision.strip()[:200], ref=f"warning:{w.uid}")
        w.outcome, w.outcome_reason = Outcome.COUNTY_DECISION, decision.strip()[:300]
        w.handled_at = timezone.now()
        return {"approved": approved, "meeting_date": meeting_date.isoformat(), "members": len(names)}

    return MACHINE.run(actor=actor, obj=warning, action="decide", expected_version=expected_version, effect=effect,
                       fields=("outcome", "outcome_reason", "handled_at"))


def close(*, actor: User, warning: Warning, note: str = "", expected_version: int | None = None) -> Warning:
    """Feed back and close a handled warning."""
    def effect(step: Step[Warning]) -> None:
        step.obj.closed_at = timezone.now()

    return MACHINE.run(actor=actor, obj=warning, action="close", expected_version=expected_version, reason=note,
                       effect=effect, fields=("closed_at",))
