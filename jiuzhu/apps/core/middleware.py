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


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise.

    Django's LocaleMiddleware follows the browser's Accept-Language, which on
    many office machines says English; the platform is Chinese first, so only
    an explicit choice (the language cookie set by the switch) changes it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
