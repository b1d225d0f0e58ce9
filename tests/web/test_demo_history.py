"""The demo's dated history goes through the services and reads back correctly as of each date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.apps.registry.demo import add_demo_history
from jiuzhu.apps.registry.history import household_state_as_of
from jiuzhu.apps.registry.models import ChangeRecord, Household

pytestmark = pytest.mark.django_db


def test_dated_history(households: dict[str, Any], users: dict[str, Any]) -> None:
    # Pretend the fixture households were registered long ago.
    ChangeRecord.objects.update(at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    assert add_demo_history(users["county"], "360124") == 2
    h = Household.objects.get(pk=households["inside"].pk)
    before = household_state_as_of(h, dt.date(2026, 3, 15))
    after_income = household_state_as_of(h, dt.date(2026, 3, 16))
    after_move = household_state_as_of(h, dt.date(2026, 6, 15))
    now = household_state_as_of(h, dt.date(2026, 12, 31))
    assert [i["amount"] for i in before["income"]] == ["12000.00"]
    assert [i["amount"] for i in after_income["income"]] == ["13200.00"]
    assert after_income["household"]["address"] == "某组1号"
    assert "新址" in after_move["household"]["address"]
    assert len(after_move["expense"]) == 1 and len(now["expense"]) == 2
    assert ChangeRecord.objects.filter(household=h, reason__startswith="搬迁").get().actor == users["county"]
