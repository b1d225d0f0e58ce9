"""Core screens: home, accounts console (system and security administrators), audit log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import services
from .audit import audit
from .auth import LockoutAuthenticationForm
from .choices import Department, Role
from .hooks import home_sections
from .models import AuditEvent, Region, User
from .scoping import require


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # The apps built on core fill the page (the registry's household counts, …): core.hooks.
    return render(request, "core/home.html", {"sections": home_sections(request)})


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = forms.CharField(label=_("Region code"), required=False)
    department = forms.ChoiceField(label=_("Department"), choices=[("", "—")] + Department.choices, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
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
                services.user_create(
                    actor=user, username=d["username"], password=d["password"], role=d["role"],
                    region=_region(d["region"]), department=d["department"], full_name=d["full_name"],
                )
                return redirect("user_list")
            except ValidationError as err:
                for field, msgs in err.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
    users = User.objects.select_related("region").order_by("username")
    return render(request, "core/user_list.html", {"users": users, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    require(actor, "manage_roles")
    target = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST or None, initial={"role": target.role, "region": target.region_id or "", "department": target.department})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.user_set_role(actor=actor, target=target, role=d["role"], region=_region(d["region"]), department=d["department"])
                return redirect("user_list")
            except ValidationError as err:
                for field, msgs in err.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
    return render(request, "core/user_role.html", {"form": form, "target": target}, status=status)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_capability("read_audit"):
        audit("audit.read", outcome="denied")
        raise PermissionDenied
    qs = AuditEvent.objects.all()
    event = request.GET.get("event", "")
    if event:
        qs = qs.filter(event=event)
    audit("audit.read", event_filter=event)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "event": event})
