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
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.scoping import require, scoped
from jiuzhu.apps.jobs.answers import started
from jiuzhu.apps.jobs.selectors import active_for
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.registry import selectors as registry
from jiuzhu.rules.determination import categories

from . import selectors
from .models import DeterminationResult, DeterminationRun
from .selectors import determination_for_page, determine_for_page


def household_section(request: HttpRequest, household: Any) -> dict[str, Any]:
    """The household page's summary (core.hooks, slot "summary"): categories and benefit now."""
    det, det_error = determination_for_page(request, household)
    names = {str(pk): name for pk, name in household.members.values_list("pk", "name")} if det else {}
    return {"det": det, "det_error": det_error, "det_as_of": timezone.localdate(), "det_member_names": names}


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
        "history": history,
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
    persons: list[dict[str, Any]] = []
    lang = "en" if (get_language() or "").startswith("en") else "zh"
    if selected is not None:
        results = scoped(DeterminationResult.objects.filter(run=selected), user, "view_registry")
        totals = list(results.values("main_category").annotate(n=Count("id"), amount=Sum("total_benefit")).order_by("main_category"))
        for row in totals:
            row["label"] = categories.label(row["main_category"] or "none", lang)
        persons = selectors.persons_by_category(selected, user, lang)
    page = Paginator(runs, 50).get_page(1)
    return render(request, "determination/runs.html", {
        "runs": page, "selected": selected, "totals": totals, "persons": persons, "message": message,
        "persons_total": sum(p["persons"] for p in persons),
        "today": timezone.localdate(), "can_run": user.has_capability("run_determination"),
        "active_jobs": active_for(user, "determination.run"),
    })
