"""GET /api/jobs/ and /api/jobs/<id>/: the jobs in the caller's scope (the URL a 202 answer points to)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors
from .answers import job_url
from .choices import JobState


class JobListView(APIView):
    """The 100 latest jobs in scope; ``?state=`` filters."""

    @extend_schema(operation_id="jobs_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        qs = selectors.jobs_for(request.user)
        state = request.query_params.get("state", "")
        if state in JobState.values:
            qs = qs.filter(state=state)
        return Response({"results": [selectors.job_json(j, job_url(request, j)) for j in qs[:100]]})


class JobDetailView(APIView):
    @extend_schema(operation_id="jobs_retrieve", responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        job = selectors.job_get(request.user, pk)
        return Response(selectors.job_json(job, job_url(request, job)))
