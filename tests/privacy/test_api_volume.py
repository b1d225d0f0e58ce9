"""Bulk reads by API (issue 12 item 6, ADR 0025): a purpose, a page cap, a daily volume per user, audited.

As filed: "the auditor pages through every household by API, 500 at a time, without a trace".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.privacy.models import ApiListing

from .helpers import PURPOSE

pytestmark = pytest.mark.django_db


def test_listing_people_needs_a_configured_purpose(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["auditor"])
    for params in ({}, {"purpose": "看看"}, {"purpose": "audit everything"}):
        r = client.get("/api/households/", params)
        assert r.status_code == 403 and r.json()["code"] == "purpose_required", params
        assert PURPOSE in r.json()["purposes"] and "用途" in r.json()["detail"]
    assert AuditEvent.objects.filter(event="privacy.api_listing", outcome="denied", actor=users["auditor"]).count() == 3
    search = client.post("/api/households/search/", json.dumps({"q": "张三"}), content_type="application/json")
    assert search.status_code == 403
    assert client.get("/api/households/", {"purpose": "supervision"}).status_code == 200


def test_every_page_is_recorded_and_audited(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["auditor"])
    body = client.get("/api/households/", {"purpose": "supervision", "page_size": 500}).json()
    assert body["count"] == 3
    listing = ApiListing.objects.get()
    assert (listing.user, listing.endpoint, listing.rows, listing.purpose) == (
        users["auditor"], "api-household-list", 3, "supervision")  # 3 heads: people, not households
    event = AuditEvent.objects.get(event="privacy.api_listing", outcome="ok")
    assert event.detail["rows"] == 3 and event.detail["used_today"] == 3


def test_pages_are_capped(client: Any, households: dict[str, Any], users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_API_PAGE_SIZE_MAX = 2
    client.force_login(users["province"])
    body = client.get("/api/households/", {"purpose": PURPOSE, "page_size": 500}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_the_daily_volume_is_capped_with_a_clear_429(client: Any, households: dict[str, Any],
                                                     users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_API_DAILY_ROWS = 4
    client.force_login(users["province"])
    assert client.get("/api/households/", {"purpose": PURPOSE}).status_code == 200  # 3 people
    r = client.get("/api/households/", {"purpose": PURPOSE})  # 3 more would make 6 > 4
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    body = r.json()
    assert body["code"] == "daily_volume" and body["limit"] == 4 and "/exports/" in body["detail"]
    assert AuditEvent.objects.filter(event="privacy.api_listing", outcome="denied", detail__reason="daily_volume").exists()
    assert ApiListing.objects.count() == 1  # the refused page was not served and is not counted
    # Another user has a day of their own.
    client.force_login(users["county"])
    assert client.get("/api/households/", {"purpose": PURPOSE, "page_size": 1}).status_code == 200


def test_the_department_api_counts_too(client: Any, households: dict[str, Any], users: dict[str, Any],
                                       settings: Any) -> None:
    from tests.sharing.conftest import determine

    determine({households["inside"]: ["dibao"], households["outside"]: ["dibao"]})
    settings.JIUZHU_API_DAILY_ROWS = 1
    client.force_login(users["department"])
    assert client.get("/api/sharing/people/").status_code == 403  # no purpose
    assert client.get("/api/sharing/people/", {"purpose": PURPOSE, "page_size": 1}).status_code == 200
    assert client.get("/api/sharing/people/", {"purpose": PURPOSE, "page_size": 1, "page": 2}).status_code == 429


def test_shared_people_pages_with_a_purpose_count_against_the_day(client: Any, households: dict[str, Any],
                                                                    users: dict[str, Any], settings: Any) -> None:
    from tests.sharing.conftest import determine

    determine({households["inside"]: ["dibao"], households["outside"]: ["dibao"]})
    settings.JIUZHU_API_DAILY_ROWS = 3
    client.force_login(users["department"])
    page = client.get("/sharing/people/", {"purpose": PURPOSE}).content.decode()
    # A list page never shows full numbers (fifty a screen is a bulk read): the masked one, counted.
    assert "360124********0011" in page and "360124198001010011" not in page
    assert ApiListing.objects.get().rows == 2
    assert client.get("/sharing/people/").status_code == 200  # without a purpose: not counted
    limited = client.get("/sharing/people/", {"purpose": PURPOSE})
    assert limited.status_code == 429 and "已达上限" in limited.content.decode()
    assert ApiListing.objects.count() == 1
