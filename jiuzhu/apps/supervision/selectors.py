"""Reads of draws and inspections, scoped (core.scoping)."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone

from jiuzhu.apps.core.scoping import get_scoped_or_404, scoped

from .models import InspectionCase, InspectionDraw

CAP = "supervise_inspections"


def draws(user: Any) -> Any:
    return scoped(InspectionDraw.objects.select_related("county"), user, CAP)


def draw(user: Any, pk: int) -> InspectionDraw:
    return get_scoped_or_404(InspectionDraw.objects.select_related("county"), user, CAP, pk=pk)


def cases(user: Any, d: InspectionDraw) -> Any:
    return d.cases.select_related("application", "household", "township", "village", "inspector").order_by("id")


def case(user: Any, pk: int) -> InspectionCase:
    return get_scoped_or_404(InspectionCase.objects.select_related("draw"), user, CAP, pk=pk)


def published(uid: Any) -> InspectionDraw:
    """A draw's public result while it is published; afterwards it is gone (404)."""
    d = InspectionDraw.objects.select_related("county").filter(uid=uid).first()
    if d is None or d.published_until < timezone.localdate():
        raise Http404
    return d
