"""Export screens: ask for an export (purpose), the requests list, approve or refuse, download once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.errors import RefusedError

from . import services
from .config import approval_rows, purpose_label
from .exports import get_kind, may_request
from .forms import DecisionForm, ExportRequestForm
from .models import ExportState

# Who takes part in exports at all (asks for one, or approves); anyone else is refused (403).
PARTICIPATE = ("export_registry", "view_share", "view_assistance", "approve_exports")


def _require_part(user: Any) -> None:
    if not (user.is_authenticated and any(user.has_capability(c) for c in PARTICIPATE)):
        raise PermissionDenied("exports")


def _message(err: RefusedError) -> str:
    return err.message_en if (get_language() or "").startswith("en") else err.message_zh


@login_required
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest, kind: str) -> HttpResponse:
    """Ask for an export: what it holds (the filters of the page it came from), how many rows, why."""
    export = get_kind(kind)
    if export is None:
        raise Http404
    if not may_request(request.user, export):
        raise PermissionDenied(kind)
    # The filters come with the link from the list (query string) and back with the form (hidden fields).
    query = {**request.GET.dict(), **(request.POST.dict() if request.method == "POST" else {})}
    params = export.filters(request.user, query)
    form = ExportRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                req = services.export_request(actor=request.user, kind_key=kind, query=params,
                                              purpose=form.cleaned_data["purpose"], note=form.cleaned_data["note"])
                return redirect("privacy_export", uid=req.uid)
            except ValidationError as err:
                for field, msgs in (err.message_dict.items() if hasattr(err, "error_dict") else [(None, err.messages)]):
                    form.add_error(field if field in form.fields else None, msgs)
    rows = export.count(request.user, params)
    return render(request, "privacy/export_new.html", {
        "export": export, "params": params, "described": export.describe(params), "rows": rows,
        "cap": approval_rows(), "form": form}, status=status)


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """My export requests, and the requests waiting for my approval."""
    _require_part(request.user)
    qs = services.visible_requests(request.user)
    waiting = qs.filter(services.approver_q(request.user), state=ExportState.PENDING)
    page = Paginator(qs.order_by("-requested_at", "-id"), 50).get_page(request.GET.get("page"))
    waiting_list = list(waiting[:100])
    for r in [*page, *waiting_list]:
        kind = get_kind(r.kind)
        r.kind_label = kind.label if kind else r.kind  # type: ignore[attr-defined]
    return render(request, "privacy/export_list.html", {"page": page, "waiting": waiting_list})


@login_required
def export_detail(request: HttpRequest, uid: str) -> HttpResponse:
    _require_part(request.user)
    req = services.export_get(request.user, uid)
    kind = get_kind(req.kind)
    return render(request, "privacy/export_detail.html", {
        "req": req, "kind": kind, "described": kind.describe(req.params) if kind else "",
        "purpose": purpose_label(req.purpose), "own": req.requested_by_id == request.user.pk,
        "can_decide": services.can_decide(request.user, req) and req.state == ExportState.PENDING,
        "form": DecisionForm()})


@login_required
@require_POST
def export_decide(request: HttpRequest, uid: str) -> HttpResponse:
    _require_part(request.user)
    services.export_get(request.user, uid)  # 404 before anything else for a request one may not see
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/error.html", {"error": _bad_action(), "uid": uid}, status=400)
    try:
        services.export_decide(actor=request.user, uid=uid, action=form.cleaned_data["action"],
                               note=form.cleaned_data["note"])
    except ValidationError as err:
        return render(request, "privacy/error.html", {"error": " ".join(err.messages), "uid": uid}, status=400)
    except RefusedError as err:
        return render(request, "privacy/error.html", {"error": _message(err), "uid": uid}, status=409)
    return redirect("privacy_export", uid=uid)


def _bad_action() -> str:
    from django.utils.translation import gettext as _

    return _("Choose to approve, refuse or withdraw.")


@login_required
def export_download(request: HttpRequest, uid: str) -> HttpResponse:
    """The file, produced now, once, for the requester; its SM3 and row count are audited at the end."""
    _require_part(request.user)
    try:
        req, kind = services.export_claim(actor=request.user, uid=uid)
    except RefusedError as err:
        return render(request, "privacy/error.html", {"error": _message(err), "uid": uid}, status=409)
    response = StreamingHttpResponse(services.export_stream(req, kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.filename}"'
    response["Cache-Control"] = "no-store"
    return response
