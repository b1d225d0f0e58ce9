"""Writing the audit log.  Every service that changes state or reveals data calls `audit`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .chain import append
from .middleware import current_request
from .models import AuditEvent, User

T = TypeVar("T")


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
        actor = request.user
    ip = ""
    request_id = ""
    if request is not None:
        ip = request.META.get("REMOTE_ADDR", "") or ""
        request_id = getattr(request, "request_id", "")
    return append(AuditEvent(
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
    ))


class AuditedRefusal(PermissionDenied):
    """A refused action whose audit record must survive the rollback (see ``refusals_audited``)."""

    def __init__(self, event: str, *, target: Any = None, message: str = "", **detail: Any) -> None:
        super().__init__(message or _("You may not do this."))
        self.event, self.target, self.detail = event, target, detail


def refusals_audited(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a service in one transaction; a refusal is audited *after* its rollback.

    Written inside the transaction, the refusal's record would be rolled back with it
    (issue 12 item 7); the applications workflow does the same by hand.  A caller that
    wraps the service in its own transaction and rolls that back loses the record: the
    403 still reaches AccessAuditMiddleware, which records the refused request.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            with transaction.atomic():
                return fn(*args, **kwargs)
        except AuditedRefusal as err:
            target = err.target
            audit(err.event, actor=kwargs.get("actor"), outcome="denied",
                  object_type="user" if target is not None else "",
                  object_id=getattr(target, "pk", "") if target is not None else "", **err.detail)
            raise

    return wrapper
