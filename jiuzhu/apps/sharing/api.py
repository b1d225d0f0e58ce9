"""Department API: the catalogue's people and the exact-ID low-income query."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.api.pagination import ClampedPagination
from jiuzhu.api.serializers import StrictSerializer
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.privacy.config import purposes
from jiuzhu.apps.privacy.volume import charge, listing_purpose
from jiuzhu.rules.text import normalise_text

from . import selectors, services


class QueryRequestSerializer(StrictSerializer):
    id_number = serializers.CharField(max_length=40, allow_blank=True, help_text="The full ID number (18 characters, or 15 digits). "
                                      "Exact match only: partial numbers and wildcards are refused.")
    purpose = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                    help_text="Purpose of the query (required where the catalogue shares it conditionally)")

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and "id_number" in data and not isinstance(data["id_number"], str):
            # A number means a spreadsheet or program already converted it and may have changed digits (U1).
            raise ValidationError({"id_number": ["身份证号须为文本格式（18位） / The ID number must be sent as text."]})
        return super().to_internal_value(data)


class QueryAnswerSerializer(serializers.Serializer):
    in_low_income_population = serializers.BooleanField()
    category = serializers.CharField(allow_null=True)
    category_label = serializers.CharField(allow_null=True)
    since = serializers.DateField(allow_null=True)
    county = serializers.CharField(allow_null=True, help_text="County code")


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _purpose(request: Request) -> str:
    """A configured purpose code, or "" (ADR 0025)."""
    purpose = normalise_text(request.query_params.get("purpose", ""))[:40]
    return purpose if purpose in purposes() else ""


class SharedPeopleView(APIView):
    """The people your department's sharing catalogue allows, with the catalogue's fields only."""

    @extend_schema(
        operation_id="sharing_people_list",
        parameters=[
            OpenApiParameter("county", str, description="6-digit county code"),
            OpenApiParameter("category", str, description="Low-income category code"),
            OpenApiParameter("purpose", str, required=True,
                             description="Purpose code (a configured one; 403 lists them), recorded"),
            OpenApiParameter("conditional", bool,
                             description="1: add the conditionally shared items (e.g. the full ID number)"),
            OpenApiParameter("page", int), OpenApiParameter("page_size", int, description="At most 100 (CONFIG)"),
        ],
        responses={200: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        selectors.entry_of(request.user)
        purpose = listing_purpose(request, "api-sharing-people")
        county = request.query_params.get("county", "")
        category = request.query_params.get("category", "")
        qs = selectors.people_for(request.user, county=county if county.isdigit() else "", category=category)
        paginator = ClampedPagination()
        page = paginator.paginate_queryset(qs, request, view=self) or []
        charge(request.user, endpoint="api-sharing-people", rows=len(page), purpose=purpose)
        # Every listing states its purpose; the conditionally shared items come only when asked for.
        wanted = purpose if request.query_params.get("conditional") in ("1", "true") else ""
        rows = [_plain(r) for r in selectors.rows(request.user, page, purpose=wanted)]
        services.audit_people_access(request.user, action="api_people", rows=len(rows), purpose=purpose,
                                     county=county, category=category, conditional=bool(wanted))
        return paginator.get_paginated_response(rows)


class SharedPersonView(APIView):
    """One person of your department's catalogue; anyone else answers 404."""

    @extend_schema(operation_id="sharing_person_retrieve", parameters=[OpenApiParameter("purpose", str)],
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, uid: str) -> Response:
        member = selectors.person_get(request.user, uid)
        purpose = _purpose(request)
        row = _plain(next(selectors.rows(request.user, [member], purpose=purpose)))
        services.audit_people_access(request.user, action="api_person", rows=1, purpose=purpose, person=row["ref"])
        return Response(row)


class LowIncomeQueryView(APIView):
    """Is this person in the low-income population, in which category, since when (exact ID, rate-limited, audited)."""

    @extend_schema(operation_id="sharing_query", request=QueryRequestSerializer,
                   responses={200: QueryAnswerSerializer, 400: OpenApiTypes.OBJECT, 429: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        require(request.user, services.QUERY)
        ser = QueryRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            answer = services.low_income_query(actor=request.user, id_number=ser.validated_data["id_number"],
                                               purpose=ser.validated_data.get("purpose", ""))
        except services.RateLimited as err:
            return Response({"detail": err.message}, status=429, headers={"Retry-After": str(err.retry_after)})
        except DjangoValidationError as err:
            raise ValidationError(err.message_dict if hasattr(err, "error_dict") else err.messages) from err
        return Response(answer)
