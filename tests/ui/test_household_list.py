"""The household list answers questions (issue 13 item 10): head of household (masked), members,
category and monthly amount from the stored entitlements, filters by category and village, and an
explanation when a partial ID number is typed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _entitle(h: Any, category: str, amount: str) -> None:
    from jiuzhu.apps.assistance.models import Entitlement

    Entitlement.objects.create(household=h, programme="dibao", category=category, monthly_amount=Decimal(amount),
                               approved_on=dt.date(2026, 1, 5), start_month=dt.date(2026, 2, 1),
                               decision_ref=f"test:{h.pk}")


def _client(user: Any) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


def test_columns_and_category_filter(users: dict[str, Any], households: dict[str, Any]) -> None:
    _entitle(households["inside"], "dibao", "1234.5")
    c = _client(users["county"])
    html = c.get("/households/").content.decode()
    assert "户主" in html and "张*" in html and "张三" not in html  # masked head of household
    assert "最低生活保障对象" in html and "1,234.50" in html
    filtered = c.get("/households/?category=dibao").content.decode()
    assert households["inside"].code in filtered and households["other_town"].code not in filtered


def test_village_filter_by_name(users: dict[str, Any], households: dict[str, Any]) -> None:
    c = _client(users["county"])
    html = c.get("/households/").content.decode()
    assert "<option value=\"360124101001\">李渡村</option>" in html  # chosen by name, grouped by township
    filtered = c.get("/households/?village=360124101001").content.decode()
    assert households["other_town"].code in filtered and households["inside"].code not in filtered


def test_partial_id_number_is_explained(users: dict[str, Any], households: dict[str, Any]) -> None:
    html = _client(users["county"]).post("/households/", {"q": "36012419800"}).content.decode()
    assert "只能完整精确查询" in html


def test_query_count_does_not_grow_with_the_page(users: dict[str, Any], households: dict[str, Any]) -> None:
    c = _client(users["province"])
    with CaptureQueriesContext(connection) as few:
        c.get("/households/")
    from jiuzhu.rules.identity import check_char
    from tests.conftest import make_household

    for i in range(15):
        first17 = f"36012419700101{i + 200:03d}"
        h = make_household(users["township"], "360124100001", first17 + check_char(first17))
        _entitle(h, "dibao", "100")
    with CaptureQueriesContext(connection) as many:
        c.get("/households/")
    assert len(many.captured_queries) == len(few.captured_queries)
