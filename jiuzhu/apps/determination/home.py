"""The home page's runs panel (province): the batch determination runs and their failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.rules import formats

from .models import DeterminationRun

CAP = "run_determination"


def panel(request: Any) -> dict[str, Any] | None:
    since = timezone.now() - dt.timedelta(days=30)
    n = DeterminationRun.objects.aggregate(
        failed=Count("id", filter=Q(job__state="failed", job__created_at__gte=since)),
        running=Count("id", filter=Q(job__state="running")),
        last=Max("as_of", filter=Q(job__state="done")),
    )
    url = reverse("determination_runs")
    note = (_("Last complete run: as of %(day)s") % {"day": formats.cn_date(n["last"])} if n["last"]
            else _("No complete run yet."))
    return {"title": _("Determination runs"), "items": [
        {"label": _("Failed in the last 30 days"), "count": n["failed"], "url": url, "alert": True},
        {"label": _("Running"), "count": n["running"], "url": url},
    ], "note": note}
