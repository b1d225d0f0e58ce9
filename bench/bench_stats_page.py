"""Benchmark: the province statistics pages read precomputed figures (issue 18 target: ≤ 1 s).

What a page reads does not grow with households but with regions: the stored rows of a statistics run
are per township (categories and benefits) and per region at every level (the figures beyond them).
So this fills a fresh SQLite database (or ``JIUZHU_DATABASE_URL``) with the **densest** rows the full
province can have — every one of the generator's 1,430 townships, both areas, every category and
benefit, in each of 12 monthly runs (the dashboard's trend reads 12); for the latest run, money in every
township, month and programme from payrolls and from departments, applications, refusal reasons,
warnings, the assistance chain and a matching run's coverage, rolled up by the engine exactly as the
statistics job does — and times the pages through Django's test client, logged in as the province (and
a county), after one warm-up request: median of ``--runs``.

    .venv/bin/python bench/bench_stats_page.py [--runs 5] [--dir /tmp/stats-page-bench]

Prints JSON; the figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--dir", default="/tmp/stats-page-bench")
    args = p.parse_args()
    var = Path(args.dir)
    if var.exists():
        shutil.rmtree(var)
    var.mkdir(parents=True)
    os.environ["JIUZHU_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    import django

    django.setup()
    started = time.perf_counter()
    info = fill(var)
    info["fill_seconds"] = round(time.perf_counter() - started, 1)
    info["pages"] = measure(info.pop("stats_pk"), args.runs)
    info["loadavg_after"] = os.getloadavg()
    print(json.dumps(info, ensure_ascii=False, indent=1))


def fill(var: Path) -> dict[str, Any]:
    import pyarrow.parquet as pq
    from django.core.management import call_command
    from django.db import connection, transaction

    from jiuzhu.apps.core.keys import ensure_demo_keyring
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import regions_load, shipped_region_rows
    from jiuzhu.apps.determination.models import DeterminationRun
    from jiuzhu.apps.reports import inputs
    from jiuzhu.apps.reports.models import FIGURES_VERSION, FigureRow, StatisticsRun, StatRow
    from jiuzhu.engine import stats as engine
    from jiuzhu.engine.synth import generate
    from jiuzhu.rules.determination.categories import CATEGORIES
    from jiuzhu.rules.money import from_fen
    from jiuzhu.rules.programmes import add_months

    ensure_demo_keyring()
    call_command("migrate", verbosity=0)
    regions_load(shipped_region_rows())
    generate(50, 1, var / "gen")  # for its region tree (every township of the province)
    regions_load(pq.read_table(var / "gen" / "regions.parquet").to_pylist())
    townships = list(Region.objects.filter(level="township").values_list("code", "parent_id"))
    rng = random.Random(1)
    closure = inputs.paths()
    keys = [("category", c) for c in [*CATEGORIES, "all"]] + [("benefit", b) for b in (
        "dibao", "dibao_supplement", "tekun_basic", "tekun_care", "single_inclusion", "total")] + [("registry", "all")]
    latest = None
    for k in range(12):  # one run a month, Nov 2025 … Oct 2026
        as_of = add_months(dt.date(2025, 12, 1), k) - dt.timedelta(days=1)
        run = DeterminationRun.objects.create(as_of=as_of, parameter_version="bench", households=0)
        stats = StatisticsRun.objects.create(run=run, as_of=as_of, households=0, version=FIGURES_VERSION)
        rows = [{"township": town, "county": county, "area_type": area, "kind": kind, "key": key,
                 "households": rng.randint(1, 400), "persons": rng.randint(1, 900), "amount_fen": rng.randint(0, 9_000_000)}
                for town, county in townships for area in ("urban", "rural") for kind, key in keys]
        with transaction.atomic():
            StatRow.objects.bulk_create([
                StatRow(statistics=stats, county_id=r["county"], township_id=r["township"], area_type=r["area_type"],
                        kind=r["kind"], key=r["key"], households=r["households"], persons=r["persons"],
                        amount=from_fen(r["amount_fen"])) for r in rows], batch_size=5000)
            FigureRow.objects.bulk_create([
                FigureRow(statistics=stats, section="overview", region_id=r["region"], key=r["key"], detail=r["detail"],
                          count=r["count"], households=r["households"], amount=from_fen(r["amount_fen"]))
                for r in engine.overview(rows, closure)], batch_size=5000)
        latest = stats
    assert latest is not None
    as_of = latest.as_of
    first, last = inputs.month_window(as_of)
    months = [add_months(first, i) for i in range(12)]
    programmes = ["dibao", "tekun", "dibao_individual", "price_subsidy", "medical_assistance", "education_assistance",
                  "disability_subsidies", "rent_subsidy", "temporary_assistance", "disaster_relief"]
    pay = [(t, m, prog, rng.randint(1, 90), rng.randint(1, 200), rng.randint(100, 9_000_000))
           for t, _c in townships for m in months for prog in programmes[:4]]
    rec = [(t, f"p{t}{i}", hash((t, i)) % 10**9, rng.choice(programmes[4:]), rng.choice(("total", "monthly")),
            rng.choice(months), None, rng.randint(100, 900_000)) for t, _c in townships for i in range(40)]
    chain = [(t, f"p{t}{i}", hash((t, i)) % 10**9, rng.choice(programmes), None, None)
             for t, _c in townships for i in range(60)]
    apps = [(t, rng.choice(("approved", "refused", "visited", "submitted")), as_of - dt.timedelta(days=rng.randint(1, 300)),
             as_of - dt.timedelta(days=rng.randint(0, 30)), as_of + dt.timedelta(days=rng.randint(-60, 30)))
            for t, _c in townships for _ in range(20)]
    crit = ["dibao.income", "dibao.property.financial", "dibao.property.vehicle", "tekun.no_capacity", "marginal.income"]
    refusals = [(t, i, c.split(".")[0], c) for t, _c in townships for i in range(8) for c in rng.sample(crit, 2)]
    indicators = ["medical_self_paid", "serious_illness", "severe_disability", "death", "vehicle", "business"]
    warnings = [(rng.choice((t, c)), rng.choice(indicators), as_of - dt.timedelta(days=rng.randint(1, 200)),
                 as_of - dt.timedelta(days=rng.randint(0, 100)), as_of - dt.timedelta(days=rng.randint(0, 150)), None)
                for t, c in townships for _ in range(10)]
    statuses = ["given", "missing", "enrolled", "declined", "duplicate"]
    cover = [(t, prog, s, rng.randint(1, 300), rng.randint(1, 200)) for t, _c in townships
             for prog in programmes + ["medical_insurance_subsidy", "care_service", "utility_reduction", "legal_aid",
                                       "employment_assistance", "pension_contribution_subsidy"] for s in statuses]
    t0 = time.perf_counter()
    figures = {
        "money": engine.money(inputs._table(engine.PAYROLL_SCHEMA, pay), inputs._table(engine.RECORDS_SCHEMA, rec),
                              closure, first, last),
        "chain": engine.chain(inputs._table(engine.CHAIN_SCHEMA, chain), closure, as_of - dt.timedelta(days=365), as_of),
        "applications": engine.applications(inputs._table(engine.APPLICATIONS_SCHEMA, apps), closure, as_of),
        "refusals": engine.refusals(inputs._table(engine.REFUSALS_SCHEMA, refusals), closure),
        "warnings": engine.warnings(inputs._table(engine.WARNINGS_SCHEMA, warnings), closure, as_of),
    }
    coverage = engine.coverage(inputs._table(engine.COVERAGE_SCHEMA, cover), closure)
    engine_seconds = time.perf_counter() - t0
    from jiuzhu.apps.assistance.models import MatchRun
    from jiuzhu.apps.reports.models import CoverageRow, CoverageRun

    with transaction.atomic():
        FigureRow.objects.bulk_create([
            FigureRow(statistics=latest, section=name, region_id=r["region"], month=r["month"], key=r["key"],
                      detail=r["detail"], count=r["count"], households=r["households"], amount=from_fen(r["amount_fen"]))
            for name, rows in figures.items() for r in rows], batch_size=5000)
        mr = MatchRun.objects.create(as_of=as_of, determination_run=latest.run, households=0)
        cov = CoverageRun.objects.create(match_run=mr, determination_run=latest.run, as_of=as_of)
        CoverageRow.objects.bulk_create([
            CoverageRow(coverage=cov, region_id=r["region"], programme=r["key"], status=r["detail"], subjects=r["count"],
                        households=r["households"]) for r in coverage], batch_size=5000)
    return {"database": connection.vendor, "townships": len(townships), "stat_rows": StatRow.objects.count(),
            "figure_rows": FigureRow.objects.filter(statistics=latest).count(),
            "coverage_rows": CoverageRow.objects.count(), "engine_rollup_seconds": round(engine_seconds, 2),
            "stats_pk": latest.pk, "loadavg_before": os.getloadavg()}


def measure(stats_pk: int, runs: int) -> dict[str, Any]:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create

    out: dict[str, Any] = {}
    for role, region in (("province", "360000"), ("county", "360124")):
        user = user_create(actor=None, username=f"bench{role}", password="Bench@Pass1-26-x", role=role,
                           region=Region.objects.get(code=region))
        client = Client()
        client.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        for name, url in (("dashboard", "/reports/"), ("coverage", "/reports/coverage/"), ("money", "/reports/money/"),
                          ("applications", "/reports/applications/"), ("warnings", "/reports/warnings/"),
                          ("monthly report", "/reports/monthly/")):
            assert client.get(url, {"stats": stats_pk}).status_code == 200  # warm-up
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                resp = client.get(url, {"stats": stats_pk})
                times.append(time.perf_counter() - t)
                assert resp.status_code == 200
            out[f"{role} {name}"] = {"median_s": round(statistics.median(times), 3),
                                     "runs_s": [round(x, 3) for x in times]}
    return out


if __name__ == "__main__":
    main()
