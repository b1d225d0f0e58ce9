"""Per-request context (user, IP, request id) for the audit log."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_local = threading.local()


def current_request() -> HttpRequest | None:
    return getattr(_local, "request", None)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        _local.request = request
        try:
            response = self.get_response(request)
        finally:
            _local.request = None
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
