"""Exchange screens: upload a department file, list and inspect batches, download the error report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.jobs.answers import refused
from jiuzhu.apps.jobs.services import JobRefused
from jiuzhu.engine.exchange import UI_LIMITS
from jiuzhu.rules.exchange.sources import DEPARTMENTS

from . import freshness, jobs, selectors, services
from .choices import OutboxState
from .forms import UploadForm
from .models import ImportBatch, OutboxMessage


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload one file for one source; the outcome is the batch page."""
    require(request.user, services.UPLOAD)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "exchange/upload.html", {"form": form}, status=400)
        f = form.cleaned_data["file"]
        if jobs.in_background(f.size):  # a large file: imported by the worker, the answer is the job's page
            try:
                queued = jobs.queue_import(request.user, form.cleaned_data["source"], f.file, f.name, "ui")
            except JobRefused as err:
                return refused(request, err)
            if isinstance(queued, ImportBatch):
                return redirect(reverse("exchange_batch_detail", args=[queued.pk]) + "?duplicate=1")
            return redirect("job_detail", queued.pk)
        result = services.batch_import(request.user, form.cleaned_data["source"], f.file, f.name, "ui",
                                       limits=UI_LIMITS)
        url = reverse("exchange_batch_detail", args=[result.batch.pk])
        return redirect(url if result.created else f"{url}?duplicate=1")
    return render(request, "exchange/upload.html", {"form": form})


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.batches_for(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_upload = request.user.has_capability(services.UPLOAD)
    return render(request, "exchange/batch_list.html", {"page": page, "can_upload": can_upload,
                                                        "can_outbox": can_see_outbox(request.user)})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, pk)
    return render(request, "exchange/batch_detail.html", {
        "batch": batch, "duplicate": request.GET.get("duplicate") == "1",
        "has_report": services.report_path(batch) is not None,
    })


@login_required
def batch_report(request: HttpRequest, pk: int) -> Any:
    """The row-error report (XLSX, values masked); the download is audited."""
    batch = selectors.batch_get(request.user, pk)
    path = services.report_path(batch)
    if path is None or not path.exists():
        raise Http404
    audit("exchange.report_downloaded", actor=request.user, object_type="import_batch",
          object_id=batch.pk)
    return FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115 - closed by the response
                        filename=f"errors-{batch.source}-{batch.pk}.xlsx",
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# Who sees the outbox page (with view_exchange): province-level users and counties; the
# auditor reads it, only the province and county operators retry (services.outbox_retry).
OUTBOX_VIEW_ROLES = frozenset({*services.OUTBOX_OPERATOR_ROLES, Role.AUDITOR})


def can_see_outbox(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_capability(services.VIEW) and user.role in OUTBOX_VIEW_ROLES)


@login_required
def sources(request: HttpRequest) -> HttpResponse:
    """The data-source page: per feed its schedule, last import, rows, errors and lateness."""
    feeds = freshness.feed_status(request.user)
    return render(request, "exchange/sources.html", {
        "feeds": feeds, "late": sum(1 for f in feeds if f.status != "ok"),
        "can_upload": request.user.has_capability(services.UPLOAD), "can_outbox": can_see_outbox(request.user),
    })


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """Operators' view of the outbox: counts per state and department, messages given up on."""
    require(request.user, services.VIEW)
    if request.user.role not in OUTBOX_VIEW_ROLES:
        raise Http404
    counts = {s: 0 for s in OutboxState.values}
    for row in OutboxMessage.objects.values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    by_department = list(OutboxMessage.objects.values("department", "state").annotate(n=Count("id"))
                         .order_by("department", "state"))
    for row in by_department:
        row["department_label"] = DEPARTMENTS.get(row["department"], row["department"])
        row["state_label"] = OutboxState(row["state"]).label if row["state"] in OutboxState.values else row["state"]
    dead = OutboxMessage.objects.filter(state=OutboxState.DEAD).order_by("-id")[:100]
    waiting = OutboxMessage.objects.filter(state=OutboxState.PENDING, attempts__gt=0).order_by("next_attempt_at")[:50]
    return render(request, "exchange/outbox.html", {
        "counts": [(OutboxState(s).label, s, n) for s, n in counts.items()], "by_department": by_department,
        "dead": dead, "waiting": waiting, "can_retry": request.user.role in services.OUTBOX_OPERATOR_ROLES,
        "can_upload": request.user.has_capability(services.UPLOAD), "can_outbox": True,
    })


@login_required
@require_http_methods(["POST"])
def outbox_retry(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.outbox_retry(request.user, pk)
    except ValidationError as err:
        messages.error(request, " ".join(err.messages))
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("exchange_outbox")
