"""Assistance screens: the programme matrix, the department's list, the household section, payrolls."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.requests import AuthedRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.determination.selectors import page_determination
from jiuzhu.apps.jobs.answers import started
from jiuzhu.apps.jobs.selectors import active_for
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.registry.models import Household
from jiuzhu.pii.masking import mask_name
from jiuzhu.rules.programmes import PROGRAMMES

from . import adjustment as adjust
from . import payroll as pay
from . import selectors
from .freshness import freshness
from .matching import household_matches
from .models import (
    Enrolment,
    EnrolmentState,
    MatchRun,
    MatchStatus,
    Payroll,
)
from .selectors import LISTS, PAY, VIEW
from .services import EntitlementError, decline_enrolment, grant_temporary


def _message(err: Any) -> str:
    return err.message_en if (get_language() or "").startswith("en") else err.message_zh


def _error(request: HttpRequest, err: Any, back: str) -> HttpResponse:
    return render(request, "assistance/error.html", {"error": _message(err), "back": back}, status=400)


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    selectors.require_any(request.user, LISTS)
    return render(request, "assistance/programmes.html", {"rows": selectors.matrix_rows()})


@login_required
def department_list(request: AuthedRequest) -> HttpResponse:
    """The people a department has to serve: missing (omissions) and enrolled without application."""
    selectors.require_any(request.user, LISTS)
    status = request.GET.get("status") or "missing"
    department = request.GET.get("department", "")
    programme = request.GET.get("programme", "")
    qs = selectors.match_list(request.user, status=status, department=department, programme=programme)
    masked = request.user.role == Role.DEPARTMENT
    labels = {p.key: p.label_zh for p in PROGRAMMES}
    if request.GET.get("format") == "csv":
        # A bulk export of personal data: asked for with a purpose, approved above the cap (ADR 0025).
        query = request.GET.copy()
        query.pop("format")
        target = reverse("privacy_export_new", kwargs={"kind": "assistance.people"})
        return redirect(f"{target}?{query.urlencode()}" if query else target)
    page = Paginator(qs.order_by("household__code", "programme", "id"), 50).get_page(request.GET.get("page"))
    for m in page:
        name = m.member.name if m.member else ""
        m.shown_name = mask_name(name) if masked and name else name  # type: ignore[attr-defined]
        m.label = labels.get(m.programme, m.programme)  # type: ignore[attr-defined]
    return render(request, "assistance/department_list.html", {
        "page": page, "status": status, "statuses": MatchStatus.choices, "department": department,
        "departments": sorted({p.department for p in PROGRAMMES if p.department}),
        "programme": programme, "programmes": PROGRAMMES, "is_department": masked,
        "query": request.GET.urlencode(), "fresh": freshness()})


def household_section(request: AuthedRequest, household: Any) -> dict[str, Any] | None:
    """The household page section: programmes qualified for, given, missing, duplicates, enrolments."""
    user = request.user
    if not user.has_capability(VIEW):
        return None
    # On the household page, the determination its summary made now (saves determining twice).
    det = page_determination(request, household)
    categories = list(det["categories"]) if det is not None and "categories" in det else None
    data = household_matches(household, categories=categories)
    labels = {p.key: p for p in PROGRAMMES}
    names = {m["id"]: m["name"] for m in data["members"].values()}
    rows = []
    for r in data["rows"]:
        p = labels.get(r["programme"])
        rows.append({**r, "label": p.label_zh if p else r["programme"],
                     "department_label": p.department_zh if p else r["department"],
                     "member_name": names.get(r["member_id"], "") if r["member_id"] else "",
                     "status_label": MatchStatus(r["status"]).label})
    return {
        "matches": rows, "match_source": data["source"], "match_categories": data["categories"],
        "on_event": data["on_event"], "as_of": data["as_of"],
        "missing_count": sum(1 for r in rows if r["status"] == MatchStatus.MISSING),
        "enrolments": selectors.enrolments(household),
        "entitlements": selectors.active_entitlements(household),
        "can_decline": user.has_capability("process_applications"),
        "household_members": [{"id": k, "name": v} for k, v in names.items()],
    }


@login_required
def enrolment_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    """The printable notice (告知书) of an enrolment without application."""
    e = get_scoped_or_404(Enrolment.objects.select_related("member", "household__county"), request.user, VIEW, pk=pk)
    audit("assistance.notice_viewed", actor=request.user, object_type="household", object_id=e.household_id,
          notice=e.notice_no)
    return render(request, "assistance/notice.html", {"e": e})


@login_required
@require_POST
def enrolment_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    e = get_scoped_or_404(Enrolment.objects.all(), request.user, "process_applications", pk=pk)
    back = reverse("household_detail", args=[e.household_id])
    try:
        decline_enrolment(actor=request.user, enrolment=e, reason=request.POST.get("reason", ""))
    except EntitlementError as err:
        return _error(request, err, back)
    return redirect(back + "#assistance-matches")


@login_required
@require_POST
def temporary_grant(request: AuthedRequest, pk: int) -> HttpResponse:
    """临时救助 from the household page: small amounts by the township, more by the county."""

    household = get_scoped_or_404(Household.objects.all(), request.user, "process_applications", pk=pk)
    back = reverse("household_detail", args=[household.pk])
    member = household.members.filter(pk=request.POST.get("member") or 0).first()
    try:
        amount = Decimal(request.POST.get("amount", "").strip())
    except InvalidOperation:
        amount = Decimal("-1")
    if member is None or amount <= 0:
        err = EntitlementError("input", "请选择成员并填写金额", "Choose the member and give the amount")
        return _error(request, err, back)
    try:
        grant_temporary(actor=request.user, member=member, amount=amount, kind=request.POST.get("kind", ""),
                        reason=request.POST.get("reason", ""), on=timezone.localdate())
    except EntitlementError as err:
        return _error(request, err, back)
    except PermissionDenied:
        err = EntitlementError("route", "超过乡镇先行救助限额，须由县级审批", "Above the township's limit: the county decides")
        return _error(request, err, back)
    return redirect(back + "#assistance-matches")


# --- payrolls -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payroll_list(request: AuthedRequest) -> HttpResponse:
    require(request.user, VIEW if request.method == "GET" else PAY)
    if request.method == "POST":
        county, month = request.POST.get("county", ""), request.POST.get("month", "")
        try:
            when = dt.date.fromisoformat(f"{month}-01") if len(month) == 7 else dt.date.fromisoformat(month)
        except ValueError:
            err = pay.PayrollError("month", "请选择发放月份（如 2026-12）", "Choose the month (e.g. 2026-12)")
            return _error(request, err, reverse("assistance_payrolls"))
        if county not in {c.code for c in selectors.counties_for(request.user)}:
            err = pay.PayrollError("county", "请选择您管辖范围内的县（市、区）", "Choose a county within your region")
            return _error(request, err, reverse("assistance_payrolls"))
        # Generated by the job worker; the answer is the job's page, which links to the payroll when done.
        return started(request, lambda: job_start(actor=request.user, kind="assistance.payroll", region_code=county,
                                                  params={"county": county, "month": f"{when:%Y-%m}"}))
    page = Paginator(selectors.payrolls_for(request.user), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "assistance/payroll_list.html", {
        "page": page, "can_pay": request.user.has_capability(PAY),
        "active_jobs": active_for(request.user, "assistance.payroll"),
        "counties": selectors.counties_for(request.user) if request.user.has_capability(PAY) else [],
        "next_month": f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"})


def _payroll(request: HttpRequest, pk: int, cap: str) -> Payroll:
    return selectors.payroll_get(request.user, pk, cap)


@login_required
def payroll_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _payroll(request, pk, VIEW)
    show = request.GET.get("show", "changes")
    page = Paginator(selectors.payroll_lines(p, show), 100).get_page(request.GET.get("page"))
    return render(request, "assistance/payroll_detail.html", {
        "payroll": p, "page": page, "show": show, "totals": selectors.totals(Payroll.objects.filter(pk=p.pk)),
        "can_pay": request.user.has_capability(PAY)})


@login_required
@require_POST
def payroll_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _payroll(request, pk, PAY)
    try:
        pay.approve_payroll(actor=request.user, payroll=p)
    except pay.PayrollError as err:
        return _error(request, err, reverse("assistance_payroll_detail", args=[p.pk]))
    return redirect("assistance_payroll_detail", p.pk)


@login_required
@require_POST
def payroll_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _payroll(request, pk, PAY)
    try:
        pay.discard_payroll(actor=request.user, payroll=p)
    except pay.PayrollError as err:
        return _error(request, err, reverse("assistance_payroll_detail", args=[p.pk]))
    return redirect("assistance_payrolls")


@login_required
def payroll_export(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _payroll(request, pk, PAY)
    try:
        content, name, ctype = pay.export_bank_file(actor=request.user, payroll=p,
                                                    fmt=request.GET.get("format", "csv"))
    except pay.PayrollError as err:
        return _error(request, err, reverse("assistance_payroll_detail", args=[p.pk]))
    response = HttpResponse(content, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def payroll_return(request: AuthedRequest, pk: int) -> HttpResponse:
    p = _payroll(request, pk, PAY)
    back = reverse("assistance_payroll_detail", args=[p.pk])
    f = request.FILES.get("file")
    if f is None:
        return _error(request, pay.PayrollError("file", "请选择银行回盘文件", "Choose the bank's return file"), back)
    if f.size > 50 * 1024 * 1024:
        return _error(request, pay.PayrollError("file", "文件过大", "The file is too large"), back)
    try:
        pay.reconcile(actor=request.user, payroll=p, content=f.read(), filename=f.name or "return.csv")
    except pay.PayrollError as err:
        return _error(request, err, back)
    return redirect(back + "?show=all")


@login_required
@require_http_methods(["GET", "POST"])
def matching(request: AuthedRequest) -> HttpResponse:
    """Batch matching of the registry against the programme matrix: its runs; the province starts one (a job)."""
    require(request.user, VIEW if request.method == "GET" else "run_determination")
    if request.method == "POST":
        today = timezone.localdate().isoformat()
        return started(request, lambda: job_start(actor=request.user, kind="assistance.matching",
                                                  params={"as_of": today, "county": None, "determination_run": None}))
    runs = MatchRun.objects.select_related("job", "determination_run")[:30]
    return render(request, "assistance/matching.html", {
        "runs": runs, "can_run": request.user.has_capability("run_determination"),
        "active_jobs": active_for(request.user, "assistance.matching")})


# --- 调标 (standard adjustment) ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def adjustment_list(request: AuthedRequest) -> HttpResponse:
    """The 调标 runs of the region; a county caseworker starts one by hand (a job)."""
    require(request.user, VIEW if request.method == "GET" else PAY)
    back = reverse("assistance_adjustments")
    if request.method == "POST":
        county, month = request.POST.get("county", ""), request.POST.get("month", "")
        try:
            when = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            return _error(request, adjust.AdjustmentError("month", "请选择生效月份（如 2027-01）",
                                                          "Choose the effective month (e.g. 2027-01)"), back)
        if county not in {c.code for c in selectors.counties_for(request.user)}:
            return _error(request, adjust.AdjustmentError("county", "请选择您管辖范围内的县（市、区）",
                                                          "Choose a county within your region"), back)
        return started(request, lambda: adjust.adjustment_start(actor=request.user, county=county, month=when,
                                                                trigger="手工发起"))
    page = Paginator(selectors.adjustments_for(request.user), 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(request, "assistance/adjustment_list.html", {
        "page": page, "can_pay": request.user.has_capability(PAY),
        "active_jobs": active_for(request.user, adjust.KIND),
        "counties": selectors.counties_for(request.user) if request.user.has_capability(PAY) else [],
        "next_month": f"{today.year + today.month // 12}-{today.month % 12 + 1:02d}"})


@login_required
def adjustment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    adj = selectors.adjustment_get(request.user, pk, VIEW)
    page = Paginator(selectors.adjustment_lines(adj), 100).get_page(request.GET.get("page"))
    return render(request, "assistance/adjustment_detail.html", {
        "adj": adj, "page": page, "can_pay": request.user.has_capability(PAY)})


@login_required
@require_POST
def adjustment_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    adj = selectors.adjustment_get(request.user, pk, PAY)
    back = reverse("assistance_adjustment_detail", args=[adj.pk])
    try:
        if request.POST.get("decision") == "reject":
            adjust.adjustment_reject(actor=request.user, adjustment=adj, note=request.POST.get("note", ""))
        else:
            adjust.adjustment_approve(actor=request.user, adjustment=adj, note=request.POST.get("note", ""))
    except adjust.AdjustmentError as err:
        return _error(request, err, back)
    return redirect(back)


@login_required
def payroll_totals(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    return render(request, "assistance/totals.html", {"rows": selectors.totals(selectors.payrolls_for(request.user))})


__all__ = ["EnrolmentState"]
