"""Determination API.

- ``POST /api/determine/``: one household in the interchange format → categories, benefits, explanation;
- ``GET /api/households/<id>/determination/``: a registered household in your region, determined now.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry import selectors as registry
from jiuzhu.engine.determination.single import determine_household
from jiuzhu.rules.determination.household import HouseholdError
from jiuzhu.rules.params import ParameterError

from .services import determine_one


class DetermineView(APIView):
    """Determine one household given in the interchange format (docs/schemas/household.schema.json).

    Nothing is stored.  `as_of` (query or body) defaults to today; `explain=false` omits the explanation.
    """

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("as_of", str, description="YYYY-MM-DD"),
            OpenApiParameter("explain", bool, description="include the explanation (default true)"),
        ],
        examples=[OpenApiExample("household", value={
            "household_id": "H1", "county_code": "360124", "area_type": "rural",
            "members": [{"member_id": "A", "birth_date": "1958-03-01", "relation": "head", "work_capacity": "none"}],
            "income_items": [{"member_id": "A", "income_type": "transfer", "subtype": "alimony", "amount": "2400.00",
                              "period_start": "2025-11-01", "period_end": "2026-10-31"}],
        })],
    )
    def post(self, request: Request) -> Response:
        body: Any = request.data
        raw = request.query_params.get("as_of") or (body.get("as_of") if isinstance(body, dict) else None)
        try:
            as_of = dt.date.fromisoformat(raw) if raw else dt.date.today()
        except (TypeError, ValueError):
            return Response({"field": "as_of", "code": "date", "message_zh": "日期格式应为 YYYY-MM-DD",
                             "message_en": "as_of must be YYYY-MM-DD"}, status=400)
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "as_of"}
        explain = request.query_params.get("explain", "true").lower() != "false"
        try:
            result = determine_household(body, as_of, current_parameters(), explain=explain)
        except (HouseholdError, ParameterError) as err:
            return Response({"field": getattr(err, "field", None), "code": err.code,
                             "message_zh": err.message_zh, "message_en": err.message_en}, status=400)
        return Response(result)


class HouseholdDeterminationView(APIView):
    """Categories, benefits and the full explanation of a household in your region, computed now."""

    @extend_schema(
        operation_id="households_determination_retrieve",
        parameters=[OpenApiParameter("as_of", str, description="YYYY-MM-DD evaluation date (default today)")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int) -> Response:
        household = registry.household_get(request.user, pk)
        raw = request.query_params.get("as_of")
        try:
            as_of = dt.date.fromisoformat(raw) if raw else None
        except ValueError as err:
            raise ValidationError({"as_of": ["日期格式应为 YYYY-MM-DD / Use YYYY-MM-DD."]}) from err
        try:
            return Response(determine_one(household, as_of))
        except (HouseholdError, ParameterError) as err:
            raise ValidationError({"household": [f"{err.message_zh} / {err.message_en}"]}) from err
