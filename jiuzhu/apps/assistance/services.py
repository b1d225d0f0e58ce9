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

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.exchange.choices import AmountBasis
from jiuzhu.apps.exchange.platform import record_platform_assistance

from .models import Entitlement, EntitlementState


class EntitlementError(Exception):
    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code, self.message_zh, self.message_en = code, message_zh, message_en


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after ``day`` (payment starts the month after approval)."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _chain(e: Entitlement) -> None:
    """One chain entry per covered person (the member, or every member of the household)."""
    members = [e.member] if e.member is not None else list(e.household.members.all())
    end = None
    if e.end_month is not None:
        end = month_after(e.end_month) - dt.timedelta(days=1)
    for m in members:
        record_platform_assistance(
            member=m, programme=e.programme, fact_key=f"entitlement:{e.uid}:{m.uid}", start_date=e.start_month,
            end_date=end, amount=e.monthly_amount, basis=AmountBasis.MONTHLY)


def start_entitlement(*, actor: Any, household: Any, programme: str, monthly_amount: Decimal, approved_on: dt.date,
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


def end_entitlement(*, actor: Any, entitlement: Entitlement, last_month: dt.date, reason: str) -> Entitlement:
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


def active_entitlements(household: Any) -> list[Entitlement]:
    return list(Entitlement.objects.filter(household=household, state=EntitlementState.ACTIVE))
