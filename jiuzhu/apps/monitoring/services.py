"""Writes of the monitoring app: comparison runs, the warning lifecycle, visits, county decisions.

Every function runs in one transaction, locks the warning (``select_for_update``), checks
its version and state (``lifecycle``), writes a ``WarningEvent`` and an audit record, and
fails with a clear message (``TransitionError`` / ``ValidationError``) before saving anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.determination.facts import record_fact
from jiuzhu.apps.determination.selectors import determine_for_page
from jiuzhu.apps.exchange.outbox import enqueue
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.apps.registry.services import member_update
from jiuzhu.engine.monitoring.cli import deadlines
from jiuzhu.engine.monitoring.compare import BACKENDS, settings_for
from jiuzhu.engine.monitoring.indicators import get_indicator
from jiuzhu.rules.params import ParameterSet

from .export import PROVINCE
from .lifecycle import ACTION_LABELS, OPEN_STATES, TransitionError, next_state
from .models import (
    Attachment,
    ComparisonRun,
    CountyDecision,
    Outcome,
    RunMode,
    State,
    Visit,
    Warning,
    WarningEvent,
)

HANDLE = "handle_warnings"
TOPIC = "monitoring.warning"
MONITORED_CATEGORIES = frozenset({"marginal", "rigid", "other", "poverty_monitoring"})
# Attachments of a visit (photos, scanned documents): what is accepted.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_MAX_PER_VISIT = 10
ATTACHMENT_TYPES = {  # content type → (extension, magic prefix)
    "image/jpeg": (".jpg", b"\xff\xd8\xff"),
    "image/png": (".png", b"\x89PNG\r\n\x1a\n"),
    "application/pdf": (".pdf", b"%PDF-"),
}
Progress = Callable[[str, int, int], None]


# --------------------------------------------------------------------------- comparison runs

def _since(mode: str) -> dt.datetime | None:
    if mode == RunMode.FULL:
        return None
    last = ComparisonRun.objects.completed().exclude(records_until__isnull=True).order_by("-id").first()
    return last.records_until if last is not None else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def comparison_backend(backend: str | None = None) -> str:
    """The engine of comparison runs: *backend*, else setting JIUZHU_MONITORING_BACKEND, else DuckDB."""
    chosen = backend or str(getattr(settings, "JIUZHU_MONITORING_BACKEND", "duckdb") or "duckdb")
    if chosen not in BACKENDS:
        raise ValueError(f"unknown comparison backend {chosen!r}; known: {', '.join(BACKENDS)}")
    return chosen


def comparison_run(*, actor: Any, mode: str, as_of: dt.date | None = None,
                   progress: Progress | None = None, backend: str | None = None) -> ComparisonRun:
    """A comparison run in this process (commands, the demo): the job ``monitoring.comparison`` in the foreground.

    The screen queues the same job for the worker (``jobs.compare_registry`` does the work).
    Raises ``RefusedError`` when the run did not complete.
    """

    if mode not in RunMode.values:
        raise ValidationError(_("Unknown run mode."))
    params = {"mode": mode, "as_of": (as_of or timezone.localdate()).isoformat(), "backend": comparison_backend(backend)}
    job = job_start(actor=actor, kind="monitoring.comparison", params=params,
                    channel="ui" if getattr(actor, "pk", None) else "cli", enqueue=False)
    job = run_inline(job, reporter=progress)
    if job.state != "done":
        raise RefusedError(job.state, job.error_zh or "比对未完成", job.error_en or "the comparison did not complete")
    return ComparisonRun.objects.get(job=job)


class _Router:
    """Severity, deadlines and the responsible unit of a finding (cached per county)."""

    def __init__(self, params: ParameterSet, today: dt.date) -> None:
        self.params, self.today = params, today
        self._settings: dict[tuple[str, str], Any] = {}
        self._deadlines: dict[tuple[str, str], tuple[int, int]] = {}
        self.regions: dict[str, Region] = {}

    def load_regions(self, codes: set[str]) -> None:
        codes = {c for c in codes if c} | {PROVINCE}
        self.regions.update(Region.objects.in_bulk(list(codes)))

    def severity(self, key: str, county: str) -> str:
        k = (key, county)
        if k not in self._settings:
            self._settings[k] = settings_for(get_indicator(key), self.params, county, self.today)
        return str(self._settings[k].severity)

    def due(self, severity: str, county: str) -> tuple[dt.date, dt.date]:
        k = (severity, county)
        if k not in self._deadlines:
            self._deadlines[k] = deadlines(self.params, severity, county, self.today)
        verify, handle = self._deadlines[k]
        return self.today + dt.timedelta(days=verify), self.today + dt.timedelta(days=handle)

    def unit(self, target: str, county: Region, township_code: str | None, hint: str) -> Region:
        if target == "county":
            return county
        if township_code and township_code in self.regions:
            return self.regions[township_code]
        r = self.regions.get(hint)
        while r is not None and r.level == "village":
            r = self.regions.get(str(r.parent_id))
        if r is not None and r.level == "township":
            return r
        return county


# Values per ``IN (…)`` lookup: SQLite refuses a statement with more bound variables than its limit
# (SQLITE_MAX_VARIABLE_NUMBER: 32,766 by default, 250,000 in Debian's build), and the 1 M-household
# monthly run has ~430,000 findings (docs/benchmarks.md, "Storing the findings").
LOOKUP_CHUNK = 10_000
STORE_CHUNK = 5000  # warnings stored between two progress reports (cancel points)


def _chunks(values: set[Any]) -> list[list[Any]]:
    items = list(values)
    return [items[i:i + LOOKUP_CHUNK] for i in range(0, len(items), LOOKUP_CHUNK)]


def _store_findings(run: ComparisonRun, rows: list[dict[str, Any]], params: ParameterSet,
                    as_of: dt.date, progress: Callable[[int, int], None] | None = None) -> tuple[int, int, int]:
    """New warnings for new findings: (raised, already open, same facts seen before).

    *progress(stored, to store)* after each chunk (a job's cancel point).
    """
    today = timezone.localdate()
    now = timezone.now()
    router = _Router(params, today)
    seen: set[str] = set()
    for chunk in _chunks({r["fingerprint"] for r in rows}):
        seen.update(Warning.objects.filter(fingerprint__in=chunk).values_list("fingerprint", flat=True))
    open_subjects = set(Warning.objects.exclude(state=State.CLOSED).values_list("indicator", "subject"))
    members: dict[int, dict[str, Any]] = {}
    for chunk in _chunks({r["member_key"] for r in rows if r["member_key"] is not None}):
        members.update((m["id"], m) for m in Member.objects.filter(id__in=chunk).values(
            "id", "id_number_masked", "household__county_id", "household__township_id"))

    houses: dict[int, dict[str, Any]] = {}
    for chunk in _chunks({r["household_key"] for r in rows if r["household_key"] is not None}):
        houses.update((h["id"], h) for h in Household.objects.filter(id__in=chunk).values(
            "id", "county_id", "township_id"))
    router.load_regions({r["county_code"] for r in rows} | {r["region_hint"] or "" for r in rows}
                        | {h["county_id"] for h in houses.values()} | {h["township_id"] for h in houses.values()})
    parents = {str(r.parent_id) for r in router.regions.values() if r.level == "village" and r.parent_id}
    router.load_regions(parents)
    new: list[Warning] = []
    n_open = n_seen = 0
    for r in rows:
        if (r["indicator"], r["subject"]) in open_subjects:
            n_open += 1
            continue
        if r["fingerprint"] in seen:  # the same facts were handled (or found wrong) before
            n_seen += 1
            continue
        ind = get_indicator(r["indicator"])
        house = houses.get(r["household_key"]) if r["household_key"] is not None else None
        county_code = house["county_id"] if house else r["county_code"]
        county = router.regions.get(county_code) or router.regions[PROVINCE]
        severity = router.severity(ind.key, county.code if county.level == "county" else PROVINCE)
        verify_due, handle_due = router.due(severity, county.code if county.level == "county" else PROVINCE)
        unit = router.unit(ind.target, county, house["township_id"] if house else None, r["region_hint"] or "")
        detail = json.loads(r["detail"]) if r["detail"] else {}
        member = members.get(r["member_key"]) if r["member_key"] is not None else None
        masked = member["id_number_masked"] if member else str(detail.pop("masked_id", "") or "")
        new.append(Warning(
            indicator=ind.key, severity=severity, kind=ind.kind, state=State.PUSHED, subject=r["subject"],
            fingerprint=r["fingerprint"], facts=(r["facts"] or "")[:500], detail=detail,
            household_id=house["id"] if house else None, member_id=member["id"] if member else None,
            person_index=r["person_index"] or "", person_masked=masked, county=county, unit_region=unit,
            department=ind.department or "", event_date=r["event_date"], run=run, raised_at=now,
            verify_due=verify_due, handle_due=handle_due, pushed_at=now,
        ))
        seen.add(r["fingerprint"])
        open_subjects.add((r["indicator"], r["subject"]))
    with transaction.atomic():
        for start in range(0, len(new), STORE_CHUNK):
            chunk = new[start:start + STORE_CHUNK]
            Warning.objects.bulk_create(chunk, batch_size=1000)
            events = []
            for w in chunk:
                events.append(WarningEvent(warning=w, at=now, action="raise", to_state=State.RAISED,
                                           detail={"run": run.pk}))
                events.append(WarningEvent(warning=w, at=now, action="push", from_state=State.RAISED,
                                           to_state=State.PUSHED, detail={"unit": unit_label(w)}))
                if w.department:
                    _enqueue(w)
            WarningEvent.objects.bulk_create(events, batch_size=2000)
            if progress:
                progress(min(start + STORE_CHUNK, len(new)), len(new))
    return len(new), n_open, n_seen


def unit_label(w: Warning) -> str:
    return f"{w.unit_region.name}（{w.unit_region_id}）"


def _enqueue(w: Warning) -> None:
    """The department's push (masked identifiers and the blind index only), once per warning."""
    enqueue(w.department, TOPIC, {
        "warning": str(w.uid), "indicator": w.indicator, "severity": w.severity, "kind": w.kind,
        "person_index": w.person_index, "person_masked": w.person_masked,
        "event_date": w.event_date.isoformat() if w.event_date else None,
        "verify_due": w.verify_due.isoformat(), "handle_due": w.handle_due.isoformat(),
        "unit_region": w.unit_region_id,
    }, key=f"{TOPIC}.{w.uid}")


# --------------------------------------------------------------------------- overdue escalation

def _ancestor(region_code: str, steps: int) -> Region | None:
    closure = RegionClosure.objects.filter(descendant_id=region_code, depth=steps).select_related("ancestor").first()
    return closure.ancestor if closure is not None else None


def overdue_level(w: Warning, today: dt.date) -> int:
    """How many of the warning's deadlines have passed unmet (0, 1 or 2)."""
    level = 0
    if w.verified_at is None and w.verify_due < today:
        level += 1
    if w.handled_at is None and w.handle_due < today:
        level += 1
    return level


def escalate_overdue(*, actor: Any = None, today: dt.date | None = None) -> int:
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
            supervisor = _ancestor(w.unit_region_id, level) or w.supervisor
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

def _lock(actor: Any, warning: Warning, expected_version: int | None) -> Warning:
    if not (actor.is_authenticated and actor.has_capability(HANDLE)):
        raise PermissionDenied
    w = Warning.objects.select_for_update().get(pk=warning.pk)
    if not region_in_scope(actor, w.unit_region_id):
        raise Http404
    if expected_version is not None and w.version != expected_version:
        raise TransitionError(_("This warning was changed by someone else meanwhile; reload the page and try again."))
    return w


def _step(actor: Any, w: Warning, action: str, *, reason: str = "", detail: dict[str, Any] | None = None,
          fields: tuple[str, ...] = ()) -> Warning:
    """Move *w* (already locked and changed in *fields*) by *action*; event and audit."""
    before = w.state
    w.state = next_state(before, action)
    w.version += 1
    w.save(update_fields=["state", "version", *fields])
    WarningEvent.objects.create(warning=w, at=timezone.now(), actor=actor, actor_username=actor.username,
                                action=action, from_state=before, to_state=w.state, reason=reason[:300],
                                detail=detail or {})
    audit(f"monitoring.{action}", actor=actor, object_type="warning", object_id=w.uid, indicator=w.indicator,
          from_state=before, to_state=w.state)
    return w


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


@transaction.atomic
def transfer(*, actor: Any, warning: Warning, to_region: str, reason: str,
             expected_version: int | None = None) -> Warning:
    """Hand the warning to another unit (a township or the county of the same county), with a reason."""
    w = _lock(actor, warning, expected_version)
    next_state(w.state, "transfer")
    reason = _require_text(reason, "reason", _("Give the reason for the transfer."))
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
    return _step(actor, w, "transfer", reason=reason, detail={"from": old, "to": target.code},
                 fields=("unit_region",))


@transaction.atomic
def accept(*, actor: Any, warning: Warning, expected_version: int | None = None) -> Warning:
    w = _lock(actor, warning, expected_version)
    return _step(actor, w, "accept")


def _visit_for(actor: Any, w: Warning) -> Visit:
    visit = Visit.objects.filter(warning=w).first()
    if visit is None:
        visit = Visit.objects.create(warning=w, created_by=actor)
    return visit


@transaction.atomic
def start_visit(*, actor: Any, warning: Warning, expected_version: int | None = None) -> Warning:
    """Begin verification: the warning is being verified and its visit form exists (a draft)."""
    w = _lock(actor, warning, expected_version)
    w = _step(actor, w, "start_visit")
    _visit_for(actor, w)
    return w


VISIT_MEMBER_FIELDS = ("employment", "work_capacity", "disability_type", "disability_grade", "serious_illness",
                       "school_stage")
CHECK_ANSWERS = ("yes", "no", "na")


def _clean_draft(data: dict[str, Any], n_items: int) -> dict[str, Any]:
    """What a draft keeps: everything typed so far, trimmed; nothing is validated yet."""
    checklist = {}
    for i in range(n_items):
        answer = str(data.get(f"check_{i}", "") or "")
        note = str(data.get(f"note_{i}", "") or "")[:200]
        if answer in CHECK_ANSWERS or note:
            checklist[str(i)] = {"answer": answer if answer in CHECK_ANSWERS else "", "note": note}
    updates = {}
    for f in VISIT_MEMBER_FIELDS:
        value = data.get(f"member_{f}")
        if value not in (None, ""):
            updates[f] = str(value)[:64]
    visited = None
    try:
        visited = dt.date.fromisoformat(str(data.get("visited_on") or "")) if data.get("visited_on") else None
    except ValueError:
        visited = None
    return {
        "visited_on": visited, "staff_1": str(data.get("staff_1", "") or "").strip()[:64],
        "staff_2": str(data.get("staff_2", "") or "").strip()[:64], "checklist": checklist,
        "findings": str(data.get("findings", "") or "")[:5000], "member_updates": updates,
    }


@transaction.atomic
def visit_save_draft(*, actor: Any, warning: Warning, data: dict[str, Any]) -> Visit:
    """Keep what has been typed (autosave): never refused for being incomplete, never loses data."""
    w = _lock(actor, warning, None)
    if w.state == State.PUSHED:
        w = _step(actor, w, "start_visit")
    if w.state != State.VERIFYING:
        raise TransitionError(_("The visit of this warning can no longer be changed."))
    visit = _visit_for(actor, w)
    clean = _clean_draft(data, len(get_indicator(w.indicator).checklist))
    for k, v in clean.items():
        setattr(visit, k, v)
    visit.save()
    return visit


def visit_submit(*, actor: Any, warning: Warning, data: dict[str, Any],
                 expected_version: int | None = None) -> Warning:
    """Submit the visit: complete checklist, two visitors, a date, findings; member facts updated.

    What was typed is first kept as the draft (its own transaction), so a refused submission
    never loses it; the submission itself is then all or nothing.
    """
    current = Warning.objects.filter(pk=warning.pk).values_list("version", flat=True).first()
    if expected_version is not None and current != expected_version:
        raise TransitionError(_("This warning was changed by someone else meanwhile; reload the page and try again."))
    visit_save_draft(actor=actor, warning=warning, data=data)
    return _visit_submit(actor=actor, warning=warning, data=data)


@transaction.atomic
def _visit_submit(*, actor: Any, warning: Warning, data: dict[str, Any]) -> Warning:
    w = _lock(actor, warning, None)
    next_state(w.state, "verify")
    ind = get_indicator(w.indicator)
    clean = _clean_draft(data, len(ind.checklist))
    errors: dict[str, list[str]] = {}
    if clean["visited_on"] is None:
        errors["visited_on"] = [_("Give the date of the visit.")]
    elif clean["visited_on"] > timezone.localdate():
        errors["visited_on"] = [_("The visit date cannot be in the future.")]
    if not clean["staff_1"] or not clean["staff_2"]:
        errors["staff_2"] = [_("A visit is made by two staff: give both names.")]
    elif clean["staff_1"] == clean["staff_2"]:
        errors["staff_2"] = [_("The two visitors must be different people.")]
    for i in range(len(ind.checklist)):
        if not clean["checklist"].get(str(i), {}).get("answer"):
            errors[f"check_{i}"] = [_("Answer every item of the checklist.")]
    if not clean["findings"].strip():
        errors["findings"] = [_("Write down what the visit found.")]
    if errors:
        raise ValidationError(errors)
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
    return _step(actor, w, "verify", detail={"visited_on": clean["visited_on"].isoformat(),
                                             "member_updates": sorted(clean["member_updates"])},
                 fields=("verified_at",))


def _stays_monitored(household: Any) -> bool:
    result, _err = determine_for_page(household)
    return bool(result and MONITORED_CATEGORIES & set(result.get("categories") or []))


@transaction.atomic
def handle(*, actor: Any, warning: Warning, outcome: str, reason: str = "", ref: str = "",
           expected_version: int | None = None) -> Warning:
    """Record the outcome of a verified warning (§12–§14)."""
    w = _lock(actor, warning, expected_version)
    next_state(w.state, "handle")
    allowed = set(Outcome.values) - {Outcome.COUNTY_DECISION}
    if outcome not in allowed:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    reason, ref = (reason or "").strip(), (ref or "").strip()
    if w.household_id is None and outcome not in (Outcome.EXPLAINED_APPLIED, Outcome.EXPLAINED_DECLINED,
                                                  Outcome.FALSE_POSITIVE):
        # §12: a person not in the registry is informed of the policies, never enrolled.
        raise ValidationError({"outcome": _(
            "This person is not assisted yet: explain the policies; only the person's own application starts a case.")})
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
    return _step(actor, w, "handle", reason=reason, detail={"outcome": outcome, "ref": ref,
                                                             "stays_monitored": w.stays_monitored},
                 fields=("outcome", "outcome_reason", "outcome_ref", "handled_at", "stays_monitored"))


@transaction.atomic
def escalate(*, actor: Any, warning: Warning, reason: str, expected_version: int | None = None) -> Warning:
    """Ask the county's coordination mechanism for a case-by-case collective decision (一事一议)."""
    w = _lock(actor, warning, expected_version)
    next_state(w.state, "escalate")
    reason = _require_text(reason, "reason", _("Say why the case needs the county's decision."))
    if w.household_id is None:
        raise ValidationError({"reason": _("Only a registered household's case can go to the county.")})
    return _step(actor, w, "escalate", reason=reason)


@transaction.atomic
def decide(*, actor: Any, warning: Warning, meeting_date: dt.date | None, members: str, approved: bool,
           decision: str, expected_version: int | None = None) -> Warning:
    """Record the county's collective decision; a confirmed hardship becomes a determination fact."""
    w = _lock(actor, warning, expected_version)
    next_state(w.state, "decide")
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
    return _step(actor, w, "decide", detail={"approved": approved, "meeting_date": meeting_date.isoformat(),
                                             "members": len(names)},
                 fields=("outcome", "outcome_reason", "handled_at"))


@transaction.atomic
def close(*, actor: Any, warning: Warning, note: str = "", expected_version: int | None = None) -> Warning:
    """Feed back and close a handled warning."""
    w = _lock(actor, warning, expected_version)
    w.closed_at = timezone.now()
    return _step(actor, w, "close", reason=note, fields=("closed_at",))


# --------------------------------------------------------------------------- attachments

def attachments_dir() -> Path:
    return Path(settings.VAR_DIR) / "monitoring" / "attachments"


def attachment_path(a: Attachment) -> Path:
    ext = next((e for ct, (e, _m) in ATTACHMENT_TYPES.items() if ct == a.content_type), "")
    return attachments_dir() / f"{a.uid}{ext}"


@transaction.atomic
def attachment_add(*, actor: Any, warning: Warning, upload: Any) -> Attachment:
    """Store a photo or document of the visit (JPEG, PNG or PDF, at most 5 MB; checked by content)."""
    w = _lock(actor, warning, None)
    if w.state == State.PUSHED:
        w = _step(actor, w, "start_visit")
    if w.state != State.VERIFYING:
        raise TransitionError(_("The visit of this warning can no longer be changed."))
    visit = _visit_for(actor, w)
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    if visit.attachments.count() >= ATTACHMENT_MAX_PER_VISIT:
        raise ValidationError({"file": _("A visit has at most %(n)d attachments.") % {"n": ATTACHMENT_MAX_PER_VISIT}})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    content = upload.read(ATTACHMENT_MAX_BYTES + 1)
    if len(content) > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    ctype = next((ct for ct, (_e, magic) in ATTACHMENT_TYPES.items() if content.startswith(magic)), None)
    if ctype is None:
        raise ValidationError({"file": _("Only photos (JPEG, PNG) and PDF documents are accepted.")})
    name = Path(str(upload.name or "file")).name[:120]
    a = Attachment(uid=uuid.uuid4(), visit=visit, original_name=name, content_type=ctype, size=len(content),
                   sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor)
    path = attachment_path(a)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(content)
    tmp.replace(path)
    try:
        a.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    audit("monitoring.attachment", actor=actor, object_type="warning", object_id=w.uid, size=a.size,
          content_type=ctype)
    return a


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
