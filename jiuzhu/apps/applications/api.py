"""REST API: list, detail and one workflow step (same services as the screens)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api.pagination import ClampedPagination
from jiuzhu.api.serializers import StrictSerializer
from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.requests import AuthedAPIRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404, require

from . import selectors, services
from .models import State
from .workflow import PROCESS, TRANSITIONS, VIEW


class TransitionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    on = serializers.DateField()
    at = serializers.DateTimeField()
    actor_username = serializers.CharField()
    reason = serializers.CharField()
    household_version = serializers.IntegerField()
    parameter_version = serializers.CharField()


class ApplicationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    household = serializers.IntegerField(source="household_id")
    household_code = serializers.CharField(source="household.code")
    village = serializers.CharField(source="village_id")
    channel = serializers.CharField()
    state = serializers.CharField()
    version = serializers.IntegerField()
    related_to_staff = serializers.BooleanField()
    submitted_on = serializers.DateField()
    accepted_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    extended = serializers.BooleanField()
    opinion = serializers.CharField()
    notice_start = serializers.DateField(allow_null=True)
    notice_end = serializers.DateField(allow_null=True)
    decided_on = serializers.DateField(allow_null=True)
    decision_categories = serializers.ListField(child=serializers.CharField())
    decision_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    letter_due_on = serializers.DateField(allow_null=True)
    letter_sent_on = serializers.DateField(allow_null=True)


class ApplicationDetailSerializer(ApplicationSerializer):
    decision_reasons = serializers.ListField(child=serializers.DictField())
    transitions = TransitionSerializer(many=True)


class StepRequestSerializer(StrictSerializer):
    action = serializers.ChoiceField(choices=sorted(TRANSITIONS))
    version = serializers.IntegerField(help_text="The application version you saw (409 if stale)")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    data = serializers.DictField(required=False, help_text="Step data, e.g. {\"proposal\": \"approve\"}")


class ApplicationListView(APIView):
    """Applications in your region, newest first; filter by state or overdue."""

    @extend_schema(
        operation_id="applications_list",
        responses=ApplicationSerializer(many=True),
        parameters=[OpenApiParameter("state", str, enum=State.values, required=False),
                    OpenApiParameter("overdue", bool, required=False)],
    )
    def get(self, request: Request) -> Response:
        require(request.user, VIEW)
        qs = selectors.applications(request.user).order_by("-submitted_on", "-id")
        state = request.query_params.get("state", "")
        if state:
            qs = qs.filter(state=state)
        if request.query_params.get("overdue") in ("1", "true"):
            qs = qs.filter(selectors.overdue_q(timezone.localdate()))
        pager = ClampedPagination()
        page = pager.paginate_queryset(qs, request)
        return pager.get_paginated_response(ApplicationSerializer(page, many=True).data)


class ApplicationDetailView(APIView):
    """One application in your region, with its decision and every step taken."""

    @extend_schema(operation_id="applications_retrieve", responses=ApplicationDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        app = get_scoped_or_404(selectors.applications(request.user), request.user, VIEW, pk=pk)
        return Response(ApplicationDetailSerializer(app).data)


class ApplicationTransitionView(APIView):
    """Take one workflow step; 400 with a message when the step is illegal, 409 on a stale version."""

    @extend_schema(operation_id="applications_transition_create", request=StepRequestSerializer,
                   responses={200: ApplicationDetailSerializer})
    def post(self, request: AuthedAPIRequest, pk: int) -> Response:
        app = get_scoped_or_404(selectors.applications(request.user), request.user, PROCESS, pk=pk)
        body = StepRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        v: dict[str, Any] = body.validated_data
        require(request.user, TRANSITIONS[v["action"]].capability)
        try:
            app = services.act(actor=request.user, application=app, action=v["action"], expected_version=v["version"],
                               reason=v.get("reason", ""), data=v.get("data") or {})
        except (services.ApplicationError, ConflictError) as err:
            return Response({"code": err.code, "detail": err.message}, status=err.status)
        return Response(ApplicationDetailSerializer(app).data, status=status.HTTP_200_OK)
