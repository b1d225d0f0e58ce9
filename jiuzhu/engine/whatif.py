"""What-if policy simulation over a registry snapshot (政策模拟测算, issue 18 item 2).

A scenario is the parameters in force plus a set of overrides.  One run reads the snapshot's
household features once (the DuckDB feature query of the batch determination) and evaluates
every record batch three times through the same formulas: with the parameters in force
(baseline), with the scenario, and with the scenario at one more yuan of monthly income per
household (the cliff probe).  Per household it then compares baseline and scenario:

- entering / leaving: a household enters category *c* when the scenario's categories hold *c*
  and the baseline's do not (leaving: the reverse) — exactly the difference of two plain
  determinations with and without the change; persons likewise, by each member's one category;
- cost change: the monthly benefits (dibao top-up, supplements, tekun basic and care,
  single-person inclusion, total) of the scenario minus the baseline, in fen;
- distance to the lines: households by per-capita income relative to the dibao standard and
  the marginal line (within 5 % / 10 % below or above), baseline and scenario;
- cliffs (陡坡): households whose total monthly benefit falls by more than the one yuan of
  extra income (one yuan more leaves them worse off), counted, with the loss summed, and how
  many of them lose their category (and the programmes matched to it) at that step.

Everything is integer fen; nothing here touches Django.  When the scenario changes what the
feature query itself depends on (the income window or the non-counted income subtypes), the
features are computed twice, in the same household order, instead of shared.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.determination.batch import connect_snapshot
from jiuzhu.engine.determination.evaluate import BENEFIT_COLUMNS, evaluate_batch, param_key_tables
from jiuzhu.engine.determination.features import feature_sql
from jiuzhu.rules.determination.categories import CATEGORIES
from jiuzhu.rules.determination.paramtable import ParamTable, build_param_table
from jiuzhu.rules.money import from_fen
from jiuzhu.rules.params.display import show_value
from jiuzhu.rules.params.loader import AREAS, Override, ParameterError, ParameterSet
from jiuzhu.rules.params.regions import PROVINCE, region_chain, region_name

__all__ = ["DISTANCE_BUCKETS", "LINES", "WhatIfResult", "describe_change", "parse_changes", "run_whatif", "split_change"]

_AREA_ZH: Final[dict[str, str]] = {"urban": "城市", "rural": "农村"}

ProgressFn = Callable[[int, int], None]

# (bucket, lower %, upper %): per-capita income minus the line, as a share of the line
DISTANCE_BUCKETS: Final[tuple[tuple[str, int, int], ...]] = (
    ("below_10", -10, -5), ("below_5", -5, 0), ("above_5", 0, 5), ("above_10", 5, 10),
)
# line → result column (monthly per-capita fen)
LINES: Final[dict[str, str]] = {"dibao": "dibao_standard_fen", "marginal": "marginal_line_fen"}
CATEGORY_CODES: Final[tuple[str, ...]] = tuple(CATEGORIES)
PROGRAMMES: Final[tuple[str, ...]] = tuple(BENEFIT_COLUMNS)
CLIFF_STEP_FEN: Final = 100  # one yuan of monthly income


def parse_changes(params: ParameterSet, texts: Iterable[str], keys: Iterable[tuple[str, str]] = (),
                  as_of: date | None = None) -> list[Override]:
    """Scenario changes from text: ``PATH[@REGION[/AREA]]=VALUE``.

    *REGION* limits the change to a city or county (and *AREA* to urban or rural).  *VALUE*
    is a value of the parameter's kind, or for money and ratios a relative change such as
    ``+5%`` or ``-2.5%``: it is resolved against the value in force on *as_of* for every
    (county, area) of *keys* under the region and rounded to the fen (money) — so "the dibao
    standard of Nanchang +5 %" is ``dibao.standard@360100=+5%``.
    """
    out: list[Override] = []
    keys = list(keys)
    for text in texts:
        path, region_opt, area_opt, raw = split_change(text)
        node = params.node(path)
        if area_opt is not None and area_opt not in AREAS:
            raise ParameterError("override_area", f"城乡类别 {area_opt} 无效", f"Area {area_opt} is invalid")
        if _relative(raw):
            if node.kind not in ("money", "ratio"):
                raise ParameterError("override_relative", f"{node.label_zh}不能按百分比修改",
                                     f"Parameter {path} cannot change by a percentage")
            if as_of is None:
                raise ParameterError("override_relative", "按百分比修改需要测算日期", "A relative change needs the as-of date")
            try:
                factor = 1 + Decimal(raw[:-1]) / 100
            except ArithmeticError as exc:
                raise ParameterError("override_format", f"百分比无效：{raw}", f"Not a percentage: {raw}") from exc
            for county, area_k in sorted(set(keys)):
                if (region_opt and region_opt not in region_chain(county)) or (area_opt and area_opt != area_k):
                    continue
                current = Decimal(str(params.resolve(path, county, area_k, as_of).value))
                value = (current * factor).quantize(Decimal("0.01") if node.kind == "money" else Decimal("0.0001"),
                                                     rounding=ROUND_HALF_UP)
                out.append(Override(path=path, value=str(value), region=county, area=area_k))
            continue
        parsed: Any = raw
        if node.kind == "int":
            try:
                parsed = int(raw)
            except ValueError as exc:
                raise ParameterError("override_format", f"{node.label_zh}须为整数：{raw}", f"{path} must be an integer: {raw}") from exc
        elif node.kind == "bool":
            parsed = raw.lower() in ("1", "true", "yes")
        elif node.kind == "list":
            parsed = [v.strip() for v in raw.split(",") if v.strip()]
        out.append(Override(path=path, value=parsed, region=region_opt, area=area_opt))
    return out


def split_change(text: str) -> tuple[str, str | None, str | None, str]:
    """``PATH[@REGION[/AREA]]=VALUE`` → (path, region or None, area or None, value text)."""
    target, sep, raw = text.partition("=")
    if not sep or not target.strip():
        raise ParameterError("override_format", f"修改格式应为 参数=值：{text}", f"A change must be PATH=VALUE: {text}")
    path, _, where = target.strip().partition("@")
    region, _, area = where.partition("/")
    return path, region or None, area or None, raw.strip()


def _relative(raw: str) -> bool:
    return raw.endswith("%") and raw[:1] in ("+", "-")


def describe_change(params: ParameterSet, text: str, labels: Mapping[str, str]) -> str:
    """A scenario change as a policy officer reads it: the parameter's title, where it applies (region by
    name, urban or rural) and the value in words with its unit — "低保标准（南昌市，农村）：现行值提高5%".
    A change that no longer parses (a parameter since removed) is shown as it was written."""
    try:
        path, region, area, raw = split_change(text)
        node = params.node(path)
    except ParameterError:
        return text
    where = [region_name(region)] if region and region != PROVINCE else []
    where += [_AREA_ZH[area]] if area in _AREA_ZH else []
    head = node.label_zh + (f"（{'，'.join(where)}）" if where else "")
    if _relative(raw):
        return f"{head}：现行值{'提高' if raw[0] == '+' else '降低'}{raw[1:]}"
    value: Any = [v.strip() for v in raw.split(",") if v.strip()] if node.kind == "list" else raw
    if node.kind == "bool":
        value = raw.lower() in ("1", "true", "yes", "是")
    shown = show_value(value, node.kind, node.unit, labels)
    return f"{head}：{shown}" + (f" {node.unit}" if node.unit not in ("", "比例") and node.kind != "list" else "")


def _zero_counts() -> dict[str, int]:
    return {c: 0 for c in CATEGORY_CODES}


@dataclass
class CountyFigures:
    """One county's (or the province's) figures in a scenario."""

    households: int = 0
    entering: dict[str, int] = field(default_factory=_zero_counts)
    leaving: dict[str, int] = field(default_factory=_zero_counts)
    persons_entering: dict[str, int] = field(default_factory=_zero_counts)
    persons_leaving: dict[str, int] = field(default_factory=_zero_counts)
    base_households: dict[str, int] = field(default_factory=_zero_counts)
    scenario_households: dict[str, int] = field(default_factory=_zero_counts)
    base_cost_fen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRAMMES, 0))
    scenario_cost_fen: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PROGRAMMES, 0))
    distance: dict[str, dict[str, dict[str, int]]] = field(default_factory=lambda: {
        line: {side: {b: 0 for b, _, _ in DISTANCE_BUCKETS} for side in ("base", "scenario")} for line in LINES
    })
    cliff_households: int = 0
    cliff_loss_fen: int = 0
    cliff_category_lost: int = 0

    def add(self, other: CountyFigures) -> None:
        self.households += other.households
        for name in ("entering", "leaving", "persons_entering", "persons_leaving", "base_households",
                     "scenario_households", "base_cost_fen", "scenario_cost_fen"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for k, n in theirs.items():
                mine[k] = mine.get(k, 0) + n
        for line, sides in other.distance.items():
            for side, buckets in sides.items():
                for b, n in buckets.items():
                    self.distance[line][side][b] += n
        self.cliff_households += other.cliff_households
        self.cliff_loss_fen += other.cliff_loss_fen
        self.cliff_category_lost += other.cliff_category_lost

    def cost_change_fen(self) -> dict[str, int]:
        return {p: self.scenario_cost_fen[p] - self.base_cost_fen[p] for p in PROGRAMMES}

    def to_dict(self) -> dict[str, Any]:
        change = self.cost_change_fen()
        return {
            "households": self.households,
            "entering": dict(self.entering), "leaving": dict(self.leaving),
            "persons_entering": dict(self.persons_entering), "persons_leaving": dict(self.persons_leaving),
            "base_households": dict(self.base_households), "scenario_households": dict(self.scenario_households),
            "monthly_cost_change": str(from_fen(change["total"])),
            "annual_cost_change": str(from_fen(change["total"] * 12)),
            "monthly_cost_change_by_programme": {p: str(from_fen(v)) for p, v in change.items()},
            "annual_cost_change_by_programme": {p: str(from_fen(v * 12)) for p, v in change.items()},
            "monthly_cost_base": {p: str(from_fen(v)) for p, v in self.base_cost_fen.items()},
            "monthly_cost_scenario": {p: str(from_fen(v)) for p, v in self.scenario_cost_fen.items()},
            "distance": self.distance,
            "cliffs": {"households": self.cliff_households, "monthly_loss": str(from_fen(self.cliff_loss_fen)),
                       "category_lost": self.cliff_category_lost},
        }


@dataclass
class WhatIfResult:
    """A scenario's figures: the province and each county."""

    as_of: date
    base_version: str
    scenario_version: str
    households: int
    errors: int
    province: CountyFigures
    counties: dict[str, CountyFigures]
    seconds: float
    shared_features: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(), "base_parameter_version": self.base_version,
            "scenario_parameter_version": self.scenario_version, "errors": self.errors,
            "shared_features": self.shared_features, "seconds": round(self.seconds, 3),
            **self.province.to_dict(),
            "households": self.households,
            "by_county": {c: f.to_dict() for c, f in sorted(self.counties.items())},
        }


