"""The platform's own decisions on the assistance chain (一户（人）一条救助链).

Grants, payments and refusals decided here (applications, the programme matrix, payrolls)
are chain entries like the departments' feed rows, with ``source = "platform"`` and no
batch.  ``fact_key`` makes writing idempotent: the same decision written twice is one entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from .choices import PLATFORM, AmountBasis
from .models import AssistanceRecord

CIVIL_AFFAIRS = "civil_affairs"


def _key(fact_key: str) -> str:
    return fact_key if len(fact_key) <= 64 else hashlib.sha256(fact_key.encode()).hexdigest()


def record_platform_assistance(
    *,
    member: Any,
    programme: str,
    fact_key: str,
    start_date: dt.date | None,
    end_date: dt.date | None = None,
    amount: Decimal | None = None,
    basis: str = AmountBasis.TOTAL,
    in_kind: str = "",
    department: str = CIVIL_AFFAIRS,
) -> AssistanceRecord:
    """Put one assistance decided on this platform on ``member``'s chain (idempotent on fact_key).

    ``fact_key`` names the decision, e.g. ``"application:<uuid>:grant"`` or
    ``"payroll:<county>:<yyyy-mm>:<member uid>"``.  Call inside the decision's transaction.
    """
    record, created = AssistanceRecord.objects.get_or_create(
        source=PLATFORM, fact_key=_key(fact_key),
        defaults={"person_index": member.id_number_index, "member": member, "household": member.household,
                  "programme": programme, "department": department, "start_date": start_date,
                  "end_date": end_date, "amount": amount, "amount_basis": basis, "in_kind": in_kind},
    )
    if not created and (record.end_date != end_date or record.amount != amount):
        # The decision was later ended or its amount changed (e.g. termination): keep one entry.
        record.end_date, record.amount = end_date, amount
        record.save(update_fields=["end_date", "amount"])
    return record
