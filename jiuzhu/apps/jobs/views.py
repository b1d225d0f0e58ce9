"""任务 screens: the jobs in the user's scope, a job with live progress (htmx), cancel and retry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.scoping import require

from . import selectors, services
from .answers import refused_message
from .choices import JobState
from .context import config
from .files import export_path
from .kinds import KINDS
from .models import Job


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.jobs_for(request.user)
    state, kind = request.GET.get("state", ""), request.GET.get("kind", "")
    if state in JobState.values:
        qs = qs.filter(state=state)
    if kind in KINDS:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [(job, selectors.progress(job)) for job in page]
    kinds = [KINDS[k] for k in selectors.visible_kinds(request.user)]
    query = "&".join(f"{k}={v}" for k, v in (("state", state), ("kind", kind)) if v)
    return render(request, "jobs/list.html", {"page": page, "rows": rows, "states": JobState.choices,
                                              "kinds": kinds, "state": state, "kind": kind, "query": query})


def _detail_context(request: HttpRequest, job: Job) -> dict[str, Any]:
    return {"job": job, "p": selectors.progress(job), "can_steer": selectors.can_steer(request.user, job),
            "keep_hours": int(config("file_keep_hours")),
            "result_link": selectors.result_link(job), "result_lines": selectors.result_lines(job),
            "params_lines": selectors.params_lines(job)}


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.job_get(request.user, pk)
    return render(request, "jobs/detail.html", _detail_context(request, job))


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the job page (polled by htmx while the job is queued or running)."""
    job = selectors.job_get(request.user, pk)
    response = render(request, "jobs/_progress.html", _detail_context(request, job))
    if not job.is_active and request.htmx:  # type: ignore[attr-defined]
        # Finished: reload the whole page once (result, log, buttons).
        response["HX-Refresh"] = "true"
    return response


def _steerable(request: HttpRequest, pk: int) -> Job:
    """The job, if the user may cancel/retry its kind (403) and see it (404) — capability first, as everywhere."""
    require(request.user, selectors.VIEW)
    kind = Job.objects.filter(pk=pk).values_list("kind", flat=True).first()
    if kind is None or kind not in KINDS:
        raise Http404
    require(request.user, KINDS[kind].start_cap)
    return selectors.job_get(request.user, pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _steerable(request, pk)
    try:
        services.job_cancel(actor=request.user, job=job)
    except services.JobRefused as err:
        messages.error(request, refused_message(err))
    return redirect("job_detail", job.pk)


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _steerable(request, pk)
    try:
        services.job_retry(actor=request.user, job=job)
    except services.JobRefused as err:
        messages.error(request, refused_message(err))
    return redirect("job_detail", job.pk)


@login_required
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The file a job produced (a large export), for the user who started it only; audited."""
    job = selectors.job_get(request.user, pk)
    if job.started_by_id != request.user.pk or job.state != JobState.DONE or not job.result.get("file"):
        raise Http404
    path = export_path(str(job.result["file"]))
    if path is None:
        messages.error(request, refused_message(services.JobRefused(
            "expired", "导出文件已过保存期限并已删除，请重新导出。", "The file has expired and was deleted; export again.")))
        return redirect("job_detail", job.pk)
    audit("jobs.file_downloaded", actor=request.user, object_type="job", object_id=job.pk, kind=job.kind,
          rows=job.result.get("rows"), sm3=job.result.get("sm3", ""))
    return FileResponse(path.open("rb"), as_attachment=True, filename=str(job.result.get("filename") or path.name),
                        content_type=str(job.result.get("content_type") or "application/octet-stream"))
