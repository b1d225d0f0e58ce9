"""Writing the audit log.  Every service that changes state or reveals data calls `audit`."""

from __future__ import annotations

from typing import Any

from .middleware import current_request
from .models import AuditEvent, User


def audit(
    event: str,
    *,
    actor: User | None = None,
    object_type: str = "",
    object_id: object = "",
    outcome: str = "ok",
    **detail: Any,
) -> AuditEvent:
    """Append one audit record.  Details must already be masked: never pass plaintext IDs."""
    request = current_request()
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user  # type: ignore[assignment]
    ip = ""
    request_id = ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR", "") or ""
        request_id = getattr(request, "request_id", "")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.username if actor is not None else "",
        role=actor.role if actor is not None else "",
        region_code=(actor.region_id or "") if actor is not None else "",
        ip=ip,
        request_id=request_id,
        event=event,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        detail=detail,
    )
