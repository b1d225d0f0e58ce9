"""One definition, two paths: one household at a time == the DuckDB batch, exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.sample import random_households
from jiuzhu.engine.determination.single import determine_household, result_to_dict
from jiuzhu.rules.params import ParameterSet

from .conftest import write_snapshot

AS_OF = date(2026, 1, 15)


def _batch(households: list[dict[str, Any]], tmp: Path, params: ParameterSet, as_of: date = AS_OF) -> dict[str, dict[str, Any]]:
    write_snapshot(households, as_of, tmp / "snap")
    progress: list[tuple[int, int]] = []
    summary = run_batch(tmp / "snap", as_of, tmp / "res.parquet", params, batch_rows=97,
                        progress=lambda d, t: progress.append((d, t)), threads=2, detail="full")
    assert progress and progress[-1] == (summary.households, summary.households)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    return {r["household_id"]: result_to_dict(r, intermediates=True) for r in pq.read_table(tmp / "res.parquet").to_pylist()}


@pytest.mark.parametrize("seed", [1, 2])
def test_single_equals_batch_on_generated_households(seed: int, tmp_path: Path, params: ParameterSet) -> None:
    households = random_households(400, seed, AS_OF)
    batch = _batch(households, tmp_path, params)
    assert len(batch) == len(households)
    seen_categories: set[str] = set()
    for h in households:
        single = determine_household(h, AS_OF, params, explain=False, intermediates=True)
        b = batch[h["household_id"]]
        if "error" in single:
            assert single["error"]["code"] == b["error"]["code"]
            continue
        assert single["categories"] == b["categories"]
        assert single["benefits"] == b["benefits"]
        assert single["figures"] == b["figures"]
        assert single["member_figures"] == b["member_figures"]
        seen_categories.update(single["categories"])
    # the generated data reaches every category
    assert {"tekun", "dibao", "marginal", "rigid", "other", "dibao_individual", "poverty_monitoring"} <= seen_categories


def test_batch_is_independent_of_batch_size_and_threads(tmp_path: Path, params: ParameterSet) -> None:
    households = random_households(300, 5, AS_OF)
    write_snapshot(households, AS_OF, tmp_path / "snap")
    run_batch(tmp_path / "snap", AS_OF, tmp_path / "a.parquet", params, batch_rows=1000, threads=1)
    run_batch(tmp_path / "snap", AS_OF, tmp_path / "b.parquet", params, batch_rows=13, threads=2)
    a = pq.read_table(tmp_path / "a.parquet").sort_by("household_id")
    b = pq.read_table(tmp_path / "b.parquet").sort_by("household_id")
    assert a.equals(b)


def test_failed_batch_leaves_no_output(tmp_path: Path, params: ParameterSet) -> None:
    write_snapshot(random_households(10, 9, AS_OF), AS_OF, tmp_path / "snap")
    (tmp_path / "snap" / "expenses.parquet").unlink()
    with pytest.raises(ValueError, match="expenses"):
        run_batch(tmp_path / "snap", AS_OF, tmp_path / "res.parquet", params)
    assert not list(tmp_path.glob("res.parquet*"))


_money = st.integers(min_value=0, max_value=600_000).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    incomes=st.lists(_money, min_size=1, max_size=3),
    medical=_money,
    deposit=_money,
    ages=st.lists(st.integers(min_value=0, max_value=95), min_size=1, max_size=3),
    area=st.sampled_from(["urban", "rural"]),
    county=st.sampled_from(["360102", "360782", "360481", "360730"]),
)
def test_single_equals_batch_property(
    incomes: list[str], medical: str, deposit: str, ages: list[int], area: str, county: str,
    tmp_path_factory: pytest.TempPathFactory, params: ParameterSet,
) -> None:
    members = [{"member_id": f"M{i}", "birth_date": date(AS_OF.year - a, 1, 1).isoformat() if a else "2025-06-01"}
               for i, a in enumerate(ages)]
    h = {
        "household_id": "HP", "county_code": county, "area_type": area, "members": members,
        "income_items": [{"member_id": members[i % len(members)]["member_id"], "income_type": "wages", "amount": m}
                         for i, m in enumerate(incomes)],
        "expenses": [{"expense_type": "medical", "amount": medical}],
        "property_items": [{"property_type": "deposit", "value": deposit}],
    }
    single = determine_household(h, AS_OF, params, explain=False, intermediates=True)
    batch = _batch([h], tmp_path_factory.mktemp("p"), params)["HP"]
    assert single["figures"] == batch["figures"]
    assert single["categories"] == batch["categories"]
    assert single["benefits"] == batch["benefits"]


def test_python_features_equal_sql_features(params: ParameterSet) -> None:
    """The single path's feature builder is the twin of the batch SQL: identical rows."""
    from jiuzhu.engine.determination.features import features_from_rows
    from jiuzhu.engine.determination.single import sql_features, tables_from_rows
    from jiuzhu.rules.determination.household import parse_household
    from jiuzhu.rules.determination.paramtable import build_param_table

    rows: dict[str, list[dict[str, Any]]] = {}
    for h in random_households(500, 21, AS_OF):
        for name, items in parse_household(h, AS_OF).items():
            rows.setdefault(name, []).extend(items)
    ptab = build_param_table(params, {(h["county_code"], h["area_type"]) for h in rows["households"]}, AS_OF)
    py = {r["household_id"]: r for r in features_from_rows(rows, ptab, AS_OF).to_pylist()}
    sql = {r["household_id"]: r for r in sql_features(tables_from_rows(rows), ptab, AS_OF).to_pylist()}
    assert py.keys() == sql.keys()
    for hid, a in py.items():
        b = sql[hid]
        assert (a["members"] or []) == (b["members"] or []), hid
        assert {k: v for k, v in a.items() if k != "members"} == {k: v for k, v in b.items() if k != "members"}, hid


