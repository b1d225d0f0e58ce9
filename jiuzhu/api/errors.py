"""API errors: Django ValidationError → 400 with field messages; conflicts → 409; too big → 413."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from jiuzhu.apps.core.errors import ConflictError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        body = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    payload = getattr(exc, "payload", None)
    if isinstance(exc, APIException) and isinstance(payload, dict):
        # A refusal that carries typed fields (numbers, lists) beside its message: answered as is.
        wait = getattr(exc, "wait", None)
        return Response(payload, status=exc.status_code, headers={"Retry-After": str(wait)} if wait else None)
    if isinstance(exc, RequestDataTooBig):
        # Django refuses the body before our parser sees it (DRF reads request.body for JSON);
        # answer as JSON with 413, like the parser's own limit, not Django's HTML 400 page (A3).
        return Response(
            {"detail": "请求体过大 / Request body too large", "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    return drf_handler(exc, context)
