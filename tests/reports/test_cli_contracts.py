"""`jiuzhu stats` and `jiuzhu whatif` over a loaded registry (the acceptance contracts of issue 18)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.cli import main

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def registry(regions: None, tmp_path: Path) -> None:
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.engine.synth import generate

    generate(400, 7, tmp_path / "province")
    load_province(tmp_path / "province")


def _json(capsys: Any, *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _plain(tmp: Path, name: str, params: Any) -> dict[str, dict[str, Any]]:
    from jiuzhu.apps.determination.services import export_snapshot
    from jiuzhu.engine.determination.batch import run_batch

    snap = tmp / "snap"
    if not snap.exists():
        export_snapshot(snap)
    run_batch(snap, AS_OF, tmp / f"{name}.parquet", params, detail="summary")
    return {r["household_id"]: r for r in pq.read_table(tmp / f"{name}.parquet").to_pylist()}


@pytest.mark.parametrize("change", ["dibao.marginal_multiplier=1.8", "dibao.standard=+10%"])
def test_whatif_entering_leaving_equal_two_plain_determinations(registry: None, tmp_path: Path, capsys: Any,
                                                                change: str) -> None:
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.engine.whatif import parse_changes

    out = _json(capsys, "whatif", "--as-of", AS_OF.isoformat(), "--set", change, "--json")

    base = current_parameters()
    keys = {(h["county_code"], h["area_type"]) for h in _plain(tmp_path, "base", base).values()}
    scenario = base.with_overrides(parse_changes(base, [change], keys, AS_OF))
    b, s = _plain(tmp_path, "base", base), _plain(tmp_path, "scen", scenario)
    entering, leaving, cost = Counter(), Counter(), 0
    for hid, rb in b.items():
        rs = s[hid]
        if rb["status"] == rs["status"] == "ok":
            entering.update(set(rs["categories"]) - set(rb["categories"]))
            leaving.update(set(rb["categories"]) - set(rs["categories"]))
            cost += rs["total_benefit_fen"] - rb["total_benefit_fen"]
    assert sum(entering.values()) + sum(leaving.values()) > 0, "the change must move someone to be a test"
    assert {k: v for k, v in out["entering"].items() if v} == dict(entering)
    assert {k: v for k, v in out["leaving"].items() if v} == dict(leaving)
    assert isinstance(out["monthly_cost_change"], str)
    assert Decimal(out["monthly_cost_change"]) == Decimal(cost) / 100
    # the parameters in force are untouched
    assert current_parameters().version == base.version


def test_whatif_refuses_an_unknown_parameter(registry: None, capsys: Any) -> None:
    assert main(["whatif", "--as-of", AS_OF.isoformat(), "--set", "dibao.no_such=1", "--json"]) == 2
    assert "no_such" in capsys.readouterr().err


def test_stats_counts_households_and_persons_per_category(registry: None, capsys: Any) -> None:
    from jiuzhu.apps.determination.models import DeterminationResult
    from jiuzhu.apps.determination.services import run_all

    live = _json(capsys, "stats", "--as-of", AS_OF.isoformat(), "--json")
    run = run_all(actor=None, as_of=AS_OF)
    stored = _json(capsys, "stats", "--as-of", AS_OF.isoformat(), "--json")
    again = _json(capsys, "stats", "--as-of", AS_OF.isoformat(), "--json")

    households: Counter[str] = Counter()
    persons: Counter[str] = Counter()
    for r in DeterminationResult.objects.filter(run=run):
        if not r.error:
            households.update(set(r.categories))
            persons.update(c for c in r.member_categories.values() if c != "none")
    assert sum(households.values()) > 0
    assert {k: v for k, v in stored["households"].items() if v} == dict(households)
    assert {k: v for k, v in stored["persons"].items() if v} == dict(persons)
    assert stored["source"] == f"run {run.pk}"
    # reproducible: the stored figures again, and the same as determining the registry now
    assert again == stored
    assert live["households"] == stored["households"] and live["persons"] == stored["persons"]


def test_stats_region_is_a_part_of_the_province(registry: None, capsys: Any) -> None:
    from jiuzhu.apps.registry.models import Household

    county = Household.objects.values_list("county_id", flat=True).first()
    whole = _json(capsys, "stats", "--as-of", AS_OF.isoformat(), "--json")
    part = _json(capsys, "stats", "--as-of", AS_OF.isoformat(), "--region", county, "--json")
    assert part["region"] == county
    assert 0 < part["low_income_households"] < whole["low_income_households"]
    for k, n in part["persons"].items():
        assert n <= whole["persons"][k]
    assert main(["stats", "--as-of", AS_OF.isoformat(), "--region", "369999", "--json"]) == 2