def test_batch_reports_missing_birth_dates_and_rejects_duplicate_households(tmp_path: Path, params: ParameterSet) -> None:
    import pyarrow as pa

    households = random_households(20, 51, AS_OF)
    write_snapshot(households, AS_OF, tmp_path / "snap")
    members = pq.read_table(tmp_path / "snap" / "members.parquet")
    first_hh = members.column("household_id")[0].as_py()
    births = members.column("birth_date").to_pylist()
    births[0] = None
    members = members.set_column(members.schema.get_field_index("birth_date"), "birth_date", pa.array(births, pa.date32()))
    pq.write_table(members, tmp_path / "snap" / "members.parquet")
    run_batch(tmp_path / "snap", AS_OF, tmp_path / "res.parquet", params)
    res = {r["household_id"]: r for r in pq.read_table(tmp_path / "res.parquet").to_pylist()}
    excluded_first = members.slice(0, 1).to_pylist()[0].get("in_prison")
    if not excluded_first:
        assert res[first_hh]["status"] == "error" and res[first_hh]["error_code"] == "birth_date_missing"
    hh = pq.read_table(tmp_path / "snap" / "households.parquet")
    pq.write_table(pa.concat_tables([hh, hh.slice(0, 1)]), tmp_path / "snap" / "households.parquet")
    with pytest.raises(ValueError, match="duplicate household_id"):
        run_batch(tmp_path / "snap", AS_OF, tmp_path / "res2.parquet", params)
    assert not (tmp_path / "res2.parquet").exists()


def test_snapshot_without_surrogate_keys_gives_the_same_results(tmp_path: Path, params: ParameterSet) -> None:
    """A snapshot written before household_key/member_key existed: the batch derives them."""
    from jiuzhu.engine.determination.snapshot import KEY_COLUMNS, TABLES

    households = random_households(60, 77, AS_OF)
    write_snapshot(households, AS_OF, tmp_path / "keyed")
    (tmp_path / "bare").mkdir()
    for name in TABLES:
        table = pq.read_table(tmp_path / "keyed" / f"{name}.parquet")
        pq.write_table(table.drop_columns(list(KEY_COLUMNS[name])), tmp_path / "bare" / f"{name}.parquet")
    run_batch(tmp_path / "keyed", AS_OF, tmp_path / "a.parquet", params, detail="full")
    run_batch(tmp_path / "bare", AS_OF, tmp_path / "b.parquet", params, detail="full")
    a = pq.read_table(tmp_path / "a.parquet").sort_by("household_id")
    b = pq.read_table(tmp_path / "b.parquet").sort_by("household_id")
    assert a.num_rows == len(households) and a.equals(b)
