"""Parameters as dated, region-keyed data: resolution, validation, what-if, version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from jiuzhu.rules.determination.paramtable import build_param_table, income_window, years_before
from jiuzhu.rules.params import Override, ParameterError, ParameterSet


def _spec(values: list[dict[str, Any]], *, kind: str = "money", by_area: bool = False) -> dict[str, Any]:
    return {"x.value": {"label_zh": "测试", "kind": kind, "by_area": by_area, "values": values}}


def test_every_value_has_reference_and_date(params: ParameterSet) -> None:
    for node in params.nodes.values():
        assert node.label_zh and node.clause, node.path
        for e in node.entries:
            assert e.ref.strip(), node.path
            # Provincial values are dated from 2016 on; a national law's deadline from its own date
            # (e.g. the Administrative Litigation Law as amended, in force 2015-05-01).
            assert e.start.year >= 2016 or "法》" in e.ref, (node.path, e.start, e.ref)


def test_city_value_beats_province_and_latest_from_wins(params: ParameterSet) -> None:
    r = params.resolve("dibao.standard", "360102", "urban", date(2026, 1, 15))
    assert (r.value, r.region, r.start) == (Decimal("1000.00"), "360100", date(2026, 1, 1))
    r = params.resolve("dibao.standard", "360102", "urban", date(2025, 12, 31))
    assert (r.value, r.start) == (Decimal("960.00"), date(2025, 1, 1))
    assert r.demo is True and "南昌" in r.ref


def test_county_override_beats_city_from_its_date(params: ParameterSet) -> None:
    assert params.resolve("dibao.standard", "360481", "rural", date(2025, 6, 30)).value == Decimal("760.00")
    r = params.resolve("dibao.standard", "360481", "rural", date(2025, 7, 1))
    assert (r.value, r.region) == (Decimal("780.00"), "360481")
    # no urban override: the city value
    assert params.resolve("dibao.standard", "360481", "urban", date(2025, 7, 1)).region == "360400"


def test_retired_county_code_resolves_to_its_city(params: ParameterSet) -> None:
    r = params.resolve("dibao.standard", "360782", "urban", date(2026, 1, 15))
    assert r.region == "360700"
    assert params.resolve("wage.minimum_zone", "360782", "urban", date(2026, 1, 15)).value == 3
    assert params.resolve("wage.minimum_zone", "360703", "urban", date(2026, 1, 15)).value == 2


def test_unknown_county_is_an_error(params: ParameterSet) -> None:
    with pytest.raises(ParameterError) as exc:
        params.resolve("dibao.standard", "369999", "urban", date(2026, 1, 15))
    assert exc.value.code == "region_unknown" and "369999" in exc.value.message_zh


def test_as_of_before_first_value_is_an_error(params: ParameterSet) -> None:
    with pytest.raises(ParameterError) as exc:
        params.resolve("dibao.standard", "360102", "urban", date(2023, 12, 31))
    assert exc.value.code == "before_first_value"
    assert "2024-01-01" in exc.value.message_zh and "2024-01-01" in exc.value.message_en


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ([{"region": "360000", "from": "2025-01-01", "value": "1.00", "ref": "a"},
          {"region": "360000", "from": "2025-01-01", "value": "2.00", "ref": "b"}], "revision_overlap"),
        ([{"region": "360000", "from": "2025-01-01", "to": "2025-06-30", "value": "1.00", "ref": "a"},
          {"region": "360000", "from": "2025-06-01", "value": "2.00", "ref": "b"}], "revision_overlap"),
        ([{"region": "360000", "from": "2025-01-01", "to": "2025-05-31", "value": "1.00", "ref": "a"},
          {"region": "360000", "from": "2025-07-01", "value": "2.00", "ref": "b"}], "revision_gap"),
        ([{"region": "360000", "from": "2025-01-01", "value": 1.5, "ref": "a"}], "value_float"),
        ([{"region": "360000", "from": "2025-01-01", "value": "1.005", "ref": "a"}], "value_precision"),
        ([{"region": "360782", "from": "2025-01-01", "value": "1.00", "ref": "a"}], "value_region"),
        ([{"region": "360000", "from": "2025-01-01", "value": "1.00"}], "value_fields"),
        ([{"region": "360000", "area": "urban", "from": "2025-01-01", "value": "1.00", "ref": "a"}], "value_area"),
    ],
)
def test_bad_revision_sets_are_rejected(values: list[dict[str, Any]], code: str) -> None:
    with pytest.raises(ParameterError) as exc:
        ParameterSet.from_mapping(_spec(values))
    assert exc.value.code == code
    assert "x.value" in exc.value.message_zh


def test_contiguous_revisions_with_end_dates_are_accepted() -> None:
    ps = ParameterSet.from_mapping(_spec([
        {"region": "360000", "from": "2025-01-01", "to": "2025-06-30", "value": "1.00", "ref": "a"},
        {"region": "360000", "from": "2025-07-01", "value": "2.00", "ref": "b"},
    ]))
    assert ps.resolve("x.value", "360102", "urban", date(2025, 6, 30)).value == Decimal("1.00")
    assert ps.resolve("x.value", "360102", "urban", date(2025, 7, 1)).value == Decimal("2.00")


def test_yaml_decimals_never_pass_through_float(params: ParameterSet) -> None:
    v = params.resolve("dibao.marginal_multiplier", "360102", "urban", date(2026, 1, 15)).value
    assert isinstance(v, Decimal) and v == Decimal("1.5")


def test_what_if_override_is_not_saved_and_changes_version(params: ParameterSet) -> None:
    what_if = params.with_overrides({"dibao.marginal_multiplier": "1.6"})
    d = date(2026, 1, 15)
    assert what_if.resolve("dibao.marginal_multiplier", "360102", "urban", d).value == Decimal("1.6")
    assert what_if.resolve("dibao.marginal_multiplier", "360102", "urban", d).override is True
    assert params.resolve("dibao.marginal_multiplier", "360102", "urban", d).value == Decimal("1.5")
    assert what_if.version != params.version
    assert params.with_overrides({"dibao.marginal_multiplier": "1.6"}).version == what_if.version


def test_region_limited_override(params: ParameterSet) -> None:
    ps = params.with_overrides([Override("dibao.standard", "1100.00", region="360100", area="urban")])
    d = date(2026, 1, 15)
    assert ps.resolve("dibao.standard", "360102", "urban", d).value == Decimal("1100.00")
    assert ps.resolve("dibao.standard", "360102", "rural", d).value == Decimal("840.00")
    assert ps.resolve("dibao.standard", "360702", "urban", d).value == Decimal("920.00")


def test_override_rejects_float_and_unknown_path(params: ParameterSet) -> None:
    with pytest.raises(ParameterError):
        params.with_overrides({"dibao.marginal_multiplier": 1.6})
    with pytest.raises(ParameterError):
        params.with_overrides({"no.such.path": "1"})


def test_version_is_stable_and_content_addressed(params: ParameterSet) -> None:
    again = ParameterSet.load()
    assert again.version == params.version and params.version.startswith("sha256:")


def test_param_table_resolves_once_per_key_and_reports_bad_keys(params: ParameterSet) -> None:
    keys = [("360102", "urban"), ("360102", "rural"), ("360782", "urban"), ("369999", "urban")]
    t = build_param_table(params, keys + keys, date(2026, 1, 15))
    assert len(t) == 4
    i = t.lookup("360102", "urban")
    assert t.arrays["p_std_fen"][i] == 100000
    assert t.arrays["p_marginal_mult"][i] == 1_500_000
    assert t.arrays["p_min_wage_fen"][i] == 185000
    assert t.arrays["p_min_wage_fen"][t.lookup("360782", "urban")] == 161000
    assert t.errors[t.lookup("369999", "urban")][0] == "region_unknown"
    assert t.windows[i] == (date(2025, 1, 1), date(2025, 12, 31))
    assert "basic_pension" in t.excluded_subtypes[i]
    assert t.arrays["p_tekun_grade"].shape[0] == 4 and t.arrays["p_tekun_grade"].dtype == np.int64


def test_income_window_and_years_before() -> None:
    assert income_window(date(2026, 1, 15), 12) == (date(2025, 1, 1), date(2025, 12, 31))
    assert income_window(date(2025, 7, 1), 6) == (date(2025, 1, 1), date(2025, 6, 30))
    assert years_before(date(2024, 2, 29), 1) == date(2023, 2, 28)


@pytest.mark.parametrize(("kind", "text", "value"), [
    ("int", " 45 ", 45), ("bool", "否", False), ("bool", "true", True), ("list", "dibao, tekun，marginal",
                                                                        ["dibao", "tekun", "marginal"]),
    ("list", '["a", 2]', ["a", 2]), ("money", "12.50", Decimal("12.50")),
])
def test_revisions_typed_on_screen_become_the_parameter_kind(kind: str, text: str, value: Any) -> None:
    ps = ParameterSet.from_mapping(_spec([{"region": "360000", "from": "2025-01-01", "value": _base(kind), "ref": "a"}],
                                         kind=kind))
    revised = ps.with_revisions([{"path": "x.value", "region": "360000", "from": "2026-01-01", "value": text,
                                  "ref": "修订"}])
    assert revised.resolve("x.value", "360102", "urban", date(2026, 2, 1)).value == value


@pytest.mark.parametrize(("kind", "text"), [("int", "4.5"), ("int", "-1"), ("bool", "maybe"), ("list", "[1.5]")])
def test_revision_text_of_the_wrong_kind_is_refused(kind: str, text: str) -> None:
    ps = ParameterSet.from_mapping(_spec([{"region": "360000", "from": "2025-01-01", "value": _base(kind), "ref": "a"}],
                                         kind=kind))
    with pytest.raises(ParameterError) as exc:
        ps.with_revisions([{"path": "x.value", "region": "360000", "from": "2026-01-01", "value": text, "ref": "r"}])
    assert exc.value.code == "value_type"


def _base(kind: str) -> Any:
    return {"int": 3, "bool": True, "list": ["x"], "money": "1.00"}[kind]


def test_entry_index_is_not_read_from_a_freed_node_at_the_same_address() -> None:
    # An id() is reused once its object is freed; simulate a freed node's index left at this node's id.
    from jiuzhu.rules.params import loader

    old = ParameterSet.from_mapping(_spec([{"region": "360000", "from": "2025-01-01", "value": True, "ref": "a"}],
                                          kind="bool")).node("x.value")
    new = ParameterSet.from_mapping(_spec([{"region": "360000", "from": "2025-01-01", "value": "12.50", "ref": "a"}]))
    node = new.node("x.value")
    loader._INDEX[id(node)] = (old, loader._entry_index(old))
    assert new.resolve("x.value", "360102", "urban", date(2026, 2, 1)).value == Decimal("12.50")
