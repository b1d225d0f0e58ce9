"""调标: when a standard (or any amount parameter) changes, the entitlements follow (issue 13 item 1).

run (the job ``assistance.adjustment``, per county and effective month) → the list of changed
amounts (old, new, difference, which parameters changed) → approved by a second person (four
eyes, audited) → each changed entitlement gets a dated amount from the effective month.

Started automatically when a parameter revision is approved (``core.hooks`` event
``parameters.approved``: every county under the revision's region with entitlements), and by hand
(the 调标 page, ``jiuzhu manage assistance_adjust``). Idempotent: once approved, a second run finds
nothing to change; an unapproved list is superseded by a newer run of the same county and month.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import region_in_scope, require
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import JobRefused, job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.rules.params import ParameterError, ParameterSet
from jiuzhu.rules.programmes import add_months, month_start

from .amounts import DETERMINED, active_in_month, amounts_in_month, determined_amounts
from .models import (
    Adjustment,
    AdjustmentLine,
    AdjustmentStatus,
    Entitlement,
    EntitlementAmount,
    EntitlementState,
)

KIND = "assistance.adjustment"
CAP = "manage_payroll"


class AdjustmentError(RefusedError):
    pass


def effective_month(day: dt.date) -> dt.date:
    """The first month paid at the new value: the month of ``day`` if it is the 1st, else the next one."""
    return month_start(day) if day.day == 1 else add_months(month_start(day), 1)


def shown(value: Any, unit: str) -> str:
    """A parameter value as a caseworker reads it: money with thousands separators and 元, else value + unit."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool) and unit.startswith("元"):
        return f"{Decimal(value):,.2f}{unit}"
    return f"{value}{unit if unit not in ('比例', '') else ''}"


def changed_parameters(params: ParameterSet, county: str, areas: set[str], month: dt.date) -> list[dict[str, str]]:
    """The parameters whose value in ``month`` differs from the day before it, for the county's areas."""
    out: list[dict[str, str]] = []
    before = month - dt.timedelta(days=1)
    for area in sorted(areas):
        for path in sorted(params.nodes):
            try:
                now, then = params.resolve(path, county, area, month), params.resolve(path, county, area, before)
            except ParameterError:  # no value on one of the two days: nothing to compare
                continue
            if str(then.value) != str(now.value):
                out.append({"path": path, "label": now.label_zh, "area": area,
                            "old": shown(then.value, now.unit), "new": shown(now.value, now.unit)})
    return out



def _reason(params_changed: list[dict[str, str]], area: str) -> str:
    mine = [p for p in params_changed if p["area"] == area]
    if not mine:
        return "当月认定结果与现发金额不同（家庭情况或认定规则变化）"
    return "调标：" + "；".join(f"{p['label']}由{p['old']}调整为{p['new']}" for p in mine)


def adjust_county(ctx: Any, *, county: str, month: str, trigger: str = "",
                  requested_by: int | None = None) -> dict[str, Any]:
    """The job ``assistance.adjustment``: recompute ``county``'s entitlements as of ``month`` (YYYY-MM)."""
    on = dt.date.fromisoformat(f"{month}-01")
    region = Region.objects.filter(code=county, level="county").first()
    if region is None:
        raise AdjustmentError("county", f"{county} 不是县级区划", f"{county} is not a county")
    params = current_parameters()
    ctx.phase("determine", total=1)
    ents = list(active_in_month(county, on).filter(programme__in=DETERMINED, state=EntitlementState.ACTIVE)
                .select_related("household").order_by("id"))
    current = amounts_in_month(ents, on)
    determined = determined_amounts(ents, on, params)
    ctx.progress(1)
    areas = {e.household.area_type for e in ents}
    changed_params = changed_parameters(params, county, areas, on)
    lines = []
    for e in ents:
        new = determined.get(e.pk)
        old = current[e.pk][0]
        if new is None or new == old:
            continue
        lines.append(AdjustmentLine(entitlement=e, household_id=e.household_id, member_id=e.member_id,
                                    programme=e.programme, old_amount=old, new_amount=new,
                                    reason=_reason(changed_params, e.household.area_type)[:300]))
    ctx.phase("store", total=len(lines))
    with ctx.commit():
        superseded = Adjustment.objects.filter(county=region, month=on, status=AdjustmentStatus.PROPOSED) \
            .update(status=AdjustmentStatus.SUPERSEDED)
        adj = Adjustment.objects.create(
            job_id=ctx.job_id, county=region, month=on, parameter_version=params.version, parameters=changed_params,
            trigger=trigger[:200], requested_by_id=requested_by or getattr(ctx.actor, "pk", None),
            entitlements=len(ents), changed=len(lines),
            status=AdjustmentStatus.PROPOSED if lines else AdjustmentStatus.NO_CHANGE,
            total_old=sum((x.old_amount for x in lines), Decimal("0")),
            total_new=sum((x.new_amount for x in lines), Decimal("0")))
        for x in lines:
            x.adjustment = adj
        for start in range(0, len(lines), 2000):
            AdjustmentLine.objects.bulk_create(lines[start:start + 2000])
            ctx.progress(min(start + 2000, len(lines)))
        audit("assistance.adjustment_run", actor=ctx.actor, object_type="adjustment", object_id=adj.pk,
              county=county, month=month, entitlements=len(ents), changed=len(lines), superseded=superseded,
              parameter_version=params.version, job=ctx.job_id)
        ctx.set_result({"adjustment": adj.pk, "county": county, "month": month, "entitlements": len(ents),
                        "changed": len(lines), "difference": f"{adj.total_new - adj.total_old:.2f}"})
    return {}


