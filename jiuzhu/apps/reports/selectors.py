"""Reads of the statistics and scenarios, scoped to the user's region (core.scoping)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from jiuzhu.apps.applications.models import Application
from jiuzhu.apps.assistance.matching import DETERMINED
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import require, scoped
from jiuzhu.apps.core.vocabulary import all_labels
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.monitoring.models import Warning as EarlyWarning
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.indicators import INDICATORS
from jiuzhu.engine.stats import (
    ALL,
    APPLICATION_MEASURES,
    DEPARTMENT,
    NO_BASIS,
    PAYROLL,
    REASON_ONLY,
    WARNING_MEASURES,
)
from jiuzhu.engine.whatif import describe_change
from jiuzhu.rules.determination.categories import CATEGORIES, label
from jiuzhu.rules.determination.explain import criterion_labels
from jiuzhu.rules.exchange.sources import PROGRAMMES as CHAIN_PROGRAMMES
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.programmes import PROGRAMMES as MATRIX
from jiuzhu.rules.programmes import add_months

from .effects import KIND as EFFECT_KIND
from .effects import scope_key as effect_scope_key
from .inputs import month_window
from .models import (
    FIGURES_VERSION,
    CoverageRow,
    CoverageRun,
    FigureRow,
    RevisionEffect,
    Scenario,
    StatisticsRun,
    StatRow,
)

CAP = "view_statistics"
CATEGORY_ORDER = tuple(CATEGORIES)
BENEFIT_ORDER = ("dibao", "dibao_supplement", "tekun_basic", "tekun_care", "single_inclusion", "total")
CHILD_LEVEL = {"province": "city", "city": "county", "county": "township"}
MATRIX_BY_KEY = {p.key: p for p in MATRIX}
SPECIAL_REASONS = {NO_BASIS: "决定未记录认定依据（早期决定）", REASON_ONLY: "未引用认定标准（经办人员说明理由）"}
OTHER_REASON = "其他认定标准"
OTHER_INDICATOR = "其他指标"
OTHER_PROGRAMME = "其他救助项目"


def region_for(user: Any, code: str | None) -> Region:
    """The region asked for (default: the user's own); outside the user's region → 404."""
    require(user, CAP)
    if not code:
        if user.region_id is None:
            raise Http404
        own: Region = user.region
        return own
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    if user.region.level != "province" and not RegionClosure.objects.filter(ancestor_id=user.region_id, descendant=region).exists():
        raise Http404
    return region


def statistics_runs() -> list[StatisticsRun]:
    return list(StatisticsRun.objects.select_related("run")[:100])


def statistics_run(pk: Any = None) -> StatisticsRun | None:
    qs = StatisticsRun.objects.select_related("run")
    if pk:
        try:
            return qs.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None
    return qs.first()


def _without_statistics() -> QuerySet[DeterminationRun]:
    """Finished runs without statistics, or with statistics of an earlier version (to compute again)."""
    return DeterminationRun.objects.completed().filter(
        Q(statistics__isnull=True) | Q(statistics__version__lt=FIGURES_VERSION))


def runs_without_statistics() -> list[DeterminationRun]:
    return list(_without_statistics().order_by("-id")[:10])


def run_without_statistics(pk: Any) -> DeterminationRun | None:
    try:
        return _without_statistics().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _rows(user: Any, stats: StatisticsRun, region: Region) -> Any:
    qs = scoped(StatRow.objects.filter(statistics=stats), user, CAP)
    if region.level != "province":
        qs = qs.filter(township__in=RegionClosure.objects.filter(ancestor=region).values("descendant_id"))
    return qs


def _empty() -> dict[str, Any]:
    return {"households": 0, "persons": 0, "amount": Decimal("0.00")}


def _overview_rows(user: Any, stats: StatisticsRun, region: Region, children: list[Region]
                   ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows of the region, rows of each child region): area, kind, key, h, p, a (and child).  Statistics
    of the current version hold them summed per region (a few hundred rows); earlier ones are summed
    here from the townships' rows."""
    if has_figures(stats):
        qs = scoped(FigureRow.objects.filter(statistics=stats, section="overview"), user, CAP)
        own: list[dict[str, Any]] = []
        of_children: list[dict[str, Any]] = []
        for r in qs.filter(region__in=[region, *children]).values("region_id", "key", "detail", "count", "households",
                                                                   "amount"):
            kind, _sep, key = r["key"].partition(":")
            row = {"child": r["region_id"], "area_type": r["detail"], "kind": kind, "key": key,
                   "h": r["households"], "p": r["count"], "a": r["amount"]}
            (own if r["region_id"] == region.code else of_children).append(row)
        return own, of_children
    rows = list(_rows(user, stats, region).values("township_id", "area_type", "kind", "key")
                .annotate(h=Sum("households"), p=Sum("persons"), a=Sum("amount")))
    child_of = dict(RegionClosure.objects.filter(ancestor__in=children, descendant__level="township").values_list(
        "descendant_id", "ancestor_id")) if children else {}
    return rows, [{**r, "child": child_of[r["township_id"]]} for r in rows if r["township_id"] in child_of]


def overview(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """Category and benefit figures of a region: totals, urban/rural, and per child region."""
    child_level = CHILD_LEVEL.get(region.level)
    children = _children(region)
    rows, child_rows_in = _overview_rows(user, stats, region, children)
    cats: dict[str, dict[str, Any]] = defaultdict(_empty)
    benefits: dict[str, dict[str, Any]] = defaultdict(_empty)
    by_area: dict[tuple[str, str], dict[str, Any]] = defaultdict(_empty)
    by_child: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_empty)
    for r in rows:
        if r["kind"] not in ("category", "benefit"):
            continue
        target = cats if r["kind"] == "category" else benefits
        for bucket in (target[r["key"]], by_area[(r["kind"] + ":" + r["key"], r["area_type"])]):
            bucket["households"] += r["h"] or 0
            bucket["persons"] += r["p"] or 0
            bucket["amount"] += r["a"] or 0
    for r in child_rows_in:
        b = by_child[(r["child"], r["kind"], r["key"])]
        b["households"] += r["h"] or 0
        b["persons"] += r["p"] or 0
        b["amount"] += r["a"] or 0
    category_rows = [{
        "code": c, "label": label(c, lang), "households": cats[c]["households"], "persons": cats[c]["persons"],
        "urban_households": by_area[("category:" + c, "urban")]["households"],
        "rural_households": by_area[("category:" + c, "rural")]["households"],
        "urban_persons": by_area[("category:" + c, "urban")]["persons"],
        "rural_persons": by_area[("category:" + c, "rural")]["persons"],
    } for c in CATEGORY_ORDER]
    benefit_rows = [{"code": b, "households": benefits[b]["households"], "persons": benefits[b]["persons"],
                     "amount": benefits[b]["amount"],
                     "average": (benefits[b]["amount"] / benefits[b]["persons"]).quantize(Decimal("0.01"))
                     if benefits[b]["persons"] else Decimal("0.00")} for b in BENEFIT_ORDER]
    child_rows = []
    for ch in children:
        total = by_child[(ch.code, "category", "all")]
        child_rows.append({
            "code": ch.code, "name": ch.name, "households": total["households"], "persons": total["persons"],
            "amount": by_child[(ch.code, "benefit", "total")]["amount"],
            "categories": [by_child[(ch.code, "category", c)]["households"] for c in CATEGORY_ORDER],
            "drill": child_level != "township",
        })
    return {
        "total": cats["all"], "categories": category_rows, "benefits": benefit_rows, "children": child_rows,
        "child_level": child_level, "amount": benefits["total"]["amount"],
    }


def trend(user: Any, region: Region, months: int = 12) -> list[dict[str, Any]]:
    """Month by month: the latest statistics of each month (by as-of date), oldest first."""
    latest: dict[str, StatisticsRun] = {}
    for s in StatisticsRun.objects.order_by("-as_of", "-run_id")[:400]:
        latest.setdefault(s.as_of.strftime("%Y-%m"), s)
    chosen = [latest[m] for m in sorted(latest)[-months:]]
    # the current version's region sums, all months in one query; an earlier version's, from its townships
    summed: dict[tuple[int, str, str], dict[str, Any]] = defaultdict(lambda: {"h": 0, "p": 0, "a": Decimal("0.00")})
    current = [s.pk for s in chosen if has_figures(s)]
    for r in scoped(FigureRow.objects.filter(statistics__in=current, section="overview", region=region), user,
                    CAP).values("statistics_id", "key", "count", "households", "amount"):
        kind, _sep, key = r["key"].partition(":")
        b = summed[(r["statistics_id"], kind, key)]
        b["h"] += r["households"]
        b["p"] += r["count"]
        b["a"] += r["amount"]
    out = []
    for s in chosen:
        if has_figures(s):
            agg = {(kind, key): v for (pk, kind, key), v in summed.items() if pk == s.pk}
        else:
            agg = {(r["kind"], r["key"]): r for r in _rows(user, s, region).values("kind", "key")
                   .annotate(h=Sum("households"), p=Sum("persons"), a=Sum("amount"))}
        out.append({
            "month": s.as_of.strftime("%Y-%m"), "as_of": s.as_of, "run": s.run_id,
            "households": (agg.get(("category", "all")) or {}).get("h") or 0,
            "persons": (agg.get(("category", "all")) or {}).get("p") or 0,
            "amount": (agg.get(("benefit", "total")) or {}).get("a") or Decimal("0.00"),
            "by_category": {c: (agg.get(("category", c)) or {}).get("h") or 0 for c in CATEGORY_ORDER},
        })
    return out


MONTHLY_COLUMNS = (
    # (category, area or None): the columns of the civil-affairs monthly report
    ("dibao", "urban"), ("dibao", "rural"), ("tekun", "urban"), ("tekun", "rural"),
    ("dibao_individual", None), ("marginal", None), ("rigid", None),
)


def monthly_report(user: Any, stats: StatisticsRun, region: Region) -> dict[str, Any]:
    """The monthly statistical table by county (民政统计月报 layout): households, persons, amounts."""
    rows = _rows(user, stats, region).values("county_id", "area_type", "kind", "key").annotate(
        h=Sum("households"), p=Sum("persons"), a=Sum("amount"))
    data: dict[str, dict[tuple[str, str, str], dict[str, Any]]] = defaultdict(lambda: defaultdict(_empty))
    for r in rows:
        for area in (r["area_type"], "all"):
            b = data[r["county_id"]][(r["kind"], r["key"], area)]
            b["households"] += r["h"] or 0
            b["persons"] += r["p"] or 0
            b["amount"] += r["a"] or 0
    names = dict(Region.objects.filter(code__in=list(data)).values_list("code", "name"))
    amount_of = {"dibao": "dibao", "tekun": "tekun_basic", "dibao_individual": "single_inclusion"}

    def line(d: dict[tuple[str, str, str], dict[str, Any]]) -> list[Any]:
        cells: list[Any] = []
        for cat, area in MONTHLY_COLUMNS:
            a = area or "all"
            c = d[("category", cat, a)]
            cells += [c["households"], c["persons"]]
            if cat in amount_of:
                cells.append(d[("benefit", amount_of[cat], a)]["amount"] + (
                    d[("benefit", "tekun_care", a)]["amount"] if cat == "tekun" else 0))
        t = d[("category", "all", "all")]
        cells += [t["households"], t["persons"], d[("benefit", "total", "all")]["amount"]]
        return cells

    body: list[dict[str, Any]] = [{"code": code, "name": names.get(code, code), "cells": line(data[code])}
                                  for code in sorted(data)]
    totals = _column_sums(body)
    # The province's hundred counties: one table per city (each with its subtotal), not one long list.
    cities: list[dict[str, Any]] = []
    if region.level == "province" and body:
        parent = dict(Region.objects.filter(code__in=[r["code"] for r in body]).values_list("code", "parent_id"))
        city_names = dict(Region.objects.filter(code__in=set(parent.values())).values_list("code", "name"))
        by_city: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in body:
            by_city[parent.get(row["code"]) or ""].append(row)
        cities = [{"code": c, "name": city_names.get(c, c), "rows": rows, "totals": _column_sums(rows)}
                  for c, rows in sorted(by_city.items())]
    return {"rows": body, "totals": totals, "cities": cities}


def _column_sums(rows: list[dict[str, Any]]) -> list[Any]:
    return [sum(r["cells"][i] for r in rows) for i in range(len(rows[0]["cells"]))] if rows else []


def changes_shown(overrides: list[str], params: ParameterSet | None = None) -> list[str]:
    """A scenario's stored change lines as a policy officer reads them (engine.whatif.describe_change):
    titles, regions by name, values with their units — never a parameter path."""
    params = params or current_parameters()
    labels = all_labels()
    return [describe_change(params, text, labels) for text in overrides]


def scenarios(user: Any) -> Any:
    require(user, "run_scenarios")
    return Scenario.objects.all()


def scenario(user: Any, pk: int) -> Scenario:
    require(user, "run_scenarios")
    obj = Scenario.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _in_region(qs: Any, field: str, region: Region) -> Any:
    if region.level == "province":
        return qs
    return qs.filter(**{f"{field}__in": RegionClosure.objects.filter(ancestor=region).values("descendant_id")})


def monitoring_figures(region: Region, as_of: Any, lang: str = "zh") -> list[dict[str, Any]]:
    """Warnings per indicator as of a date: raised, verified within the deadline, closed (one GROUP BY)."""
    qs = _in_region(EarlyWarning.objects.filter(raised_at__date__lte=as_of), "county", region)
    rows = qs.values("indicator").annotate(
        raised=Count("id"),
        verified=Count("id", filter=Q(verified_at__date__lte=as_of)),
        in_time=Count("id", filter=Q(verified_at__date__lte=as_of) & Q(verified_at__date__lte=F("verify_due"))),
        closed=Count("id", filter=Q(closed_at__date__lte=as_of)),
    ).order_by("indicator")
    names = {i.key: (i.label_en if lang == "en" else i.label_zh) for i in INDICATORS}
    return [{**r, "label": names.get(r["indicator"], r["indicator"])} for r in rows]


def application_figures(region: Region, as_of: Any) -> dict[str, int]:
    """Applications as of a date: received, decided (within the deadline), refused, overdue (one query)."""
    decided = Q(state__in=("approved", "refused"), decided_on__lte=as_of)
    qs = _in_region(Application.objects.filter(submitted_on__lte=as_of), "county", region)
    figures: dict[str, int] = qs.aggregate(
        received=Count("id"), decided=Count("id", filter=decided),
        in_time=Count("id", filter=decided & Q(decided_on__lte=F("due_on"))),
        approved=Count("id", filter=Q(state="approved", decided_on__lte=as_of)),
        refused=Count("id", filter=Q(state="refused", decided_on__lte=as_of)),
        overdue=Count("id", filter=~decided & ~Q(state="withdrawn") & Q(due_on__lt=as_of)),
    )
    return figures


# --- the effect of a draft parameter revision (effects.py) -----------------------------------------

EFFECT_COUNTS = ("entering", "leaving", "persons_entering", "persons_leaving", "base_households", "scenario_households")
EFFECT_MONEY = ("monthly_cost_base", "monthly_cost_scenario", "monthly_cost_change_by_programme")


def _effect_sum(counties: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of several counties added up (counts per category, yuan per benefit)."""
    out: dict[str, Any] = {"households": sum(c.get("households", 0) for c in counties)}
    for key in EFFECT_COUNTS:
        out[key] = {code: sum(c.get(key, {}).get(code, 0) for c in counties) for code in CATEGORY_ORDER}
    for key in EFFECT_MONEY:
        out[key] = {p: sum((Decimal(c.get(key, {}).get(p, "0")) for c in counties), Decimal("0.00")) for p in BENEFIT_ORDER}
    out["monthly"] = out["monthly_cost_change_by_programme"]["total"]
    out["annual"] = out["monthly"] * 12
    out["entering_total"] = sum(out["entering"].values())
    out["leaving_total"] = sum(out["leaving"].values())
    out["no_effect"] = not (out["entering_total"] or out["leaving_total"]
                            or any(out["monthly_cost_change_by_programme"].values()))
    return out


def _visible_counties(user: Any, codes: list[str]) -> list[str]:
    """The counties among *codes* inside the user's region."""
    if getattr(user, "region_id", None) is None:
        return []
    if user.region.level == "province":
        return sorted(codes)
    inside = set(RegionClosure.objects.filter(ancestor_id=user.region_id, descendant_id__in=codes)
                 .values_list("descendant_id", flat=True))
    return sorted(c for c in codes if c in inside)


def effect_figures(user: Any, result: dict[str, Any]) -> dict[str, Any]:
    """A stored effect as the user may see it: the totals over the counties inside the user's region,
    and those counties grouped by city (each city's figures added up)."""
    by_county = result.get("by_county", {})
    codes = _visible_counties(user, list(by_county))
    regions = {r["code"]: r for r in Region.objects.filter(code__in=codes).values("code", "name", "parent_id", "parent__name")}
    cities: dict[str, dict[str, Any]] = {}
    for code in codes:
        reg = regions.get(code, {"name": code, "parent_id": "", "parent__name": ""})
        city = cities.setdefault(reg["parent_id"] or "", {"code": reg["parent_id"], "name": reg["parent__name"] or "",
                                                          "counties": []})
        city["counties"].append({"code": code, "name": reg["name"], **_effect_sum([by_county[code]])})
    groups = []
    for key in sorted(cities):
        city = cities[key]
        groups.append({**city, **_effect_sum([by_county[c["code"]] for c in city["counties"]])})
    return {"total": _effect_sum([by_county[c] for c in codes]), "cities": groups,
            "counties": sum(len(g["counties"]) for g in groups)}


def revision_effect(user: Any, revision: Any) -> dict[str, Any]:
    """The latest stored effect of *revision* (figures limited to the user's region), the job working
    it out (if any), and whether the parameters in force changed since it was measured."""
    effect = RevisionEffect.objects.filter(revision=revision).select_related("job").first()
    job = Job.objects.filter(kind=EFFECT_KIND, scope_key=effect_scope_key(revision)).order_by("-id").first()
    out: dict[str, Any] = {"effect": effect, "job": job, "figures": None, "stale": False}
    if effect is not None:
        out["figures"] = effect_figures(user, effect.result)
        out["stale"] = effect.base_version != current_parameters().version
    return out


# --- the figures beyond the categories (precomputed per statistics run, every region) ---------------


def programme_label(code: str, lang: str = "zh") -> str:
    """A programme's label (the assistance chain's list: every programme of the matrix and the feeds)."""
    pair = CHAIN_PROGRAMMES.get(code, (OTHER_PROGRAMME, OTHER_PROGRAMME))
    return pair[1] if lang == "en" else pair[0]


def has_figures(stats: StatisticsRun | None) -> bool:
    """Whether the statistics hold the figures beyond the categories (computed at their version)."""
    return stats is not None and stats.version >= FIGURES_VERSION


def _children(region: Region) -> list[Region]:
    level = CHILD_LEVEL.get(region.level)
    return list(Region.objects.filter(parent=region, level=level).order_by("code")) if level else []


def _figure_rows(user: Any, stats: StatisticsRun, region: Region, section: str,
                 children: list[Region]) -> list[dict[str, Any]]:
    """The section's rows of the region and of its child regions (rolled up by the engine)."""
    qs = scoped(FigureRow.objects.filter(statistics=stats, section=section), user, CAP)
    return [dict(r) for r in qs.filter(region__in=[region, *children]).values(
        "region_id", "month", "key", "detail", "count", "households", "amount")]


def _by_region(rows: list[dict[str, Any]], region: Region, children: list[Region], cells: Any,
               rates: dict[str, tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """One line per child region with *cells(rows of that region)*, and a line for the region's own level
    (units of the region itself, e.g. a county-level office) when its figures exceed its children's;
    *rates*: rate key → (part, whole) keys, computed again on that line."""
    of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        of[r["region_id"]].append(r)
    lines = [{"code": c.code, "name": c.name, "drill": c.level != "township", **cells(of[c.code])} for c in children]
    own = cells(of[region.code])
    rest = {k: v - sum(line[k] for line in lines) for k, v in own.items()
            if isinstance(v, int | Decimal) and not isinstance(v, bool) and k not in (rates or {})}
    if children and any(v > 0 for v in rest.values()):
        line = {"code": "", "name": f"{region.name}（本级）", "drill": False, **own, **rest, "own": True}
        for key, (part, whole) in (rates or {}).items():
            line[key] = _rate(line[part], line[whole])
        lines.append(line)
    return lines


def _rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (None when there is no whole)."""
    return (Decimal(part * 100) / Decimal(whole)).quantize(Decimal("0.1")) if whole else None


def coverage_run(stats: StatisticsRun) -> CoverageRun | None:
    """The latest kept coverage of a matching run over the statistics' determination run."""
    return CoverageRun.objects.filter(determination_run_id=stats.run_id).select_related("match_run").first()


COVERED = ("given", "enrolled")
ELIGIBLE = ("given", "enrolled", "missing", "declined")


def _coverage_cells(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n: dict[str, int] = defaultdict(int)
    for r in rows:
        n[r["status"]] += r["subjects"]
    eligible, covered = sum(n[s] for s in ELIGIBLE), sum(n[s] for s in COVERED)
    return {"eligible": eligible, "covered": covered, "missing": n["missing"], "declined": n["declined"],
            "duplicate": n["duplicate"], "two_households": n["two_households"], "rate": _rate(covered, eligible)}


def coverage(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """People in the registry against those assisted, per programme: the programme matrix applied (a
    matching run: eligible, given, enrolled without applying, missing = 应享未享, declined, duplicates,
    one person on two households) and the people with the programme on their assistance chain."""
    children = _children(region)
    registry = _rows(user, stats, region).filter(kind__in=("registry", "category"), key="all").values("kind").annotate(
        h=Sum("households"), p=Sum("persons"))
    totals = {r["kind"]: {"households": r["h"] or 0, "persons": r["p"] or 0} for r in registry}
    chain_rows = _figure_rows(user, stats, region, "chain", children)
    chain = {r["key"]: r for r in chain_rows if r["region_id"] == region.code}
    cov = coverage_run(stats)
    rows: list[dict[str, Any]] = []
    if cov is not None:
        qs = scoped(CoverageRow.objects.filter(coverage=cov), user, CAP).filter(region__in=[region, *children])
        rows = [dict(r) for r in qs.values("region_id", "programme", "status", "subjects", "households")]
    own = [r for r in rows if r["region_id"] == region.code]
    seen = {r["programme"] for r in own} | {k for k in chain if k != ALL}
    order = [p.key for p in MATRIX] + sorted(seen - {p.key for p in MATRIX})
    programmes = []
    for key in order:
        if key not in seen and not any(p.key == key and p.matchable for p in MATRIX):
            continue
        p = MATRIX_BY_KEY.get(key)
        cells = _coverage_cells([r for r in own if r["programme"] == key])
        household_level = p is not None and (p.unit == "household" or key in DETERMINED)
        programmes.append({
            "code": key, "label": programme_label(key, lang),
            "department": p.department_zh if p is not None and lang != "en" else "",
            "unit": "household" if household_level else "person",
            "chain_persons": (chain.get(key) or {}).get("count", 0),
            "chain_households": (chain.get(key) or {}).get("households", 0), **cells,
        })
    return {
        "coverage": cov, "registry": totals.get("registry", {"households": 0, "persons": 0}),
        "low_income": totals.get("category", {"households": 0, "persons": 0}),
        "chain_persons": (chain.get(ALL) or {}).get("count", 0), "programmes": programmes,
        "total": _coverage_cells(own), "children": _by_region(rows, region, children, _coverage_cells, {"rate": ("covered", "eligible")}),
    }


def money(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """Money per programme, month and region: approved payroll lines and departments' assistance records
    over the 12 months up to the statistics' month; average per person in the statistics' month."""
    children = _children(region)
    rows = _figure_rows(user, stats, region, "money", children)
    first, last = month_window(stats.as_of)
    months = [add_months(first, i) for i in range(12)]
    own = [r for r in rows if r["region_id"] == region.code]
    zero = Decimal("0.00")
    by_programme: dict[str, dict[str, Any]] = {}
    by_month: dict[Any, dict[str, Decimal]] = {m: {PAYROLL: zero, DEPARTMENT: zero} for m in months}
    for r in own:
        p = by_programme.setdefault(r["key"], {"payroll": zero, "department": zero, "persons": 0, "households": 0,
                                               "year": zero})
        p["year"] += r["amount"]
        by_month[r["month"]][r["detail"]] += r["amount"]
        if r["month"] == last:
            p[r["detail"]] += r["amount"]
            p["persons"] += r["count"]
            p["households"] += r["households"]
    programmes = []
    for key in sorted(by_programme, key=lambda k: (-by_programme[k]["year"], k)):
        p = by_programme[key]
        total = p["payroll"] + p["department"]
        programmes.append({"code": key, "label": programme_label(key, lang), **p, "total": total,
                           "average": (total / p["persons"]).quantize(Decimal("0.01")) if p["persons"] else None})

    def cells(rs: list[dict[str, Any]]) -> dict[str, Any]:
        month = sum((r["amount"] for r in rs if r["month"] == last), zero)
        return {"month": month, "year": sum((r["amount"] for r in rs), zero)}

    return {
        "first": first, "last": last, "programmes": programmes,
        "months": [{"month": m, "payroll": v[PAYROLL], "department": v[DEPARTMENT], "total": v[PAYROLL] + v[DEPARTMENT]}
                   for m, v in by_month.items()],
        "total": {"month": sum((p["total"] for p in programmes), zero), "year": sum((p["year"] for p in programmes), zero),
                  "payroll": sum((p["payroll"] for p in programmes), zero),
                  "department": sum((p["department"] for p in programmes), zero)},
        "children": _by_region(rows, region, children, cells),
    }


def money_by_county(user: Any, stats: StatisticsRun, region: Region) -> list[dict[str, Any]]:
    """Every county under the region (the region itself if a county): month, programme, source, households,
    persons, amount — the long table of the Excel export."""
    qs = scoped(FigureRow.objects.filter(statistics=stats, section="money", region__level="county"), user, CAP)
    if region.level != "province":
        qs = qs.filter(region__in=RegionClosure.objects.filter(ancestor=region).values("descendant_id"))
    return [dict(r) for r in qs.order_by("region_id", "month", "key", "detail").values(
        "region_id", "region__name", "month", "key", "detail", "count", "households", "amount")]


def _application_cells(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = {m: 0 for m in APPLICATION_MEASURES}
    for r in rows:
        n[r["key"]] += r["count"]
    return {**n, "in_time_rate": _rate(n["in_time"], n["decided"])}


def applications(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """Applications as of the statistics' date (received, decided, within the deadline, approved, refused,
    overdue) per region, and the refusal reasons: the failed criteria the decisions cite, counted by
    criterion (an application once per criterion)."""
    children = _children(region)
    rows = _figure_rows(user, stats, region, "applications", children)
    own = _application_cells([r for r in rows if r["region_id"] == region.code])
    refusal_rows = [r for r in _figure_rows(user, stats, region, "refusals", children) if r["region_id"] == region.code]
    refused = sum(r["count"] for r in refusal_rows if r["key"] == ALL)
    labels = criterion_labels()
    reasons = [{"criterion": r["key"], "category": r["detail"],
                "category_label": label(r["detail"], lang) if r["detail"] in CATEGORIES else "",
                "label": labels.get((r["detail"], r["key"])) or SPECIAL_REASONS.get(r["key"]) or OTHER_REASON,
                "count": r["count"], "share": _rate(r["count"], refused)}
               for r in refusal_rows if r["key"] != ALL]
    reasons.sort(key=lambda r: (-r["count"], r["category"], r["criterion"]))
    return {"total": own, "refused": refused, "reasons": reasons,
            "children": _by_region(rows, region, children, _application_cells, {"in_time_rate": ("in_time", "decided")})}


def _warning_cells(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = {m: 0 for m in WARNING_MEASURES}
    for r in rows:
        n[r["detail"]] += r["count"]
    return {**n, "in_time_rate": _rate(n["in_time"], n["verified"])}


def warnings(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """Early warnings as of the statistics' date per indicator and per region (of the responsible unit):
    raised, verified, verified by the verify-by date, closed."""
    children = _children(region)
    rows = _figure_rows(user, stats, region, "warnings", children)
    own = [r for r in rows if r["region_id"] == region.code]
    names = {i.key: (i.label_en if lang == "en" else i.label_zh) for i in INDICATORS}
    keys = [i.key for i in INDICATORS if any(r["key"] == i.key for r in own)] + sorted(
        {r["key"] for r in own} - set(names))
    return {"indicators": [{"code": k, "label": names.get(k, OTHER_INDICATOR),
                            **_warning_cells([r for r in own if r["key"] == k])} for k in keys],
            "total": _warning_cells(own),
            "children": _by_region(rows, region, children, _warning_cells, {"in_time_rate": ("in_time", "verified")})}
