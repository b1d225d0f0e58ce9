"""Determination screens: the household's determination sheet, and registry-wide runs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.scoping import require, scoped
from jiuzhu.apps.jobs.answers import started
from jiuzhu.apps.jobs.selectors import active_for
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.registry import selectors as registry

from .models import DeterminationResult, DeterminationRun
from .selectors import determination_for_page, determine_for_page

CATEGORY_ZH = {
    "tekun": "特困人员", "dibao": "最低生活保障对象", "marginal": "低保边缘家庭", "rigid": "刚性支出困难家庭",
    "dibao_individual": "单独纳入低保", "other": "其他困难人员", "poverty_monitoring": "防止返贫监测对象",
}


def household_section(request: HttpRequest, household: Any) -> dict[str, Any]:
    """The household page's summary (core.hooks, slot "summary"): categories and benefit now."""
    det, det_error = determination_for_page(request, household)
    return {"det": det, "det_error": det_error, "det_as_of": timezone.localdate()}


@login_required
def household_determination(request: HttpRequest, pk: int) -> HttpResponse:
    """The determination sheet (认定书): every category, criterion, figure and parameter."""
    household = registry.household_get(request.user, pk)
    raw = request.GET.get("as_of", "")
    try:
        as_of = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        as_of = timezone.localdate()
    result, error = determine_for_page(household, as_of)
    history = DeterminationResult.objects.filter(household=household).select_related("run")[:20]
    return render(request, "determination/sheet.html", {
        "household": household, "result": result, "error": error, "as_of": as_of,
        "categories_zh": CATEGORY_ZH, "history": history,
        "member_names": {str(pk): name for pk, name in household.members.values_list("pk", "name")},
    })


@login_required
@require_http_methods(["GET", "POST"])
def run_list(request: HttpRequest) -> HttpResponse:
    """Registry-wide runs (province) and, for everyone who sees the registry, the latest totals in scope.

    Starting a run queues the job ``determination.run`` and answers at once with its page.
    """
    require(request.user, "view_registry")
    user: Any = request.user
    message = ""
    if request.method == "POST":
        require(user, "run_determination")
        try:
            as_of = dt.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            return render(request, "determination/runs.html", {"error": _("Enter a valid date (YYYY-MM-DD).")}, status=400)
        return started(request, lambda: job_start(actor=user, kind="determination.run",
                                                  params={"as_of": as_of.isoformat()}))
    runs = DeterminationRun.objects.select_related("job", "job__started_by")[:50]
    latest = DeterminationRun.objects.completed().first()
    selected = DeterminationRun.objects.completed().filter(pk=request.GET.get("run") or 0).first() or latest
    totals = []
    if selected is not None:
        results = scoped(DeterminationResult.objects.filter(run=selected), user, "view_registry")
        totals = list(results.values("main_category").annotate(n=Count("id"), amount=Sum("total_benefit")).order_by("main_category"))
        for row in totals:
            row["label"] = CATEGORY_ZH.get(row["main_category"], row["main_category"] or _("none"))
    page = Paginator(runs, 50).get_page(1)
    return render(request, "determination/runs.html", {
        "runs": page, "selected": selected, "totals": totals, "message": message,
        "today": timezone.localdate(), "can_run": user.has_capability("run_determination"),
        "active_jobs": active_for(user, "determination.run"),
    })
