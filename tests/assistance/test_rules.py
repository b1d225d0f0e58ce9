"""The pure programme package: eligibility boundaries, price subsidy trigger, gradual exit, routing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.rules.params import load_jiangxi
from jiuzhu.rules.programmes import (
    PROGRAMMES,
    add_months,
    by_key,
    columns_from_rows,
    eligible_mask,
    gradual_exit_last_month,
    matrix_lines,
    price_subsidy,
    temporary_route,
)
from jiuzhu.rules.programmes.amounts import temporary_cap

ON = dt.date(2026, 11, 1)
PARAMS = load_jiangxi()


def look(path: str) -> Any:
    return PARAMS.resolve(path, "360124", "rural", ON).value


def person(**over: Any) -> dict[str, Any]:
    base = {"age": 40, "sex": "M", "area": "rural", "categories": ["dibao"], "disability_grade": 0,
            "school_stage": "none", "work_capacity": "full", "employment": "unemployed", "serious_illness": False,
            "self_care": True}
    return {**base, **over}


def ok(key: str, lookup: Any = look, **over: Any) -> bool:
    return bool(eligible_mask(by_key(key), columns_from_rows([person(**over)]), lookup)[0])


def test_every_programme_of_the_issue_is_declared() -> None:
    keys = {p.key for p in PROGRAMMES}
    for wanted in ("dibao", "tekun", "dibao_individual", "medical_insurance_subsidy", "medical_assistance",
                   "education_assistance", "public_rental_housing", "rent_subsidy", "dilapidated_house_renovation",
                   "employment_assistance", "public_welfare_post", "disaster_relief", "pension_contribution_subsidy",
                   "pension_contribution_loan", "resident_pension", "temporary_assistance", "homeless_assistance",
                   "utility_reduction", "funeral_fee_waiver", "legal_aid", "disability_subsidies",
                   "charity_assistance", "care_service", "price_subsidy"):
        assert wanted in keys


def test_resident_pension_from_age_60_inclusive() -> None:
    assert ok("resident_pension", age=60)
    assert not ok("resident_pension", age=59)
    assert not ok("resident_pension", age=70, employment="retired")  # already has a statutory pension
    assert not ok("resident_pension", age=70, categories=["other"])  # not a covered category
    # the contribution subsidy stops where the pension starts
    assert ok("pension_contribution_subsidy", age=59) and not ok("pension_contribution_subsidy", age=60)
    assert not ok("pension_contribution_subsidy", age=15) and ok("pension_contribution_subsidy", age=16)
    assert not ok("pension_contribution_subsidy", age=20, employment="student")


def test_contribution_loan_within_eight_years_of_retirement_by_sex() -> None:
    # men retire at 60 (parameter): 52..59 qualify; women at 55: 47..54
    assert ok("pension_contribution_loan", age=52) and ok("pension_contribution_loan", age=59)
    assert not ok("pension_contribution_loan", age=51) and not ok("pension_contribution_loan", age=60)
    assert ok("pension_contribution_loan", age=47, sex="F") and not ok("pension_contribution_loan", age=46, sex="F")
    assert not ok("pension_contribution_loan", age=55, sex="F")


def test_education_by_school_stage() -> None:
    for stage in ("preschool", "primary", "junior", "senior", "vocational", "higher"):
        assert ok("education_assistance", school_stage=stage, age=10)
    assert not ok("education_assistance", school_stage="none", age=10)
    assert ok("education_assistance", school_stage="primary", categories=["other"])  # other hardship families too
    assert not ok("education_assistance", school_stage="primary", categories=[])


def test_housing_urban_or_rural() -> None:
    assert ok("rent_subsidy", area="urban") and not ok("rent_subsidy", area="rural")
    assert ok("public_rental_housing", area="urban") and not ok("public_rental_housing", area="rural")
    assert ok("dilapidated_house_renovation", area="rural") and not ok("dilapidated_house_renovation", area="urban")
    assert by_key("dilapidated_house_renovation").not_with == ("disaster_relief",)


def test_employment_needs_capacity_and_working_age() -> None:
    assert ok("employment_assistance", age=16) and not ok("employment_assistance", age=15)
    assert not ok("employment_assistance", age=60)
    assert not ok("employment_assistance", work_capacity="none")
    assert not ok("employment_assistance", employment="employed")
    assert not ok("employment_assistance", categories=["tekun"])


def test_disability_subsidy_extended_to_marginal_but_needs_a_certificate() -> None:
    assert ok("disability_subsidies", disability_grade=2, categories=["marginal"])
    assert not ok("disability_subsidies", disability_grade=0, categories=["marginal"])
    assert not ok("disability_subsidies", disability_grade=2, categories=["rigid"])


def test_legal_aid_for_marginal_and_rigid_and_temporary_for_anyone() -> None:
    assert ok("legal_aid", categories=["marginal"]) and ok("legal_aid", categories=["rigid"])
    assert not ok("legal_aid", categories=["other"])
    assert ok("temporary_assistance", categories=[])  # no category, no household-registration restriction
    assert ok("care_service", self_care=False) and not ok("care_service", self_care=True)
    assert ok("medical_assistance", serious_illness=True) and not ok("medical_assistance")


def test_switched_off_programme_qualifies_no_one() -> None:
    def off(path: str) -> Any:
        return "resident_pension" if path == "assistance.disabled_programmes" else look(path)
    assert not ok("resident_pension", lookup=off, age=70)


def test_matrix_lines_one_per_programme_with_application_mode() -> None:
    lines = matrix_lines(look)
    assert len(lines) == len(PROGRAMMES)
    by = {line.split("\t")[0]: line for line in lines}
    assert by["pension_contribution_loan"].endswith("免申即享")
    assert by["dibao"].endswith("依申请")
    assert "1000" not in by["dibao"]


@pytest.mark.parametrize(("cpi", "food", "expected", "basis"), [
    ("3.5", "0", "28.00", "cpi"),  # exactly at the CPI trigger: 800 × 3.5 %
    ("3.49", "5.99", "0.00", ""),  # just below both
    ("1.0", "6.0", "48.00", "food"),  # exactly at the food trigger
    ("4.0", "6.5", "52.00", "food"),  # both: the larger increase
])
def test_price_subsidy_trigger(cpi: str, food: str, expected: str, basis: str) -> None:
    amount, why = price_subsidy(standard=Decimal("800.00"), cpi_yoy=Decimal(cpi), food_yoy=Decimal(food),
                                cpi_trigger=Decimal("3.5"), food_trigger=Decimal("6.0"))
    assert (amount, why) == (Decimal(expected), basis)


def test_price_subsidy_rounds_to_fen_and_refuses_floats() -> None:
    amount, _ = price_subsidy(standard=Decimal("735.00"), cpi_yoy=Decimal("3.7"), food_yoy=Decimal("0"),
                              cpi_trigger=Decimal("3.5"), food_trigger=Decimal("6"))
    assert amount == Decimal("27.20")  # 27.195 → 27.20
    with pytest.raises(TypeError):
        price_subsidy(standard=800.0, cpi_yoy=Decimal("4"), food_yoy=Decimal("0"),  # type: ignore[arg-type]
                      cpi_trigger=Decimal("3.5"), food_trigger=Decimal("6"))


def test_gradual_exit_months() -> None:
    assert gradual_exit_last_month(dt.date(2026, 3, 15), 6) == dt.date(2026, 9, 1)
    assert gradual_exit_last_month(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 1)
    assert gradual_exit_last_month(dt.date(2026, 3, 1), 0) == dt.date(2026, 3, 1)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)


def test_temporary_small_amounts_by_the_township() -> None:
    cap = look("assistance.temporary.small_amount_cap")
    assert cap == Decimal("1000.00")
    assert temporary_route(Decimal("1000.00"), cap) == "township"
    assert temporary_route(Decimal("1000.01"), cap) == "county"
    assert temporary_cap(Decimal("800.00"), Decimal("6")) == Decimal("4800.00")
