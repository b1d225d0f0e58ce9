"""Screens of the applications app (thin: forms in, services do the work)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.registry import selectors as rselectors

from . import letters, public, selectors, services
from .forms import (
    AppealForm,
    ApplicationForm,
    IntakeForm,
    NewHouseholdForm,
    PublicForm,
    RelativeForm,
    StepForm,
)
from .models import Appeal, Application, Channel, State
from .workflow import DECIDE, OPEN_STATES, PROCESS, TRANSITIONS, VIEW, available


def _error(form: Any, err: Exception) -> int:
    if isinstance(err, services.ApplicationError):
        form.add_error(None, err.message)
        return err.status
    assert isinstance(err, ValidationError)
    if hasattr(err, "error_dict"):
        for field, msgs in err.message_dict.items():
            field = field.removeprefix("head.")
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, err.messages)
    return 400


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    today = timezone.localdate()
    qs = selectors.applications(request.user)
    state = request.GET.get("state", "")
    if state in State.values:
        qs = qs.filter(state=state)
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        qs = qs.filter(channel=channel)
    if request.GET.get("overdue"):
        qs = qs.filter(selectors.overdue_q(today))
    if request.GET.get("related"):
        qs = qs.filter(related_to_staff=True)
    page = Paginator(qs.order_by("-submitted_on", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(a, [selectors.OVERDUE_LABELS[r] for r in selectors.overdue_reasons(a, today)]) for a in page]
    overdue_total = selectors.applications(request.user).filter(selectors.overdue_q(today)).count()
    return render(request, "applications/list.html", {
        "page": page, "rows": rows, "states": State.choices, "channels": Channel.choices, "state": state,
        "channel": channel, "overdue": bool(request.GET.get("overdue")), "overdue_total": overdue_total,
        "pending_intakes": selectors.intakes(request.user)
        .filter(state="pending").count(),
    })


def _application_form_view(request: HttpRequest, household: Any = None) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    hh_form = NewHouseholdForm(request.POST or None, user=request.user, prefix="hh") if household is None else None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and (hh_form is None or hh_form.is_valid()):
            d = form.cleaned_data
            args = {k: d[k] for k in ("channel", "applicant_name", "agent_name", "agent_relation", "hotline_ref",
                                      "reason", "consent_next_tier", "documents", "authorisation_ref",
                                      "declared_relation")}
            try:
                if household is not None:
                    app = services.create_application(actor=request.user, household=household, **args)
                else:
                    h = hh_form.cleaned_data  # type: ignore[union-attr]
                    app = services.create_with_new_household(
                        actor=request.user,
                        household_data={k: h[k] for k in ("village", "area_type", "address", "phone")},
                        head={"name": h["head_name"], "id_number": h["head_id_number"],
                              "work_capacity": h["work_capacity"], "employment": h["employment"]},
                        **args)
                return redirect("applications_detail", pk=app.pk)
            except (services.ApplicationError, ValidationError) as err:
                status = _error(hh_form if isinstance(err, ValidationError) and hh_form is not None else form, err)
    return render(request, "applications/new.html", {"form": form, "hh_form": hh_form, "household": household},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    """The township desk: an application for a household not yet registered."""
    require(request.user, PROCESS)
    return _application_form_view(request)


@login_required
@require_http_methods(["GET", "POST"])
def application_create_for(request: HttpRequest, pk: int) -> HttpResponse:
    """The township desk: an application for a registered household."""
    require(request.user, PROCESS)
    household = rselectors.household_get(request.user, pk)
    return _application_form_view(request, household)


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_scoped_or_404(selectors.applications(request.user), request.user, VIEW, pk=pk)
    steps = [s for s in available(app.state) if request.user.has_capability(s.capability)]  # type: ignore[attr-defined]
    today = timezone.localdate()
    return render(request, "applications/detail.html", {
        "app": app, "steps": steps, "transitions": [
            {"t": t, "action": _step_label(t.action), "from": _state_label(t.from_state), "to": _state_label(t.to_state)}
            for t in app.transitions.all()],
        "calendar_note": _calendar_note(app),
        "opinion_label": {"approve": _("Proposed approval"), "refuse": _("Proposed refusal")}.get(app.opinion, ""),
        "check": app.checks.first(), "visits": app.visits.select_related("staff_1", "staff_2"),
        "objections": app.objections.all(), "appeals": app.appeals.all(),
        "overdue": [selectors.OVERDUE_LABELS[r] for r in selectors.overdue_reasons(app, today)],
        "notice": services.notice_entry(app) if app.notice_start else None,
        "documents": [(k, v, k in app.documents) for k, v in services.DOCUMENTS.items()],
        "missing": [services.DOCUMENTS[d] for d in app.missing_notice_items if d in services.DOCUMENTS],
        "appeal_form": AppealForm(), "can_process": request.user.has_capability(PROCESS),  # type: ignore[attr-defined]
        "can_decide": request.user.has_capability(DECIDE),  # type: ignore[attr-defined]
    })


def _calendar_note(app: Any) -> str:
    """Say so when a deadline falls in a year whose holiday calendar is provisional or missing."""
    cal = services.calendar()
    days = (app.due_on, app.opinion_due_on, app.objection_due_on, app.decision_due_on, app.letter_due_on)
    years = sorted({d.year for d in days if d is not None and cal.status(d.year) != "official"})
    if not years:
        return ""
    return _("Deadlines in %(years)s are computed on a provisional holiday calendar; check them against the "
             "official arrangement.") % {"years": "、".join(str(y) for y in years)}


def _step_label(action: str) -> str:
    step = TRANSITIONS.get(action)
    return str(step.label) if step else str(_("Submitted"))


def _state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else ""


@login_required
@require_http_methods(["GET", "POST"])
def application_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    step = TRANSITIONS.get(action)
    if step is None:
        raise Http404
    app = get_scoped_or_404(selectors.applications(request.user), request.user, step.capability, pk=pk)
    form = StepForm(request.POST or None, action=action, application=app, initial={"version": app.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.act(actor=request.user, application=app, action=action,
                             expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
                             data=form.data_for_service())
                return redirect("applications_detail", pk=app.pk)
            except services.ApplicationError as err:
                status = _error(form, err)
    result = None
    if action in ("opinion", "approve", "refuse") and request.method == "GET":
        try:
            result = services.assess(app.household, timezone.localdate())
        except services.ApplicationError as err:  # shown, not raised: the determination explains itself
            result = {"error": {"message_zh": err.message}}
    return render(request, "applications/step.html", {"app": app, "step": step, "form": form, "result": result},
                  status=status)


@login_required
def application_letter(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_scoped_or_404(selectors.applications(request.user), request.user, VIEW, pk=pk)
    try:
        pdf = letters.decision_letter(app)
    except letters.LetterError as err:
        return render(request, "applications/message.html", {"app": app, "message": str(err)}, status=409)
    audit("applications.letter", actor=request.user, object_type="application", object_id=app.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="decision-{app.number}.pdf"'
    return response


@login_required
def application_notice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable notice of one application (the same whitelist as the public page)."""
    app = get_scoped_or_404(selectors.applications(request.user), request.user, VIEW, pk=pk)
    if not app.notice_start:
        return render(request, "applications/message.html",
                      {"app": app, "message": _("This application has not been published.")}, status=409)
    return render(request, "applications/notice.html", {
        "entries": [services.notice_entry(app)], "village": app.village, "printing": True})


