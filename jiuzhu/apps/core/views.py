"""Core screens: home, accounts console (system and security administrators), audit log."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import otp, services
from .audit import audit
from .audit_labels import EVENTS, OBJECTS, OUTCOMES, detail_items, event_label, region_codes
from .auth import LockoutAuthenticationForm
from .choices import Department, Role
from .hooks import home_panels, home_sections
from .models import AuditEvent, Region, User
from .requests import AuthedRequest
from .scoping import require


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # The apps built on core fill the page (the registry's household counts, …): core.hooks.
    return render(request, "core/home.html", {"panels": home_panels(request), "sections": home_sections(request)})


class UserCreateForm(forms.Form):
    """The system administrator's form: no role here (the security administrator assigns it)."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput,
                               help_text=_("To be changed by the holder at the first login."))


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("New initial password"), widget=forms.PasswordInput)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("No role"))] + Role.choices, required=False)
    region = forms.CharField(label=_("Region code"), required=False)
    department = forms.ChoiceField(label=_("Department"), choices=[("", "—")] + Department.choices, required=False)


def _region(code: str) -> Region | None:
    return Region.objects.filter(code=code).first() if code else None


@login_required
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not (user.has_capability("manage_accounts") or user.has_capability("manage_roles")):
        audit("user.list", outcome="denied")
        raise PermissionDenied
    form = UserCreateForm(request.POST or None) if user.has_capability("manage_accounts") else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.user_create(actor=user, username=d["username"], password=d["password"],
                                     full_name=d["full_name"])
                messages.success(request, _("Account created without a role; the security administrator assigns one after the holder's first login."))
                return redirect("user_list")
            except ValidationError as err:
                _form_errors(form, err)
    users = list(User.objects.select_related("region").order_by("username"))
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    for u in users:
        u.otp_enrolled = u.pk in enrolled  # type: ignore[attr-defined]
    return render(request, "core/user_list.html", {"users": users, "form": form}, status=status)


def _form_errors(form: forms.Form, err: ValidationError) -> None:
    if hasattr(err, "error_dict"):
        for field, msgs in err.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, err.messages)


