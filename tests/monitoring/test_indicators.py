"""Every declared indicator raises on its condition and not just outside it (pure engine, no database)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from jiuzhu.engine.monitoring.compare import settings_for
from jiuzhu.engine.monitoring.indicators import INDICATORS, get_indicator
from jiuzhu.rules.params.loader import Override, load_jiangxi
from tests.monitoring.world import (
    AS_OF,
    COUNTY,
    LOADED,
    TOWNSHIP,
    World,
    days_ago,
    found,
    months_ago,
)

P1, P2 = "p" * 63 + "1", "p" * 63 + "2"
Scenario = Callable[[World], None]


def _reg(w: World, **extra: object) -> int:
    h = w.household(**extra)  # type: ignore[arg-type]
    w.member(h, P1)
    return h


def _settle(w: World, amount: str, on: dt.date, disease: str = "hypertension") -> None:
    w.feed("medical_insurance_settlements", P1, settlement_id=f"S{len(w.feeds.get('medical_insurance_settlements', []))}",
           settle_date=on, total_cost=amount, insurance_paid="0", self_paid=amount, disease_code=disease,
           chronic_or_serious=False)


def med_at_amount(w: World) -> None:
    _reg(w)
    _settle(w, "12000.00", days_ago(10))
    _settle(w, "8000.00", days_ago(200))


def med_below_amount(w: World) -> None:
    _reg(w)
    _settle(w, "12000.00", days_ago(10))
    _settle(w, "7999.99", days_ago(200))
    _settle(w, "5000.00", days_ago(400))  # outside the 12-month window


def med_income_share(w: World) -> None:
    h = _reg(w)
    w.income_item(h, "30000.00")
    _settle(w, "15000.00", days_ago(30))


def med_income_share_below(w: World) -> None:
    h = _reg(w)
    w.income_item(h, "30000.00")
    _settle(w, "14999.99", days_ago(30))


def ill_new(w: World) -> None:
    _reg(w)
    w.feed("health_serious_illness", P1, disease_code="uremia", diagnosed_on=days_ago(364))


def ill_too_old(w: World) -> None:
    _reg(w)
    w.feed("health_serious_illness", P1, disease_code="uremia", diagnosed_on=days_ago(365))


def ill_known(w: World) -> None:
    h = w.household()
    w.member(h, P1, serious_illness=True)
    w.feed("health_serious_illness", P1, disease_code="uremia", diagnosed_on=days_ago(10))


def ill_settlement(w: World) -> None:
    _reg(w)
    _settle(w, "100.00", days_ago(5), disease="leukaemia")


def _cert(w: World, dtype: str, grade: int, cancelled: dt.date | None = None) -> None:
    w.feed("disabled_certificates", P1, disability_type=dtype, grade=grade, issued_on=days_ago(20),
           cancelled_on=cancelled)


def dis_grade2(w: World) -> None:
    _reg(w)
    _cert(w, "physical", 2)


def dis_grade3_physical(w: World) -> None:
    _reg(w)
    _cert(w, "physical", 3)


def dis_grade3_mental(w: World) -> None:
    _reg(w)
    _cert(w, "mental", 3)


def dis_grade4_mental(w: World) -> None:
    _reg(w)
    _cert(w, "mental", 4)


def dis_cancelled(w: World) -> None:
    _reg(w)
    _cert(w, "physical", 1, cancelled=days_ago(1))


def dis_known(w: World) -> None:
    h = w.household()
    w.member(h, P1, disability_type="physical", disability_grade=2)
    _cert(w, "physical", 2)


def unemp_registered(w: World) -> None:
    _reg(w)
    w.feed("hrss_unemployment", P1, registered_on=days_ago(179), status="registered")


def unemp_reemployed(w: World) -> None:
    _reg(w)
    w.feed("hrss_unemployment", P1, registered_on=days_ago(20), status="reemployed")


def _paid(w: World, months: list[int], base: str = "3000.00", person: str = P1) -> None:
    for n in months:
        w.feed("hrss_social_insurance", person, month=months_ago(n), contribution_base=base, paid=True)


def unemp_stopped(w: World) -> None:
    _reg(w)
    _paid(w, [4, 5, 6])


def unemp_still_paying(w: World) -> None:
    _reg(w)
    _paid(w, [2, 3, 4])


def death(w: World) -> None:
    h = _reg(w, recipient=True)
    w.feed("health_deaths", P1, death_date=days_ago(15))
    w.assistance(P1, "dibao", days_ago(300), None, household=h)


def death_unregistered(w: World) -> None:
    w.household()
    w.feed("health_deaths", P1, death_date=days_ago(15))


def _hukou(change: str, ago: int = 30) -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        w.feed("public_security_hukou_changes", P1, change_type=change, change_date=days_ago(ago))
    return s


def _disaster(damage: str, ago: int = 10) -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        w.feed("emergency_disaster_victims", P1, event_date=days_ago(ago), disaster_type="flood",
               house_damage=damage, relief_amount="500.00")
    return s


def _vehicle(vtype: str, value: str | None) -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        w.feed("public_security_vehicles", P1, vehicle_type=vtype, registered_on=days_ago(30),
               value_estimate=Decimal(value) if value else None)
    return s


def _estate(ago: int, area: str = "88.50", second: bool = True) -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        if second:  # the household already had its home
            w.feed("natural_resources_real_estate", P1, area_m2=Decimal("120.00"), registered_on=days_ago(3000))
        w.feed("natural_resources_real_estate", P1, area_m2=Decimal(area), registered_on=days_ago(ago))
    return s


def _business(role: str, status: str, entity: str = "individual") -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        w.feed("market_regulation_businesses", P1, credit_code="91360124MA0000000X", entity_type=entity,
               role=role, registered_on=days_ago(40), status=status)
    return s


def wage_six(w: World) -> None:
    _reg(w)
    _paid(w, [0, 1, 2, 3, 4, 5], base="2000.00")


def wage_five(w: World) -> None:
    _reg(w)
    _paid(w, [0, 1, 2, 3, 4], base="2000.00")
    _paid(w, [5], base="1999.99")


def _pension(ptype: str, amount: str) -> Scenario:
    def s(w: World) -> None:
        _reg(w)
        w.feed("hrss_pensions", P1, pension_type=ptype, monthly_amount=amount, start_month=months_ago(2))
    return s


def _student(recipient: bool, aided: bool) -> Scenario:
    def s(w: World) -> None:
        h = w.household(recipient=recipient)
        w.member(h, P1, school_stage="junior")
        if aided:
            w.assistance(P1, "education_assistance", days_ago(100), None, household=h)
    return s


def pov_unknown(w: World) -> None:
    w.feed("agriculture_poverty_monitoring", P2, household_ref="NM001", monitoring_type="edge",
           risk_status="at_risk", identified_on=days_ago(50), region=TOWNSHIP + "001")


def pov_known(w: World) -> None:
    _reg(w)
    w.feed("agriculture_poverty_monitoring", P1, household_ref="NM001", monitoring_type="edge",
           risk_status="at_risk", identified_on=days_ago(50))


def pov_eliminated(w: World) -> None:
    w.feed("agriculture_poverty_monitoring", P2, household_ref="NM001", monitoring_type="edge",
           risk_status="eliminated", identified_on=days_ago(50))


def worker_unknown(w: World) -> None:
    w.feed("trade_union_difficult_workers", P2, registered_on=days_ago(10))


def worker_known(w: World) -> None:
    _reg(w)
    w.feed("trade_union_difficult_workers", P1, registered_on=days_ago(10))


def _review(months: int, recipient: bool = True) -> Scenario:
    def s(w: World) -> None:
        h = w.household(recipient=recipient, last_review=months_ago(months) - dt.timedelta(days=1))
        w.member(h, P1)
    return s


def hardship(wage: str | None) -> Scenario:
    def s(w: World) -> None:
        w.feed("hrss_unemployment", P2, registered_on=days_ago(60), status="registered")
        w.feed("health_serious_illness", P2, disease_code="malignant_tumour", diagnosed_on=days_ago(30))
        if wage:
            _paid(w, [1], base=wage, person=P2)
    return s


def _after_death(end: dt.date | None, died: int = 100) -> Scenario:
    def s(w: World) -> None:
        w.feed("health_deaths", P2, death_date=days_ago(died))
        w.assistance(P2, "disability_subsidies", days_ago(500), end)
    return s


CASES: list[tuple[str, str, Scenario, int]] = [
    ("medical_self_paid", "at_amount", med_at_amount, 1),
    ("medical_self_paid", "below_amount", med_below_amount, 0),
    ("medical_self_paid", "income_share", med_income_share, 1),
    ("medical_self_paid", "income_share_below", med_income_share_below, 0),
    ("serious_illness", "new", ill_new, 1),
    ("serious_illness", "window_edge", ill_too_old, 0),
    ("serious_illness", "known", ill_known, 0),
    ("serious_illness", "from_settlement", ill_settlement, 1),
    ("severe_disability", "grade2", dis_grade2, 1),
    ("severe_disability", "grade3_physical", dis_grade3_physical, 0),
    ("severe_disability", "grade3_mental", dis_grade3_mental, 1),
    ("severe_disability", "grade4_mental", dis_grade4_mental, 0),
    ("severe_disability", "cancelled", dis_cancelled, 0),
    ("severe_disability", "known", dis_known, 0),
    ("unemployment", "registered", unemp_registered, 1),
    ("unemployment", "reemployed", unemp_reemployed, 0),
    ("unemployment", "stopped", unemp_stopped, 1),
    ("unemployment", "still_paying", unemp_still_paying, 0),
    ("member_death", "death", death, 1),
    ("member_death", "not_registered", death_unregistered, 0),
    ("imprisonment", "imprisoned", _hukou("imprisonment"), 1),
    ("imprisonment", "other_change", _hukou("moved_in"), 0),
    ("imprisonment", "too_old", _hukou("imprisonment", 365), 0),
    ("moved_out", "moved", _hukou("moved_out", 364), 1),
    ("moved_out", "other_change", _hukou("military"), 0),
    ("disaster", "severe", _disaster("severe"), 1),
    ("disaster", "minor", _disaster("minor"), 0),
    ("disaster", "too_old", _disaster("collapsed", 90), 0),
    ("new_vehicle", "at_value", _vehicle("small_car", "30000.00"), 1),
    ("new_vehicle", "below_value", _vehicle("small_car", "29999.99"), 0),
    ("new_vehicle", "no_value", _vehicle("truck", None), 1),
    ("new_vehicle", "exempt_type", _vehicle("disabled_mobility", "80000.00"), 0),
    ("new_real_estate", "second_home", _estate(30), 1),
    ("new_real_estate", "old", _estate(400), 0),
    ("new_real_estate", "only_home", _estate(30, second=False), 0),
    ("new_real_estate", "only_home_at_area", _estate(30, "300.00", second=False), 1),
    ("new_real_estate", "only_home_below_area", _estate(30, "299.99", second=False), 0),
    ("new_business", "legal_rep", _business("legal_rep", "active"), 1),
    ("new_business", "operator_individual", _business("operator", "active"), 0),
    ("new_business", "enterprise_operator", _business("operator", "active", "enterprise"), 1),
    ("new_business", "cancelled", _business("legal_rep", "cancelled"), 0),
    ("income_above_line", "six_months", wage_six, 1),
    ("income_above_line", "one_month_below", wage_five, 0),
    ("income_above_line", "pension", _pension("enterprise", "1500.00"), 1),
    ("income_above_line", "pension_below", _pension("enterprise", "1499.99"), 0),
    ("income_above_line", "residents_pension", _pension("residents_basic", "3000.00"), 0),
    ("student_no_education_aid", "not_aided", _student(True, False), 1),
    ("student_no_education_aid", "aided", _student(True, True), 0),
    ("student_no_education_aid", "not_recipient", _student(False, False), 0),
    ("poverty_monitoring_unknown", "unknown", pov_unknown, 1),
    ("poverty_monitoring_unknown", "known", pov_known, 0),
    ("poverty_monitoring_unknown", "eliminated", pov_eliminated, 0),
    ("difficult_worker_unmonitored", "unknown", worker_unknown, 1),
    ("difficult_worker_unmonitored", "known", worker_known, 0),
    ("review_overdue", "overdue", _review(12), 1),
    ("review_overdue", "in_time", _review(11), 0),
    ("review_overdue", "not_recipient", _review(24, recipient=False), 0),
    ("unregistered_hardship", "no_wage", hardship(None), 1),
    ("unregistered_hardship", "wage", hardship("2000.00"), 0),
    ("unregistered_hardship", "low_wage", hardship("1999.99"), 1),
    ("assistance_after_death", "still_paid", _after_death(None), 1),
    ("assistance_after_death", "within_grace", _after_death(days_ago(70)), 0),
    ("assistance_after_death", "after_grace", _after_death(days_ago(68)), 1),
    # Died 10 days ago, record still open: the department is within its grace period.
    ("assistance_after_death", "open_within_grace", _after_death(None, died=10), 0),
]


@pytest.mark.parametrize("key, name, scenario, expected", CASES, ids=[f"{k}-{n}" for k, n, _s, _e in CASES])
def test_indicator(tmp_path: Path, key: str, name: str, scenario: Scenario, expected: int) -> None:
    w = World()
    scenario(w)
    rows = found(w.run(tmp_path, key))
    assert len(rows) == expected, rows
    for r in rows:
        assert r["indicator"] == key
        assert r["fingerprint"] and len(r["fingerprint"]) == 64
        json.loads(r["detail"])  # valid JSON for the caseworker


def test_every_indicator_has_a_raising_and_a_quiet_case() -> None:
    raising = {k for k, _n, _s, e in CASES if e > 0}
    quiet = {k for k, _n, _s, e in CASES if e == 0}
    keys = {i.key for i in INDICATORS}
    assert len(keys) >= 16
    assert keys == raising == quiet


def test_findings_route_and_carry_no_identifier(tmp_path: Path) -> None:
    w = World()
    med_at_amount(w)
    pov_unknown(w)
    reg = found(w.run(tmp_path / "a", "medical_self_paid"))[0]
    assert reg["subject"] == f"h:{reg['household_key']}" and reg["region_hint"] == TOWNSHIP
    assert reg["county_code"] == COUNTY
    unreg = found(w.run(tmp_path / "b", "poverty_monitoring_unknown"))[0]
    assert unreg["household_key"] is None and unreg["subject"] == f"p:{P2}"
    assert unreg["region_hint"] == TOWNSHIP + "001" and unreg["county_code"] == COUNTY
    assert json.loads(unreg["detail"])["masked_id"].count("*") == 8


def test_death_reports_assistance_still_running(tmp_path: Path) -> None:
    w = World()
    death(w)
    detail = json.loads(found(w.run(tmp_path, "member_death"))[0]["detail"])
    assert detail["assistance_running"] is True


def test_same_facts_same_fingerprint_new_facts_new_fingerprint(tmp_path: Path) -> None:
    w = World()
    ill_new(w)
    first = found(w.run(tmp_path / "a", "serious_illness"))[0]["fingerprint"]
    again = found(w.run(tmp_path / "b", "serious_illness"))[0]["fingerprint"]
    assert first == again
    w.feed("health_serious_illness", P1, disease_code="leukaemia", diagnosed_on=days_ago(3))
    assert found(w.run(tmp_path / "c", "serious_illness"))[0]["fingerprint"] != first


def test_threshold_tuned_per_region_and_switch(tmp_path: Path) -> None:
    """A county's own (revised) value applies to it only; an indicator switched off finds nothing."""
    w = World()
    _disaster("minor")(w)
    h = w.household(county="360730", township="360730100")
    w.member(h, P2)
    w.feed("emergency_disaster_victims", P2, event_date=days_ago(10), disaster_type="flood", house_damage="minor",
           relief_amount="0.00")
    base = load_jiangxi()
    assert found(w.run(tmp_path / "a", "disaster", base)) == []
    tuned = base.with_overrides([Override("monitoring.disaster.min_damage", "minor", region=COUNTY)])
    rows = found(w.run(tmp_path / "b", "disaster", tuned))
    assert [r["county_code"] for r in rows] == [COUNTY]
    off = tuned.with_overrides([Override("monitoring.disaster.enabled", "off", region=COUNTY)])
    assert found(w.run(tmp_path / "c", "disaster", off)) == []


