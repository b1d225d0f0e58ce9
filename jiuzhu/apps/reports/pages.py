"""What every statistics page shares: the language, the region and statistics asked for, the labels."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _l

from jiuzhu.apps.core.models import Region

from . import selectors

BENEFIT_LABELS = {
    "dibao": _l("dibao top-up"), "dibao_supplement": _l("supplement"), "tekun_basic": _l("tekun basic living"),
    "tekun_care": _l("care allowance"), "single_inclusion": _l("single-person inclusion"), "total": _l("Total"),
}
LEVEL_LABELS = {"city": _l("City"), "county": _l("County"), "township": _l("Township")}


def lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def page_context(request: HttpRequest) -> dict[str, Any]:
    """The region asked for (?region=, default the user's; outside it → 404), the statistics asked for
    (?stats=, default the latest), the breadcrumbs from the user's region down, the runs to choose from."""
    user: Any = request.user
    region = selectors.region_for(user, request.GET.get("region"))
    stats = selectors.statistics_run(request.GET.get("stats"))
    if request.GET.get("stats") and stats is None:
        raise Http404
    crumbs: list[Region] = []
    r: Region | None = region
    while r is not None:
        crumbs.insert(0, r)
        if r.pk == user.region_id:
            break
        r = r.parent
    return {"region": region, "stats": stats, "crumbs": crumbs, "runs": selectors.statistics_runs(), "user": user}
