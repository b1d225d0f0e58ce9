"""Statistics dashboard, monthly report, Excel exports and what-if scenario screens (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.scoping import get_scoped_or_404, require
from jiuzhu.apps.jobs.answers import refused_message, started
from jiuzhu.apps.jobs.services import JobRefused, job_start
from jiuzhu.apps.policy.models import ParameterRevision, RevisionStatus
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.rules.determination.categories import label
from jiuzhu.rules.formats import amount, yuan
from jiuzhu.rules.params import ParameterError

from . import effects, selectors, services
from .excel import Sheet, workbook
from .forms import ScenarioForm
from .models import Scenario
from .pages import BENEFIT_LABELS, LEVEL_LABELS
from .pages import lang as _lang
from .pages import page_context as _context
from .views_figures import figure_sheets

BUCKET_LABELS = {"below_10": _l("5–10 % below the line"), "below_5": _l("within 5 % below the line"),
                 "above_5": _l("within 5 % above the line"), "above_10": _l("5–10 % above the line")}
LINE_LABELS = {"dibao": _l("Dibao standard"), "marginal": _l("Marginal line")}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """统计分析: the region's population, money, trend; drill down by clicking a region."""
    ctx = _context(request)
    lang = _lang()
    if getattr(request.user, "has_capability", lambda _c: False)("run_determination"):
        ctx["pending_runs"] = selectors.runs_without_statistics()
    if ctx["stats"] is not None:
        ov = selectors.overview(request.user, ctx["stats"], ctx["region"], lang)
        for b in ov["benefits"]:
            b["label"] = str(BENEFIT_LABELS[b["code"]])
        tr = selectors.trend(request.user, ctx["region"])
        ctx.update(overview=ov, trend=tr, level_label=LEVEL_LABELS.get(ov["child_level"] or "", ""))
        if selectors.has_figures(ctx["stats"]):  # precomputed with the statistics
            ctx.update(has_figures=True,
                       warnings=selectors.warnings(request.user, ctx["stats"], ctx["region"], lang)["indicators"],
                       applications=selectors.applications(request.user, ctx["stats"], ctx["region"], lang)["total"])
        else:  # statistics of an earlier version: read now, as they were then
            ctx.update(warnings=selectors.monitoring_figures(ctx["region"], ctx["stats"].as_of, lang),
                       applications=selectors.application_figures(ctx["region"], ctx["stats"].as_of))
        ctx["chart"] = {
            "categories": {"labels": [c["label"] for c in ov["categories"]],
                           "households": [c["households"] for c in ov["categories"]],
                           "persons": [c["persons"] for c in ov["categories"]],
                           "series": [_("Households"), _("Persons")]},
            "children": {"labels": [c["name"] for c in ov["children"]], "codes": [c["code"] for c in ov["children"]],
                         "values": [c["persons"] for c in ov["children"]], "series": _("Low-income persons"),
                         "urls": [f"?region={c['code']}&stats={ctx['stats'].pk}" for c in ov["children"]],
                         "drill": bool(ov["children"] and ov["children"][0]["drill"])},
            "benefits": {"labels": [b["label"] for b in ov["benefits"] if b["code"] != "total"],
                         "values": [str(b["amount"]) for b in ov["benefits"] if b["code"] != "total"]},
            "trend": {"labels": [t["month"] for t in tr], "persons": [t["persons"] for t in tr],
                      "households": [t["households"] for t in tr], "amount": [str(t["amount"]) for t in tr],
                      "series": [_("Low-income households"), _("Low-income persons"), _("Monthly benefits (yuan)")]},
        }
    return render(request, "reports/dashboard.html", ctx)


@login_required
@require_POST
def statistics_start(request: HttpRequest) -> HttpResponse:
    """Compute the statistics of a finished determination run, as a job (province: run_determination)."""
    user: Any = request.user
    require(user, "run_determination")
    run = selectors.run_without_statistics(request.POST.get("run"))
    if run is None:
        return render(request, "reports/dashboard.html", {**_context(request), "error": _("Choose a finished determination run.")},
                      status=400)
    return started(request, lambda: job_start(actor=user, kind="reports.statistics", params={"run": run.pk},
                                              scope_key=f"statistics:{run.pk}"))


def _monthly_headers() -> list[str]:
    head = [str(_("County"))]
    names = {("dibao", "urban"): _("Urban dibao"), ("dibao", "rural"): _("Rural dibao"),
             ("tekun", "urban"): _("Urban tekun"), ("tekun", "rural"): _("Rural tekun"),
             ("dibao_individual", None): label("dibao_individual", _lang(), short=True),
             ("marginal", None): label("marginal", _lang(), short=True), ("rigid", None): label("rigid", _lang(), short=True)}
    for key in selectors.MONTHLY_COLUMNS:
        n = str(names[key])
        head += [f"{n} {_('households')}", f"{n} {_('persons')}"]
        if key[0] in ("dibao", "tekun", "dibao_individual"):
            head.append(f"{n} {_('amount (yuan)')}")
    head += [str(_("Total households")), str(_("Total persons")), str(_("Total amount (yuan)"))]
    return head


