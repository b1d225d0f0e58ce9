"""Double-random inspection screens: draws, the drawn cases and their findings, the public result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import region_in_scope, require
from jiuzhu.pii.masking import mask_name
from jiuzhu.rules.determination.categories import CATEGORIES, label, labels

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def draw_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require(user, selectors.CAP)
    today = timezone.localdate()
    form = {"name": "", "county": user.region_id if user.region and user.region.level == "county" else "",
            "period_from": (today - dt.timedelta(days=90)).isoformat(), "period_to": today.isoformat(),
            "category": "", "count": "10", "public_input": "", "published_days": "30"}
    error = ""
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        try:
            d = services.draw_create(
                actor=user, name=form["name"] or "双随机抽查", county=Region.objects.get(code=form["county"]),
                period_from=dt.date.fromisoformat(form["period_from"]), period_to=dt.date.fromisoformat(form["period_to"]),
                category=form["category"] if form["category"] in CATEGORIES else "", count=int(form["count"]),
                public_input=form["public_input"] or form["name"], published_days=int(form["published_days"] or 30))
        except (ValueError, Region.DoesNotExist):
            error = _("Check the county, the dates and the numbers.")
        except RefusedError as err:
            error = err.message
        else:
            return redirect("supervision_draw", pk=d.pk)
    counties = Region.objects.filter(level="county", valid_to__isnull=True)
    if user.region.level != "province":
        counties = counties.filter(code__in=[r.code for r in counties if region_in_scope(user, r.code)][:200])
    return render(request, "supervision/draws.html", {
        "draws": selectors.draws(user)[:100], "form": form, "error": error, "counties": counties[:200],
        "categories": [(c, label(c)) for c in CATEGORIES]}, status=400 if error else 200)


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    d = selectors.draw(user, pk)
    return render(request, "supervision/draw.html", {
        "draw": d, "cases": selectors.cases(user, d), "verified": services.draw_verify(d),
        "category_label": label(d.category) if d.category else "", "error": request.GET.get("error", "")})


@login_required
@require_POST
def inspection_step(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    case = selectors.case(user, pk)
    try:
        services.inspection_step(actor=user, case=case, action=request.POST.get("action", ""),
                                 version=int(request.POST.get("version") or 0), finding=request.POST.get("finding", ""),
                                 correction=request.POST.get("correction", ""))
    except RefusedError as err:
        return render(request, "supervision/refused.html", {"message": err.message, "draw": case.draw},
                      status=getattr(err, "status", 400))
    return redirect("supervision_draw", pk=case.draw_id)


def public_result(request: HttpRequest, uid: str) -> HttpResponse:
    """双随机一公开: what was inspected and the outcome, masked; gone after the publication period."""
    d = selectors.published(uid)
    rows = []
    for c in d.cases.select_related("application", "village", "township", "inspector").order_by("id"):
        rows.append({"township": c.township.name, "village": c.village.name,
                     "applicant": mask_name(c.application.applicant_name),
                     "categories": "、".join(labels(c.application.decision_categories or [], short=True)),
                     "inspector": mask_name(c.inspector.get_full_name() or c.inspector.username) if c.inspector else "",
                     "outcome": c.get_state_display()})
    return render(request, "supervision/public.html", {"draw": d, "rows": rows,
                                                       "category_label": label(d.category) if d.category else ""})
