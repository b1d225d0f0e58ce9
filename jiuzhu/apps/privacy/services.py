"""Bulk exports of personal data: request (purpose, count, cap), approval by a second person, one download.

ADR 0025.  Every step is audited; a refusal is audited before anything could roll it back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import RegionClosure
from jiuzhu.rules.text import normalise_text

from .config import approval_rows, purposes
from .exports import ExportKind, HashedCSV, get_kind, may_request
from .models import ExportRequest, ExportState

APPROVE = "approve_exports"


def _kind(key: str) -> ExportKind:
    kind = get_kind(key)
    if kind is None:
        raise Http404
    return kind


def check_purpose(purpose: str) -> str:
    """The purpose code if it is one of the configured ones; else a ValidationError naming them."""
    code = (purpose or "").strip()
    if code not in purposes():
        raise ValidationError({"purpose": [_("Choose the purpose of this export from the list.")]}, code="purpose")
    return code


def export_request(*, actor: Any, kind_key: str, query: Mapping[str, str], purpose: str, note: str = "") -> ExportRequest:
    """Record a request for a bulk export; within the cap it is ready at once, above it it waits.

    Raises PermissionDenied (may not ask for this export), ValidationError (no purpose from the
    list, or nothing to export).
    """
    kind = _kind(kind_key)
    if not may_request(actor, kind):
        audit("privacy.export_requested", actor=actor, outcome="denied", kind=kind.key)
        raise PermissionDenied(kind.key)
    code = check_purpose(purpose)
    params = kind.filters(actor, query)
    rows = kind.count(actor, params)
    if rows == 0:
        raise ValidationError(_("There is nothing to export with these filters."), code="empty")
    cap = approval_rows()
    state = ExportState.APPROVED if rows <= cap else ExportState.PENDING
    with transaction.atomic():
        req = ExportRequest.objects.create(
            kind=kind.key, params=params, purpose=code, note=normalise_text(note or "")[:200], rows=rows, cap=cap,
            state=state, requested_by=actor, requested_at=timezone.now(), region=getattr(actor, "region", None),
            department=getattr(actor, "department", "") or "")
        audit("privacy.export_requested", actor=actor, object_type="export_request", object_id=req.uid,
              kind=kind.key, rows=rows, cap=cap, purpose=code, params=params,
              state="pending" if state == ExportState.PENDING else "within_cap")
    return req


def approver_q(user: Any) -> Q:
    """The requests `user` may decide on: not their own, in their region (departments' at province level)."""
    if not (user.is_authenticated and user.has_capability(APPROVE)) or getattr(user, "region_id", None) is None:
        return Q(pk__in=[])
    mine = ~Q(requested_by=user)
    if user.region.level == "province":
        return mine
    below = RegionClosure.objects.filter(ancestor_id=user.region_id).values("descendant_id")
    return mine & Q(region__in=below)


def can_decide(user: Any, req: ExportRequest) -> bool:
    return ExportRequest.objects.filter(approver_q(user), pk=req.pk).exists()


def visible_requests(user: Any) -> QuerySet[ExportRequest]:
    """One's own requests and those one may decide on; nobody else's (404 for the rest)."""
    if not user.is_authenticated:
        return ExportRequest.objects.none()
    return ExportRequest.objects.filter(Q(requested_by=user) | approver_q(user)).select_related(
        "requested_by", "decided_by", "region")


def export_get(user: Any, uid: Any) -> ExportRequest:
    try:
        return visible_requests(user).get(uid=uid)
    except (ExportRequest.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def export_decide(*, actor: Any, uid: Any, action: str, note: str = "") -> ExportRequest:
    """Approve or refuse (a second person in scope), or withdraw (the requester) a pending export."""
    req = export_get(actor, uid)
    note = normalise_text(note or "")[:200]
    own = req.requested_by_id == actor.pk
    allowed = (action == "withdraw" and own) or (action in ("approve", "refuse") and not own and can_decide(actor, req))
    if not allowed:
        audit("privacy.export_decided", actor=actor, object_type="export_request", object_id=req.uid,
              outcome="denied", action=action)
        raise PermissionDenied(action)
    if action == "refuse" and len(note) < 4:
        raise ValidationError({"note": [_("Say why the export is refused (at least 4 characters).")]})
    with transaction.atomic():
        req = ExportRequest.objects.select_for_update().get(pk=req.pk)
        if req.state != ExportState.PENDING:
            raise RefusedError("state", "该导出申请已处理，不能再次审批或撤回。",
                               "This export request has already been dealt with.")
        req.state = {"approve": ExportState.APPROVED, "refuse": ExportState.REFUSED,
                     "withdraw": ExportState.WITHDRAWN}[action]
        if action != "withdraw":
            req.decided_by = actor
        req.decided_at, req.decision_note = timezone.now(), note
        req.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        audit("privacy.export_decided", actor=actor, object_type="export_request", object_id=req.uid,
              action=action, kind=req.kind, rows=req.rows, note=note)
    return req


def export_claim(*, actor: Any, uid: Any) -> tuple[ExportRequest, ExportKind]:
    """Take an approved export for download: once, by its requester only."""
    req = export_get(actor, uid)
    if req.requested_by_id != actor.pk:
        raise Http404  # an approver sees the request, never the data
    kind = _kind(req.kind)
    with transaction.atomic():
        req = ExportRequest.objects.select_for_update().get(pk=req.pk)
        if req.state != ExportState.APPROVED:
            raise RefusedError(
                req.state,
                {ExportState.PENDING: "该导出须经另一位工作人员审批后才能下载。",
                 ExportState.PRODUCED: "该导出已下载过（每次申请只生成一次）；如需再次导出，请重新申请。",
                 }.get(req.state, "该导出申请未获批准，不能下载。"),
                {ExportState.PENDING: "This export needs a second person's approval before it can be downloaded.",
                 ExportState.PRODUCED: "This export has been downloaded already (once per request); "
                                       "ask again for a new one.",
                 }.get(req.state, "This export request was not approved."))
        req.state, req.produced_at = ExportState.PRODUCED, timezone.now()
        req.save(update_fields=["state", "produced_at"])
        audit("privacy.export_started", actor=actor, object_type="export_request", object_id=req.uid,
              kind=req.kind, rows=req.rows, purpose=req.purpose)
    return req, kind


def export_stream(req: ExportRequest, kind: ExportKind) -> Iterator[bytes]:
    """The file's bytes; at the end its row count and SM3 are stored and audited (or the interruption)."""
    header, rows = kind.table(req.requested_by, req.params, req.purpose)
    out = HashedCSV(header, rows)
    try:
        yield from out
    finally:
        if out.complete:
            ExportRequest.objects.filter(pk=req.pk).update(produced_rows=out.count, sm3=out.sm3)
            audit("privacy.export_produced", actor=req.requested_by, object_type="export_request", object_id=req.uid,
                  kind=req.kind, rows=out.count, sm3=out.sm3, purpose=req.purpose, format="csv")
        else:
            audit("privacy.export_produced", actor=req.requested_by, object_type="export_request", object_id=req.uid,
                  outcome="interrupted", kind=req.kind, rows=out.count)
