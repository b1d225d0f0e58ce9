"""API: same validation as the forms, strict bodies, scoping, token authentication."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.rules.identity import age_on

pytestmark = pytest.mark.django_db

PURPOSE = "case_handling"
HEAD = {"id_number": "360124199001010032", "name": "王芳", "work_capacity": "full", "employment": "farming"}


def _post(client: Any, url: str, body: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(body) if not isinstance(body, str) else body, content_type="application/json", **extra)


def test_create_and_read_household(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    r = _post(client, "/api/households/", {"village": "360124100001", "area_type": "rural", "address": "东门村3组", "head": HEAD})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["county"] == "360124"
    assert body["members"][0]["id_number_masked"] == "360124********0032"
    assert "360124199001010032" not in r.content.decode()
    detail = client.get(f"/api/households/{body['id']}/").json()
    # The age, never the birth date, beside the masked number: the hidden digits are the birth date.
    member = detail["members"][0]
    assert member["sex"] == "M" and "birth_date" not in member
    assert member["age"] == age_on(dt.date(1990, 1, 1), timezone.localdate())


@pytest.mark.parametrize(
    "body, field",
    [
        ({"village": "360124100001", "area_type": "rural", "address": "x", "head": {**HEAD, "id_number": "360124199001010031"}}, "head.id_number"),
        ({"village": "360124100001", "area_type": "rural", "address": "x", "head": HEAD, "region_code": "360000"}, "region_code"),
        ({"village": "360124100001", "area_type": "rural", "address": "x", "head": HEAD, "is_superuser": True}, "is_superuser"),
        ({"village": "360730100001", "area_type": "rural", "address": "x", "head": HEAD}, "village"),
        ({"village": "360124100001", "area_type": "castle", "address": "x", "head": HEAD}, "area_type"),
        ({"village": "360124100001", "area_type": "rural", "address": "x", "head": {**HEAD, "disability_grade": 1.5}}, "head"),
    ],
)
def test_bad_bodies_are_400_and_save_nothing(client: Any, users: dict[str, Any], body: dict[str, Any], field: str) -> None:
    client.force_login(users["township"])
    r = _post(client, "/api/households/", body)
    assert r.status_code == 400, r.content
    errors = r.json()
    top = field.split(".")[0]
    assert field in errors or top in errors, errors
    assert not Household.objects.exists() and not Member.objects.exists()


def test_hostile_json_is_400_not_500(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    assert _post(client, "/api/households/", "[" * 10_000 + "]" * 10_000).status_code == 400
    assert _post(client, "/api/households/", "{not json").status_code == 400
    assert _post(client, "/api/households/", [1, 2]).status_code == 400


def test_page_size_is_clamped(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["province"])
    r = client.get("/api/households/", {"page_size": 10**9, "purpose": PURPOSE})
    assert r.status_code == 200 and r.json()["count"] == 3


def test_search_by_exact_id_only(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    found = _post(client, "/api/households/search/", {"q": "360124198001010011", "purpose": PURPOSE}).json()
    assert [h["id"] for h in found["results"]] == [households["inside"].pk]
    # A county-A user searching a county-B person's number finds nothing.
    assert _post(client, "/api/households/search/", {"q": "360730195607150023", "purpose": PURPOSE}).json()["count"] == 0
    # A partial number is refused rather than matched by prefix.
    assert _post(client, "/api/households/search/", {"q": "360124198001010", "purpose": PURPOSE}).status_code == 400


def test_an_id_number_is_never_taken_from_a_url(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    """Item 9: an exact-ID search put the number in the URL (logs, histories); it goes in a POST body."""
    client.force_login(users["county"])
    for q in ("360124198001010011", "360124 19800101 0011", "360124198001010"):
        r = client.get("/api/households/", {"q": q, "purpose": PURPOSE})
        assert r.status_code == 400 and "POST /api/households/search/" in r.content.decode(), q
    # Other searches may still use the query string.
    assert client.get("/api/households/", {"q": "张三", "purpose": PURPOSE}).json()["count"] == 2


def test_stale_version_is_409(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["inside"]
    h.refresh_from_db()
    url = f"/api/households/{h.pk}/"
    ok = client.patch(url, json.dumps({"address": "新1", "version": h.version}), content_type="application/json")
    assert ok.status_code == 200
    stale = client.patch(url, json.dumps({"address": "新2", "version": h.version}), content_type="application/json")
    assert stale.status_code == 409
    assert Household.objects.get(pk=h.pk).address == "新1"


def test_as_of_via_api(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["inside"]
    assert client.get(f"/api/households/{h.pk}/", {"as_of": "2000-01-01"}).status_code == 404
    body = client.get(f"/api/households/{h.pk}/", {"as_of": timezone.localdate().isoformat()}).json()
    assert body["household"]["code"] == h.code and len(body["income"]) == 1
    # Read from change records, masked like the live API: the age on that day, never the birth date.
    assert "birth_date" not in body["member"][0] and body["member"][0]["age"] >= 46
    assert client.get(f"/api/households/{h.pk}/", {"as_of": "yesterday"}).status_code == 400
    # Far future or far past: a clear 400, never a 500 (the end of 9999-12-31 is not a date).
    for day in ("9999-12-31", "2999-01-01", "0001-01-01"):
        r = client.get(f"/api/households/{h.pk}/", {"as_of": day})
        assert r.status_code == 400 and "as_of" in r.json(), (day, r.content)


def test_token_authentication(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    county_token = Token.objects.create(user=users["county"])
    dept_token = Token.objects.create(user=users["department"])
    r = client.get("/api/households/", {"purpose": PURPOSE}, HTTP_AUTHORIZATION=f"Token {county_token.key}")
    assert r.status_code == 200 and r.json()["count"] == 2
    # Departments see registry data only through their share catalogue (none yet).
    assert client.get("/api/households/", {"purpose": PURPOSE},
                      HTTP_AUTHORIZATION=f"Token {dept_token.key}").status_code == 403
    assert client.get("/api/households/", HTTP_AUTHORIZATION="Token wrong").status_code == 401


def test_openapi_schema_lists_the_endpoints(client: Any) -> None:
    r = client.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = json.loads(r.content)["paths"]
    assert "/api/households/" in paths and "/api/members/{id}/" in paths
    docs = client.get("/api/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs
