"""Double-random inspections: the draw (engine.supervision) over the county's approvals, findings
and their follow-up through the core state machine (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as label

from jiuzhu.apps.applications.models import Application, StaffRelative
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region, RegionClosure, User
from jiuzhu.apps.core.scoping import region_in_scope, require
from jiuzhu.apps.core.statemachine import StateMachine, Transition
from jiuzhu.apps.registry.models import Member
from jiuzhu.engine.supervision import draw

from .models import InspectionCase, InspectionDraw, InspectionEvent

CAP = "supervise_inspections"
S = InspectionCase.State


class DrawRefused(RefusedError):
    pass


def _needs_finding(step: Any) -> None:
    if not (step.context.get("finding") or "").strip():
        raise DrawRefused("finding", "请填写检查发现", "Record what the inspection found")


def _needs_correction(step: Any) -> None:
    if not (step.context.get("correction") or "").strip():
        raise DrawRefused("correction", "请写明整改情况（在登记中作了哪些更正）", "Say what was corrected (which registry change)")


STEPS = (
    Transition("compliant", (S.ASSIGNED,), S.COMPLIANT, capability=CAP, label=label("Inspected: compliant"),
               guard=_needs_finding),
    Transition("problem", (S.ASSIGNED,), S.PROBLEM, capability=CAP, label=label("Inspected: problem found"),
               guard=_needs_finding),
    Transition("correct", (S.PROBLEM,), S.CORRECTED, capability=CAP, label=label("Corrected"),
               guard=_needs_correction, not_same_as=("problem",)),  # whoever found it does not sign off the fix
)
INSPECTIONS: StateMachine[InspectionCase] = StateMachine(
    model=InspectionCase, history=InspectionEvent, history_fk="case", transitions=STEPS,
    region_of=lambda case: case.township_id, audit_event="supervision.{action}",
    object_ref=lambda case: ("inspection_case", case.pk),
    refusal=lambda code, message: DrawRefused(code, message, message),
    conflict_message=label("This inspection was changed by someone else in the meantime; reload it and try again."),
)


def _pool(county: Region, period_from: dt.date, period_to: dt.date, category: str) -> list[Application]:
    apps = Application.objects.filter(county=county, state="approved", decided_on__gte=period_from,
                                      decided_on__lte=period_to).select_related("household")
    return [a for a in apps if not category or category in (a.decision_categories or [])]


def _inspectors(county: Region, actor: Any) -> list[User]:
    below = RegionClosure.objects.filter(ancestor=county).values("descendant_id")
    qs = User.objects.filter(is_active=True, role__in=("county", "township"), region__in=below)
    return [u for u in qs.order_by("username") if u.pk != getattr(actor, "pk", None)]


def _conflicts(pool: list[Application], inspectors: list[User]) -> list[list[str]]:
    """[[application number, username, reason]]: same township, or a recorded close relative."""
    out: list[list[str]] = []
    for a in pool:
        for u in inspectors:
            if u.region_id == a.township_id:
                out.append([a.number, u.username, "same_township"])
    indexes: dict[str, set[int]] = {}
    for hid, idx in Member.objects.filter(household__in=[a.household_id for a in pool]).values_list(
            "household_id", "id_number_index"):
        indexes.setdefault(idx, set()).add(hid)
    by_household: dict[int, list[Application]] = {}
    for a in pool:
        by_household.setdefault(a.household_id, []).append(a)
    names = {u.pk: u.username for u in inspectors}
    for staff, idx in StaffRelative.objects.filter(staff_user__in=list(names), relative_id_index__in=list(indexes)).values_list(
            "staff_user_id", "relative_id_index"):
        for hid in indexes[idx]:
            for a in by_household[hid]:
                out.append([a.number, names[staff], "relative"])
    return out


def draw_create(*, actor: Any, name: str, county: Region, period_from: dt.date, period_to: dt.date, category: str,
                count: int, public_input: str, published_days: int = 30, moment: dt.datetime | None = None) -> InspectionDraw:
    """Draw *count* cases from the county's approvals in the period and an inspector for each."""
    require(actor, CAP)
    if county.level != "county" or not region_in_scope(actor, county.code):
        raise DrawRefused("county", "请选择本辖区内的一个县（市、区）", "Choose a county inside your region")
    if period_from > period_to:
        raise DrawRefused("period", "起始日期不能晚于结束日期", "The period starts after it ends")
    if count < 1:
        raise DrawRefused("count", "抽取数量至少为1", "Draw at least one case")
    pool = _pool(county, period_from, period_to, category)
    inspectors = _inspectors(county, actor)
    if not pool:
        raise DrawRefused("empty_pool", "该期间该县没有符合条件的审批案件", "No approvals in this county and period")
    if not inspectors:
        raise DrawRefused("no_inspectors", "该县没有可抽取的检查人员", "No inspectors in this county")
    conflicts = _conflicts(pool, inspectors)
    at = (moment or timezone.now()).isoformat(timespec="seconds")
    result = draw([a.number for a in pool], [u.username for u in inspectors], min(count, len(pool)),
                  public_input=public_input, moment=at, conflicts=[(c, u) for c, u, _ in conflicts])
    by_number = {a.number: a for a in pool}
    by_name = {u.username: u for u in inspectors}
    with transaction.atomic():
        d = InspectionDraw.objects.create(
            name=name, county=county, period_from=period_from, period_to=period_to, category=category, count=count,
            public_input=public_input, moment=at, seed=result.seed, cases_hash=result.cases_hash,
            inspectors_hash=result.inspectors_hash, case_ids=sorted(by_number), inspector_ids=sorted(by_name),
            conflicts=conflicts, published_until=timezone.localdate() + dt.timedelta(days=published_days),
            created_by=actor if getattr(actor, "pk", None) else None)
        InspectionCase.objects.bulk_create([
            InspectionCase(draw=d, application=by_number[c], household_id=by_number[c].household_id,
                           township_id=by_number[c].township_id, village_id=by_number[c].village_id,
                           inspector=by_name[i] if i else None)
            for c, i in result.picks])
        audit("supervision.draw", actor=actor, object_type="inspection_draw", object_id=d.pk, seed=result.seed,
              cases_hash=result.cases_hash, inspectors_hash=result.inspectors_hash, pool=len(pool),
              inspectors=len(inspectors), drawn=len(result.picks), conflicts=len(conflicts))
    return d


def draw_verify(d: InspectionDraw) -> bool:
    """Redo the draw from its recorded seed inputs and pools: the same cases and inspectors?"""
    again = draw(d.case_ids, d.inspector_ids, min(d.count, len(d.case_ids)), public_input=d.public_input,
                 moment=d.moment, conflicts=[(c, u) for c, u, _ in d.conflicts])
    recorded = [(c.application.number, c.inspector.username if c.inspector else None)
                for c in d.cases.select_related("application", "inspector")]
    return again.seed == d.seed and sorted(again.picks, key=str) == sorted(recorded, key=str)


def inspection_step(*, actor: Any, case: InspectionCase, action: str, version: int, finding: str = "",
                    correction: str = "") -> InspectionCase:
    def effect(step: Any) -> dict[str, Any]:
        if action in ("compliant", "problem"):
            step.obj.finding = finding.strip()
        if action == "correct":
            step.obj.correction = correction.strip()
        return {}

    return INSPECTIONS.run(actor=actor, obj=case, action=action, expected_version=version, effect=effect,
                           fields=("finding", "correction"), context={"finding": finding, "correction": correction})
