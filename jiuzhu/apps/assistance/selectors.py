"""Reads of the assistance app that other apps reach through core.hooks."""

from __future__ import annotations

from typing import Any

from .models import Entitlement, EntitlementState


def entitlement_categories(household: Any) -> list[str]:
    """The categories of the household's active entitlements (registered with
    ``core.hooks.register_held_categories``: the chain's omission rules count them)."""
    return list(Entitlement.objects.filter(household=household, state=EntitlementState.ACTIVE)
                .exclude(category="").values_list("category", flat=True))