@login_required
@require_http_methods(["GET", "POST"])
def user_role(request: AuthedRequest, pk: int) -> HttpResponse:
    actor: User = request.user
    require(actor, "manage_roles")
    target = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST or None, initial={"role": target.role, "region": target.region_id or "", "department": target.department})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.user_set_role(actor=actor, target=target, role=d["role"], region=_region(d["region"]),
                                       department=d["department"])
                return redirect("user_list")
            except ValidationError as err:
                _form_errors(form, err)
            except PermissionDenied as err:
                form.add_error(None, str(err))
                status = 403
    return render(request, "core/user_role.html", {"form": form, "target": target}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_password_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    """The system administrator gives an account a new initial password."""
    actor: User = request.user
    require(actor, "manage_accounts")
    target = get_object_or_404(User, pk=pk)
    form = PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.user_reset_password(actor=actor, target=target, password=form.cleaned_data["password"])
                messages.success(request, _("New initial password set; the holder changes it at the next login."))
                return redirect("user_list")
            except ValidationError as err:
                _form_errors(form, err)
            except PermissionDenied as err:
                form.add_error(None, str(err))
                status = 403
    return render(request, "core/user_action.html", {"form": form, "target": target,
                                                     "title": _("Reset password")}, status=status)


@login_required
@require_POST
def user_active(request: AuthedRequest, pk: int) -> HttpResponse:
    actor: User = request.user
    require(actor, "manage_accounts")
    target = get_object_or_404(User, pk=pk)
    try:
        services.user_set_active(actor=actor, target=target, active=request.POST.get("active") == "1")
    except PermissionDenied as err:
        messages.error(request, str(err))
        return render(request, "core/user_action.html", {"target": target, "title": _("Enable or disable"),
                                                         "error": str(err)}, status=403)
    return redirect("user_list")


@login_required
@require_POST
def user_otp_reset(request: AuthedRequest, pk: int) -> HttpResponse:
    actor: User = request.user
    require(actor, "manage_roles")
    target = get_object_or_404(User, pk=pk)
    try:
        services.user_otp_reset(actor=actor, target=target)
    except PermissionDenied as err:
        return render(request, "core/user_action.html", {"target": target, "title": _("Reset two-factor login"),
                                                         "error": str(err)}, status=403)
    messages.success(request, _("Two-factor login reset; the holder enrols again at the next login."))
    return redirect("user_list")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_capability("read_audit"):
        audit("audit.read", outcome="denied")
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    event = request.GET.get("event", "")
    kind = request.GET.get("kind", "")
    if event:
        qs = qs.filter(event=event)
    if kind == "security":
        qs = qs.filter(outcome__in=["denied", "alert", "locked", "failed"])
    elif kind == "reads":
        qs = qs.filter(event="record.read")
    elif kind == "":
        qs = qs.exclude(event="record.read")  # reads are many; shown on their own
    audit("audit.read", event_filter=event, kind=kind)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    roles = dict(Role.choices)
    codes = region_codes(e.detail for e in page)
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    rows = [{"e": e, "event": event_label(e.event, e.object_type), "outcome": OUTCOMES.get(e.outcome, e.outcome),
             "role": roles.get(e.role, e.role), "object": OBJECTS.get(e.object_type, e.object_type),
             "details": detail_items(e.event, e.object_type, e.detail, regions)} for e in page]
    events = sorted(((code, str(text)) for code, text in EVENTS.items()), key=lambda pair: pair[1])
    return render(request, "core/audit_log.html", {"page": page, "rows": rows, "event": event, "kind": kind,
                                                   "events": events})


# ---- the account holder's own pages: two-factor, password ----------------------------------------

class OtpForm(forms.Form):
    token = forms.CharField(label=_("One-time code"), max_length=16, widget=forms.TextInput(
        attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))


def _next(request: HttpRequest) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    user: Any = request.user
    if user.is_verified():
        return redirect(_next(request))
    if otp.totp_device(user) is None:
        return redirect(f"{reverse('otp_enrol')}?{urlencode({'next': _next(request)})}")
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and otp.otp_verify(request, form.cleaned_data["token"]):
            return redirect(_next(request))
        form.add_error("token", _("Wrong or expired code, or the account is locked. Try again."))
    return render(request, "core/otp_verify.html", {"form": form, "next": _next(request),
                                                    "demo": settings.DEMO_MODE}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First login (or after a reset): scan the QR code, confirm with a code, get recovery codes."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user: Any = request.user
    if otp.totp_device(user) is not None:
        # Enrolled already: a new device only after the security administrator's reset.
        return redirect(f"{reverse('otp_verify')}?{urlencode({'next': _next(request)})}")
    form = OtpForm(request.POST or None)
    status = 200
    device = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(pk=request.POST.get("device") or 0, user=user, confirmed=False).first()
        if device is not None and form.is_valid():
            codes = otp.enrolment_confirm(request, device, form.cleaned_data["token"])
            if codes is not None:
                return render(request, "core/otp_enrol.html", {"codes": codes, "next": _next(request)})
        form.add_error("token", _("Wrong or expired code. Scan the code again and enter the new code."))
        status = 400
    if device is None:
        device = otp.enrolment_start(user)
    return render(request, "core/otp_enrol.html", {
        "form": form, "device": device, "qr": otp.qr_data_uri(device), "secret": otp.secret_base32(device),
        "next": _next(request)}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm

    user: Any = request.user
    form = PasswordChangeForm(user, request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.user_change_password(user=user, password=form.cleaned_data["new_password1"])
            except ValidationError as err:
                form.add_error("new_password1", err.message_dict.get("password", err.messages))
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Password changed."))
                return redirect("home")
    reason = "first" if user.must_change_password else ("expired" if services.password_expired(user) else "")
    return render(request, "core/password_change.html", {"form": form, "reason": reason}, status=status)


def household_reads_section(request: Any, household: Any) -> dict[str, Any] | None:
    """The household page's 查阅记录 section (holders of view_access_log)."""
    user = request.user
    if not user.has_capability("view_access_log"):
        return None
    qs = AuditEvent.objects.filter(event="record.read", object_type="household", object_id=str(household.pk))
    reads = list(qs.order_by("-id")[:20])
    roles = dict(Role.choices)
    pages = {"household_detail": _("Household page"), "household_history": _("Change history"),
             "household_determination": _("Determination sheet"), "member_edit": _("Member form"),
             "member_chain": _("Person's assistance chain"), "api-household-detail": _("API: household"),
             "api-household-chain": _("API: assistance chain"),
             "api-household-determination": _("API: determination"), "api-member-detail": _("API: member")}
    for r in reads:
        r.role_label = roles.get(r.role, r.role)  # type: ignore[attr-defined]
        r.page_label = pages.get(r.detail.get("view", ""), r.detail.get("view", ""))  # type: ignore[attr-defined]
    return {"reads": reads, "total": qs.count()}
