"""Request gates: the second factor, forced password changes, the absolute session limit
(AccountGateMiddleware); read records, refusals and no-store (AccessAuditMiddleware)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from .audit import audit
from .hooks import READ_AUDITS
from .otp import otp_required, totp_device
from .refusals import record_refusal
from .services import password_expired

# Reachable with a session that has passed the password but not the second factor.
OTP_PAGES = frozenset({"otp_verify", "otp_enrol", "logout", "login", "set_language"})
# Reachable while a password change is due (after the second factor).
PASSWORD_PAGES = OTP_PAGES | {"password_change"}
# What browsers ask for on their own: a 404 there is no probe.
NOT_PROBES = ("/favicon.ico", "/robots.txt", "/apple-touch-icon", "/.well-known/", "/static/")


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _refuse_api(code: str, zh: str, en: str) -> JsonResponse:
    return JsonResponse({"code": code, "message_zh": zh, "message_en": en}, status=401)


class AccountGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> HttpResponse | None:
        user: Any = request.user
        if not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.url_name if match else ""
        if name == "api-schema" or request.path.startswith("/static/"):
            return None
        login_at = request.session.get("jiuzhu_login_at")
        if login_at is not None and timezone.now().timestamp() - float(login_at) > settings.JIUZHU_SESSION_ABSOLUTE_SECONDS:
            audit("auth.session_expired", actor=user, reason="absolute_limit")
            logout(request)
            if _api(request):
                return _refuse_api("session_expired", "会话已过期，请重新登录", "Session expired; log in again")
            return redirect(f"{_url('login')}?{urlencode({'next': request.get_full_path()})}")
        if otp_required(user) and not user.is_verified():
            if name in OTP_PAGES:
                return None
            if _api(request):
                # RELIABILITY Z11: a session between the password and the second factor is not logged in.
                return _refuse_api("otp_required", "请先完成双因素认证", "Two-factor authentication required")
            target = "otp_verify" if totp_device(user) is not None else "otp_enrol"
            return redirect(f"{_url(target)}?{urlencode({'next': request.get_full_path()})}")
        if user.must_change_password or password_expired(user):
            if name in PASSWORD_PAGES:
                return None
            if _api(request):
                return _refuse_api("password_change_required", "请先修改密码", "Change your password first")
            return redirect(_url("password_change"))
        return None


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


class AccessAuditMiddleware:
    """After the view: a read record for household/member pages, refusals counted, no-store."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            status = response.status_code
            match = request.resolver_match
            if status in (403, 404) and not request.path.startswith(NOT_PROBES):
                record_refusal(user, request.path, request.method or "", status)
            elif status == 200 and request.method == "GET" and match is not None and match.url_name in READ_AUDITS:
                spec = READ_AUDITS[match.url_name]
                household, detail = spec.resolve(match.kwargs.get(spec.kwarg))
                if household is not None:
                    audit("record.read", actor=user, object_type="household", object_id=household,
                          view=match.url_name, **detail)
        # Pages and API answers may carry personal data: never kept by browsers or proxies — unless
        # the view declared its own caching (the public region lists of /apply/ hold no personal data).
        if not request.path.startswith("/static/") and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
