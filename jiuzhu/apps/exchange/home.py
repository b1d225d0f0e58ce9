"""The home page's data-exchange panel: department feeds that are late or never came."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from . import freshness, services


def panel(request: Any) -> dict[str, Any] | None:
    feeds = freshness.feed_status(request.user)  # a handful of grouped queries, whatever the registry size
    if not feeds:
        return None
    url = reverse("exchange_sources")
    late = [f for f in feeds if f.status == "late"]
    never = [f for f in feeds if f.status == "never"]
    items = [
        {"label": _("Feeds late"), "count": len(late), "url": url, "alert": True},
        {"label": _("Feeds never delivered"), "count": len(never), "url": url, "alert": True},
    ]
    if request.user.has_capability(services.UPLOAD):
        items.append({"label": _("Import batches"), "count": sum(f.batches for f in feeds),
                      "url": reverse("exchange_batch_list")})
    names = "、".join(str(f.source.label_zh) for f in late[:3])
    return {"title": _("Department data"), "items": items,
            "note": _("Most late: %(names)s") % {"names": names} if names else ""}
