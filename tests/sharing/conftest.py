"""Fixtures: department users, households with determination results of known categories."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.rules.identity import check_char
from tests.conftest import PASSWORD

AS_OF = dt.date(2026, 10, 31)


def pid(first17: str) -> str:
    """A valid ID number from its first 17 digits."""
    return first17 + check_char(first17)


def determine(results: dict[Any, list[str]], as_of: dt.date = AS_OF, status: str = "done") -> Any:
    """One determination run with the given categories per household (empty list = none)."""
    from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun
    from tests.jobs.factories import job_record

    run = DeterminationRun.objects.create(as_of=as_of, job=job_record("determination.run", status), households=len(results),
                                          parameter_version="test")
    for household, categories in results.items():
        main = categories[0] if categories and categories[0] in ("tekun", "dibao", "marginal", "rigid") else "none"
        DeterminationResult.objects.create(run=run, household=household, as_of=as_of, main_category=main,
                                           categories=list(categories), parameter_version="test")
    return run


def department_user(department: str, region: str | None = None) -> Any:
    from jiuzhu.apps.core.models import Region, User
    from jiuzhu.apps.core.services import user_create

    name = f"dept_{department}" + (f"_{region}" if region else "")
    existing = User.objects.filter(username=name).first()
    if existing:
        return existing
    return user_create(actor=None, username=name, password=PASSWORD, role="department",
                       region=Region.objects.get(code=region) if region else None, department=department)


@pytest.fixture
def population(households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    """Households and members of known kinds, with a completed determination run.

    - dibao (进贤县 民和镇, rural, the conftest "inside" household): head (adult, able to work),
      a primary-school child, a disabled spouse (grade 2), an employed adult son;
    - marginal (进贤县 李渡镇, the "other_town" household): head only;
    - tekun (宁都县, urban): one elderly person;
    - monitor (进贤县, urban): poverty-return monitoring only;
    - none (宁都县, the "outside" household): determined, in no category;
    - never: registered, never determined.
    """
    from jiuzhu.apps.registry import services as registry
    from tests.conftest import make_household

    county, county_b = users["county"], users["county_b"]
    dibao, marginal, outside = households["inside"], households["other_town"], households["outside"]
    child = registry.member_add(actor=county, household=dibao, data={
        "id_number": pid("36012420150302002"), "name": "王小明", "relation": "child", "work_capacity": "none",
        "employment": "student", "school_stage": "primary"})
    spouse = registry.member_add(actor=county, household=dibao, data={
        "id_number": pid("36012419820405002"), "name": "赵丽", "relation": "spouse", "work_capacity": "partial",
        "employment": "not_working", "disability_type": "physical", "disability_grade": 2,
        "disability_cert_no": "36012419820405002X42"})
    son = registry.member_add(actor=county, household=dibao, data={
        "id_number": pid("36012420000607003"), "name": "王大伟", "relation": "child", "work_capacity": "full",
        "employment": "employed"})
    tekun = make_household(county_b, "360730100001", pid("36073019400101003"), area_type="urban")
    monitor = make_household(county, "360124101001", pid("36012419700808001"), area_type="urban")
    never = make_household(county, "360124100002", pid("36012419660606001"))
    determine({dibao: ["dibao"], marginal: ["marginal"], tekun: ["tekun"], monitor: ["poverty_monitoring"],
               outside: []})
    return {
        "dibao": dibao, "marginal": marginal, "tekun": tekun, "monitor": monitor, "none": outside, "never": never,
        "child": child, "spouse": spouse, "son": son,
        "dibao_head": dibao.members.get(relation="head"),
    }
