"""Reads and refusals leave a trace (issue 12 items 6 and 7; RELIABILITY R10, Z5, Z6, Z8)."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _reads(household: Any) -> Any:
    return AuditEvent.objects.filter(event="record.read", object_type="household", object_id=str(household.pk))


def test_household_member_and_api_reads_are_recorded(client: Any, households: dict[str, Any],
                                                     users: dict[str, Any]) -> None:
    h = households["inside"]
    member = h.members.first()
    client.force_login(users["township"])
    assert client.get(f"/households/{h.pk}/").status_code == 200
    assert client.get(f"/members/{member.pk}/edit/").status_code == 200
    assert client.get(f"/api/households/{h.pk}/").status_code == 200
    assert client.get(f"/api/members/{member.pk}/").status_code == 200
    reads = list(_reads(h).order_by("id"))
    assert [r.detail["view"] for r in reads] == ["household_detail", "member_edit", "api-household-detail",
                                                 "api-member-detail"]
    assert all(r.actor == users["township"] and r.request_id for r in reads)  # who, which record, when, request
    assert reads[1].detail["member"] == member.pk
    # One small insert per request: a list page writes no read record.
    client.get("/households/")
    assert _reads(h).count() == 4


def test_who_looked_at_this_household(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    h = households["inside"]
    client.force_login(users["township"])
    page = client.get(f"/households/{h.pk}/").content.decode()
    assert 'id="access-log"' not in page  # townships do not see their colleagues' look-ups
    client.force_login(users["county"])
    page = client.get(f"/households/{h.pk}/").content.decode()
    assert 'id="access-log"' in page and "查阅记录" in page and "township" in page


def test_cross_county_probes_are_recorded_and_bursts_become_one_event(client: Any, households: dict[str, Any],
                                                                      users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_REFUSAL_BURST = {"threshold": 3, "window_seconds": 600}
    client.force_login(users["county_b"])
    target = households["inside"]
    for _ in range(10):
        assert client.get(f"/households/{target.pk}/").status_code == 404  # Z5
    refused = AuditEvent.objects.filter(event="access.refused", actor=users["county_b"])
    assert refused.count() == 3 and refused.first().detail["status"] == 404
    burst = AuditEvent.objects.filter(event="security.refusal_burst", actor=users["county_b"])
    assert burst.count() == 1 and burst.get().outcome == "alert"
    assert not _reads(target).exists()


def test_a_capability_refusal_is_recorded(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    assert client.get("/console/users/").status_code == 403  # Z6-like: a page above one's role
    assert AuditEvent.objects.filter(event="access.refused", actor=users["township"],
                                     detail__status=403).exists()


def test_what_browsers_fetch_on_their_own_is_no_probe(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    assert client.get("/favicon.ico").status_code == 404
    assert client.get("/no/such/page/").status_code == 404
    paths = list(AuditEvent.objects.filter(event="access.refused").values_list("detail__path", flat=True))
    assert paths == ["/no/such/page/"]
