"""Parameter screens: the values in force for one's region, and revisions (draft → approve)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.scoping import get_scoped_or_404, require, scoped
from jiuzhu.rules.params import ParameterError

from . import services
from .models import ParameterRevision
from .selectors import current_parameters

CAP = "edit_parameters"


class RevisionForm(forms.Form):
    path = forms.ChoiceField(label=_("Parameter"))
    region = forms.CharField(label=_("Region code"), max_length=6)
    area = forms.ChoiceField(label=_("Urban or rural"), choices=[("all", "—"), ("urban", _("urban")), ("rural", _("rural"))], required=False)
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.CharField(label=_("Value"), max_length=200)
    reference = forms.CharField(label=_("Legal reference"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        en = (get_language() or "").startswith("en")
        nodes = current_parameters().nodes
        self.fields["path"].choices = [
            (p, f"{p} — {nodes[p].label_en if en else nodes[p].label_zh}") for p in sorted(nodes)
        ]


def _region_code(user: Any) -> str:
    return str(user.region_id or "360000")


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    """Every parameter as it stands today for the user's region (county, or the city/province default)."""
    require(request.user, CAP)
    region = request.GET.get("region") or _region_code(request.user)
    on_raw = request.GET.get("on", "")
    try:
        on = dt.date.fromisoformat(on_raw) if on_raw else timezone.localdate()
    except ValueError:
        on = timezone.localdate()
    params = current_parameters()
    rows = []
    local: list[dict[str, Any]] = []
    for path in sorted(params.nodes):
        node = params.nodes[path]
        for area in (("urban", "rural") if node.by_area else ("all",)):
            try:
                resolved = params.resolve(path, region, area if area != "all" else "urban", on)
                rows.append({"node": node, "area": area, "r": resolved, "error": ""})
                if node.local:
                    # local choices that change categories, listed first (issue 15 item 6)
                    local.append(rows[-1])
            except ParameterError as err:
                rows.append({"node": node, "area": area, "r": None, "error": err.message_zh})
    return render(request, "policy/parameter_list.html", {
        "rows": rows, "local": local, "region": region, "on": on, "version": params.version,
    })


@login_required
@require_http_methods(["GET", "POST"])
def revision_list(request: HttpRequest) -> HttpResponse:
    require(request.user, CAP)
    form = RevisionForm(request.POST or None, initial={"region": _region_code(request.user)})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.revision_create(
                    actor=request.user, path=d["path"], region=d["region"], area=d["area"] or "all",
                    effective_from=d["effective_from"], value=d["value"], reference=d["reference"], note=d["note"],
                )
                return redirect("revision_list")
            except ValidationError as err:
                for field, msgs in err.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
    revisions = scoped(ParameterRevision.objects.select_related("region", "created_by", "decided_by"), request.user, CAP)
    return render(request, "policy/revision_list.html", {"form": form, "revisions": revisions[:200]}, status=status)


@login_required
@require_POST
def revision_decide(request: HttpRequest, pk: int) -> HttpResponse:
    revision = get_scoped_or_404(ParameterRevision.objects.all(), request.user, CAP, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return render(request, "policy/revision_error.html", {"errors": [_("Choose approve or reject.")]}, status=400)
    approve = decision == "approve"
    try:
        services.revision_decide(actor=request.user, revision=revision, approve=approve, note=request.POST.get("note", ""))
    except ValidationError as err:
        return render(request, "policy/revision_error.html", {"errors": err.messages}, status=400)
    return redirect("revision_list")