def _shown_cells(cells: list[Any]) -> list[str]:
    return [amount(c) if isinstance(c, Decimal) else f"{c:,}" for c in cells]


@login_required
def monthly(request: HttpRequest) -> HttpResponse:
    """The monthly statistical table by county, in the layout of the civil-affairs monthly report."""
    ctx = _context(request)
    if ctx["stats"] is not None:
        report = selectors.monthly_report(request.user, ctx["stats"], ctx["region"])
        # one number format on the page: counts 1,234 and yuan 1,234.00 (as the dashboard)
        for row in report["rows"]:
            row["shown"] = _shown_cells(row["cells"])
        report["totals_shown"] = _shown_cells(report["totals"])
        for city in report["cities"]:
            city["totals_shown"] = _shown_cells(city["totals"])
        ctx["report"], ctx["headers"] = report, _monthly_headers()
    return render(request, "reports/monthly.html", ctx)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard's tables as one formatted workbook (one sheet per table)."""
    ctx = _context(request)
    stats, region = ctx["stats"], ctx["region"]
    if stats is None:  # nothing computed yet: a workbook that says so, rather than an error
        resp = HttpResponse(workbook([Sheet(str(_("Categories")), [str(_("Category"))], [], str(_("No statistics yet.")))]),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="statistics-{region.code}.xlsx"'
        return resp
    lang = _lang()
    ov = selectors.overview(request.user, stats, region, lang)
    report = selectors.monthly_report(request.user, stats, region)
    tr = selectors.trend(request.user, region)
    note = str(_("%(region)s, as of %(date)s, determination run %(run)s") % {
        "region": region.name, "date": stats.as_of.isoformat(), "run": stats.run_id})
    sheets = [
        Sheet(str(_("Categories")), [str(_("Category")), str(_("Households")), str(_("Persons")), str(_("Urban households")),
              str(_("Rural households")), str(_("Urban persons")), str(_("Rural persons"))],
              [[c["label"], c["households"], c["persons"], c["urban_households"], c["rural_households"],
                c["urban_persons"], c["rural_persons"]] for c in ov["categories"]], note),
        Sheet(str(_("Benefits")), [str(_("Benefit")), str(_("Households")), str(_("Persons")), str(_("Monthly amount (yuan)")),
              str(_("Average per person (yuan)"))],
              [[str(BENEFIT_LABELS[b["code"]]), b["households"], b["persons"], b["amount"], b["average"]] for b in ov["benefits"]], note),
        Sheet(str(_("By region")), [str(LEVEL_LABELS.get(ov["child_level"] or "", _("Region"))), str(_("Code")),
              str(_("Low-income households")), str(_("Low-income persons")), str(_("Monthly benefits (yuan)")),
              *[label(c, lang, short=True) for c in selectors.CATEGORY_ORDER]],
              [[c["name"], c["code"], c["households"], c["persons"], c["amount"], *c["categories"]] for c in ov["children"]], note),
        Sheet(str(_("Monthly report")), _monthly_headers(),
              [[r["name"], *r["cells"]] for r in report["rows"]] + ([[str(_("Total")), *report["totals"]]] if report["rows"] else []), note),
        Sheet(str(_("Trend")), [str(_("Month")), str(_("As of")), str(_("Low-income households")), str(_("Low-income persons")),
              str(_("Monthly benefits (yuan)"))],
              [[t["month"], t["as_of"], t["households"], t["persons"], t["amount"]] for t in tr], note),
    ]
    sheets += figure_sheets(request.user, stats, region, note)
    audit("statistics.export", actor=ctx["user"], object_type="statistics_run", object_id=stats.pk, region=region.code)
    resp = HttpResponse(workbook(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="statistics-{region.code}-{stats.as_of.isoformat()}.xlsx"'
    return resp


# --- scenarios ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def scenario_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require(user, "run_scenarios")
    params = current_parameters()
    form = ScenarioForm(request.POST or None, params=params)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                sc = services.scenario_create(actor=user, name=d["name"].strip(), as_of=d["as_of"],
                                              changes=d["changes"], note=d["note"])
            except ParameterError as err:
                form.add_error(None, err.message_en if _lang() == "en" else err.message_zh)
            else:
                return redirect("reports_scenario", pk=sc.pk)
    rows = [(sc, selectors.changes_shown(sc.overrides, params)) for sc in selectors.scenarios(user)[:100]]
    return render(request, "reports/scenarios.html", {"rows": rows, "form": form}, status=status)


def _scenario_view(sc: Scenario) -> dict[str, Any]:
    r = sc.result or {}
    lang = _lang()
    if not r:
        return {}
    cats = [{"code": c, "label": label(c, lang), "base": r["base_households"].get(c, 0),
             "scenario": r["scenario_households"].get(c, 0), "entering": r["entering"].get(c, 0),
             "leaving": r["leaving"].get(c, 0), "persons_entering": r["persons_entering"].get(c, 0),
             "persons_leaving": r["persons_leaving"].get(c, 0)} for c in selectors.CATEGORY_ORDER]
    costs = [{"code": p, "label": str(BENEFIT_LABELS[p]), "base": Decimal(r["monthly_cost_base"][p]),
              "scenario": Decimal(r["monthly_cost_scenario"][p]),
              "monthly": Decimal(r["monthly_cost_change_by_programme"][p]),
              "annual": Decimal(r["annual_cost_change_by_programme"][p])} for p in selectors.BENEFIT_ORDER]
    from_names = services.region_names(list(r.get("by_county", {})))
    counties = [{"code": code, "name": from_names.get(code, code), "entering": sum(c["entering"].values()),
                 "leaving": sum(c["leaving"].values()), "monthly": Decimal(c["monthly_cost_change"]),
                 "annual": Decimal(c["annual_cost_change"]), "cliffs": c["cliffs"]["households"],
                 "households": c["households"]} for code, c in r.get("by_county", {}).items()]
    distance = [{"line": str(LINE_LABELS[line]), "buckets": [
        {"label": str(BUCKET_LABELS[b]), "base": sides["base"][b], "scenario": sides["scenario"][b]} for b in BUCKET_LABELS]}
        for line, sides in r["distance"].items()]
    return {"categories": cats, "costs": costs, "counties": counties, "distance": distance, "cliffs": r["cliffs"],
            "r": r, "monthly": Decimal(r["monthly_cost_change"]), "annual": Decimal(r["annual_cost_change"]),
            "chart": {"labels": [c["label"] for c in cats], "entering": [c["entering"] for c in cats],
                      "leaving": [-c["leaving"] for c in cats], "series": [_("Entering"), _("Leaving")]}}


@login_required
@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    sc = selectors.scenario(user, pk)
    if request.method == "POST":
        return started(request, lambda: services.scenario_queue(sc, actor=user))
    return render(request, "reports/scenario.html", {"scenario": sc, "changes": selectors.changes_shown(sc.overrides),
                                                     **_scenario_view(sc)})


@login_required
def scenario_compare(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    require(user, "run_scenarios")
    ids = [int(i) for i in request.GET.getlist("ids") if i.isdigit()][:4]
    items = [selectors.scenario(user, i) for i in ids]
    views = [(sc, _scenario_view(sc), selectors.changes_shown(sc.overrides)) for sc in items]
    rows = []
    for k, code in enumerate(selectors.CATEGORY_ORDER):
        rows.append({"label": label(code, _lang()),
                     "cells": [(v["categories"][k]["entering"], v["categories"][k]["leaving"]) if v else None
                               for _sc, v, _changes in views]})
    return render(request, "reports/compare.html", {"views": views, "rows": rows, "all": selectors.scenarios(user)[:100]})


@login_required
def scenario_export(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    sc = selectors.scenario(user, pk)
    v = _scenario_view(sc)
    if not v:
        raise Http404
    note = f"{sc.name} · {sc.as_of.isoformat()} · " + "；".join(selectors.changes_shown(sc.overrides))
    sheets = [
        Sheet(str(_("Entering and leaving")), [str(_("Category")), str(_("Households now")), str(_("Households in the scenario")),
              str(_("Households entering")), str(_("Households leaving")), str(_("Persons entering")), str(_("Persons leaving"))],
              [[c["label"], c["base"], c["scenario"], c["entering"], c["leaving"], c["persons_entering"], c["persons_leaving"]]
               for c in v["categories"]], note),
        Sheet(str(_("Cost")), [str(_("Benefit")), str(_("Monthly now (yuan)")), str(_("Monthly in the scenario (yuan)")),
              str(_("Monthly change (yuan)")), str(_("Annual change (yuan)"))],
              [[c["label"], c["base"], c["scenario"], c["monthly"], c["annual"]] for c in v["costs"]], note),
        Sheet(str(_("By county")), [str(_("County")), str(_("Code")), str(_("Households")), str(_("Households entering")),
              str(_("Households leaving")), str(_("Monthly change (yuan)")), str(_("Annual change (yuan)")), str(_("Cliff households"))],
              [[c["name"], c["code"], c["households"], c["entering"], c["leaving"], c["monthly"], c["annual"], c["cliffs"]]
               for c in v["counties"]], note),
        Sheet(str(_("Distance to the lines")), [str(_("Line")), str(_("Band")), str(_("Households now")), str(_("Households in the scenario"))],
              [[d["line"], b["label"], b["base"], b["scenario"]] for d in v["distance"] for b in d["buckets"]], note),
    ]
    audit("scenario.export", actor=user, object_type="scenario", object_id=sc.pk)
    resp = HttpResponse(workbook(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    resp["Content-Disposition"] = f'attachment; filename="scenario-{sc.pk}.xlsx"'
    return resp


# --- the effect of a draft parameter revision, on the revision's page (policy) ------------------------


def _effect_summary(fig: dict[str, Any], lang: str) -> str:
    """One sentence for the page and the approval's confirmation: who enters and leaves, and the cost."""
    total = fig["total"]
    if total["no_effect"]:
        return str(_("Worked out on the registry as it stands (%(households)s households): this revision changes no household's category and no benefit amount.")
                   % {"households": f"{total['households']:,}"})
    parts = [str(_("%(category)s: %(entering)s households enter, %(leaving)s leave") % {
        "category": label(code, lang, short=True), "entering": f"{total['entering'][code]:,}", "leaving": f"{total['leaving'][code]:,}"})
        for code in selectors.CATEGORY_ORDER if total["entering"][code] or total["leaving"][code]]
    monthly, annual = total["monthly"], total["annual"]
    if monthly > 0:
        parts.append(str(_("monthly benefits rise by %(monthly)s, %(annual)s a year") % {
            "monthly": yuan(monthly), "annual": yuan(annual)}))
    elif monthly < 0:
        parts.append(str(_("monthly benefits fall by %(monthly)s, %(annual)s a year") % {
            "monthly": yuan(-monthly), "annual": yuan(-annual)}))
    else:
        parts.append(str(_("monthly benefits do not change")))
    return str(_("Worked out on the registry as it stands: %(details)s.") % {"details": ("; " if lang == "en" else "；").join(parts)})


def revision_effect_section(request: HttpRequest, revision: ParameterRevision) -> dict[str, Any] | None:
    """``core.hooks`` revision section: the revision's effect on the registry (the what-if), or that it is
    being worked out (the page refreshes itself), with the sentence the approval's confirmation adds."""
    user: Any = request.user
    lang = _lang()
    state = selectors.revision_effect(user, revision)
    job, fig = state["job"], state["figures"]
    computing = job is not None and job.is_active
    failed = job if job is not None and not computing and job.state != "done" else None
    draft = revision.status == RevisionStatus.DRAFT
    ctx: dict[str, Any] = {"computing": computing and draft, "pending": computing and draft, "failed": failed, "job": job,
                           "effect": state["effect"], "stale": state["stale"] and draft, "can_start": draft and not computing}
    if fig is not None:
        total = fig["total"]
        ctx.update(fig=fig, summary=_effect_summary(fig, lang), categories=[{
            "label": label(c, lang), "base": total["base_households"][c], "scenario": total["scenario_households"][c],
            "entering": total["entering"][c], "leaving": total["leaving"][c],
            "persons_entering": total["persons_entering"][c], "persons_leaving": total["persons_leaving"][c],
        } for c in selectors.CATEGORY_ORDER if total["base_households"][c] or total["scenario_households"][c]],
            costs=[{"label": str(BENEFIT_LABELS[p]), "base": total["monthly_cost_base"][p],
                    "scenario": total["monthly_cost_scenario"][p], "monthly": total["monthly_cost_change_by_programme"][p],
                    "annual": total["monthly_cost_change_by_programme"][p] * 12} for p in selectors.BENEFIT_ORDER])
        ctx["confirm_note"] = ctx["summary"]
        if ctx["stale"]:
            ctx["confirm_note"] += " " + str(_("Another revision has been approved since: these figures may be out of date. Compute them again before deciding."))
    if ctx["computing"]:
        ctx["confirm_note"] = _("Its effect on the registry is still being worked out.")
    elif fig is None and draft:
        ctx["confirm_note"] = _("Its effect on the registry has not been worked out.")
    return ctx


@login_required
@require_POST
def revision_effect_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Work out (again) a draft revision's effect, as a job; back to the revision's page, which shows it
    being worked out and then the figures."""
    revision = get_scoped_or_404(ParameterRevision.objects.all(), request.user, effects.CAP, pk=pk)
    try:
        effects.revision_effect_start(actor=request.user, revision=revision)
    except JobRefused as err:
        messages.error(request, refused_message(err))
    return redirect("revision_detail", pk=revision.pk)
