"""Low-income status from the determination: the latest completed run decides; "since" is the uninterrupted run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.apps.sharing import selectors
from tests.sharing.conftest import determine

pytestmark = pytest.mark.django_db
D1, D2, D3, D4 = dt.date(2026, 1, 31), dt.date(2026, 4, 30), dt.date(2026, 7, 31), dt.date(2026, 10, 31)


def _status(household: Any) -> selectors.Status:
    return selectors.member_status(household.members.get(relation="head"))


def test_latest_completed_run_decides(households: dict[str, Any]) -> None:
    h = households["inside"]
    determine({h: ["marginal"]}, D1)
    determine({h: ["dibao"]}, D2)
    assert _status(h).category == "dibao"
    determine({h: ["tekun"]}, D3, status="failed")  # a failed run does not count
    determine({h: ["tekun"]}, D4, status="running")  # nor does one still running
    assert _status(h).category == "dibao"
    determine({h: []}, D3)
    assert _status(h) == selectors.Status(False)


def test_a_rerun_for_an_earlier_date_does_not_replace_the_current_status(households: dict[str, Any]) -> None:
    h = households["inside"]
    determine({h: ["dibao"]}, D3)
    determine({h: ["marginal"]}, D1)  # run later, but determines an earlier date
    assert _status(h).category == "dibao"


def test_since_is_the_start_of_the_uninterrupted_run(households: dict[str, Any]) -> None:
    h, other = households["inside"], households["outside"]
    determine({h: ["dibao"], other: ["marginal"]}, D1)
    determine({h: ["marginal"], other: ["marginal"]}, D2)
    determine({h: ["dibao", "poverty_monitoring"], other: ["marginal"]}, D3)
    determine({other: ["marginal"]}, D4)  # a run not covering h leaves h's history as it was
    assert selectors.category_since(h, "dibao") == D3
    assert selectors.category_since(other, "marginal") == D1
    assert selectors.category_since(h, "marginal") is None  # not in it now
    assert selectors.category_since(h, "poverty_monitoring") == D3
    assert selectors.categories_since({h.pk: "dibao", other.pk: "marginal"}) == {h.pk: D3, other.pk: D1}
    status = _status(h)
    assert (status.in_population, status.category, status.since, status.county) == (True, "dibao", D3, "360124")


def test_results_with_an_error_are_not_determinations(households: dict[str, Any]) -> None:
    from jiuzhu.apps.determination.models import DeterminationResult

    h = households["inside"]
    determine({h: ["dibao"]}, D1)
    run = determine({h: ["tekun"]}, D2)
    DeterminationResult.objects.filter(run=run).update(error="家庭没有成员")
    assert _status(h).category == "dibao"


def test_real_batch_run_feeds_the_status(households: dict[str, Any], users: dict[str, Any]) -> None:
    """Through the determination app's own batch: the poor household of test_determination is dibao."""
    from jiuzhu.apps.determination.services import run_all
    from tests.web.test_determination import _poor_household

    h = _poor_household(users)
    run = run_all(actor=users["province"], as_of=dt.date(2026, 11, 15))
    assert run.state == "done"
    status = _status(h)
    assert status.in_population and status.category == "dibao" and status.since == dt.date(2026, 11, 15)
    from jiuzhu.apps.determination.models import DeterminationResult

    for result in DeterminationResult.objects.filter(run=run).select_related("household"):
        status = _status(result.household)
        assert status.in_population == bool(result.categories)
        assert status.category == (result.categories[0] if result.categories else "")


def test_an_approved_entitlement_dates_since_from_its_approval(households: dict[str, Any], users: dict[str, Any]) -> None:
    from decimal import Decimal

    from jiuzhu.apps.assistance.services import end_entitlement, start_entitlement

    h = households["inside"]
    determine({h: ["dibao"]}, D3)
    e = start_entitlement(actor=users["county"], household=h, programme="dibao", monthly_amount=Decimal("500.00"),
                          approved_on=dt.date(2026, 5, 20), decision_ref="application:t", category="dibao")
    assert selectors.category_since(h, "dibao") == dt.date(2026, 5, 20)
    assert selectors.category_since(h, "marginal") is None  # another category: the entitlement says nothing
    end_entitlement(actor=users["county"], entitlement=e, last_month=D3, reason="收入提高")
    assert selectors.category_since(h, "dibao") == D3
