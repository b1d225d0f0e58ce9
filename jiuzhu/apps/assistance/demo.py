"""Demo data for assistance: entitlements for 进贤县's dibao/tekun households and one approved payroll."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jiuzhu.apps.core.models import User
from jiuzhu.apps.determination.models import DeterminationResult
from jiuzhu.apps.determination.services import determine_one
from jiuzhu.apps.registry.models import Household

from .adjustment import AdjustmentError, adjustment_approve, run_adjustment
from .freshness import freshness, refresh_now
from .models import Entitlement, MatchStatus, Payroll, PayrollState
from .payroll import PayrollError, approve_payroll, generate_payroll
from .services import EntitlementError, start_entitlement

DEMO_COUNTY = "360124"
DEMO_REF = "演示决定"  # the demo's decision references (shown on payrolls: no English word)


def _amount(benefits: dict[str, Any], *keys: str) -> Decimal:
    return sum((Decimal(str(benefits.get(k) or "0")) for k in keys), Decimal("0")).quantize(Decimal("0.01"))


def start_demo_entitlements(county: str, approved_on: dt.date, actor: User | None = None) -> int:
    """Start entitlements from each household's determination (latest result, else determined now)."""
    done = set(Entitlement.objects.filter(Q(decision_ref__startswith=DEMO_REF) | Q(decision_ref__startswith="demo:"),
                                          household__county_id=county).values_list("household_id", flat=True))
    latest: dict[int, Any] = {}
    for r in DeterminationResult.objects.filter(household__county_id=county, error="").order_by("as_of", "id"):
        latest[r.household_id] = r
    started = 0
    for h in Household.objects.filter(county_id=county).exclude(pk__in=done).order_by("code"):
        r = latest.get(h.pk)
        if r is not None:
            cats, benefits, tekun, single = r.categories, r.benefits, [], []
            if "tekun" in cats or "dibao_individual" in cats:
                r = None  # member-level amounts need the single path
        if r is None:
            try:
                result = determine_one(h, approved_on)
            except Exception:  # noqa: BLE001, S112 - a household the engine refuses is simply skipped
                continue
            cats, benefits = result.get("categories", []), result.get("benefits", {})
            tekun, single = result.get("tekun_members", []), result.get("individual_members", [])
        members = {str(m.pk): m for m in h.members.all()}
        grants: list[tuple[str, str, Any, Decimal, int | None]] = []
        if "dibao" in cats and _amount(benefits, "dibao", "dibao_supplement") > 0:
            grants.append(("dibao", "dibao", None, _amount(benefits, "dibao", "dibao_supplement"), None))
        for key, code, ids, parts in (("tekun", "tekun", tekun, ("tekun_basic", "tekun_care")),
                                      ("dibao_individual", "dibao_individual", single, ("single_inclusion",))):
            amount = _amount(benefits, *parts)
            if key not in cats or amount <= 0:
                continue
            if len(ids) == 1 and ids[0] in members:
                grants.append((key, code, members[ids[0]], amount, 1))
            else:
                grants.append((key, code, None, amount, max(len(ids), 1)))
        for programme, category, member, amount, covered in grants:
            try:
                start_entitlement(actor=actor, household=h, programme=programme, monthly_amount=amount,
                                  approved_on=approved_on, decision_ref=f"{DEMO_REF}{h.code}", category=category,
                                  member=member, members_covered=covered)
                started += 1
            except EntitlementError:
                continue
    return started


def demo_step() -> str:
    today = timezone.localdate()
    month = dt.date(today.year, today.month, 1)
    if Payroll.objects.filter(county_id=DEMO_COUNTY, month=month).exclude(state=PayrollState.GENERATED).exists():
        return f"assistance: 进贤县 {month:%Y-%m} payroll already approved"
    approved_on = (month - dt.timedelta(days=1)).replace(day=1)
    started = start_demo_entitlements(DEMO_COUNTY, approved_on)
    approver = User.objects.filter(username="county").first()
    adjusted = ""
    try:
        # The entitlements were started from the latest stored determination; the month's own
        # determination (as of its first day) may differ for a few households: a 调标 brings them
        # in line, as a county would before generating the payroll (the payroll holds differences).
        adj = run_adjustment(actor=None, county=DEMO_COUNTY, month=month, trigger="演示数据")
        if adj.changed and approver is not None:
            adjustment_approve(actor=approver, adjustment=adj)
            adjusted = f"; 调标 {adj.changed} amounts"
    except AdjustmentError as err:
        adjusted = f"; 调标 not run: {err.message_en}"
    try:
        payroll = generate_payroll(actor=None, county=DEMO_COUNTY, month=month)
        if approver is not None and payroll.state == PayrollState.GENERATED:
            approve_payroll(actor=approver, payroll=payroll)
    except PayrollError as err:
        return f"assistance: {started} entitlements started; payroll not generated: {err.message_zh}"
    return (f"assistance: {started} entitlements started in 进贤县{adjusted}; payroll {month:%Y-%m}: "
            f"{payroll.lines_count} lines, {payroll.total_amount} yuan, {payroll.held_count} held")


def people_to_serve_step() -> str:
    """After the determination (sharing's demo step runs it): the people-to-serve list, unless current."""
    if freshness()["level"] == "current":
        run = freshness()["run"]
        return f"people to serve: current (matching run {run.pk}, {run.missing:,} missing)"
    run = refresh_now()
    if run is None:
        return "people to serve: a matching run is already running"
    missing = run.matches.filter(status=MatchStatus.MISSING)
    by_department = ", ".join(f"{d} {n:,}" for d, n in sorted(
        {d: missing.filter(department=d).count() for d in set(missing.values_list("department", flat=True))}.items()))
    return f"people to serve: matching run {run.pk} as of {run.as_of}: {run.missing:,} missing ({by_department})"
