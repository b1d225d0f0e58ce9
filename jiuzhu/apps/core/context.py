"""Template context: the navigation a user's role allows."""

from __future__ import annotations

from django.http import HttpRequest

from .choices import Capability
from .hooks import nav_for


def nav(request: HttpRequest) -> dict[str, object]:
    from django.conf import settings

    user = getattr(request, "user", None)
    demo = settings.DEMO_MODE
    if user is None or not user.is_authenticated:
        return {"caps": frozenset(), "nav_items": [], "demo_mode": demo}
    caps = frozenset(c for c in Capability.values if user.has_capability(c))
    return {"caps": caps, "nav_items": nav_for(caps), "demo_mode": demo}
