"""Screens of the applications app (thin: forms in, services do the work)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.clientip import client_ip
from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.requests import AuthedRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.registry import selectors as rselectors

from . import letters, notices, public, regions, selectors, services
from .forms import (
    AppealForm,
    ApplicationForm,
    IntakeForm,
    NewHouseholdForm,
    ObjectionForm,
    PublicForm,
    RelativeForm,
    StatusForm,
    StepForm,
)
from .models import Appeal, Application, Channel, State
from .workflow import DECIDE, OPEN_STATES, PROCESS, TRANSITIONS, VIEW, available


def _error(form: Any, err: Exception) -> int:
    if isinstance(err, (services.ApplicationError, ConflictError)):
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
    if request.GET.get("letter") == "pending":  # decided, written notice not yet sent (home page)
        qs = qs.filter(state__in=(State.APPROVED, State.REFUSED), letter_sent_on__isnull=True)
    page = Paginator(qs.order_by("-submitted_on", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(a, [selectors.OVERDUE_LABELS[r] for r in selectors.overdue_reasons(a, today)]) for a in page]
    overdue_total = selectors.applications(request.user).filter(selectors.overdue_q(today)).count()
    return render(request, "applications/list.html", {
        "page": page, "rows": rows, "states": State.choices, "channels": Channel.choices, "state": state,
        "channel": channel, "overdue": bool(request.GET.get("overdue")), "overdue_total": overdue_total,
        "pending_intakes": selectors.intakes(request.user)
        .filter(state="pending").count(),
    })


def _application_form_view(request: AuthedRequest, household: Any = None) -> HttpResponse:
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
def application_create(request: AuthedRequest) -> HttpResponse:
    """The township desk: an application for a household not yet registered."""
    require(request.user, PROCESS)
    return _application_form_view(request)


@login_required
@require_http_methods(["GET", "POST"])
def application_create_for(request: AuthedRequest, pk: int) -> HttpResponse:
    """The township desk: an application for a registered household."""
    require(request.user, PROCESS)
    household = rselectors.household_get(request.user, pk)
    return _application_form_view(request, household)


@login_required
def application_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    app = get_scoped_or_404(selectors.applications(request.user), request.user, VIEW, pk=pk)
    # Objections are recorded with the form on the page (notices.objection_record), not as a bare step.
    steps = [s for s in available(app.state)
             if request.user.has_capability(s.capability) and s.action != "object"]
    today = timezone.localdate()
    return render(request, "applications/detail.html", {
        "app": app, "steps": steps, "transitions": [
            {"t": t, "action": _step_label(t.action), "from": _state_label(t.from_state), "to": _state_label(t.to_state)}
            for t in app.transitions.all()],
        "calendar_note": _calendar_note(app),
        "opinion_label": {"approve": _("Proposed approval"), "refuse": _("Proposed refusal")}.get(app.opinion, ""),
        "check": app.checks.first(), "visits": app.visits.select_related("staff_1", "staff_2"),
        "objections": app.objections.select_related("recorded_by").order_by("received_on", "pk"),
        "appeals": app.appeals.all(),
        "overdue": [selectors.OVERDUE_LABELS[r] for r in selectors.overdue_reasons(app, today)],
        "notice": notices.notice_entry(app) if app.notice_start else None,
        "boards": notices.boards(app) if app.notice_start else [],
        "objection_form": ObjectionForm(app=app, initial={"version": app.version, "received_on": today})
        if app.state in (State.NOTICE, State.OBJECTION) else None,
        "documents": [(k, v, k in app.documents) for k, v in services.DOCUMENTS.items()],
        "missing": [services.DOCUMENTS[d] for d in app.missing_notice_items if d in services.DOCUMENTS],
        "appeal_form": AppealForm(), "can_process": request.user.has_capability(PROCESS),
        "can_decide": request.user.has_capability(DECIDE),
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
def application_step(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
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
                data = form.data_for_service()
                if action in ("publish", "republish"):  # the region chooser's village (人户分离)
                    data["residence_village"] = request.POST.get("residence_village", "")
                services.act(actor=request.user, application=app, action=action,
                             expected_version=form.cleaned_data["version"], reason=form.cleaned_data["reason"],
                             data=data)
                return redirect("applications_detail", pk=app.pk)
            except (services.ApplicationError, ConflictError) as err:
                status = _error(form, err)
    result = None
    if action in ("opinion", "approve", "refuse") and request.method == "GET":
        try:
            result = selectors.assess(app.household, timezone.localdate())
        except services.ApplicationError as err:  # shown, not raised: the determination explains itself
            result = {"error": {"message_zh": err.message}}
    # Refusing a household the determination finds eligible: say so before the county signs.
    contrary = [letters.CATEGORY_LABELS[c][0] for c in (result or {}).get("categories", [])
                if action == "refuse" and c in letters.PAID]
    chooser = None
    if action in ("publish", "republish"):  # 人户分离: the village where the household lives
        chosen = str(request.POST.get("residence_village") if request.method == "POST"
                     else request.GET.get("village") or app.residence_village_id or "")
        chooser = _chooser(request.GET, chosen)
    return render(request, "applications/step.html", {"app": app, "step": step, "form": form, "result": result,
                                                      "contrary": contrary, "chooser": chooser}, status=status)


@login_required
@require_POST
def application_objection(request: AuthedRequest, pk: int) -> HttpResponse:
    """An objection received during the public notice, recorded against the case (notices.py)."""
    app = get_scoped_or_404(selectors.applications(request.user), request.user, PROCESS, pk=pk)
    form = ObjectionForm(request.POST, app=app)
    if form.is_valid():
        d = form.cleaned_data
        try:
            notices.objection_record(actor=request.user, application=app, summary=d["summary"],
                                     substantiated=d["substantiated"], expected_version=d["version"],
                                     data={"received_on": d["received_on"], "channel": d["channel"],
                                           "received_in": d.get("received_in") or "registered"})
            return redirect("applications_detail", pk=app.pk)
        except services.ApplicationError as err:
            return render(request, "applications/message.html", {"app": app, "message": err.message},
                          status=err.status)
    return render(request, "applications/message.html",
                  {"app": app, "message": " ".join(str(e) for errs in form.errors.values() for e in errs)},
                  status=400)


@login_required
def application_letter(request: AuthedRequest, pk: int) -> HttpResponse:
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
        "boards": [{"village": v, "entries": [notices.notice_entry(app, v)]} for v in notices.boards(app)],
        "printing": True})


@login_required
@require_POST
def application_appeal(request: AuthedRequest, pk: int) -> HttpResponse:
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
                  {"app": app, "message": " ".join(str(e) for errs in form.errors.values() for e in errs)}, status=400)


@login_required
@require_POST
def appeal_conclude(request: AuthedRequest, pk: int) -> HttpResponse:
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
def intake_detail(request: AuthedRequest, pk: int) -> HttpResponse:
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
                public.reject(actor=request.user, intake=intake, note=form.cleaned_data["note"],
                              reason=form.cleaned_data["reject_reason"] or "other")
                return redirect("applications_intakes")
            except (services.ApplicationError, ValidationError) as err:
                status = _error(form, err)
    existing = rselectors.households_for(request.user).filter(
        members__id_number_index=intake.id_number_index).first()
    return render(request, "applications/intake.html", {"intake": intake, "form": form, "existing": existing},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def relative_list(request: AuthedRequest) -> HttpResponse:
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
        "can_process": request.user.has_capability(PROCESS)}, status=status)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    require(request.user, VIEW)
    today = timezone.localdate()
    qs = selectors.reviews(request.user).filter(done_on__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "applications/reviews.html", {"page": page, "today": today})


@login_required
@require_POST
def review_done(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_scoped_or_404(selectors.reviews(request.user), request.user, PROCESS, pk=pk)
    try:
        services.review_done(actor=request.user, task=task, note=request.POST.get("note", ""))
    except services.ApplicationError as err:
        return render(request, "applications/message.html", {"message": err.message}, status=400)
    return redirect("applications_reviews")


# ------------------------------------------------------------------ public (no login)

def _chooser(params: Any, village_code: str = "") -> dict[str, Any]:
    """The county → township → village chooser's state (``regions``): what is chosen and the lists
    to show; works without JavaScript (each level is a plain GET of this page)."""
    chosen = regions.path(village_code) if village_code else None
    county = chosen["county"]["code"] if chosen else str(params.get("county", "")).strip()
    township = chosen["township"]["code"] if chosen else str(params.get("township", "")).strip()
    county_row = regions.region(county)
    if county_row is None or county_row["level"] != "county":
        county, township = "", ""
    townships = regions.children(county) if county else None
    if township and not any(t["code"] == township for t in townships or []):
        township = ""
    villages = regions.children(township) if township else None
    query = str(params.get("q", "")).strip()[:20]
    return {
        "counties_by_city": regions.counties_by_city(), "county": county, "township": township,
        "village": chosen["village"]["code"] if chosen else "", "townships": townships or [],
        "villages": villages or [], "chosen": chosen, "q": query, "found": regions.search(query) if query else None,
    }


def _public(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-store"  # forms with tokens and personal answers are never cached
    return response


@require_http_methods(["GET", "POST"])
def public_apply(request: HttpRequest) -> HttpResponse:
    """The resident's form: mobile-friendly, no login, every village of the province; a pending intake."""
    if request.method == "GET":
        village = str(request.GET.get("village", "")).strip()
        form = PublicForm(initial={"token": public.issue_token(), "village": village})
        return _public(request, "applications/public_apply.html",
                       {"form": form, **_chooser(request.GET, village)})
    form = PublicForm(request.POST)
    data = {k: request.POST.get(k, "") for k in form.fields}
    chooser = _chooser({}, str(data.get("village", "")).strip())
    try:
        intake = public.submit(ip=client_ip(request), token=data.pop("token"), honeypot=data.pop("website"),
                               data=data)
    except public.Refused as err:
        form = PublicForm(request.POST)
        form.is_valid()
        form.add_error(None, err.message)
        return _public(request, "applications/public_apply.html", {"form": _renew(form), **chooser},
                       status=err.status)
    except ValidationError as err:
        form.is_valid()
        _error(form, err)
        return _public(request, "applications/public_apply.html", {"form": _renew(form), **chooser}, status=400)
    return _public(request, "applications/public_done.html", {"intake": intake, "chosen": chooser["chosen"]})


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