def _membership(cats: pa.Array, n: int) -> dict[str, npt.NDArray[np.bool_]]:
    """category code → which rows' category lists hold it."""
    flat = pc.list_flatten(cats)
    parents = np.asarray(pc.list_parent_indices(cats).to_numpy(zero_copy_only=False), dtype=np.int64)
    values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=object)
    out: dict[str, npt.NDArray[np.bool_]] = {}
    for code in CATEGORY_CODES:
        m = np.zeros(n, dtype=np.bool_)
        m[parents[values == code]] = True
        out[code] = m
    return out


def _ints(col: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return np.asarray(pc.fill_null(col, 0).to_numpy(zero_copy_only=False), dtype=np.int64)


def _gsum_int(groups: npt.NDArray[np.int64], n_groups: int, values: npt.NDArray[np.int64]) -> list[int]:
    # exact integer sums per group (bincount's float weights would round large fen sums)
    out = np.zeros(n_groups, dtype=np.int64)
    np.add.at(out, groups, values)
    return [int(x) for x in out]


def _gcount(groups: npt.NDArray[np.int64], n_groups: int, mask: npt.NDArray[np.bool_]) -> list[int]:
    return [int(x) for x in np.bincount(groups[mask], minlength=n_groups)]


def _probe(features: pa.RecordBatch, ptab: ParamTable, step_fen: int) -> pa.Table:
    """The features with *step_fen* more monthly income per household (unattributed to a member)."""
    table = pa.Table.from_batches([features])
    pidx = _ints(table.column("param_idx"))
    months = ptab.arrays.get("p_window_months")
    step = (np.maximum(months[np.maximum(pidx, 0)], 1) if months is not None else np.ones(len(pidx), np.int64)) * step_fen
    for name in ("income_counted_fen", "unattr_income_fen"):
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pa.array(_ints(table.column(name)) + step, pa.int64()))
    return table