def adjustment_start(*, actor: Any, county: str, month: dt.date, trigger: str = "", enqueue: bool = True,
                     requested_by: Any = None) -> Any:
    """Start (queue) the 调标 run of ``county`` for ``month``; raises ``JobRefused`` when one is queued or running.

    *requested_by*: for a run the system starts (``actor=None``), the person whose decision caused it.
    """
    month = month_start(month)
    params = {"county": county, "month": f"{month:%Y-%m}", "trigger": trigger,
              "requested_by": getattr(requested_by, "pk", None)}
    return job_start(actor=actor, kind=KIND, params=params, region_code=county, scope_key=f"{county}:{month:%Y-%m}",
                     channel="ui" if getattr(actor, "pk", None) else "system" if requested_by else "cli",
                     enqueue=enqueue)


def run_adjustment(*, actor: Any, county: str, month: dt.date, trigger: str = "") -> Adjustment:
    """The 调标 run in this process (commands, tests, the demo)."""
    job = run_inline(adjustment_start(actor=actor, county=county, month=month, trigger=trigger, enqueue=False))
    if job.state != "done":
        raise AdjustmentError(job.state, job.error_zh or "调标未完成", job.error_en or "the adjustment did not complete")
    return Adjustment.objects.get(job=job)


def counties_under(region_code: str) -> list[str]:
    """The current counties inside ``region_code`` (itself if it is one) that have active entitlements."""
    inside = RegionClosure.objects.filter(ancestor_id=region_code).values("descendant_id")
    counties = Region.objects.filter(level="county", code__in=inside).values_list("code", flat=True)
    with_ents = Entitlement.objects.filter(state=EntitlementState.ACTIVE, household__county_id__in=list(counties)) \
        .values_list("household__county_id", flat=True).distinct()
    return sorted(set(with_ents))


def on_parameters_approved(*, revision: Any, actor: Any) -> None:
    """``core.hooks`` listener: queue a 调标 run for each county the approved revision covers (after commit)."""
    month = effective_month(revision.effective_from)
    node = current_parameters().nodes.get(revision.path)
    trigger = f"参数修订 #{revision.pk}（{node.label_zh if node else revision.path}）批准"

    def start() -> None:
        # Started by the system (the approver of a provincial standard need not hold manage_payroll);
        # the approver is recorded as the requester, who may not approve the list.
        for county in counties_under(revision.region_id):
            try:
                adjustment_start(actor=None, county=county, month=month, trigger=trigger, requested_by=actor)
            except JobRefused:
                continue  # one already queued or running for this county and month: it reads the new value

    transaction.on_commit(start)


def _check(actor: Any, adj: Adjustment) -> None:
    if actor is None or not getattr(actor, "pk", None):
        raise AdjustmentError("actor", "调标须由经办人员本人审批", "A person must decide")
    require(actor, CAP)
    if not region_in_scope(actor, adj.county_id):
        raise AdjustmentError("scope", "该县不在您的管辖范围内", "That county is outside your region")


def adjustment_approve(*, actor: Any, adjustment: Adjustment, note: str = "") -> Adjustment:
    """Four eyes: a person other than the run's starter approves; the changed amounts take effect dated."""
    _check(actor, adjustment)
    with transaction.atomic():
        adj: Adjustment = Adjustment.objects.select_for_update(of=("self",)).select_related("job").get(pk=adjustment.pk)
        if adj.status != AdjustmentStatus.PROPOSED:
            raise AdjustmentError("state", f"该调标清单的状态为“{adj.get_status_display()}”，不能审批",
                                  "Only a list awaiting approval can be approved")
        starters = {adj.job.started_by_id if adj.job is not None else None, adj.requested_by_id}
        if actor.pk in starters:
            raise AdjustmentError("four_eyes", "发起调标的人员不能审批同一清单，须由另一名经办人员审批",
                                  "The person who started the run cannot approve it: a second person must")
        lines = list(adj.lines.select_related("entitlement"))
        current = amounts_in_month([x.entitlement for x in lines], adj.month)
        stale = [x for x in lines if current[x.entitlement_id][0] != x.old_amount
                 or x.entitlement.state != EntitlementState.ACTIVE]
        if stale:
            raise AdjustmentError("stale", f"清单生成后有{len(stale)}项金额或状态已变化，请重新调标",
                                  f"{len(stale)} amounts changed since the run: run the adjustment again")
        EntitlementAmount.objects.bulk_create([
            EntitlementAmount(entitlement_id=x.entitlement_id, from_month=adj.month, amount=x.new_amount,
                              adjustment=adj, reason=x.reason) for x in lines], batch_size=2000)
        adj.status, adj.decided_by, adj.decided_at, adj.decision_note = \
            AdjustmentStatus.APPROVED, actor, timezone.now(), note[:300]
        adj.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit("assistance.adjustment_approved", actor=actor, object_type="adjustment", object_id=adj.pk,
              county=adj.county_id, month=f"{adj.month:%Y-%m}", changed=len(lines),
              difference=str(adj.total_new - adj.total_old))
    return adj


def adjustment_reject(*, actor: Any, adjustment: Adjustment, note: str) -> Adjustment:
    _check(actor, adjustment)
    if not note.strip():
        raise AdjustmentError("note", "请填写退回原因", "Give the reason")
    with transaction.atomic():
        adj: Adjustment = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
        if adj.status != AdjustmentStatus.PROPOSED:
            raise AdjustmentError("state", "只有待审批的清单可以退回", "Only a list awaiting approval can be rejected")
        adj.status, adj.decided_by, adj.decided_at, adj.decision_note = \
            AdjustmentStatus.REJECTED, actor, timezone.now(), note.strip()[:300]
        adj.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit("assistance.adjustment_rejected", actor=actor, object_type="adjustment", object_id=adj.pk,
              county=adj.county_id, month=f"{adj.month:%Y-%m}")
    return adj