def _regions_json(request: HttpRequest, payload: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        response["Cache-Control"] = f"public, max-age={regions.CACHE_SECONDS}"
    return response


def _regions_allowed(request: HttpRequest) -> bool:
    return regions.allow(public.ip_hash(client_ip(request)), int(public._param("public_regions_per_minute")))


def _too_many() -> JsonResponse:
    return JsonResponse({"error": _("Too many requests; please wait a minute.")}, status=429,
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def public_regions(request: HttpRequest, code: str = "") -> JsonResponse:
    """Public, cached: the counties (no code) or the current subdivisions of a county or township."""
    if not _regions_allowed(request):
        return _too_many()
    if not code:
        return _regions_json(request, {"level": "county", "regions": regions.counties()})
    parent = regions.region(code)
    found = regions.children(code) if parent else None
    if parent is None or found is None:
        return JsonResponse({"error": _("Unknown region code.")}, status=404, json_dumps_params={"ensure_ascii": False})
    return _regions_json(request, {"parent": parent, "regions": found})


@require_GET
def public_regions_search(request: HttpRequest) -> JsonResponse:
    """Public: villages whose name contains ``q`` (at most 20), with their county and township."""
    if not _regions_allowed(request):
        return _too_many()
    return _regions_json(request, {"regions": regions.search(str(request.GET.get("q", "")))})


@require_http_methods(["GET", "POST"])
def public_status(request: HttpRequest) -> HttpResponse:
    """The resident's status check: receipt number + last four of the ID number → stage and next step."""
    form = StatusForm(request.POST or None)
    if request.method == "GET":
        return _public(request, "applications/public_status.html", {"form": form})
    result, status = None, 200
    if form.is_valid():
        try:
            result = public.status(ip=client_ip(request), receipt=form.cleaned_data["receipt"],
                                   id_last4=form.cleaned_data["id_last4"])
        except public.Refused as err:
            form.add_error(None, err.message)
            status = err.status
        except ValidationError as err:
            status = _error(form, err)
    else:
        status = 400
    return _public(request, "applications/public_status.html", {"form": form, "result": result}, status=status)


def public_notice_index(request: HttpRequest) -> HttpResponse:
    """Find a village's notice board (公示): the same county → township → village chooser."""
    village = str(request.GET.get("village", "")).strip()
    if village and regions.path(village):
        return redirect("applications_public_notice", village=village)
    return _public(request, "applications/notice_index.html", _chooser(request.GET))


def public_notice(request: HttpRequest, village: str) -> HttpResponse:
    """公示 of one village: only the whitelisted fields, only during the notice period."""
    region = Region.objects.filter(code=village, level="village", valid_to__isnull=True).select_related(
        "parent").first()
    if region is None:
        raise Http404
    # Never cached: a notice must be gone the day after its period ends.
    return _public(request, "applications/notice.html", {
        "boards": [{"village": region, "entries": notices.current_notices(region)}], "printing": False})


def household_section(request: HttpRequest, household: Any) -> dict[str, Any] | None:
    """The applications of a household, on its page (for users who may see applications)."""
    user: Any = request.user
    if not user.has_capability(VIEW):
        return None
    apps = list(Application.objects.filter(household=household).order_by("-submitted_on", "-id")[:20])
    can_apply = user.has_capability(PROCESS) and not any(a.state in OPEN_STATES for a in apps)
    return {"applications": apps, "can_apply": can_apply}