def _figures_of(features_b: pa.RecordBatch, features_s: pa.RecordBatch, base: ParamTable, scen: ParamTable,
                cliffs: bool, step: int) -> tuple[dict[str, CountyFigures], int, int]:
    rb = evaluate_batch(features_b, base)
    rs = evaluate_batch(features_s, scen)
    n = rb.num_rows
    ok = np.asarray(pc.and_(pc.equal(rb.column("status"), "ok"), pc.equal(rs.column("status"), "ok"))
                    .to_numpy(zero_copy_only=False), dtype=np.bool_)
    counties_arr = np.asarray(rb.column("county_code").to_numpy(zero_copy_only=False), dtype=object)
    names, groups = np.unique(counties_arr.astype(str), return_inverse=True)
    groups = groups.astype(np.int64)
    g = len(names)
    figs = [CountyFigures() for _ in range(g)]
    for k, c in enumerate(_gcount(groups, g, ok)):
        figs[k].households = c
    mb, ms = _membership(rb.column("categories"), n), _membership(rs.column("categories"), n)
    for code in CATEGORY_CODES:
        for attr, mask in (("entering", ms[code] & ~mb[code]), ("leaving", mb[code] & ~ms[code]),
                           ("base_households", mb[code]), ("scenario_households", ms[code])):
            for k, c in enumerate(_gcount(groups, g, mask & ok)):
                getattr(figs[k], attr)[code] = c
    # persons: each member's one category, same members in the same order on both sides
    pb = np.asarray(pc.list_flatten(rb.column("member_categories")).to_numpy(zero_copy_only=False), dtype=object)
    ps = np.asarray(pc.list_flatten(rs.column("member_categories")).to_numpy(zero_copy_only=False), dtype=object)
    parents = np.asarray(pc.list_parent_indices(rb.column("member_categories")).to_numpy(zero_copy_only=False), dtype=np.int64)
    pgroups, pok = groups[parents], ok[parents]
    for code in CATEGORY_CODES:
        for attr, mask in (("persons_entering", (ps == code) & (pb != code)), ("persons_leaving", (pb == code) & (ps != code))):
            for k, c in enumerate(_gcount(pgroups, g, mask & pok)):
                getattr(figs[k], attr)[code] = c
    for prog, col in BENEFIT_COLUMNS.items():
        vb, vs = _ints(rb.column(col)) * ok, _ints(rs.column(col)) * ok
        for k, (a, b) in enumerate(zip(_gsum_int(groups, g, vb), _gsum_int(groups, g, vs), strict=True)):
            figs[k].base_cost_fen[prog] = a
            figs[k].scenario_cost_fen[prog] = b
    for line, col in LINES.items():
        for side, res in (("base", rb), ("scenario", rs)):
            pci = _ints(res.column("per_capita_income_fen"))
            std = _ints(res.column(col))
            diff100 = (pci - std) * 100  # compare with pct × line, all integers
            valid = ok & (std > 0)
            for bucket, lo, hi in DISTANCE_BUCKETS:
                mask = valid & (diff100 >= lo * std) & (diff100 < hi * std)
                for k, c in enumerate(_gcount(groups, g, mask)):
                    figs[k].distance[line][side][bucket] = c
    if cliffs:
        rp = evaluate_batch(_probe(features_s, scen, step), scen)
        before, after = _ints(rs.column("total_benefit_fen")), _ints(rp.column("total_benefit_fen"))
        okp = ok & np.asarray(pc.equal(rp.column("status"), "ok").to_numpy(zero_copy_only=False), dtype=np.bool_)
        loss = before - after
        cliff = okp & (loss > step)
        mp = _membership(rp.column("categories"), n)
        lost = np.zeros(n, dtype=np.bool_)
        for code in CATEGORY_CODES:
            lost |= ms[code] & ~mp[code]
        for k, c in enumerate(_gcount(groups, g, cliff)):
            figs[k].cliff_households = c
        for k, s in enumerate(_gsum_int(groups, g, np.where(cliff, loss, 0))):
            figs[k].cliff_loss_fen = s
        for k, c in enumerate(_gcount(groups, g, cliff & lost)):
            figs[k].cliff_category_lost = c
    return {str(names[k]): figs[k] for k in range(g)}, n, int(n - ok.sum())


