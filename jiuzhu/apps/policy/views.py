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

from jiuzhu.apps.core.hooks import revision_sections
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.requests import AuthedRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404, require, scoped
from jiuzhu.apps.core.vocabulary import all_labels
from jiuzhu.rules.params import ParameterError
from jiuzhu.rules.params.display import (
    TOPICS,
    legal_reference,
    parameter_choices,
    show_value,
    topic_of,
)
from jiuzhu.rules.params.regions import region_name

from . import services
from .models import ParameterRevision, RevisionStatus
from .selectors import current_parameters

CAP = "edit_parameters"


class RevisionForm(forms.Form):
    path = forms.ChoiceField(label=_("Parameter"))
    region = forms.ChoiceField(label=_("Region"))
    area = forms.ChoiceField(label=_("Urban or rural"), choices=[("all", "—"), ("urban", _("urban")), ("rural", _("rural"))], required=False)
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.CharField(label=_("Value"), max_length=200)
    reference = forms.CharField(label=_("Legal reference"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Chosen by name, grouped by topic; the code stays the submitted value.
        self.fields["path"].choices = parameter_choices(  # type: ignore[attr-defined]  # a ChoiceField
            current_parameters().nodes, en=(get_language() or "").startswith("en"))
        self.fields["region"].choices = [(r.code, r.name) for r in _regions_for(user)] if user else []  # type: ignore[attr-defined]  # a ChoiceField


def _region_code(user: Any) -> str:
    return str(user.region_id or "360000")


def _regions_for(user: Any) -> list[Region]:
    """The regions whose parameters the user may look at or revise, by name: the province, the user's
    city and the cities and counties within the user's own region."""
    own = str(user.region_id or "360000")
    prefix = own[:2] if own.endswith("0000") else own[:4] if own.endswith("00") else own
    qs = Region.objects.filter(level__in=("province", "city", "county"), valid_to__isnull=True)
    return [r for r in qs.order_by("code")
            if r.code in ("360000", own[:4] + "00") or (r.code.startswith(prefix) and r.level != "province")]


def _shown(node: Any, resolved: Any, labels: dict[str, str]) -> dict[str, Any]:
    return {"value": show_value(resolved.value, node.kind, node.unit, labels),
            "unit": "" if node.unit == "比例" else node.unit, "ref": legal_reference(resolved.ref),
            "region": region_label(resolved.region)}


def region_label(code: str) -> str:
    try:
        return region_name(code)
    except Exception:  # noqa: BLE001 - a code the shipped table lacks is shown as it is
        return code


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    """Every parameter as it stands on a date for a region, grouped by topic, in words, with its legal
    reference (issue 13 item 10)."""
    require(request.user, CAP)
    region = request.GET.get("region") or _region_code(request.user)
    on_raw = request.GET.get("on", "")
    try:
        on = dt.date.fromisoformat(on_raw) if on_raw else timezone.localdate()
    except ValueError:
        on = timezone.localdate()
    params = current_parameters()
    labels = all_labels()
    groups: dict[str, list[dict[str, Any]]] = {key: [] for key, _title in TOPICS}
    local: list[dict[str, Any]] = []
    for path in sorted(params.nodes):
        node = params.nodes[path]
        for area in (("urban", "rural") if node.by_area else ("all",)):
            try:
                resolved = params.resolve(path, region, area if area != "all" else "urban", on)
                row = {"node": node, "area": area, "r": resolved, "error": "", **_shown(node, resolved, labels)}
                if node.local:
                    # local choices that change categories, listed first (issue 15 item 6)
                    local.append(row)
            except ParameterError as err:
                row = {"node": node, "area": area, "r": None, "error": err.message_zh}
            groups[topic_of(path)].append(row)
    topics = [{"key": key, "title": title, "rows": groups[key]} for key, title in TOPICS if groups[key]]
    return render(request, "policy/parameter_list.html", {
        "topics": topics, "local": local, "region": region, "region_name": region_label(region), "on": on,
        "version": params.version, "regions": _regions_for(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def revision_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, CAP)
    form = RevisionForm(request.POST or None, initial={"region": _region_code(request.user)}, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                rev = services.revision_create(
                    actor=request.user, path=d["path"], region=d["region"], area=d["area"] or "all",
                    effective_from=d["effective_from"], value=d["value"], reference=d["reference"], note=d["note"],
                )
                return redirect("revision_detail", pk=rev.pk)  # where its effect is shown once worked out
            except ValidationError as err:
                for field, msgs in err.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
    revisions = list(scoped(ParameterRevision.objects.select_related("region", "created_by", "decided_by"),
                            request.user, CAP)[:200])
    nodes, labels = current_parameters().nodes, all_labels()
    rows = []
    for r in revisions:
        node = nodes.get(r.path)
        rows.append({"r": r, "label": node.label_zh if node else r.path,
                     "value": show_value(r.value, node.kind, node.unit, labels) if node else r.value,
                     "unit": "" if node is None or node.unit == "比例" else node.unit})
    return render(request, "policy/revision_list.html", {"form": form, "rows": rows}, status=status)


@login_required
def revision_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One revision as its reviewer reads it before deciding: the value now and the new one, and the
    sections other apps add (its effect on the registry, from the reports app's what-if); approving
    asks for confirmation, with the effect in the question (issue 13 item 10)."""
    revision = get_scoped_or_404(ParameterRevision.objects.select_related("region", "created_by", "decided_by"),
                                 request.user, CAP, pk=pk)
    params, labels = current_parameters(), all_labels()
    node = params.nodes.get(revision.path)
    now = ""
    if node is not None:
        try:
            resolved = params.resolve(revision.path, revision.region_id,
                                      revision.area if revision.area != "all" else "urban", revision.effective_from)
            now = show_value(resolved.value, node.kind, node.unit, labels)
        except ParameterError:
            now = ""
    extras = revision_sections(request, revision)
    return render(request, "policy/revision_detail.html", {
        "r": revision, "label": node.label_zh if node else revision.path,
        "value": show_value(revision.value, node.kind, node.unit, labels) if node else revision.value,
        "now": now, "unit": "" if node is None or node.unit == "比例" else node.unit,
        "can_decide": revision.status == RevisionStatus.DRAFT and revision.created_by_id != request.user.pk,
        "sections": extras.sections, "confirm_notes": " ".join(extras.confirm_notes), "pending": extras.pending,
    })


@login_required
@require_POST
def revision_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    revision = get_scoped_or_404(ParameterRevision.objects.all(), request.user, CAP, pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return render(request, "policy/revision_error.html", {"errors": [_("Choose approve or reject.")]}, status=400)
    approve = decision == "approve"
    try:
        services.revision_decide(actor=request.user, revision=revision, approve=approve, note=request.POST.get("note", ""))
    except ValidationError as err:
        return render(request, "policy/revision_error.html", {"errors": err.messages}, status=400)
    return redirect("revision_detail", pk=revision.pk)
