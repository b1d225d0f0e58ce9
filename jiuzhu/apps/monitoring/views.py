"""Monitoring screens: the workbench, a warning, its visit, the overdue view, the dashboard, runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.requests import AuthedRequest
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.core.vocabulary import label
from jiuzhu.apps.jobs.answers import started
from jiuzhu.apps.jobs.selectors import active_for
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.compare import PROVINCE, settings_for
from jiuzhu.engine.monitoring.indicators import (
    DETAIL_LABELS,
    INDICATORS,
    KINDS,
    SEVERITIES,
    TARGETS,
    get_indicator,
)
from jiuzhu.rules.monitoring import deadlines
from jiuzhu.rules.params import ParameterError
from jiuzhu.rules.params.regions import region_name

from . import selectors, services, visits
from .forms import (
    AttachmentForm,
    CloseForm,
    DecideForm,
    EscalateForm,
    FilterForm,
    HandleForm,
    TransferForm,
    member_field_choices,
)
from .lifecycle import ACTION_LABELS, ACTION_VERBS, MACHINE, TransitionError, allowed_actions
from .models import Attachment, ComparisonRun, RunMode, State, Visit, Warning

VIEW, HANDLE, RUN = "view_monitoring", "handle_warnings", "run_determination"
ACTION_FORMS: dict[str, Any] = {
    "transfer": TransferForm, "handle": HandleForm, "escalate": EscalateForm, "decide": DecideForm,
    "close": CloseForm,
}


def _labels(w: Any) -> dict[str, str]:
    """Labels of the engine's codes in the current language (the engine declares zh and en)."""
    ind = get_indicator(w.indicator)
    i = 1 if (get_language() or "").startswith("en") else 0
    return {"indicator": (ind.label_zh, ind.label_en)[i], "kind": KINDS[ind.kind][i],
            "severity": SEVERITIES.get(w.severity, (w.severity, w.severity))[i], "target": TARGETS[ind.target][i]}


def _decorate(rows: Any) -> list[Any]:
    today = timezone.localdate()
    out = []
    for w in rows:
        w.labels = _labels(w)
        w.is_overdue = selectors.overdue_level(w, today) > 0 and w.state in selectors.OPEN_STATES
        out.append(w)
    return out


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The caseworker's warnings, by severity then deadline, with filters."""
    require(request.user, VIEW)
    form = FilterForm(request.GET or None)
    filters = {k: str(v) for k, v in request.GET.items()}
    if filters.get("overdue") == "on":
        filters["overdue"] = "1"
    page = Paginator(selectors.workbench(request.user, filters), 50).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "monitoring/workbench.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Overdue warnings in the user's region (the county's supervision, 督办)."""
    require(request.user, VIEW)
    page = Paginator(selectors.overdue(request.user), 50).get_page(request.GET.get("page"))
    page.object_list = _decorate(page.object_list)
    return render(request, "monitoring/overdue.html", {"page": page, "query": ""})


def _detail_context(request: AuthedRequest, w: Any, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    ind = get_indicator(w.indicator)
    can = request.user.has_capability(HANDLE)
    actions = [a for a in allowed_actions(w.state) if a not in ("push", "verify")] if can else []
    if "decide" in actions and getattr(request.user.region, "level", "") != "county":
        actions.remove("decide")
    # Steps the table keeps for another person (two-person rule): said, not offered.
    blocked = [msg for a in actions if (msg := MACHINE.blocked(request.user, w, a))]
    actions = [a for a in actions if not MACHINE.blocked(request.user, w, a)]
    forms = forms or {}
    action_forms = [(a, ACTION_VERBS[a], forms.get(a) or ACTION_FORMS[a]()) if a in ACTION_FORMS
                    else (a, ACTION_VERBS[a], None) for a in actions]
    events = list(w.events.select_related(None).order_by("at", "id"))
    for e in events:
        e.label = ACTION_LABELS.get(e.action, e.action)
    visit = Visit.objects.filter(warning=w).first()
    w.labels = _labels(w)
    en = (get_language() or "").startswith("en")
    w.detail_items = [(DETAIL_LABELS.get(k, (k, k))[1 if en else 0], v if en else selectors.detail_value(v, k))
                      for k, v in (w.detail or {}).items()]
    return {
        "w": w, "ind": ind, "events": events, "visit": visit, "action_forms": action_forms, "blocked": blocked,
        "can_visit": can and w.state in (State.PUSHED, State.VERIFYING),
        "can_reveal": request.user.has_capability("unmask") and w.household_id is None,
        "attachments": list(visit.attachments.all()) if visit else [],
        "decision": getattr(w, "county_decision", None) if w.state in (State.HANDLED, State.CLOSED) else None,
    }


@login_required
def warning_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    w = selectors.warning_get(request.user, pk)
    audit("monitoring.view", actor=request.user, object_type="warning", object_id=w.uid)
    return render(request, "monitoring/warning_detail.html", _detail_context(request, w))


def _errors_to_form(form: Any, err: ValidationError) -> None:
    if hasattr(err, "error_dict"):
        for field, errs in err.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, err.messages)