def _prepare(con: duckdb.DuckDBPyConnection, ptab: ParamTable, *, ordered: bool, as_of: date,
             batch_rows: int) -> Iterator[pa.RecordBatch]:
    pk, px = param_key_tables(ptab)
    con.register("pk", pk)
    con.register("px", px)
    uniform = len(set(ptab.windows)) == 1 and len({tuple(sorted(x)) for x in ptab.excluded_subtypes}) == 1
    sql = feature_sql("duckdb", as_of, window=ptab.windows[0] if uniform else None,
                      excluded_subtypes=tuple(sorted(ptab.excluded_subtypes[0])) if uniform else None)
    if ordered:
        sql = f"SELECT * FROM ({sql}) ORDER BY household_id"  # noqa: S608 - built from code constants
    reader = con.sql(sql).to_arrow_reader(batch_rows)
    if not ordered:
        yield from reader
        return
    # fixed-size batches so both sides line up row for row
    buf: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        buf.append(batch)
        size += batch.num_rows
        while size >= batch_rows:
            t = pa.Table.from_batches(buf).combine_chunks()
            yield t.slice(0, batch_rows).to_batches()[0]
            rest = t.slice(batch_rows)
            buf = rest.to_batches() if rest.num_rows else []
            size = rest.num_rows
    if size:
        t = pa.Table.from_batches(buf).combine_chunks()
        yield from t.to_batches()


