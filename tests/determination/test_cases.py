"""Every YAML policy case (jiuzhu/rules/cases/) through BOTH paths: one household and the batch."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.single import determine_household, result_to_dict
from jiuzhu.rules.determination.cases import PolicyCase, load_cases
from jiuzhu.rules.determination.codes import CARE_LEVELS
from jiuzhu.rules.determination.explain import format_yuan
from jiuzhu.rules.params import ParameterSet, load_jiangxi
from jiuzhu.rules.text import InputError

from .conftest import write_snapshot

CASES = load_cases()


def _params(case: PolicyCase) -> ParameterSet:
    base = load_jiangxi()
    return base.with_overrides(case.params) if case.params else base


def _single(case: PolicyCase) -> dict[str, Any]:
    try:
        return determine_household(case.household, case.as_of, _params(case), explain=True, intermediates=True)
    except InputError as exc:
        return {"error": {"code": exc.code}}


@pytest.fixture(scope="module")
def batch_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    groups: dict[tuple[Any, str], list[PolicyCase]] = defaultdict(list)
    for case in CASES:
        groups[(case.as_of, json.dumps(case.params, sort_keys=True))].append(case)
    out: dict[str, dict[str, Any]] = {}
    for n, ((as_of, _), cases) in enumerate(sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))):
        root: Path = tmp_path_factory.mktemp(f"cases{n}")
        write_snapshot([c.household for c in cases], as_of, root / "snap")
        run_batch(root / "snap", as_of, root / "results.parquet", _params(cases[0]), threads=1, detail="full")
        for row in pq.read_table(root / "results.parquet").to_pylist():
            out[row["household_id"]] = result_to_dict(row, intermediates=True)
    return out


def test_at_least_80_cases() -> None:
    assert len(CASES) >= 80
    files = {c.file for c in CASES}
    assert len(files) >= 6


def _check(case: PolicyCase, res: dict[str, Any], path: str) -> None:
    expect = case.expect
    where = f"[{path}] {case.id}"
    if "error" in expect:
        assert res.get("error", {}).get("code") == expect["error"], f"{where}: {res.get('error')}"
        return
    assert "error" not in res, f"{where}: unexpected error {res.get('error')}"
    if "categories" in expect:
        assert res["categories"] == expect["categories"], where
    for key, value in (expect.get("benefits") or {}).items():
        assert res["benefits"][key] == value, f"{where}: benefit {key}"
    figures = res["figures"]
    for key, value in (expect.get("figures") or {}).items():
        name = key if key in figures else f"{key}_fen"
        got = figures[name]
        if name.endswith("_fen"):
            got = format_yuan(int(got))
        assert got == value, f"{where}: figure {key} = {got!r}, expected {value!r}"
    hid = case.household["household_id"]
    for mid, exp in (expect.get("members") or {}).items():
        mf = res["member_figures"][f"{hid}-{mid}"]
        if "tekun" in exp:
            assert bool(mf["m_tekun"]) == exp["tekun"], f"{where}: member {mid} tekun"
        if "individual" in exp:
            assert bool(mf["m_single"]) == exp["individual"], f"{where}: member {mid} individual"
        if "care_level" in exp:
            assert CARE_LEVELS[int(mf["m_care_level"])] == exp["care_level"], f"{where}: member {mid} care"
        if "category" in exp:
            assert res["member_categories"][f"{hid}-{mid}"] == exp["category"], f"{where}: member {mid} category"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_both_paths(case: PolicyCase, batch_results: dict[str, dict[str, Any]]) -> None:
    single = _single(case)
    _check(case, single, "single")
    hid = case.household["household_id"]
    if single.get("error", {}).get("code") in ("money_float",):
        return
    batch = batch_results.get(hid)
    assert batch is not None, f"batch result missing for {case.id}"
    _check(case, batch, "batch")
    if "error" not in case.expect:
        # the two paths agree on everything, not only on what the case states
        assert single["categories"] == batch["categories"]
        assert single["benefits"] == batch["benefits"]
        assert single["figures"] == batch["figures"]
        assert single["member_figures"] == batch["member_figures"]
        assert single["member_categories"] == batch["member_categories"]
        assert single["parameter_version"] == batch["parameter_version"]
        assert single["explanation"]["household_id"] == hid
