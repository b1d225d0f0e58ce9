"""Benchmark: the determination batch against a plain-SQL floor and an OpenFisca reference.

In one run, over the same snapshot (default 1,000,000 synthetic households):

* **batch** — ``jiuzhu.engine.determination.batch.run_batch`` (DuckDB features + the numpy
  formulas, all six categories, benefits, every household-level intermediate), writing
  results Parquet; measured at ``summary`` detail (the columns the floor writes, plus
  member lists) and at the default ``standard`` detail;
* **floor** — the three core tests (dibao, marginal, rigid expenditure: same income window,
  pro-rating, exclusions, employment deduction, property rules, thresholds) written as
  one plain DuckDB SQL query (``COPY … TO`` Parquet);
* **openfisca** — the same three tests as an OpenFisca-core tax-benefit system (persons
  and households; multipliers and limits as OpenFisca parameters; the region-keyed
  standard passed per household), fed from the same snapshot (household features by
  DuckDB, then ``SimulationBuilder`` + ``calculate``).

Each measurement is a fresh process (peak RSS from ``getrusage``); the median of --runs
runs is reported.  The floor and OpenFisca tiers are cross-checked against the batch's
main tier on households without tekun members.  Rewrites the "## Determination" section
of docs/benchmarks.md.

    .venv/bin/python bench/bench_determination.py [--households 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SECTION = "## Determination"
AS_OF = date(2026, 1, 15)


def _rss_mb() -> float:
    """Peak RSS of this process (VmHWM: reset by exec, unlike ru_maxrss which a child
    started by fork+exec inherits from a large parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- floor SQL


_EXCLUDED = ("coalesce(m.in_prison, false) OR coalesce(m.compulsory_detox, false) OR coalesce(m.declared_missing, false) "
             "OR coalesce(m.religious_away, false) OR coalesce(m.military_service, false)")


def floor_sql(as_of: date, window: tuple[date, date] | None = None, excluded: tuple[str, ...] | None = None) -> str:
    """The three core tests as one plain DuckDB query (reads ``pf`` and ``px``).

    Written as a competent SQL author would over the same snapshot: joins and groups on the
    integer keys; with *window* / *excluded* (uniform over the run, as the batch checks) the
    income window and the non-counted subtypes are constants, as in the batch's query."""
    def prorate(amt: str) -> str:
        return (f"CASE WHEN ov <= 0 OR pd <= 0 THEN 0 WHEN ov >= pd THEN {amt} WHEN {amt} >= 0 "
                f"THEN (2 * {amt} * ov + pd) // (2 * pd) ELSE -((2 * (-{amt}) * ov + pd) // (2 * pd)) END")

    if window is not None and excluded is not None:
        ws, we = f"DATE '{window[0]}'", f"DATE '{window[1]}'"
        join_p = ""
        excl_sub = f"coalesce(t.subtype IN ({', '.join(repr(x) for x in excluded)}), false)" if excluded else "false"
        px_join = ""
    else:
        ws, we = "p.w_start", "p.w_end"
        join_p = "JOIN p ON p.household_key = t.household_key"
        excl_sub = "px.subtype IS NOT NULL"
        px_join = "LEFT JOIN px ON px.param_idx = t.param_idx AND px.subtype = t.subtype"
    win = f"""date_diff('day', greatest(coalesce(t.period_start, {ws}), {ws}), least(coalesce(t.period_end, {we}), {we})) + 1 AS ov,
             date_diff('day', coalesce(t.period_start, {ws}), coalesce(t.period_end, {we})) + 1 AS pd"""
    pcol = ", p.param_idx" if join_p else ""
    excl = _EXCLUDED
    return f"""
COPY (
WITH p AS (
  SELECT h.household_key, h.household_id, pf.* FROM households h JOIN pf USING (county_code, area_type)
),
ex AS (SELECT member_key FROM members m WHERE {excl}),
nm AS (
  SELECT household_key, COUNT(*) AS n,
         COUNT(*) FILTER (WHERE employment IN ('employed', 'self_employed')) AS n_emp
  FROM members m WHERE NOT ({excl}) GROUP BY household_key
),
inc AS (
  SELECT household_key,
         SUM(c) FILTER (WHERE NOT excluded_subtype) AS counted,
         SUM(c) FILTER (WHERE NOT excluded_subtype AND income_type IN ('wages', 'business')) AS earned
  FROM (
    SELECT t.household_key, t.income_type, {excl_sub} AS excluded_subtype,
           {prorate("amt")} AS c
    FROM (SELECT t.*, CAST(t.amount * 100 AS BIGINT) AS amt{pcol}, {win}
          FROM income_items t {join_p}
          ANTI JOIN ex ON ex.member_key = t.member_key) t
    {px_join}
  ) GROUP BY household_key
),
exp AS (
  SELECT household_key, SUM({prorate("amt")}) AS expense
  FROM (SELECT t.*, CAST(t.amount * 100 AS BIGINT) AS amt, {win}
        FROM expenses t {join_p}
        ANTI JOIN ex ON ex.member_key = t.member_key) t
  GROUP BY household_key
),
prop AS (
  SELECT household_key,
         SUM(CASE WHEN property_type IN ('deposit', 'securities', 'insurance') THEN CAST(value * 100 AS BIGINT) ELSE 0 END) AS fin,
         MAX(CASE WHEN property_type = 'vehicle' THEN CAST(value * 100 AS BIGINT) END) AS veh,
         COUNT(*) FILTER (WHERE property_type = 'real_estate') AS re,
         COUNT(*) FILTER (WHERE property_type = 'business') AS biz
  FROM property_items WHERE NOT coalesce(exempt, false) GROUP BY household_key
),
f AS (
  SELECT p.*, coalesce(nm.n, 0) AS n,
         coalesce(inc.counted, 0) - least(coalesce(nm.n_emp, 0) * p.window_months * p.emp_fen, greatest(coalesce(inc.earned, 0), 0)) AS income,
         coalesce(exp.expense, 0) AS expense,
         coalesce(prop.fin, 0) AS fin, prop.veh, coalesce(prop.re, 0) AS re, coalesce(prop.biz, 0) AS biz
  FROM p LEFT JOIN nm USING (household_key) LEFT JOIN inc USING (household_key)
  LEFT JOIN exp USING (household_key) LEFT JOIN prop USING (household_key)
),
g AS (
  SELECT *,
    CASE WHEN income >= 0 THEN (2 * income + window_months * n) // (2 * window_months * n)
         ELSE -((2 * (-income) + window_months * n) // (2 * window_months * n)) END AS pc,
    CASE WHEN income - expense >= 0 THEN (2 * (income - expense) + window_months * n) // (2 * window_months * n)
         ELSE -((2 * (expense - income) + window_months * n) // (2 * window_months * n)) END AS pc_after
  FROM f WHERE n > 0
),
t AS (
  SELECT *,
    pc < std_fen AND fin <= d_fin_months * std_fen * n AND coalesce(veh, 0) <= d_veh_fen AND re <= d_re AND biz <= d_biz AS dibao,
    fin <= m_fin_months * std_fen * n AND coalesce(veh, 0) <= m_veh_fen AND re <= m_re AND biz <= m_biz AS m_prop
  FROM g
)
SELECT household_id,
  CASE WHEN dibao THEN 'dibao'
       WHEN m_prop AND pc * 1000000 < marginal_mult * std_fen THEN 'marginal'
       WHEN m_prop AND pc * 12 < disp_annual_fen
            AND (expense * 1000000 > rigid_ratio * income OR pc_after * 1000000 < rigid_mult * std_fen) THEN 'rigid'
       ELSE 'none' END AS tier,
  CASE WHEN dibao THEN ((std_fen - greatest(pc, 0)) * n + 50) // 100 * 100 ELSE 0 END AS dibao_fen,
  pc AS per_capita_income_fen
FROM t
) TO '{{out}}' (FORMAT parquet, COMPRESSION zstd)
"""


def _floor_params(con: Any, as_of: date) -> Any:
    """``pf``/``px`` tables from the same resolved parameters the batch uses."""
    import pyarrow as pa

    from jiuzhu.engine.determination.batch import _param_table
    from jiuzhu.engine.determination.evaluate import param_key_tables
    from jiuzhu.rules.params import load_jiangxi

    ptab = _param_table(con, load_jiangxi(), as_of)
    a = ptab.arrays
    ok = [i for i, e in enumerate(ptab.errors) if e is None]
    emp = [(int(a["p_min_wage_fen"][i]) * int(a["p_emp_rate"][i]) * 2 + 1_000_000) // 2_000_000 for i in ok]
    pf = pa.table({
        "county_code": [ptab.keys[i][0] for i in ok], "area_type": [ptab.keys[i][1] for i in ok],
        "param_idx": pa.array(ok, pa.int64()),
        "w_start": pa.array([ptab.windows[i][0] for i in ok], pa.date32()),
        "w_end": pa.array([ptab.windows[i][1] for i in ok], pa.date32()),
        "std_fen": a["p_std_fen"][ok], "window_months": a["p_window_months"][ok], "emp_fen": pa.array(emp, pa.int64()),
        "marginal_mult": a["p_marginal_mult"][ok], "rigid_ratio": a["p_rigid_ratio"][ok],
        "rigid_mult": a["p_rigid_mult"][ok], "disp_annual_fen": a["p_disp_annual_fen"][ok],
        "d_fin_months": a["p_dibao_fin_months"][ok], "d_veh_fen": a["p_dibao_vehicle_max_fen"][ok],
        "d_re": a["p_dibao_re_max"][ok], "d_biz": a["p_dibao_biz_max"][ok],
        "m_fin_months": a["p_marginal_fin_months"][ok], "m_veh_fen": a["p_marginal_vehicle_max_fen"][ok],
        "m_re": a["p_marginal_re_max"][ok], "m_biz": a["p_marginal_biz_max"][ok],
    })
    _, px = param_key_tables(ptab)
    return pf, px, ptab


def _uniform(con: Any, ptab: Any) -> tuple[Any, Any]:
    """The run's income window and non-counted subtypes when uniform (the batch's own test)."""
    no_key = con.sql("SELECT COUNT(*) FROM households WHERE county_code IS NULL OR area_type IS NULL").fetchall()[0][0]
    if no_key == 0 and len(set(ptab.windows)) == 1 and len({tuple(sorted(x)) for x in ptab.excluded_subtypes}) == 1:
        return ptab.windows[0], tuple(sorted(ptab.excluded_subtypes[0]))
    return None, None


# --------------------------------------------------------------------------- OpenFisca model


def openfisca_system() -> Any:
    """A minimal OpenFisca tax-benefit system with the three core tests."""
    import numpy as np
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    person = build_entity(key="person", plural="persons", label="成员", is_person=True)
    household = build_entity(
        key="household", plural="households", label="家庭",
        roles=[{"key": "member", "plural": "members", "label": "成员"}],
    )
    tbs = TaxBenefitSystem([person, household])
    tbs.parameters = ParameterNode("", data={
        "marginal_multiplier": {"values": {"2024-04-18": 1.5}},
        "rigid_ratio": {"values": {"2024-04-18": 0.6}},
        "rigid_multiplier": {"values": {"2024-04-18": 1.5}},
        "dibao_fin_months": {"values": {"2021-07-01": 24}},
        "marginal_fin_months": {"values": {"2021-07-01": 36}},
    })

    def var(name: str, entity: Any, vtype: type = int, formula: Any = None) -> None:
        attrs: dict[str, Any] = {"value_type": vtype, "entity": entity, "definition_period": DateUnit.MONTH, "label": name}
        if formula is not None:
            attrs["formula"] = formula
        tbs.add_variable(type(name, (Variable,), attrs))

    for name in ("counted", "employed"):
        var(name, person, bool)
    for name in ("income_fen", "expense_fen", "fin_fen", "veh_fen", "re", "biz", "std_fen", "disp_annual_fen",
                 "window_months", "d_veh_fen", "m_veh_fen", "d_re", "d_biz", "m_re", "m_biz"):
        var(name, household, int)

    def scaled(x: Any) -> Any:
        return np.round(np.asarray(x, dtype=np.float64) * 1_000_000).astype(np.int64)

    def n_members(h: Any, period: Any, parameters: Any) -> Any:
        return h.sum(h.members("counted", period))

    def per_capita(h: Any, period: Any, parameters: Any) -> Any:
        income = h("income_fen", period).astype(np.int64)
        d = np.maximum(h("window_months", period).astype(np.int64) * h("n_members", period).astype(np.int64), 1)
        q = (2 * np.abs(income) + d) // (2 * d)
        return np.where(income < 0, -q, q)

    def per_capita_after(h: Any, period: Any, parameters: Any) -> Any:
        income = h("income_fen", period).astype(np.int64) - h("expense_fen", period).astype(np.int64)
        d = np.maximum(h("window_months", period).astype(np.int64) * h("n_members", period).astype(np.int64), 1)
        q = (2 * np.abs(income) + d) // (2 * d)
        return np.where(income < 0, -q, q)

    def prop_ok(tier: str) -> Any:
        def f(h: Any, period: Any, parameters: Any) -> Any:
            months = getattr(parameters(period), f"{tier}_fin_months")
            std = h("std_fen", period).astype(np.int64)
            n = h("n_members", period).astype(np.int64)
            t = tier[0]
            return ((h("fin_fen", period).astype(np.int64) <= int(months) * std * n)
                    & (h("veh_fen", period) <= h(f"{t}_veh_fen", period))
                    & (h("re", period) <= h(f"{t}_re", period)) & (h("biz", period) <= h(f"{t}_biz", period)))
        return f

    def dibao(h: Any, period: Any, parameters: Any) -> Any:
        return (h("per_capita_income", period) < h("std_fen", period)) & h("dibao_property_ok", period)

    def marginal(h: Any, period: Any, parameters: Any) -> Any:
        mult = scaled(parameters(period).marginal_multiplier)
        return (~h("dibao", period) & h("marginal_property_ok", period)
                & (h("per_capita_income", period).astype(np.int64) * 1_000_000 < mult * h("std_fen", period).astype(np.int64)))

    def rigid(h: Any, period: Any, parameters: Any) -> Any:
        p = parameters(period)
        pc = h("per_capita_income", period).astype(np.int64)  # OpenFisca stores int as int32
        income = h("income_fen", period).astype(np.int64)
        exp = h("expense_fen", period).astype(np.int64)
        route_a = exp * 1_000_000 > scaled(p.rigid_ratio) * income
        route_b = h("per_capita_after_expense", period).astype(np.int64) * 1_000_000 < scaled(p.rigid_multiplier) * h("std_fen", period).astype(np.int64)
        return (~h("dibao", period) & ~h("marginal", period) & h("marginal_property_ok", period)
                & (pc * 12 < h("disp_annual_fen", period).astype(np.int64)) & (route_a | route_b))

    def tier(h: Any, period: Any, parameters: Any) -> Any:
        return np.select([h("dibao", period), h("marginal", period), h("rigid", period)], [1, 2, 3], 0)

    def dibao_amount(h: Any, period: Any, parameters: Any) -> Any:
        gap = (h("std_fen", period).astype(np.int64) - np.maximum(h("per_capita_income", period).astype(np.int64), 0)) * h("n_members", period).astype(np.int64)
        return np.where(h("dibao", period), (gap + 50) // 100 * 100, 0)

    var("n_members", household, int, n_members)
    var("per_capita_income", household, int, per_capita)
    var("per_capita_after_expense", household, int, per_capita_after)
    var("dibao_property_ok", household, bool, prop_ok("dibao"))
    var("marginal_property_ok", household, bool, prop_ok("marginal"))
    var("dibao", household, bool, dibao)
    var("marginal", household, bool, marginal)
    var("rigid", household, bool, rigid)
    var("tier", household, int, tier)
    var("dibao_amount", household, int, dibao_amount)
    return tbs


# --------------------------------------------------------------------------- child phases


def child(phase: str, snap: Path, out: Path) -> dict[str, Any]:

    if phase.startswith("batch"):
        from jiuzhu.engine.determination.batch import run_batch

        detail = phase.split("_", 1)[1]
        t0 = time.perf_counter()
        s = run_batch(snap, AS_OF, out, detail=detail)
        return {"seconds": time.perf_counter() - t0, "timings": s.timings, "categories": s.categories, "errors": s.errors}

    from jiuzhu.engine.determination.batch import connect_snapshot

    if phase == "floor":
        t0 = time.perf_counter()
        con = connect_snapshot(snap)
        pf, px, ptab = _floor_params(con, AS_OF)
        con.register("pf", pf)
        con.register("px", px)
        window, excluded = _uniform(con, ptab)
        con.execute(floor_sql(AS_OF, window, excluded).replace("{out}", str(out)))
        return {"seconds": time.perf_counter() - t0}

    if phase == "openfisca":
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq
        from openfisca_core.simulations import SimulationBuilder

        t0 = time.perf_counter()
        con = connect_snapshot(snap)
        pf, px, ptab = _floor_params(con, AS_OF)
        con.register("px", px)
        con.register("pf", pf)
        window, excluded = _uniform(con, ptab)
        # What an OpenFisca user prepares: items aggregated to the household in SQL (the
        # floor's own CTEs: window, pro-rating, exclusions), one row per person with its
        # household; OpenFisca counts members and employed members itself.
        sql = floor_sql(AS_OF, window, excluded)
        ctes = sql[sql.index("WITH p AS"):sql.index("\ng AS (")].rstrip().rstrip(",")
        feats = con.sql(f"""{ctes}
            SELECT p.household_key, p.household_id, p.param_idx,
                   coalesce(inc.counted, 0) AS counted, coalesce(inc.earned, 0) AS earned,
                   coalesce(exp.expense, 0) AS expense, coalesce(prop.fin, 0) AS fin,
                   coalesce(prop.veh, 0) AS veh, coalesce(prop.re, 0) AS re, coalesce(prop.biz, 0) AS biz
            FROM p LEFT JOIN inc USING (household_key) LEFT JOIN exp USING (household_key)
            LEFT JOIN prop USING (household_key) ORDER BY p.household_key""").to_arrow_table()
        mem = con.sql(f"""SELECT m.household_key, coalesce(m.employment IN ('employed','self_employed'), false) AS employed,
                                 NOT ({_EXCLUDED}) AS counted
                          FROM members m SEMI JOIN (SELECT h.household_key FROM households h JOIN pf USING (county_code, area_type)) p
                            ON p.household_key = m.household_key""").to_arrow_table()  # any order: OpenFisca maps persons by index

        def col(name: str, table: Any = feats, dtype: Any = np.int64) -> Any:
            return table.column(name).to_numpy().astype(dtype, copy=False)

        # to numpy here: this DuckDB build converts results lazily, on first access
        F = {n: col(n) for n in ("household_key", "param_idx", "counted", "earned", "expense", "fin", "veh", "re", "biz")}
        M = {"household_key": col("household_key", mem), "employed": col("employed", mem, bool), "counted": col("counted", mem, bool)}
        t_features = time.perf_counter() - t0
        t1 = time.perf_counter()
        keys, pidx = F["household_key"], F["param_idx"]
        a = ptab.arrays
        emp_fen = (a["p_min_wage_fen"][pidx] * a["p_emp_rate"][pidx] * 2 + 1_000_000) // 2_000_000
        wm = a["p_window_months"][pidx]
        sb = SimulationBuilder()
        tbs = openfisca_system()
        sb.create_entities(tbs)
        sb.declare_person_entity("person", np.arange(mem.num_rows))
        hh_entity = sb.declare_entity("household", keys)
        member_hh = np.searchsorted(keys, M["household_key"])
        sb.join_with_persons(hh_entity, member_hh, np.full(mem.num_rows, "member"))
        sim = sb.build(tbs)
        period = "2026-01"
        employed, counted = M["employed"], M["counted"]
        sim.set_input("employed", period, employed)
        sim.set_input("counted", period, counted)
        n_emp = sim.household.sum(sim.household.members("employed", period) & sim.household.members("counted", period))
        deduction = np.minimum(n_emp.astype(np.int64) * wm * emp_fen, np.maximum(F["earned"], 0))
        inputs = {
            "income_fen": F["counted"] - deduction, "expense_fen": F["expense"],
            "fin_fen": F["fin"], "veh_fen": F["veh"], "re": F["re"], "biz": F["biz"],
            "std_fen": a["p_std_fen"][pidx], "disp_annual_fen": a["p_disp_annual_fen"][pidx], "window_months": wm,
            "d_veh_fen": a["p_dibao_vehicle_max_fen"][pidx], "m_veh_fen": a["p_marginal_vehicle_max_fen"][pidx],
            "d_re": a["p_dibao_re_max"][pidx], "d_biz": a["p_dibao_biz_max"][pidx],
            "m_re": a["p_marginal_re_max"][pidx], "m_biz": a["p_marginal_biz_max"][pidx],
        }
        for k, v in inputs.items():
            if np.abs(v).max(initial=0) >= 2**31:
                raise OverflowError(f"{k} exceeds OpenFisca's int32")
            sim.set_input(k, period, v.astype(np.int32))
        tier = sim.calculate("tier", period)
        amount = sim.calculate("dibao_amount", period)
        t_of = time.perf_counter() - t1
        names = np.array(["none", "dibao", "marginal", "rigid"], dtype=object)[tier]
        pq.write_table(pa.table({"household_id": feats.column("household_id"), "tier": pa.array(names.tolist(), pa.string()),
                                 "dibao_fen": amount.astype(np.int64)}), out)
        seconds = time.perf_counter() - t0
        # the rules layer alone, same input: the engine's formulas (all six categories,
        # benefits, every intermediate) on the engine's household features, one thread
        from jiuzhu.engine.determination.evaluate import evaluate_batch, param_key_tables
        from jiuzhu.engine.determination.features import feature_sql

        pk, _ = param_key_tables(ptab)
        con.register("pk", pk)
        efeats = con.sql(feature_sql("duckdb", AS_OF, window=window, excluded_subtypes=excluded)).to_arrow_table()
        t2 = time.perf_counter()
        for b in efeats.to_batches(50_000):
            evaluate_batch(b, ptab)
        t_formulas = time.perf_counter() - t2
        return {"seconds": seconds, "features_seconds": t_features,
                "openfisca_seconds": t_of, "engine_formulas_seconds": t_formulas}
    raise ValueError(phase)


# --------------------------------------------------------------------------- driver


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {cpu}, {mem_gib:.0f} GiB RAM, Python {platform.python_version()}"


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{p} {version(p)}" for p in ("duckdb", "pyarrow", "numpy", "OpenFisca-Core"))


def _run_child(phase: str, snap: Path, out: Path) -> dict[str, Any]:
    proc = subprocess.run(  # noqa: S603 - our own interpreter and script
        [PY, __file__, "--child", phase, "--snapshot", str(snap), "--out", str(out)],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{phase} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _cross_check(work: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    q = f"""
      SELECT COUNT(*) AS compared,
             SUM(CASE WHEN f.tier = b.main_category THEN 1 ELSE 0 END) AS floor_agrees,
             SUM(CASE WHEN o.tier = b.main_category THEN 1 ELSE 0 END) AS openfisca_agrees,
             SUM(CASE WHEN f.dibao_fen = CASE WHEN b.main_category = 'dibao' THEN b.dibao_amount_fen ELSE 0 END THEN 1 ELSE 0 END) AS floor_amount_agrees
      FROM read_parquet('{work}/res_batch_summary.parquet') b
      JOIN read_parquet('{work}/res_floor.parquet') f USING (household_id)
      JOIN read_parquet('{work}/res_openfisca.parquet') o USING (household_id)
      WHERE b.status = 'ok' AND NOT list_contains(b.m_tekun, true)
        AND list_sum([CAST(x AS INTEGER) FOR x IN b.m_single]) = 0
    """
    # dibao amounts only comparable without supplements: compare tiers for all, amounts as reported
    row = con.sql(q).fetchall()[0]
    return {"compared": row[0], "floor_agrees": row[1], "openfisca_agrees": row[2], "floor_amount_agrees": row[3]}


def _write_section(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    old = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    path.write_text(new, "utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--work", default="/tmp/jiuzhu-bench-determination")
    ap.add_argument("--no-write", action="store_true", help="do not rewrite docs/benchmarks.md")
    ap.add_argument("--child")
    ap.add_argument("--snapshot")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        res = child(args.child, Path(args.snapshot), Path(args.out))
        res["peak_rss_mb"] = _rss_mb()
        print(json.dumps(res, default=str))
        return

    sys.path.insert(0, str(ROOT))
    from jiuzhu.engine.determination.snapshot import source_to_snapshot

    work = Path(args.work) / f"h{args.households}-s{args.seed}"
    src, snap = work / "source", work / "snapshot"
    manifest = src / "manifest.json"
    t = time.perf_counter()
    if not manifest.exists():
        from jiuzhu.engine.synth import generate

        generate(args.households, args.seed, src, as_of=AS_OF)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    if not (snap / "households.parquet").exists():
        counts = source_to_snapshot(src, snap)
    else:
        import pyarrow.parquet as pq

        counts = {n: pq.read_metadata(snap / f"{n}.parquet").num_rows for n in ("households", "members", "income_items", "property_items", "expenses", "supporters")}
    t_snap = time.perf_counter() - t
    timing_file = work / "prep_seconds.json"
    if t_gen > 1 or t_snap > 1 or not timing_file.exists():
        timing_file.write_text(json.dumps({"generate": t_gen, "snapshot": t_snap}))
    prep = json.loads(timing_file.read_text())
    t_gen, t_snap = float(prep["generate"]), float(prep["snapshot"])
    print(f"data: {counts} (generate {t_gen:.1f}s, snapshot {t_snap:.1f}s)", file=sys.stderr)

    phases = ["batch_summary", "batch_standard", "floor", "openfisca"]
    results: dict[str, list[dict[str, Any]]] = {p: [] for p in phases}
    for _ in range(args.runs):
        for phase in phases:
            r = _run_child(phase, snap, work / f"res_{phase}.parquet")
            results[phase].append(r)
            print(f"{phase}: {r['seconds']:.2f}s, peak {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
    med = {p: statistics.median(r["seconds"] for r in rs) for p, rs in results.items()}
    peak = {p: max(r["peak_rss_mb"] for r in rs) for p, rs in results.items()}
    check = _cross_check(work)
    of = results["openfisca"]
    of_feat = statistics.median(r["features_seconds"] for r in of)
    of_core = statistics.median(r["openfisca_seconds"] for r in of)
    eng_formulas = statistics.median(r["engine_formulas_seconds"] for r in of)
    b = results["batch_standard"]
    b_time = {k: statistics.median(r["timings"][k] for r in b) for k in b[0]["timings"]}
    H, P = counts["households"], counts["members"]

    def row(label: str, phase: str, note: str) -> str:
        return (f"| {label} | {med[phase]:.2f} | {H / med[phase]:,.0f} | {med[phase] / med['floor']:.2f}× | "
                f"{med['openfisca'] / med[phase]:.1f}× | {peak[phase]:,.0f} | {note} |")

    text = f"""{SECTION}

`bench/bench_determination.py`: the determination batch over a registry snapshot, against
(i) the floor — the three core tests (dibao, marginal, rigid expenditure) as one plain DuckDB
SQL query over the same snapshot, with the same window, pro-rating, exclusions, employment
deduction, property rules and exact thresholds, joining on the same integer keys and with the
same constant income window as the batch — and (ii) a reference implementation of the
same three tests in OpenFisca-Core (persons and households, multipliers as OpenFisca
parameters, the region-keyed standard passed per household; vectorised formulas), fed from
the same snapshot the way an OpenFisca user would: items aggregated to the household by the
floor's own SQL, one row per person (counted, employed) for OpenFisca to sum. Every figure is
end to end: snapshot Parquet in, results Parquet out. Each run is a fresh
process; median of {args.runs} runs; peak RSS = the process's VmHWM. The machine is shared
with other work, so single runs vary by up to ±40 %; the median is what counts.

- Machine: {_machine()}; {_versions()}
- Data: {H:,} synthetic households, {P:,} persons ({counts['income_items']:,} income items,
  {counts['property_items']:,} property items, {counts['expenses']:,} expenses,
  {counts['supporters']:,} supporters), `jiuzhu.engine.synth.generate(seed={args.seed})`,
  converted by `source_to_snapshot`; as of {AS_OF}

| run | median s | households/s | vs floor | faster than OpenFisca | peak RSS MB | what it computes |
|---|---:|---:|---:|---:|---:|---|
{row("batch, `summary` results", "batch_summary", "all six categories, tekun per person, benefits (dibao, supplements, tekun basic + care, single-person), every intermediate computed; writes categories, benefits, per-capita income, member lists")}
{row("batch, `standard` results (default)", "batch_standard", "the same, writing every household-level intermediate and the key member-level ones")}
{row("floor: plain DuckDB SQL", "floor", "three core tests + dibao top-up only")}
{row("OpenFisca reference", "openfisca", f"three core tests + dibao top-up; of which inputs by DuckDB {of_feat:.2f} s, OpenFisca build + calculate {of_core:.2f} s")}

- Goal: batch within 1.5× of the floor — `summary` {med['batch_summary'] / med['floor']:.2f}×, `standard`
  {med['batch_standard'] / med['floor']:.2f}×; at least 6× faster than OpenFisca — {med['openfisca'] / med['batch_summary']:.1f}× / {med['openfisca'] / med['batch_standard']:.1f}×.
- Batch (`standard`) breakdown: loading the parameter YAML and resolving it once per (county, area)
  {b_time['prepare']:.2f} s; DuckDB features streamed into the numpy formulas (on a thread pool) and
  the Parquet writer {b_time['features_formulas_write']:.2f} s, of which formulas {b_time['formulas_cpu']:.2f} s of thread time.
- Rules layer alone, inputs in memory, one thread: the engine's numpy formulas on its features
  (all six categories, benefits, every intermediate) {eng_formulas:.2f} s; OpenFisca build + calculate
  (three tests and the dibao top-up) {of_core:.2f} s — {of_core / eng_formulas:.1f}×.
- Reading: the floor computes only household-level sums for three tests. The batch must also
  carry every member into the formulas (tekun is decided per person; care levels, supplements
  and single-person inclusion are per member; each member's own income is needed for §15), so
  its DuckDB feature query aggregates members into per-household lists and groups income by
  member as well as by household; that query alone takes longer than the whole floor. The
  floor and the OpenFisca inputs use the same integer keys and constant window as the batch
  (earlier versions of this benchmark joined them on text ids, and fed OpenFisca from the
  engine's own member-list query, which made both slower than a competent version). Goals:
  ≤ 1.5× the floor — {"met" if med['batch_summary'] / med['floor'] <= 1.5 else "**not met**"} (`summary`);
  ≥ 6× faster than OpenFisca — {"met" if med['openfisca'] / med['batch_summary'] >= 6 else "**not met**"}; see
  docs/decisions/0003 §8 for what was tried and what remains.
- Cross-check on the {check['compared']:,} households without tekun or individually included members:
  floor tier = batch main tier for {check['floor_agrees']:,}; OpenFisca tier = batch main tier for
  {check['openfisca_agrees']:,}; floor dibao top-up = batch dibao amount for {check['floor_amount_agrees']:,}.
- Generating the data took {t_gen:.1f} s and converting it to a snapshot {t_snap:.1f} s (not part of any figure;
  data reused across runs when present).
"""
    print(text)
    if not args.no_write:
        _write_section(text)


if __name__ == "__main__":
    main()
