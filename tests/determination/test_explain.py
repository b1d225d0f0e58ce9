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


def _explained(n: int = 150, seed: int = 17) -> list[dict[str, Any]]:
    from jiuzhu.engine.determination.sample import random_households
    from jiuzhu.rules.determination.cases import load_cases
    from jiuzhu.rules.params import load_jiangxi

    params = load_jiangxi()
    out = []
    for h in random_households(n, seed, AS_OF):
        res = determine_household(h, AS_OF, params, intermediates=True)
        if "error" not in res:
            out.append(res)
    for case in load_cases():
        if case.expect.get("error"):
            continue
        p = params.with_overrides(case.params) if case.params else params
        out.append(determine_household(case.household, case.as_of, p, intermediates=True))
    return out


def test_a_failed_category_always_shows_the_failed_criterion() -> None:
    """Issue 13 item 6: "特困 不符合 while every criterion shown passes" must not happen."""
    for res in _explained():
        for code, cat in res["explanation"]["categories"].items():
            crits = list(cat.get("criteria", []))
            member_crits = [c for m in cat.get("members", []) for c in m["criteria"]]
            where = (res["household_id"], code)
            if not cat["result"]:
                assert any(not c["passed"] for c in crits + member_crits), where
                for m in cat.get("members", []):
                    if not (m.get("tekun") or m.get("included")):
                        assert any(not c["passed"] for c in m["criteria"]), (*where, m["member_id"])
            else:
                plain = [c for c in crits if not c["any_of"]]
                assert all(c["passed"] for c in plain), where
                groups = {c["any_of"] for c in crits if c["any_of"]}
                for g in groups:
                    assert any(c["passed"] for c in crits if c["any_of"] == g), (*where, g)


def test_every_total_on_the_sheet_is_the_sum_of_its_lines() -> None:
    """Issue 13 item 6: counted income, not counted income, spending and financial assets."""
    from jiuzhu.rules.determination.sentences import format_yuan

    seen_prorated = seen_not_counted = False
    for res in _explained():
        e, f = res["explanation"], res["figures"]
        inc = e["income"]
        assert inc["totals"]["counted"] == format_yuan(f["income_counted_fen"]) == inc["figures"]["income_counted"]
        assert inc["totals"]["not_counted"] == format_yuan(f["income_excluded_fen"]) == inc["figures"]["income_not_counted"]
        lines = inc["lines"]
        assert sum(int(x["counted_fen"]) for x in lines if x["status"] == "counted") == f["income_counted_fen"]
        seen_prorated |= any(x["prorated"] for x in lines)
        seen_not_counted |= any(x["status"] == "not_counted_caseworker" for x in lines)
        sp = e["spending"]["totals"]
        assert sp["medical"] == format_yuan(f["exp_medical_fen"])
        assert sp["education"] == format_yuan(f["exp_education_fen"])
        assert sp["rehabilitation"] == format_yuan(f["exp_rehab_fen"])
        assert e["property"]["totals"]["financial"] == format_yuan(f["financial_fen"])
    assert seen_prorated and seen_not_counted


def test_exact_per_capita_income_is_shown_as_it_is_compared(params: ParameterSet) -> None:
    """849.9966… is below 850.00 and is never shown as 850.00 next to "低于"."""
    h = {"household_id": "X3", "county_code": "360102", "area_type": "urban",
         "members": [{"member_id": m, "birth_date": "1985-01-01"} for m in "ABC"],
         "income_items": [{"member_id": "A", "income_type": "wages", "amount": "30599.88",
                           "period_start": "2025-01-01", "period_end": "2025-12-31"}]}
    res = determine_household(h, AS_OF, params.with_overrides({"dibao.standard": "850.00"}))
    crit = res["explanation"]["categories"]["dibao"]["criteria"][0]
    assert crit["passed"] is True and res["categories"][0] == "dibao"
    assert "≈849.9966 元低于低保标准 850.00 元" in crit["text_zh"]
    assert crit["margin"]["yuan"] == "≈0.0033"


def test_mixed_household_names_each_members_category(params: ParameterSet) -> None:
    h = {"household_id": "X4", "county_code": "360102", "area_type": "urban",
         "members": [{"member_id": "A", "birth_date": "1950-05-01", "relation": "head"},
                     {"member_id": "B", "birth_date": "1952-05-01", "relation": "spouse"}],
         "income_items": [{"member_id": "A", "income_type": "transfer", "subtype": "pension_enterprise", "amount": "18000.00"}]}
    res = determine_household(h, AS_OF, params)
    assert res["member_categories"] == {"A": "dibao", "B": "tekun"}
    e = res["explanation"]
    assert [(m["member_id"], m["label_zh"]) for m in e["members"]] == [("A", "最低生活保障对象"), ("B", "特困人员")]
    assert e["persons"] == {"dibao": 1, "tekun": 1}
    tekun = e["categories"]["tekun"]
    assert tekun["result"] is True and tekun["members_tekun"] == 1
    husband = next(m for m in tekun["members"] if m["member_id"] == "A")
    assert husband["notes"][0]["passed"] is False and "低保" in husband["notes"][0]["text_zh"]
