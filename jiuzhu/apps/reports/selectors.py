"""Reads of the statistics and scenarios, scoped to the user's region (core.scoping)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.http import Http404

from jiuzhu.apps.applications.models import Application
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import require, scoped
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.monitoring.models import Warning as EarlyWarning
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.engine.monitoring.indicators import INDICATORS
from jiuzhu.rules.determination.categories import CATEGORIES, label

from .effects import KIND as EFFECT_KIND
from .effects import scope_key as effect_scope_key
from .models import RevisionEffect, Scenario, StatisticsRun, StatRow

CAP = "view_statistics"
CATEGORY_ORDER = tuple(CATEGORIES)
BENEFIT_ORDER = ("dibao", "dibao_supplement", "tekun_basic", "tekun_care", "single_inclusion", "total")
CHILD_LEVEL = {"province": "city", "city": "county", "county": "township"}


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


def runs_without_statistics() -> list[DeterminationRun]:
    return list(DeterminationRun.objects.completed().filter(statistics__isnull=True).order_by("-id")[:10])


def run_without_statistics(pk: Any) -> DeterminationRun | None:
    try:
        return DeterminationRun.objects.completed().filter(statistics__isnull=True, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def _rows(user: Any, stats: StatisticsRun, region: Region) -> Any:
    qs = scoped(StatRow.objects.filter(statistics=stats), user, CAP)
    if region.level != "province":
        qs = qs.filter(township__in=RegionClosure.objects.filter(ancestor=region).values("descendant_id"))
    return qs


def _empty() -> dict[str, Any]:
    return {"households": 0, "persons": 0, "amount": Decimal("0.00")}


def overview(user: Any, stats: StatisticsRun, region: Region, lang: str = "zh") -> dict[str, Any]:
    """Category and benefit figures of a region: totals, urban/rural, and per child region."""
    rows = list(_rows(user, stats, region).values("township_id", "area_type", "kind", "key")
                .annotate(h=Sum("households"), p=Sum("persons"), a=Sum("amount")))
    child_level = CHILD_LEVEL.get(region.level)
    child_of: dict[str, str] = {}
    children: list[Region] = []
    if child_level:
        children = list(Region.objects.filter(parent=region, level=child_level).order_by("code"))
        for anc, desc in RegionClosure.objects.filter(ancestor__in=children, descendant__level="township").values_list(
                "ancestor_id", "descendant_id"):
            child_of[desc] = anc
    cats: dict[str, dict[str, Any]] = defaultdict(_empty)
    benefits: dict[str, dict[str, Any]] = defaultdict(_empty)
    by_area: dict[tuple[str, str], dict[str, Any]] = defaultdict(_empty)
    by_child: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(_empty)
    for r in rows:
        target = cats if r["kind"] == "category" else benefits
        for bucket in (target[r["key"]], by_area[(r["kind"] + ":" + r["key"], r["area_type"])]):
            bucket["households"] += r["h"] or 0
            bucket["persons"] += r["p"] or 0
            bucket["amount"] += r["a"] or 0
        child = child_of.get(r["township_id"])
        if child:
            b = by_child[(child, r["kind"], r["key"])]
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
    out = []
    for month in sorted(latest)[-months:]:
        s = latest[month]
        agg = {(r["kind"], r["key"]): r for r in _rows(user, s, region).values("kind", "key")
               .annotate(h=Sum("households"), p=Sum("persons"), a=Sum("amount"))}
        out.append({
            "month": month, "as_of": s.as_of, "run": s.run_id,
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