@login_required
@require_POST
def warning_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """One lifecycle step; a refused step re-renders the page with the reason (400)."""
    w = selectors.warning_get(request.user, pk, HANDLE)
    if action not in ("transfer", "accept", "start_visit", "handle", "escalate", "decide", "close"):
        raise Http404
    form = ACTION_FORMS[action](request.POST) if action in ACTION_FORMS else None
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    error, status = "", 400
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            fn = getattr(services, action)
            fn(actor=request.user, warning=w, expected_version=expected, **data)
            messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
            if action == "start_visit":
                return redirect("monitoring_visit", pk=w.pk)
            return redirect("monitoring_warning", pk=w.pk)
        except ConflictError as err:
            error, status = err.message, err.status
        except TransitionError as err:
            error = err.message
        except ValidationError as err:
            if form is not None:
                _errors_to_form(form, err)
            else:
                error = " ".join(err.messages)
    w.refresh_from_db()
    ctx = _detail_context(request, w, {action: form} if form is not None else None)
    ctx["error"] = error
    return render(request, "monitoring/warning_detail.html", ctx, status=status)


def _visit_context(request: AuthedRequest, w: Any, data: dict[str, Any] | None = None,
                   errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    ind = get_indicator(w.indicator)
    visit = Visit.objects.filter(warning=w).first()
    saved = {
        "visited_on": visit.visited_on.isoformat() if visit and visit.visited_on else "",
        "staff_2": str(visit.staff_2_user_id or "") if visit else "",
        "findings": visit.findings if visit else "",
    }
    if not saved["visited_on"]:
        saved["visited_on"] = timezone.localdate().isoformat()
    checks = (visit.checklist if visit else {}) or {}
    updates = (visit.member_updates if visit else {}) or {}
    if data is not None:  # a refused submission: show what was typed
        saved.update({k: data.get(k, "") for k in saved})
        checks = {str(i): {"answer": data.get(f"check_{i}", ""), "note": data.get(f"note_{i}", "")}
                  for i in range(len(ind.checklist))}
        updates = {k[7:]: v for k, v in data.items() if k.startswith("member_") and v}
    en_active = (get_language() or "").startswith("en")
    items = [{"i": i, "text": en if en_active else zh, "answer": checks.get(str(i), {}).get("answer", ""),
              "note": checks.get(str(i), {}).get("note", ""), "errors": (errors or {}).get(f"check_{i}", [])}
             for i, (zh, en) in enumerate(ind.checklist)]
    member_fields = []
    if w.member_id is not None:
        m = w.member
        for f, choices in member_field_choices().items():
            current = str(getattr(m, f))
            member_fields.append({"name": f, "label": m._meta.get_field(f).verbose_name, "choices": choices,
                                  "current": dict((str(k), v) for k, v in choices).get(current, current),
                                  "value": str(updates.get(f, ""))})
        member_fields.append({"name": "serious_illness", "label": m._meta.get_field("serious_illness").verbose_name,
                              "choices": None, "current": m.serious_illness,
                              "value": str(updates.get("serious_illness", ""))})
    return {"w": w, "ind": ind, "visit": visit, "saved": saved, "items": items, "member_fields": member_fields,
            "errors": errors or {}, "attachment_form": AttachmentForm(),
            "me": visits.display_name(request.user), "household": selectors.visit_household(w),
            "two_staff": selectors.two_staff_required(w),
            "colleagues": [(str(u.pk), visits.display_name(u), u.region.name if u.region_id else "")
                           for u in selectors.colleagues(w, request.user).select_related("region")],
            "offline_text": _("No connection: what you type is kept on this device and saved when you submit."),
            "attachments": list(visit.attachments.all()) if visit else [], "labels": _labels(w)}


@login_required
@require_http_methods(["GET", "POST"])
def visit(request: AuthedRequest, pk: int) -> HttpResponse:
    """The visit form (mobile): checklist of the indicator, two visitors, findings, member facts."""
    w = selectors.warning_get(request.user, pk, HANDLE)
    if w.state not in (State.PUSHED, State.VERIFYING):
        messages.info(request, _("This warning's visit is finished."))
        return redirect("monitoring_warning", pk=w.pk)
    if request.method == "POST":
        try:
            services.visit_submit(actor=request.user, warning=w, data=request.POST.dict())
        except ValidationError as err:
            w.refresh_from_db()
            return render(request, "monitoring/visit.html",
                          _visit_context(request, w, request.POST.dict(), err.message_dict), status=400)
        except (TransitionError, ConflictError) as err:
            w.refresh_from_db()
            ctx = _visit_context(request, w, request.POST.dict())
            ctx["error"] = err.message
            return render(request, "monitoring/visit.html", ctx, status=getattr(err, "status", 400))
        messages.success(request, _("The visit is recorded; the warning is verified."))
        return redirect("monitoring_warning", pk=w.pk)
    return render(request, "monitoring/visit.html", _visit_context(request, w))


@login_required
@require_POST
def visit_autosave(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: keep the half-filled form (a draft) as it is typed."""
    w = selectors.warning_get(request.user, pk, HANDLE)
    try:
        v = services.visit_save_draft(actor=request.user, warning=w, data=request.POST.dict())
    except TransitionError as err:
        return HttpResponse(f'<span class="error">{err.message}</span>', status=409)
    stamp = timezone.localtime(v.updated_at).strftime("%H:%M:%S")
    return HttpResponse(f'<span class="ok">{_("Draft saved at %(time)s") % {"time": stamp}}</span>')


@login_required
@require_POST
def attachment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    w = selectors.warning_get(request.user, pk, HANDLE)
    form = AttachmentForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, warning=w, upload=form.cleaned_data["file"])
            messages.success(request, _("Attachment added."))
            return redirect("monitoring_visit", pk=w.pk)
        except ValidationError as err:
            error = " ".join(err.messages)
        except TransitionError as err:
            error = err.message
    else:
        error = " ".join(e for errs in form.errors.values() for e in errs)
    w.refresh_from_db()
    ctx = _visit_context(request, w)
    ctx["error"] = error
    return render(request, "monitoring/visit.html", ctx, status=400)


@login_required
def attachment_get(request: HttpRequest, pk: int) -> FileResponse:
    a = get_scoped_or_404(Attachment.objects.select_related("visit__warning"), request.user, VIEW, pk=pk)
    path = services.attachment_path(a)
    if not path.exists():
        raise Http404
    audit("monitoring.attachment_view", actor=request.user, object_type="warning",  # type: ignore[arg-type]
          object_id=a.visit.warning.uid, attachment=str(a.uid))
    response = FileResponse(path.open("rb"), content_type=a.content_type, as_attachment=True,
                            filename=a.original_name)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the person's name and full ID number (to inform them of the policies), with a reason; audited."""
    w = get_scoped_or_404(Warning.objects.all(), request.user, "unmask", pk=pk)
    person, error, status = None, "", 200
    if request.method == "POST":
        try:
            person = selectors.reveal_person(request.user, pk, request.POST.get("reason", ""))
        except ValidationError as err:
            error, status = " ".join(err.messages), 400
    w.labels = _labels(w)
    return render(request, "monitoring/reveal.html", {"w": w, "person": person, "error": error}, status=status)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Measured warnings per indicator (and per county) in the user's scope."""
    require(request.user, VIEW)
    by = "county" if request.GET.get("by") == "county" else "indicator"
    rows = selectors.measured(request.user, by)
    return render(request, "monitoring/dashboard.html", {"rows": rows, "by": by})


@login_required
def indicators(request: AuthedRequest) -> HttpResponse:
    """The declared indicators with the parameters in force for the user's region today."""
    require(request.user, VIEW)
    region = request.user.region_id or PROVINCE
    code = region[:6] if len(region) >= 6 else PROVINCE
    params, today = current_parameters(), timezone.localdate()
    rows = []
    for ind in INDICATORS:
        try:
            s = settings_for(ind, params, code, today)
            verify, handle = deadlines(params, s.severity, code, today)
            values = [(t.label_zh, t.shown(s.thresholds[t.name])) for t in ind.thresholds]
            rows.append({"ind": ind, "s": s, "verify": verify, "handle": handle, "values": values,
                         "kind": KINDS[ind.kind][0], "error": "",
                         "target": label(ind.department, "department") if ind.target == "department"
                         else label(ind.target, "warning_target")})
        except ParameterError as err:
            rows.append({"ind": ind, "error": err.message_zh})
    return render(request, "monitoring/indicators.html", {"rows": rows, "region": region_name(code)})


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: AuthedRequest) -> HttpResponse:
    """Comparison runs; the province starts one (daily incremental or monthly full)."""
    require(request.user, VIEW)
    if request.method == "POST":
        require(request.user, RUN)
        mode = request.POST.get("mode", RunMode.DAILY)
        if mode not in RunMode.values:
            mode = RunMode.DAILY
        # Queued for the worker; the answer is the job's page (progress, cancel).
        params = {"mode": mode, "as_of": timezone.localdate().isoformat(), "backend": services.comparison_backend()}
        return started(request, lambda: job_start(actor=request.user, kind="monitoring.comparison", params=params))
    page = Paginator(ComparisonRun.objects.select_related("job"), 30).get_page(request.GET.get("page"))
    return render(request, "monitoring/runs.html", {
        "page": page, "can_run": request.user.has_capability(RUN), "query": "",
        "active_jobs": active_for(request.user, "monitoring.comparison"),
    })


def household_section(request: AuthedRequest, household: Any) -> dict[str, Any] | None:
    """The household page's section: its warnings and their history (None without the capability)."""
    if not request.user.has_capability(VIEW):
        return None
    rows = _decorate(selectors.household_warnings(request.user, household))
    for w in rows:
        w.history = [(e, ACTION_LABELS.get(e.action, e.action)) for e in w.events.all()]
    return {"monitoring_warnings": rows}