@login_required
@require_POST
def application_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_scoped_or_404(selectors.applications(request.user), request.user, PROCESS, pk=pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_record(actor=request.user, application=app, kind=form.cleaned_data["kind"],
                                   grounds=form.cleaned_data["grounds"])
            return redirect("applications_detail", pk=app.pk)
        except services.ApplicationError as err:
            form.add_error(None, err.message)
    return render(request, "applications/message.html",
                  {"app": app, "message": " ".join(str(e) for e in form.errors.values())}, status=400)


@login_required
@require_POST
def appeal_conclude(request: HttpRequest, pk: int) -> HttpResponse:
    """The county concludes a request for review (upheld / overturned, with reasons)."""
    appeal = get_scoped_or_404(Appeal.objects.select_related("application"), request.user, DECIDE, pk=pk)
    try:
        services.appeal_conclude(actor=request.user, appeal=appeal, outcome=request.POST.get("outcome", ""),
                                 text=request.POST.get("text", ""))
    except services.ApplicationError as err:
        return render(request, "applications/message.html", {"app": appeal.application, "message": err.message},
                      status=400)
    return redirect("applications_detail", pk=appeal.application_id)


@login_required
def intake_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    page = Paginator(selectors.intakes(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "applications/intakes.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def intake_detail(request: HttpRequest, pk: int) -> HttpResponse:
    intake = get_scoped_or_404(selectors.intakes(request.user), request.user, PROCESS, pk=pk)
    form = IntakeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "accept":
                    app = public.accept(actor=request.user, intake=intake)
                    return redirect("applications_detail", pk=app.pk)
                public.reject(actor=request.user, intake=intake, note=form.cleaned_data["note"])
                return redirect("applications_intakes")
            except (services.ApplicationError, ValidationError) as err:
                status = _error(form, err)
    existing = rselectors.households_for(request.user).filter(
        members__id_number_index=intake.id_number_index).first()
    return render(request, "applications/intake.html", {"intake": intake, "form": form, "existing": existing},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def relative_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    form = RelativeForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        require(request.user, PROCESS)
        status = 400
        if form.is_valid():
            try:
                services.staff_relative_add(actor=request.user, **form.cleaned_data)
                return redirect("applications_relatives")
            except ValidationError as err:
                status = _error(form, err)
    flagged = selectors.applications(request.user).filter(related_to_staff=True)[:200]
    return render(request, "applications/relatives.html", {
        "form": form, "relatives": selectors.relatives(request.user)[:500], "flagged": flagged,
        "can_process": request.user.has_capability(PROCESS)}, status=status)  # type: ignore[attr-defined]


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    today = timezone.localdate()
    qs = selectors.reviews(request.user).filter(done_on__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "applications/reviews.html", {"page": page, "today": today})


@login_required
@require_POST
def review_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_scoped_or_404(selectors.reviews(request.user), request.user, PROCESS, pk=pk)
    try:
        services.review_done(actor=request.user, task=task, note=request.POST.get("note", ""))
    except services.ApplicationError as err:
        return render(request, "applications/message.html", {"message": err.message}, status=400)
    return redirect("applications_reviews")


# ------------------------------------------------------------------ public (no login)

def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


@require_http_methods(["GET", "POST"])
def public_apply(request: HttpRequest) -> HttpResponse:
    """The resident's form: mobile-friendly, no login; creates a pending intake only."""
    if request.method == "GET":
        form = PublicForm(initial={"token": public.issue_token()})
        return render(request, "applications/public_apply.html", {"form": form})
    form = PublicForm(request.POST)
    data = {k: request.POST.get(k, "") for k in form.fields}
    try:
        intake = public.submit(ip=_ip(request), token=data.pop("token"), honeypot=data.pop("website"), data=data)
    except public.Refused as err:
        form = PublicForm(request.POST)
        form.is_valid()
        form.add_error(None, err.message)
        return render(request, "applications/public_apply.html", {"form": _renew(form)}, status=err.status)
    except ValidationError as err:
        form.is_valid()
        _error(form, err)
        return render(request, "applications/public_apply.html", {"form": _renew(form)}, status=400)
    return render(request, "applications/public_done.html", {"intake": intake})


def _renew(form: PublicForm) -> PublicForm:
    """A fresh token on a form shown again (the old one may have expired)."""
    data = form.data.copy()
    data["token"] = public.issue_token()
    new = PublicForm(data)
    new.is_valid()
    for field, errors in form.errors.items():
        for e in errors:
            new.add_error(field if field != "__all__" else None, e)
    return new


def public_notice(request: HttpRequest, village: str) -> HttpResponse:
    """公示 of one village: only the whitelisted fields, only during the notice period."""
    region = Region.objects.filter(code=village, level="village").first()
    if region is None:
        raise Http404
    return render(request, "applications/notice.html", {
        "entries": services.current_notices(region), "village": region, "printing": False})


def household_section(request: HttpRequest, household: Any) -> dict[str, Any] | None:
    """The applications of a household, on its page (for users who may see applications)."""
    user: Any = request.user
    if not user.has_capability(VIEW):
        return None
    apps = list(Application.objects.filter(household=household).order_by("-submitted_on", "-id")[:20])
    can_apply = user.has_capability(PROCESS) and not any(a.state in OPEN_STATES for a in apps)
    return {"applications": apps, "can_apply": can_apply}
