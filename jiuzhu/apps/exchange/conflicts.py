"""Accept or reject a department value that differs from the registry (issue 4 §3).

Nothing is applied silently: a county caseworker decides, with a reason.  Accepting a value
the registry holds (disability type/grade, school stage) updates the member through the
registry's own service (version check, change record naming the source); accepting a death
records the decision (the registry has no death field; the trust order then shows the
department's date and monitoring acts on it).  Rejecting keeps the registry value and the
rejected value no longer shows through the trust order.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import get_scoped_or_404
from jiuzhu.apps.registry.services import member_update
from jiuzhu.rules.exchange.sources import SOURCES

from .choices import ConflictStatus
from .models import RegistryConflict

DECIDE = "decide_conflicts"
APPLIED_FIELDS = frozenset({"disability_type", "disability_grade", "school_stage"})
DISABILITY = frozenset({"disability_type", "disability_grade"})


class ConflictDecisionError(RefusedError):
    pass


def _value(c: RegistryConflict) -> Any:
    return int(c.department_value) if c.field == "disability_grade" else c.department_value


def conflict_get(user: Any, pk: Any) -> RegistryConflict:
    return get_scoped_or_404(RegistryConflict.objects.select_related("member__household"), user, DECIDE, pk=pk)


def conflict_decide(*, actor: User, conflict: RegistryConflict, decision: str, reason: str) -> RegistryConflict:
    if decision not in ("accept", "reject"):
        raise ConflictDecisionError("decision", "请选择采纳或不采纳", "Choose accept or reject")
    reason = (reason or "").strip()
    if not reason:
        raise ConflictDecisionError("reason", "请填写理由", "Give a reason")
    with transaction.atomic():
        c = RegistryConflict.objects.select_for_update().select_related("member__household").get(pk=conflict.pk)
        if c.status != ConflictStatus.OPEN:
            raise ConflictDecisionError("decided", "该差异已处理，不能重复处理", "This difference was already decided")
        source = SOURCES[c.source].label_zh if c.source in SOURCES else c.source
        together: list[RegistryConflict] = []
        if decision == "accept" and c.field in APPLIED_FIELDS:
            data: dict[str, Any] = {c.field: _value(c)}
            if c.field in DISABILITY:
                # Type and grade come from one certificate: accepting one accepts its pair.
                together = list(RegistryConflict.objects.select_for_update().filter(
                    member=c.member, field__in=DISABILITY - {c.field}, source=c.source, record=c.record,
                    status=ConflictStatus.OPEN))
                data.update({o.field: _value(o) for o in together})
            try:
                member_update(actor=actor, member=c.member, data=data, reason=f"采纳{source}数据：{reason}"[:200])
            except ValidationError as err:
                raise ConflictDecisionError("invalid", "该值不能写入登记信息：" + "；".join(
                    str(m) for msgs in err.message_dict.values() for m in msgs), "The value cannot be applied") from err
        c.status = ConflictStatus.ACCEPTED if decision == "accept" else ConflictStatus.REJECTED
        c.decided_by, c.decided_at, c.decision_reason = actor, timezone.now(), reason[:200]
        c.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        for o in together:
            o.status, o.decided_by, o.decided_at, o.decision_reason = c.status, actor, c.decided_at, c.decision_reason
            o.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit("exchange.conflict_decide", actor=actor, object_type="member", object_id=c.member_id,
              field=c.field, decision=decision, source=c.source, reason=reason[:200])
    return c
