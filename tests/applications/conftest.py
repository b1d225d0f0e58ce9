"""Fixtures of the applications tests: second staff members, a household that qualifies for dibao."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conftest import PASSWORD, make_household

D = dt.date
ALL_DOCS = ["id_card", "income_declaration", "relationship_proof"]
ACCEPT_ON, VISIT_ON = D(2026, 9, 28), D(2026, 9, 30)


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    """Region lists and per-minute counters live in the cache: no test sees another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create

    out = dict(users)
    out["township2"] = user_create(actor=None, username="township2", password=PASSWORD, role="township",
                                   region=Region.objects.get(code="360124100"))
    out["county2"] = user_create(actor=None, username="county2", password=PASSWORD, role="county",
                                 region=Region.objects.get(code="360124"))
    return out


@pytest.fixture
def poor(users: dict[str, Any]) -> Any:
    """A rural household in 民和镇 aged 36, 3,000 yuan a year: below the dibao standard."""
    from jiuzhu.apps.registry.services import item_add

    h = make_household(users["township"], "360124100002", "360124199003030045")
    item_add(actor=users["township"], household=h, kind="income", data={
        "income_type": "wages", "amount": "3000.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    h.refresh_from_db()
    return h


def new_application(actor: Any, household: Any, on: dt.date = ACCEPT_ON, **extra: Any) -> Any:
    from jiuzhu.apps.applications.services import create_application

    args = {"channel": "desk", "documents": ALL_DOCS, "authorisation_ref": "SQ-AUTH-1", "authorisation_on": on,
            **extra}
    return create_application(actor=actor, household=household, on=on, **args)


def run(actor: Any, app: Any, action: str, on: dt.date, reason: str = "", **data: Any) -> Any:
    from jiuzhu.apps.applications.services import act

    app.refresh_from_db()
    return act(actor=actor, application=app, action=action, expected_version=app.version, reason=reason,
               data=data, on=on)


def to_visited(staff: dict[str, Any], app: Any, accept_on: dt.date = ACCEPT_ON,
               visit_on: dt.date = VISIT_ON) -> Any:
    run(staff["township"], app, "accept", accept_on)
    run(staff["township"], app, "check", accept_on)
    return run(staff["township"], app, "visit", visit_on, staff_2=staff["township2"].pk, applicant_signed=True,
               findings="住房简陋")
