"""Explanations are the trace of the formulas, with parameters and margins, in Chinese and English."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from jiuzhu.engine.determination.single import determine_household
from jiuzhu.rules.determination.formulas import FORMULAS, SPECS
from jiuzhu.rules.params import ParameterSet

AS_OF = date(2026, 1, 15)


def _hh(**extra: Any) -> dict[str, Any]:
    return {
        "household_id": "E1", "county_code": "360102", "area_type": "urban",
        "members": [{"member_id": "A", "birth_date": "1980-05-01"}, {"member_id": "B", "birth_date": "1984-05-01"}],
        "income_items": [{"member_id": "A", "income_type": "wages", "amount": "14400.00"}],
        **extra,
    }


def test_dibao_criterion_names_figures_parameter_and_margin(params: ParameterSet) -> None:
    res = determine_household(_hh(), AS_OF, params)
    exp = res["explanation"]
    crit = exp["categories"]["dibao"]["criteria"][0]
    assert crit["id"] == "dibao.income" and crit["passed"] is True
    assert crit["margin"] == {"yuan": "400.00", "percent": "40.00"}
    p = crit["parameters"][0]
    assert p["path"] == "dibao.standard" and p["value"] == "1000.00" and p["from"] == "2026-01-01"
    assert p["region"] == "360100" and p["ref"] and p["demo"] is True
    assert "600.00" in crit["text_zh"] and "1000.00" in crit["text_zh"] and "低于" in crit["text_zh"] and "低 400.00 元" in crit["text_zh"]
    assert "below" in crit["text_en"]
    assert exp["summary_zh"] == "认定结果：最低生活保障对象。"
    json.dumps(exp, ensure_ascii=False)  # JSON-ready


def test_explanation_explains_why_not(params: ParameterSet) -> None:
    h = _hh(income_items=[{"member_id": "A", "income_type": "wages", "amount": "48000.00"}])
    exp = determine_household(h, AS_OF, params)["explanation"]
    crit = exp["categories"]["dibao"]["criteria"][0]
    assert crit["passed"] is False and "不低于" in crit["text_zh"]
    assert crit["margin"]["yuan"] == "-1000.00"
    assert exp["categories"]["dibao"]["result"] is False
    assert exp["summary_zh"].startswith("认定结果：不属于")


def test_explanation_is_the_trace_not_a_recomputation(params: ParameterSet) -> None:
    res = determine_household(_hh(), AS_OF, params, intermediates=True)
    figs = res["figures"]
    exp = res["explanation"]
    assert exp["income"]["figures"]["per_capita_monthly_income"] == "600.00"
    assert figs["per_capita_income_fen"] == 60000
    # every pass/fail shown equals a formula value
    assert exp["categories"]["marginal"]["criteria"][1]["passed"] == figs["marginal_income_ok"]
    assert exp["categories"]["rigid"]["criteria"][1]["passed"] == figs["below_disposable_income"]


def test_tekun_member_explanation(params: ParameterSet) -> None:
    h = {"household_id": "E2", "county_code": "360102", "area_type": "urban",
         "members": [{"member_id": "A", "birth_date": "1950-01-01", "adl_eating": False, "adl_bathing": False,
                      "adl_dressing": False, "adl_walking": False}]}
    exp = determine_household(h, AS_OF, params)["explanation"]
    m = exp["categories"]["tekun"]["members"][0]
    assert m["tekun"] is True and m["care_level"] == "total_care" and m["care_level_zh"] == "全护理"
    assert m["care_allowance"] == "1480.00"
    assert "年满60周岁" in m["criteria"][0]["text_zh"]


def test_every_formula_has_labels_and_clause() -> None:
    assert len(FORMULAS) == len(SPECS) >= 60
    for spec, _fn in FORMULAS:
        assert spec.label_zh and spec.label_en and spec.clause, spec.name


def test_every_criterion_is_declared_with_its_formula(params: ParameterSet) -> None:
    """Adding a rule is one place: the formula carries its sentence, parameters and figures."""
    from jiuzhu.rules.determination.formulas import PARAMS, SECTIONS

    nodes = set(params.nodes)
    for sec in SECTIONS:
        names = [c if isinstance(c, str) else c[0] for c in sec.criteria]
        if sec.members is not None:
            names += list(sec.members.criteria)
        for name in names:
            says = SPECS[name].says
            assert says is not None and says.zh and says.en, name
            assert set(says.params) <= nodes, (name, set(says.params) - nodes)
            for phrase in says.because:
                assert SPECS[phrase].says is not None, phrase
    for spec in PARAMS.values():
        assert spec.path in nodes, spec.path


def test_explain_module_types_no_rule_sentences() -> None:
    """The explanation is generated from the declarations: explain.py holds no rule's wording."""
    import re
    from pathlib import Path

    import jiuzhu.rules.determination.explain as explain

    source = Path(explain.__file__).read_text("utf-8")
    chinese = set(re.findall(r"[\u4e00-\u9fff]+", source))
    assert chinese <= {"认定说明", "文号", "认定结果"}, chinese
