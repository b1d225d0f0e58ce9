"""What-if over a snapshot (engine.whatif): entering / leaving equal two plain determinations' difference."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.sample import random_households
from jiuzhu.engine.whatif import run_whatif
from jiuzhu.rules.determination.paramtable import build_param_table
from jiuzhu.rules.money import from_fen
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.params.loader import Override

from .conftest import write_snapshot

AS_OF = date(2026, 1, 15)


def _plain(snap: Path, out: Path, params: ParameterSet) -> dict[str, dict]:
    run_batch(snap, AS_OF, out, params, detail="summary", batch_rows=53)
    return {r["household_id"]: r for r in pq.read_table(out).to_pylist()}


def _diff(base: dict[str, dict], scen: dict[str, dict]) -> tuple[Counter, Counter, Counter, Counter, int]:
    entering, leaving, p_in, p_out = Counter(), Counter(), Counter(), Counter()
    cost = 0
    for hid, b in base.items():
        s = scen[hid]
        if b["status"] != "ok" or s["status"] != "ok":
            continue
        cb, cs = set(b["categories"]), set(s["categories"])
        entering.update(cs - cb)
        leaving.update(cb - cs)
        for mb, ms in zip(b["member_categories"], s["member_categories"], strict=True):
            if mb != ms:
                p_in[ms] += 1
                p_out[mb] += 1
        cost += s["total_benefit_fen"] - b["total_benefit_fen"]
    p_in.pop("none", None)
    p_out.pop("none", None)
    return entering, leaving, p_in, p_out, cost


SCENARIOS = [
    pytest.param([Override("dibao.marginal_multiplier", "1.8")], id="marginal-1.8"),
    pytest.param([Override("dibao.standard", "900.00", region="360100")], id="nanchang-standard"),
    pytest.param([Override("income.window_months", 6)], id="window-6-months"),
]


@pytest.mark.parametrize("overrides", SCENARIOS)
def test_entering_leaving_equal_two_plain_determinations(overrides: list[Override], tmp_path: Path, params: ParameterSet) -> None:
    households = random_households(400, 11, AS_OF)
    snap = write_snapshot(households, AS_OF, tmp_path / "snap")
    scenario = params.with_overrides(overrides)
    base_rows = _plain(snap, tmp_path / "base.parquet", params)
    scen_rows = _plain(snap, tmp_path / "scen.parquet", scenario)
    entering, leaving, p_in, p_out, cost = _diff(base_rows, scen_rows)
    assert sum(entering.values()) + sum(leaving.values()) > 0, "the scenario must change something to be a test"

    result = run_whatif(snap, AS_OF, params, scenario, batch_rows=37).to_dict()

    assert {k: v for k, v in result["entering"].items() if v} == dict(entering)
    assert {k: v for k, v in result["leaving"].items() if v} == dict(leaving)
    assert {k: v for k, v in result["persons_entering"].items() if v} == dict(p_in)
    assert {k: v for k, v in result["persons_leaving"].items() if v} == dict(p_out)
    assert result["monthly_cost_change"] == str(from_fen(cost))
    assert Decimal(result["annual_cost_change"]) == Decimal(result["monthly_cost_change"]) * 12
    # the counties add up to the province
    for key in ("entering", "leaving"):
        for code, n in result[key].items():
            assert sum(c[key][code] for c in result["by_county"].values()) == n
    assert result["households"] == len(households)


def test_no_change_is_no_difference(tmp_path: Path, params: ParameterSet) -> None:
    snap = write_snapshot(random_households(150, 3, AS_OF), AS_OF, tmp_path / "snap")
    result = run_whatif(snap, AS_OF, params, params).to_dict()
    assert not any(result["entering"].values()) and not any(result["leaving"].values())
    assert result["monthly_cost_change"] == "0.00"
    assert result["distance"]["dibao"]["base"] == result["distance"]["dibao"]["scenario"]


def test_cliffs_are_households_losing_more_than_the_extra_income(tmp_path: Path, params: ParameterSet) -> None:
    """The probe equals a plain determination with the extra income added as an item."""
    households = random_households(800, 5, AS_OF)
    snap = write_snapshot(households, AS_OF, tmp_path / "snap")
    step = 30000  # 300 yuan a month: wide enough that random households straddle a line
    result = run_whatif(snap, AS_OF, params, params, cliff_step_fen=step).to_dict()
    base = _plain(snap, tmp_path / "base.parquet", params)
    ptab = build_param_table(params, {(h["county_code"], h["area_type"]) for h in households}, AS_OF)
    (start, end), = set(ptab.windows)
    months = int(ptab.arrays["p_window_months"][0])
    richer = [{**h, "income_items": [*h.get("income_items", []), {
        "member_id": None, "income_type": "transfer", "subtype": "alimony",
        "amount": str(from_fen(step * months)), "period_start": start.isoformat(), "period_end": end.isoformat(),
    }]} for h in households]
    rich = _plain(write_snapshot(richer, AS_OF, tmp_path / "rich"), tmp_path / "rich.parquet", params)
    expected = [(hid, b["total_benefit_fen"] - rich[hid]["total_benefit_fen"]) for hid, b in base.items()
                if b["status"] == "ok" and rich[hid]["status"] == "ok"
                and b["total_benefit_fen"] - rich[hid]["total_benefit_fen"] > step]
    assert expected, "the sample must contain a cliff to be a test"
    assert result["cliffs"]["households"] == len(expected)
    assert Decimal(result["cliffs"]["monthly_loss"]) == from_fen(sum(loss for _, loss in expected))
    assert result["cliffs"]["category_lost"] <= result["cliffs"]["households"]
