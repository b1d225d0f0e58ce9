"""API: the programme matrix and one household's programmes (given, missing, duplicates)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.apps.core.requests import AuthedAPIRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404
from jiuzhu.apps.registry.models import Household

from .matching import household_matches
from .selectors import LISTS, matrix_rows


class ProgrammesView(APIView):
    """The programme matrix (实施意见 §15–§26) with the parameter values in force."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: AuthedAPIRequest) -> Response:
        if not any(request.user.has_capability(c) for c in LISTS):
            raise PermissionDenied(LISTS[0])
        out: list[dict[str, Any]] = []
        for r in matrix_rows():
            p = r["p"]
            out.append({"key": p.key, "label_zh": p.label_zh, "label_en": p.label_en, "department": p.department,
                        "clause": p.clause, "who": r["who"], "gives": p.gives, "trigger": p.trigger,
                        "amount": p.amount_zh, "without_application": r["auto"], "switched_off": r["off"],
                        "legal_ref": p.legal_ref})
        return Response({"programmes": out})


class HouseholdProgrammesView(APIView):
    """What a household's members qualify for, already have, miss, and possible duplicates."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        household = get_scoped_or_404(Household.objects.all(), request.user, "view_assistance", pk=pk)
        data = household_matches(household)
        uids = dict(household.members.values_list("id", "uid"))
        rows = [{"member": str(uids[r["member_id"]]) if r["member_id"] else None, "programme": r["programme"],
                 "department": r["department"], "status": str(r["status"]), "reason": r["reason"]}
                for r in data["rows"]]
        return Response({"household": household.code, "as_of": data["as_of"].isoformat(),
                         "categories": data["categories"], "programmes": rows,
                         "on_event": [p.key for p in data["on_event"]]})
