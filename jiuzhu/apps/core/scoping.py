"""The one scoping layer: what a user may see.

Every list, detail, edit, export and API view obtains its querysets through
`scoped()` or `get_scoped_or_404()`.  The rule: a user with the capability
sees the records whose region lies under the user's own region, found through
the RegionClosure table (never string prefixes); a province-level user sees
all.  A record outside scope does not exist for that user: 404.  A user
without the capability at all is refused: 403.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from .models import RegionClosure

M = TypeVar("M", bound=models.Model)


def scope_field(model: type[models.Model]) -> str:
    """The path from a scoped model to its Region foreign key (declared on the model)."""
    field = getattr(model, "SCOPE_REGION_FIELD", None)
    if not field:
        raise TypeError(f"{model.__name__} declares no SCOPE_REGION_FIELD")
    return str(field)


def require(user: Any, capability: str) -> None:
    """403 unless the user holds the capability."""
    if not (user.is_authenticated and user.has_capability(capability)):
        raise PermissionDenied(capability)


def region_filter(user: Any, field: str) -> models.Q | None:
    """The Q restricting `field` (a Region FK path) to the user's region; None = everything."""
    region_id = getattr(user, "region_id", None)
    if region_id is None:
        return models.Q(pk__in=[])
    if user.region.level == "province":
        return None
    return models.Q(
        **{f"{field}__in": RegionClosure.objects.filter(ancestor_id=region_id).values("descendant_id")}
    )


def scoped(qs: models.QuerySet[M], user: Any, capability: str) -> models.QuerySet[M]:
    """Restrict a queryset to what the user may see with this capability."""
    if not (user.is_authenticated and user.has_capability(capability)):
        return qs.none()
    q = region_filter(user, scope_field(qs.model))
    return qs if q is None else qs.filter(q)


def get_scoped_or_404(qs: models.QuerySet[M], user: Any, capability: str, **lookup: Any) -> M:
    """One record inside the user's scope, else 404 (403 without the capability)."""
    require(user, capability)
    try:
        return scoped(qs, user, capability).get(**lookup)
    except qs.model.DoesNotExist as exc:  # type: ignore[attr-defined]
        raise Http404 from exc


def region_in_scope(user: Any, region_code: str) -> bool:
    """Whether a region (e.g. a village chosen on a form) lies inside the user's region."""
    region_id = getattr(user, "region_id", None)
    if region_id is None:
        return False
    return RegionClosure.objects.filter(ancestor_id=region_id, descendant_id=region_code).exists()