def test_revision_values_entered_as_text_apply() -> None:
    """The parameter screen enters text: whole-number thresholds and switches accept it."""
    ind = get_indicator("disaster")
    params = load_jiangxi().with_revisions([
        {"path": ind.param("lookback_days"), "region": COUNTY, "from": "2027-01-01", "value": "30", "ref": "测试"},
        {"path": ind.param("enabled"), "region": COUNTY, "from": "2027-01-01", "value": "off", "ref": "测试"},
    ])
    before = settings_for(ind, params, COUNTY, dt.date(2026, 12, 31))
    after = settings_for(ind, params, COUNTY, dt.date(2027, 1, 1))
    assert (before.enabled, before.thresholds["lookback_days"]) == (True, 90)
    assert (after.enabled, after.thresholds["lookback_days"]) == (False, 30)


def test_whole_number_threshold_must_be_whole() -> None:
    from jiuzhu.rules.params import ParameterError

    ind = get_indicator("disaster")
    params = load_jiangxi().with_overrides({ind.param("lookback_days"): "30.5"})
    with pytest.raises(ParameterError):
        settings_for(ind, params, COUNTY, AS_OF)


def test_incremental_run_only_looks_at_new_department_data(tmp_path: Path) -> None:
    w = World()
    med_at_amount(w)
    assert len(found(w.run(tmp_path / "a", "medical_self_paid", since=LOADED - dt.timedelta(hours=1)))) == 1
    assert found(w.run(tmp_path / "b", "medical_self_paid", since=LOADED)) == []


def test_registry_only_indicator_skipped_by_daily_run(tmp_path: Path) -> None:
    w = World()
    _review(13)(w)
    f = w.run(tmp_path, "review_overdue", since=LOADED - dt.timedelta(days=1))
    assert f.skipped == ["review_overdue"] and f.table.num_rows == 0


def test_cli_lists_every_indicator(capsys: pytest.CaptureFixture[str]) -> None:
    from jiuzhu.engine.monitoring.cli import main

    assert main(["--as-of", "2026-11-01"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == [i.key for i in INDICATORS]
    fields = dict(zip(("key", "severity", "kind", "target", "verify", "handle", "on", "label"),
                      lines[0].split("\t"), strict=True))
    assert fields == {"key": "medical_self_paid", "severity": "red", "kind": "need", "target": "township",
                      "verify": "5", "handle": "14", "on": "on", "label": "大额自付医疗费用"}
    student = next(ln for ln in lines if ln.startswith("student_no_education_aid"))
    assert "\tdepartment:education\t" in student
