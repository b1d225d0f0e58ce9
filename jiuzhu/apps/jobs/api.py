"""GET /api/jobs/ and /api/jobs/<id>/: the jobs in the caller's scope (the URL a 202 answer points to)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .choices import JobState
from .models import Job


def job_url(request: Any, job: Job) -> str:
    return request.build_absolute_uri(reverse("api-job-detail", args=[job.pk]))


def accepted(request: Any, job: Job) -> Response:
    """202 Accepted for an API call that started a job: the job (as JSON) and where to follow it."""
    url = job_url(request, job)
    response = Response(selectors.job_json(job, url), status=202)
    response["Location"] = url
    return response


class JobListView(APIView):
    """The 100 latest jobs in scope; ``?state=`` filters."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        qs = selectors.jobs_for(request.user)
        state = request.query_params.get("state", "")
        if state in JobState.values:
            qs = qs.filter(state=state)
        return Response({"results": [selectors.job_json(j, job_url(request, j)) for j in qs[:100]]})


class JobDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        job = selectors.job_get(request.user, pk)
        return Response(selectors.job_json(job, job_url(request, job)))