def run_whatif(
    snapshot_dir: str | Path,
    as_of: date,
    base: ParameterSet,
    scenario: ParameterSet,
    *,
    cliffs: bool = True,
    cliff_step_fen: int = CLIFF_STEP_FEN,
    batch_rows: int = 50_000,
    threads: int | None = None,
    progress: ProgressFn | None = None,
) -> WhatIfResult:
    """Baseline and scenario over every household of the snapshot, compared per household.

    *cliff_step_fen* is the extra monthly income of the cliff probe (default one yuan).
    """
    t0 = time.perf_counter()
    con = connect_snapshot(snapshot_dir, threads=threads)
    con2: duckdb.DuckDBPyConnection | None = None
    try:
        total = int(con.sql("SELECT COUNT(*) FROM households").fetchall()[0][0])
        keys = [(str(c), str(a)) for c, a in con.sql("SELECT DISTINCT county_code, area_type FROM households").fetchall()]
        pb, ps = build_param_table(base, keys, as_of), build_param_table(scenario, keys, as_of)
        shared = pb.windows == ps.windows and [sorted(x) for x in pb.excluded_subtypes] == [sorted(x) for x in ps.excluded_subtypes]
        if shared:
            pairs: Iterator[tuple[pa.RecordBatch, pa.RecordBatch]] = (
                (b, b) for b in _prepare(con, pb, ordered=False, as_of=as_of, batch_rows=batch_rows))
        else:
            con2 = connect_snapshot(snapshot_dir, threads=threads)
            pairs = zip(_prepare(con, pb, ordered=True, as_of=as_of, batch_rows=batch_rows),
                        _prepare(con2, ps, ordered=True, as_of=as_of, batch_rows=batch_rows), strict=True)
        counties: dict[str, CountyFigures] = {}
        done = errors = 0
        workers = max(1, threads or os.cpu_count() or 1)
        # the formulas are numpy code that releases the GIL: batches on a small thread pool, as the batch does
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[tuple[dict[str, CountyFigures], int, int]]] = deque()

            def drain(keep: int) -> None:
                nonlocal done, errors
                while len(pending) > keep:
                    figs, n, bad = pending.popleft().result()
                    for county, f in figs.items():
                        counties.setdefault(county, CountyFigures()).add(f)
                    done += n
                    errors += bad
                    if progress:
                        progress(done, total)

            for fb, fs in pairs:
                if not shared and fb.column("household_id") != fs.column("household_id"):
                    raise RuntimeError("baseline and scenario features are not aligned")  # cannot happen: same ORDER BY
                pending.append(pool.submit(_figures_of, fb, fs, pb, ps, cliffs, cliff_step_fen))
                drain(workers)
            drain(0)
    finally:
        con.close()
        if con2 is not None:
            con2.close()
    province = CountyFigures()
    for f in counties.values():
        province.add(f)
    return WhatIfResult(as_of=as_of, base_version=pb.version, scenario_version=ps.version, households=done,
                        errors=errors, province=province, counties=counties, seconds=time.perf_counter() - t0,
                        shared_features=shared)
