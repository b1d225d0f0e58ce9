"""Start and end entitlements (the only writers of ``Entitlement``).

Called by the modules that decide: applications (approval → start; termination → end),
monitoring (a verified death or loss of eligibility → end).  Each call runs in one
transaction with its audit record and its entry on the assistance chain.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.exchange.choices import AmountBasis
from jiuzhu.apps.exchange.outbox import enqueue
from jiuzhu.apps.exchange.platform import record_platform_assistance
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Member
from jiuzhu.pii.masking import mask_name
from jiuzhu.rules.programmes import (
    as_codes,
    by_key,
    gradual_exit_last_month,
    lookup_for,
    temporary_cap,
    temporary_route,
)

from .models import Enrolment, EnrolmentState, Entitlement, EntitlementState, Match, MatchStatus


class EntitlementError(RefusedError):
    pass


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after ``day`` (payment starts the month after approval)."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _chain(e: Entitlement) -> None:
    """One chain entry per covered person (the member, or every member of the household)."""
    members = [e.member] if e.member is not None else list(e.household.members.order_by("id"))
    end = None
    if e.end_month is not None:
        end = month_after(e.end_month) - dt.timedelta(days=1)
    # A household payment is paid once: the amount is on the head's entry (or the first member's);
    # the other covered members' entries say they benefit with the household, so that summing a
    # chain never counts the payment twice.
    payee = next((m for m in members if m.relation == "head"), members[0] if members else None)
    for m in members:
        paid = m is payee
        record_platform_assistance(
            member=m, programme=e.programme, fact_key=f"entitlement:{e.uid}:{m.uid}", start_date=e.start_month,
            end_date=end, amount=e.monthly_amount if paid else None, basis=AmountBasis.MONTHLY,
            in_kind="" if paid else "随户享受（家庭成员）")


def start_entitlement(*, actor: User | None, household: Any, programme: str, monthly_amount: Decimal, approved_on: dt.date,
                      decision_ref: str, category: str = "", member: Any = None, members_covered: int | None = None,
                      parameter_version: str = "") -> Entitlement:
    """Start paying ``programme`` from the month after ``approved_on``; idempotent on decision_ref.

    Raises EntitlementError when the household (or member) already has an active entitlement
    for the programme from another decision.
    """
    if not isinstance(monthly_amount, Decimal) or monthly_amount < 0:
        raise EntitlementError("amount", "金额须为非负的十进制数", "The amount must be a non-negative decimal")
    with transaction.atomic():
        existing = Entitlement.objects.filter(decision_ref=decision_ref, programme=programme, member=member).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                e = Entitlement.objects.create(
                    household=household, member=member, programme=programme, category=category,
                    monthly_amount=monthly_amount.quantize(Decimal("0.01")),
                    members_covered=members_covered if members_covered is not None else
                    (1 if member is not None else household.members.count()),
                    approved_on=approved_on, start_month=month_after(approved_on), decision_ref=decision_ref,
                    parameter_version=parameter_version, created_by=actor if getattr(actor, "pk", None) else None)
        except IntegrityError as exc:
            raise EntitlementError(
                "already_active", "该户（人）已在享受此项救助，不能重复发放",
                "The household (person) already receives this programme: it cannot be paid twice") from exc
        _chain(e)
        audit("assistance.entitlement_start", actor=actor if getattr(actor, "pk", None) else None,
              object_type="household", object_id=household.pk, programme=programme,
              amount=str(e.monthly_amount), start=e.start_month.isoformat(), decision=decision_ref)
    return e


def end_entitlement(*, actor: User, entitlement: Entitlement, last_month: dt.date, reason: str) -> Entitlement:
    """Stop after ``last_month`` (any day of it); the chain entry gets its end date. Idempotent."""
    if not reason.strip():
        raise EntitlementError("reason", "请填写终止原因", "Give the reason for ending")
    with transaction.atomic():
        e = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
        if e.state == EntitlementState.ENDED:
            return e
        last = dt.date(last_month.year, last_month.month, 1)
        if last < e.start_month:
            last = e.start_month - dt.timedelta(days=1)
            last = dt.date(last.year, last.month, 1)  # ended before the first payment: nothing paid
        e.state, e.end_month, e.end_reason = EntitlementState.ENDED, last, reason.strip()[:200]
        e.save(update_fields=["state", "end_month", "end_reason", "updated_at"])
        _chain(e)
        audit("assistance.entitlement_end", actor=actor if getattr(actor, "pk", None) else None,
              object_type="household", object_id=e.household_id, programme=e.programme,
              last_month=last.isoformat(), reason=e.end_reason)
    return e


# --- 免申即享: automatic enrolment, notice, decline (issue 7 §3) ------------------------------------------

AUTO_TOPIC = "assistance.auto_enrolment"
DECLINE_TOPIC = "assistance.enrolment_declined"


def _actor(actor: User | None) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _check(actor: User | None, capability: str) -> None:
    """Users need the capability; ``None`` is the system (management command, demo)."""
    if actor is not None:
        require(actor, capability)


def _notice(name: str, label: str, clause: str, on: dt.date, notice_no: str) -> str:
    return (f"{name}：根据《关于落实低收入人口动态监测做好分层分类社会救助工作的实施意见》{clause}，"
            f"您符合“{label}”条件，已于{on:%Y年%m月%d日}按“免申即享”直接为您办理，无需申请。"
            f"如不需要，可向所在乡镇（街道）或村（居）民委员会提出放弃；放弃后不再自动办理，今后仍可依申请办理。"
            f"通知编号：{notice_no}。")


def auto_enrol(*, actor: User | None, as_of: dt.date, county: str | None = None, households: Any = None) -> dict[str, int]:
    """Enrol everyone the latest matching found *missing* a programme granted without application.

    Idempotent: one enrolment per person and programme, ever (a declined one is not made
    again).  Each enrolment is audited, gets a notice, lands on the chain; each department
    is pushed its list (masked) through the outbox, in the same transaction.
    """
    _check(actor, "decide_applications")
    params = current_parameters()
    qs = Match.objects.filter(status=MatchStatus.MISSING)
    if county:
        qs = qs.filter(household__county_id=county)
    if households is not None:
        qs = qs.filter(household__in=households)
    rows = list(qs.values("id", "household_id", "member_id", "programme", "department", "reason",
                          "household__county_id", "household__area_type", "household__code"))
    autos: dict[tuple[str, str], set[str]] = {}
    wanted = []
    for r in rows:
        key = (r["household__county_id"], r["household__area_type"])
        if key not in autos:
            autos[key] = set(as_codes(lookup_for(params, *key, as_of)("assistance.auto_enrol_programmes")))
        if r["programme"] in autos[key]:
            wanted.append(r)
    heads = {}
    if any(r["member_id"] is None for r in wanted):
        for m in Member.objects.filter(household__in={r["household_id"] for r in wanted if r["member_id"] is None}
                                       ).order_by("household_id", "-relation", "id"):
            if m.household_id not in heads or m.relation == "head":
                heads[m.household_id] = m
    member_ids = {r["member_id"] for r in wanted if r["member_id"] is not None}
    members = {m.pk: m for m in Member.objects.filter(pk__in=member_ids).select_related("household")}
    members.update({m.pk: m for m in heads.values()})
    counts: dict[str, int] = {}
    with transaction.atomic():
        existing = set(Enrolment.objects.filter(member__in=list(members)).values_list("member_id", "programme"))
        pushes: dict[tuple[str, str], list[dict[str, str]]] = {}
        for r in wanted:
            m = members.get(r["member_id"]) if r["member_id"] is not None else heads.get(r["household_id"])
            if m is None or (m.pk, r["programme"]) in existing:
                continue
            p = by_key(r["programme"])
            e = Enrolment(household_id=r["household_id"], member=m, programme=p.key, department=p.department,
                          enrolled_on=as_of, reason=r["reason"][:300], created_by=_actor(actor))
            e.notice_no = f"MS-{r['household__county_id']}-{as_of:%Y%m%d}-{e.uid.hex[:10]}"
            e.notice_text = _notice(m.name, p.label_zh, p.clause, as_of, e.notice_no)
            e.save()
            existing.add((m.pk, p.key))
            record_platform_assistance(member=m, programme=p.key, fact_key=f"enrol:{e.uid}", start_date=as_of,
                                       in_kind="免申即享", department=p.department)
            Match.objects.filter(pk=r["id"]).update(status=MatchStatus.ENROLLED)
            counts[p.key] = counts.get(p.key, 0) + 1
            pushes.setdefault((p.department, r["household__county_id"]), []).append({
                "programme": p.key, "household": r["household__code"], "name": mask_name(m.name),
                "id_number": m.id_number_masked, "enrolled_on": as_of.isoformat(), "notice_no": e.notice_no})
        for (department, county_code), items in pushes.items():
            enqueue(department, AUTO_TOPIC, {"county": county_code, "as_of": as_of.isoformat(), "items": items},
                    key=f"assistance:auto:{department}:{county_code}:{as_of.isoformat()}:{items[0]['notice_no']}")
        for programme, n in counts.items():
            audit("assistance.auto_enrol", actor=_actor(actor), object_type="programme", object_id=programme,
                  enrolled=n, as_of=as_of.isoformat(), county=county or "")
    return counts


def decline_enrolment(*, actor: User, enrolment: Any, reason: str, on: dt.date | None = None) -> Any:
    """The person declines: recorded, the chain entry ends, the department is told; never re-enrolled."""

    _check(actor, "process_applications")
    if not reason.strip():
        raise EntitlementError("reason", "请填写放弃原因（如本人口头或书面表示不需要）", "Give the reason for declining")
    on = on or timezone.localdate()
    with transaction.atomic():
        e = Enrolment.objects.select_for_update().select_related("member").get(pk=enrolment.pk)
        if e.state == EnrolmentState.DECLINED:
            return e
        e.state, e.declined_on, e.decline_reason = EnrolmentState.DECLINED, on, reason.strip()[:200]
        e.save(update_fields=["state", "declined_on", "decline_reason", "updated_at"])
        record_platform_assistance(member=e.member, programme=e.programme, fact_key=f"enrol:{e.uid}",
                                   start_date=e.enrolled_on, end_date=on, in_kind="免申即享（已放弃）",
                                   department=e.department)

        Match.objects.filter(member=e.member, programme=e.programme).update(status=MatchStatus.DECLINED)
        enqueue(e.department, DECLINE_TOPIC, {"programme": e.programme, "notice_no": e.notice_no,
                                              "id_number": e.member.id_number_masked, "declined_on": on.isoformat()},
                key=f"assistance:decline:{e.uid}")
        audit("assistance.enrolment_declined", actor=_actor(actor), object_type="household",
              object_id=e.household_id, programme=e.programme, notice=e.notice_no)
    return e


# --- gradual exit and temporary assistance (issue 7 §4) ----------------------------------------------------


def start_gradual_exit(*, actor: User, entitlement: Entitlement, income_rose_on: dt.date, reason: str) -> Entitlement:
    """渐退: income rose above the line because a member found work; pay CONFIG more months, then end."""
    _check(actor, "decide_applications")
    if not reason.strip():
        raise EntitlementError("reason", "请说明就业情况", "Describe the work found")
    h = entitlement.household
    months = int(current_parameters().resolve("assistance.gradual_exit_months", h.county_id, h.area_type,
                                              income_rose_on).value)
    last = gradual_exit_last_month(income_rose_on, months)
    return end_entitlement(actor=actor, entitlement=entitlement, last_month=last,
                           reason=f"渐退（{months}个月）：{reason.strip()}"[:200])


def grant_temporary(*, actor: User, member: Any, amount: Decimal, kind: str, reason: str, on: dt.date,
                    case_by_case: bool = False) -> Any:
    """临时救助: small amounts (≤ CONFIG) approved and paid first by the township, more by the county.

    No household-registration restriction: anyone on the registry may be helped.  Above the
    ordinary ceiling (multiplier × monthly standard) only case by case (一事一议) by the county.
    """
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise EntitlementError("amount", "金额须为大于0、最多两位小数的十进制数",
                               "The amount must be a positive decimal with at most two places")
    if kind not in ("urgent", "expenditure"):
        raise EntitlementError("kind", "救助类型须为急难型或支出型", "The kind must be urgent or expenditure")
    if not reason.strip():
        raise EntitlementError("reason", "请填写救助事由", "Give the reason")
    h = member.household
    params = current_parameters()

    def value(path: str) -> Any:
        return params.resolve(path, h.county_id, h.area_type, on).value

    route = temporary_route(amount, value("assistance.temporary.small_amount_cap"))
    cap = temporary_cap(value("dibao.standard"), value(f"assistance.temporary.{kind}_multiplier"))
    if actor is not None:
        need = "process_applications" if route == "township" else "decide_applications"
        _check(actor, need)
    if amount > cap and not case_by_case:
        raise EntitlementError("cap", f"超过常规救助上限 {cap} 元，须由县级一事一议",
                               f"Above the ordinary ceiling of {cap} yuan: the county decides case by case")
    with transaction.atomic():
        record = record_platform_assistance(
            member=member, programme="temporary_assistance",
            fact_key=f"temporary:{member.uid}:{on.isoformat()}:{amount}:{kind}", start_date=on, end_date=on,
            amount=amount, basis=AmountBasis.TOTAL, in_kind=f"{'急难型' if kind == 'urgent' else '支出型'}")
        audit("assistance.temporary_granted", actor=_actor(actor), object_type="household", object_id=h.pk,
              amount=str(amount), route=route, kind=kind, case_by_case=case_by_case)
    return record, route
