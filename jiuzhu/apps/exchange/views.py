"""Exchange screens: upload a department file, list and inspect batches, download the error report."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.scoping import require
from jiuzhu.engine.exchange import UI_LIMITS

from . import selectors, services
from .forms import UploadForm


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
    return render(request, "exchange/batch_list.html", {"page": page, "can_upload": can_upload})


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
