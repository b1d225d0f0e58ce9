"""The statistics pages beyond the categories (issue 18 item 1): coverage of the programmes, money paid,
applications and refusal reasons, early warnings — each read from the figures precomputed for the
statistics run (never computed in the request), scoped and drilled down like the dashboard, and their
Excel sheets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiuzhu.apps.core.models import Region
from jiuzhu.rules.formats import cn_month

from . import selectors
from .excel import Percent, Sheet
from .models import StatisticsRun
from .pages import LEVEL_LABELS, lang, page_context

STATUS_LABELS = {"missing": _l("Owed, not given"), "declined": _l("Declined")}
UNIT_LABELS = {"household": _l("households"), "person": _l("persons")}
SOURCE_LABELS = {"payroll": _l("Through payrolls"), "department": _l("By departments")}
MEASURE_LABELS = {"received": _l("Received"), "decided": _l("Decided"), "in_time": _l("Decided within the deadline"),
                  "approved": _l("Approved"), "refused": _l("Applications not approved"), "overdue": _l("Overdue, not decided")}


def _page(request: HttpRequest, template: str, build: Any) -> HttpResponse:
    ctx = page_context(request)
    stats: StatisticsRun | None = ctx["stats"]
    ctx["has_figures"] = selectors.has_figures(stats)
    if stats is not None and ctx["has_figures"]:
        ctx.update(build(request.user, stats, ctx["region"]))
        child_level = selectors.CHILD_LEVEL.get(ctx["region"].level)
        ctx["level_label"] = LEVEL_LABELS.get(child_level or "", "")
    return render(request, template, ctx)


def _drill(stats: StatisticsRun, lines: list[dict[str, Any]]) -> list[str]:
    return [f"?region={c['code']}&stats={stats.pk}" if c["drill"] else "" for c in lines]


def _num(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else (value or 0)


def _coverage(user: Any, stats: StatisticsRun, region: Region) -> dict[str, Any]:
    cov = selectors.coverage(user, stats, region, lang())
    for p in cov["programmes"]:
        p["unit_label"] = str(UNIT_LABELS[p["unit"]])
    shown = [p for p in cov["programmes"] if p["eligible"]]
    chart = {"bars": [{
        "id": "chart-coverage", "labels": [p["label"] for p in shown],
        "series": [{"name": str(n), "stack": "status", "values": [p[k] for p in shown]}
                   for n, k in ((_l("Covered"), "covered"), (STATUS_LABELS["missing"], "missing"),
                                (STATUS_LABELS["declined"], "declined"))],
    }, {
        "id": "chart-coverage-children", "labels": [c["name"] for c in cov["children"]],
        "urls": _drill(stats, cov["children"]),
        "series": [{"name": str(_("Covered")), "stack": "s", "values": [c["covered"] for c in cov["children"]]},
                   {"name": str(STATUS_LABELS["missing"]), "stack": "s", "values": [c["missing"] for c in cov["children"]]}],
    }]}
    return {"cov": cov, "chart": chart}


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """救助覆盖: the registry against the assisted, per programme; 应享未享 and duplicates per region."""
    return _page(request, "reports/coverage.html", _coverage)


def _money(user: Any, stats: StatisticsRun, region: Region) -> dict[str, Any]:
    money = selectors.money(user, stats, region, lang())
    chart = {"bars": [{
        "id": "chart-money", "labels": [cn_month(m["month"]) for m in money["months"]],
        "series": [{"name": str(SOURCE_LABELS[s]), "stack": "source", "values": [_num(m[s]) for m in money["months"]]}
                   for s in ("payroll", "department")],
    }, {
        "id": "chart-money-children", "labels": [c["name"] for c in money["children"]],
        "urls": _drill(stats, money["children"]),
        "series": [{"name": str(_("Paid in the last 12 months")), "values": [_num(c["year"]) for c in money["children"]]}],
    }]}
    return {"money": money, "chart": chart}


@login_required
def money(request: HttpRequest) -> HttpResponse:
    """资金发放: amounts per programme, month and region, average per person."""
    return _page(request, "reports/money.html", _money)


def _applications(user: Any, stats: StatisticsRun, region: Region) -> dict[str, Any]:
    apps = selectors.applications(user, stats, region, lang())
    top = apps["reasons"][:12]
    chart = {"bars": [{
        "id": "chart-refusals", "horizontal": True, "labels": [r["label"] for r in reversed(top)],
        "series": [{"name": str(_("Refused applications")), "values": [r["count"] for r in reversed(top)]}],
    }, {
        "id": "chart-applications-children", "labels": [c["name"] for c in apps["children"]],
        "urls": _drill(stats, apps["children"]),
        "series": [{"name": str(MEASURE_LABELS[m]), "values": [c[m] for c in apps["children"]]}
                   for m in ("received", "in_time", "overdue")],
    }]}
    return {"apps": apps, "chart": chart, "measures": MEASURE_LABELS}


@login_required
def applications(request: HttpRequest) -> HttpResponse:
    """申请审批: received, decided within the deadline, overdue, and the refusal reasons by criterion."""
    return _page(request, "reports/applications.html", _applications)


def _warnings(user: Any, stats: StatisticsRun, region: Region) -> dict[str, Any]:
    w = selectors.warnings(user, stats, region, lang())
    chart = {"bars": [{
        "id": "chart-warnings", "labels": [i["label"] for i in w["indicators"]],
        "series": [{"name": str(n), "values": [i[k] for i in w["indicators"]]}
                   for k, n in (("raised", _l("Number of warnings")), ("in_time", _l("Verified in time")),
                               ("closed", _l("Closed")))],
    }]}
    return {"w": w, "chart": chart}


@login_required
def warnings(request: HttpRequest) -> HttpResponse:
    """预警处置: warnings raised, verified in time and closed, per indicator and region."""
    return _page(request, "reports/warnings.html", _warnings)


# --- Excel --------------------------------------------------------------------------------------


def _pct(value: Decimal | None) -> Any:
    return Percent(value / 100) if value is not None else ""


def figure_sheets(user: Any, stats: StatisticsRun, region: Region, note: str) -> list[Sheet]:
    """The sheets of the figures beyond the categories (nothing for statistics of an earlier version)."""
    if not selectors.has_figures(stats):
        return []
    lg = lang()
    level = str(LEVEL_LABELS.get(selectors.CHILD_LEVEL.get(region.level) or "", _("Region")))
    cov = selectors.coverage(user, stats, region, lg)
    money = selectors.money(user, stats, region, lg)
    apps = selectors.applications(user, stats, region, lg)
    w = selectors.warnings(user, stats, region, lg)
    if cov["coverage"] is not None:
        cov_note = note + "；" + _("matching run %(n)s (as of %(d)s)") % {
            "n": cov["coverage"].match_run_id, "d": cov["coverage"].as_of.isoformat()}
    else:
        cov_note = note + "；" + _("no matching run of this determination run yet")
    return [
        Sheet(str(_("Coverage")), [str(_("Programme")), str(_("Department")), str(_("Counted in")), str(_("Eligible")),
              str(_("Covered")), str(STATUS_LABELS["missing"]), str(STATUS_LABELS["declined"]), str(_("Coverage rate")),
              str(_("Persons with it on their assistance chain")), str(_("Possible duplicates")),
              str(_("Person on two households"))],
              [[p["label"], p["department"], str(UNIT_LABELS[p["unit"]]),
                p["eligible"], p["covered"], p["missing"], p["declined"], _pct(p["rate"]), p["chain_persons"],
                p["duplicate"], p["two_households"]] for p in cov["programmes"]], cov_note),
        Sheet(str(_("Coverage by region")), [level, str(_("Eligible")), str(_("Covered")), str(STATUS_LABELS["missing"]),
              str(_("Coverage rate")), str(_("Possible duplicates")), str(_("Person on two households"))],
              [[c["name"], c["eligible"], c["covered"], c["missing"], _pct(c["rate"]), c["duplicate"], c["two_households"]]
               for c in cov["children"]], cov_note),
        Sheet(str(_("Money by programme")), [str(_("Programme")), str(_("Payrolls (yuan)")), str(_("Departments (yuan)")),
              str(_("Month total (yuan)")), str(_("Persons")), str(_("households")), str(_("Average per person (yuan)")),
              str(_("Last 12 months (yuan)"))],
              [[p["label"], p["payroll"], p["department"], p["total"], p["persons"], p["households"],
                p["average"] if p["average"] is not None else "", p["year"]] for p in money["programmes"]], note),
        Sheet(str(_("Money by month")), [str(_("Month")), str(_("Payrolls (yuan)")), str(_("Departments (yuan)")),
              str(_("Total (yuan)"))],
              [[m["month"], m["payroll"], m["department"], m["total"]] for m in money["months"]], note),
        Sheet(str(_("Money by county")), [str(_("County")), str(_("Code")), str(_("Month")), str(_("Programme")),
              str(_("Paid through")), str(_("Persons")), str(_("households")), str(_("Amount (yuan)"))],
              [[r["region__name"], r["region_id"], r["month"], selectors.programme_label(r["key"], lg),
                str(SOURCE_LABELS.get(r["detail"], r["detail"])), r["count"], r["households"], r["amount"]]
               for r in selectors.money_by_county(user, stats, region)], note),
        Sheet(str(_("Applications and decisions")), [level, *[str(n) for n in MEASURE_LABELS.values()],
                                       str(_("Decided within the deadline (share)"))],
              [[c["name"], *[c[m] for m in MEASURE_LABELS], _pct(c["in_time_rate"])] for c in apps["children"]]
              + [[str(_("Total")), *[apps["total"][m] for m in MEASURE_LABELS], _pct(apps["total"]["in_time_rate"])]],
              note),
        Sheet(str(_("Refusal reasons")), [str(_("Criterion not met")), str(_("Category")), str(_("Refused applications")),
              str(_("Share of refusals"))],
              [[r["label"], r["category_label"], r["count"], _pct(r["share"])] for r in apps["reasons"]], note),
        Sheet(str(_("Warnings")), [str(_("Indicator")), str(_("Number of warnings")), str(_("Verified")), str(_("Verified in time")),
              str(_("Closed"))],
              [[i["label"], i["raised"], i["verified"], i["in_time"], i["closed"]] for i in w["indicators"]], note),
        Sheet(str(_("Warnings by region")), [level, str(_("Number of warnings")), str(_("Verified")), str(_("Verified in time")),
              str(_("Closed"))],
              [[c["name"], c["raised"], c["verified"], c["in_time"], c["closed"]] for c in w["children"]], note),
    ]
