"""How a screen or an API view answers when it starts a job — the public entry for other apps.

Other apps may not import the jobs app's pages or API (the dependency contract, ADR 0012), so the
two answers live here: ``started(request, start)`` for a screen (a redirect to the job's page, or to
the running job's page with the refusal as a message) and ``accepted(request, job)`` for an API
(202 with the job as JSON and its URL in ``Location``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from rest_framework.response import Response

from . import selectors, services
from .models import Job


def refused_message(err: Any) -> str:
    return err.message_en if (get_language() or "").startswith("en") else err.message_zh


def started(request: HttpRequest, start: Any) -> HttpResponse:
    """For the screens that start a job: call *start* (→ Job); redirect to the job's page, or to the
    running job's page with the refusal as a message.  The caller never waits for the work."""
    try:
        job = start()
    except services.JobRefused as err:
        return refused(request, err)
    return redirect("job_detail", job.pk)


def refused(request: HttpRequest, err: services.JobRefused) -> HttpResponse:
    """A start that was refused: the message, and the page of the job in the way when the user may see it."""
    messages.error(request, refused_message(err))
    if err.job is not None and selectors.jobs_for(request.user).filter(pk=err.job.pk).exists():
        return redirect("job_detail", err.job.pk)
    return redirect(request.get_full_path())


def job_url(request: Any, job: Job) -> str:
    return request.build_absolute_uri(reverse("api-job-detail", args=[job.pk]))


def accepted(request: Any, job: Job) -> Response:
    """202 Accepted for an API call that started a job: the job (as JSON) and where to follow it."""
    url = job_url(request, job)
    response = Response(selectors.job_json(job, url), status=202)
    response["Location"] = url
    return response
