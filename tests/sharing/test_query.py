"""The exact-ID query: exact match only, normalised input, partial/wildcard refused, rate-limited, audited."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.sharing import services
from jiuzhu.apps.sharing.models import ShareQuery
from tests.conftest import PASSWORD
from tests.sharing.conftest import department_user, pid

pytestmark = pytest.mark.django_db
HEAD = "360124198001010011"  # head of the dibao household (conftest "inside")
URL = "/api/sharing/query/"


def _post(client: Any, body: Any) -> Any:
    return client.post(URL, json.dumps(body), content_type="application/json")


@pytest.fixture
def dept(client: Any, population: dict[str, Any], users: dict[str, Any]) -> Any:
    assert client.login(username="department", password=PASSWORD)
    return users["department"]


def test_exact_hit_answers_only_the_allowed_keys(client: Any, dept: Any) -> None:
    response = _post(client, {"id_number": HEAD})
    assert response.status_code == 200
    assert response.json() == {"in_low_income_population": True, "category": "dibao",
                               "category_label": "最低生活保障对象", "since": "2026-10-31", "county": "360124"}


@pytest.mark.parametrize("variant", [
    "36012419800101001１".replace("１", "1"),
    "３６０１２４１９８００１０１００１１",  # full-width digits
    " 360124 19800101 0011 ",  # spaces
    "360124\u300019800101\u200b0011",  # ideographic space, zero-width space
])
def test_normalised_input_is_found(client: Any, dept: Any, variant: str) -> None:
    assert _post(client, {"id_number": variant}).json()["in_low_income_population"] is True


def test_lower_case_x_and_fifteen_digits(client: Any, dept: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.registry import services as registry
    from jiuzhu.apps.sharing.selectors import latest_results
    from jiuzhu.rules.identity import parse_id_number

    # A member whose number ends in X, added to the dibao household.
    first17 = next(f"36012419850601{n:03d}" for n in range(1000) if pid(f"36012419850601{n:03d}").endswith("X"))
    with_x = pid(first17)
    household = latest_results().get(categories__icontains='"dibao"').household
    registry.member_add(actor=users["county"], household=household, data={
        "id_number": with_x, "name": "钱七", "relation": "other", "work_capacity": "full", "employment": "farming",
        "hukou_code": "360124"})
    assert _post(client, {"id_number": with_x.lower()}).json()["category"] == "dibao"
    # The old 15-digit form of an 18-digit number (drop "19" and the check character) is upgraded.
    fifteen = HEAD[:6] + HEAD[8:17]
    assert parse_id_number(fifteen).value == HEAD
    assert _post(client, {"id_number": fifteen}).json()["in_low_income_population"] is True


@pytest.mark.parametrize("bad, word", [
    ("360124*", "通配符"), ("36012419800101%", "通配符"), ("3601241980010100?1", "通配符"), ("360124_9800101001", "通配符"),
    ("3601241980", "完整"), ("36012419800101001", "完整"), ("3601241980010100111", "完整"),
    ("360124198001010012", "校验码"), ("张三", "格式"), ("", "空"),
])
def test_partial_and_wildcard_numbers_are_refused(client: Any, dept: Any, bad: str, word: str) -> None:
    response = _post(client, {"id_number": bad})
    assert response.status_code == 400, bad
    assert word in json.dumps(response.json(), ensure_ascii=False), response.json()
    assert ShareQuery.objects.filter(user=dept).latest("id").outcome == "invalid"


def test_not_found_and_not_in_population_look_the_same(client: Any, dept: Any, population: dict[str, Any]) -> None:
    empty = {"in_low_income_population": False, "category": None, "category_label": None, "since": None, "county": None}
    never_registered = pid("36012419900101123")
    determined_no_category = "360730195607150023"  # head of the conftest "outside" household
    never_determined = pid("36012419660606001")
    for number in (never_registered, determined_no_category, never_determined):
        response = _post(client, {"id_number": number})
        assert (response.status_code, response.json()) == (200, empty), number


def test_every_query_is_audited_with_the_number_masked(client: Any, dept: Any) -> None:
    _post(client, {"id_number": HEAD, "purpose": "资助参保核定"})
    _post(client, {"id_number": "360124*"})
    events = list(AuditEvent.objects.filter(event="sharing.query").order_by("id"))
    assert [e.outcome for e in events] == ["ok", "error"]
    assert events[0].actor == dept and events[0].detail["department"] == "medical_insurance"
    assert events[0].detail["result"] == "in" and events[0].detail["category"] == "dibao"
    assert events[0].detail["purpose"] == "资助参保核定"
    assert events[0].detail["id_number"] and HEAD not in json.dumps(events[0].detail)
    row = ShareQuery.objects.filter(user=dept).order_by("id").first()
    assert (row.department, row.outcome, row.category, row.purpose) == ("medical_insurance", "in", "dibao", "资助参保核定")
    assert row.id_number_masked == events[0].detail["id_number"] != HEAD


def test_rate_limit_429_with_retry_after_then_resets(client: Any, dept: Any, settings: Any, monkeypatch: Any) -> None:
    settings.JIUZHU_SHARING_QUERY_LIMITS = {"per_minute": 3, "per_day": 5}
    clock = [dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(services, "_now", lambda: clock[0])
    for _ in range(3):
        assert _post(client, {"id_number": HEAD}).status_code == 200
        clock[0] += dt.timedelta(seconds=5)
    refused = _post(client, {"id_number": HEAD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 45  # the first query (at 0 s) leaves the window at 60 s; now is 15 s
    assert "秒后重试" in refused.json()["detail"]
    assert AuditEvent.objects.filter(event="sharing.query", outcome="denied").count() == 1
    assert ShareQuery.objects.filter(user=dept).count() == 3  # a refused query is not counted
    clock[0] += dt.timedelta(seconds=45)  # the minute has passed
    assert _post(client, {"id_number": HEAD}).status_code == 200
    clock[0] += dt.timedelta(seconds=15)
    assert _post(client, {"id_number": "123"}).status_code == 400  # invalid queries count too (probing)
    day = _post(client, {"id_number": HEAD})
    assert day.status_code == 429  # five in the day
    assert int(day["Retry-After"]) == 86400 - 75  # the first of the five (at 0 s) leaves the day window
    clock[0] += dt.timedelta(days=1)
    assert _post(client, {"id_number": HEAD}).status_code == 200


def test_limits_are_per_user(client: Any, dept: Any, settings: Any, population: dict[str, Any]) -> None:
    settings.JIUZHU_SHARING_QUERY_LIMITS = {"per_minute": 1}
    assert _post(client, {"id_number": HEAD}).status_code == 200
    assert _post(client, {"id_number": HEAD}).status_code == 429
    other = department_user("education")
    assert client.login(username=other.username, password=PASSWORD)
    assert _post(client, {"id_number": HEAD}).status_code == 200


def test_conditional_query_needs_a_purpose(client: Any, population: dict[str, Any]) -> None:
    user = department_user("justice")
    assert client.login(username=user.username, password=PASSWORD)
    missing = _post(client, {"id_number": HEAD})
    assert missing.status_code == 400 and "用途" in json.dumps(missing.json(), ensure_ascii=False)
    ok = _post(client, {"id_number": HEAD, "purpose": "法律援助申请（2026）法援字第12号"})
    assert ok.status_code == 200 and ok.json()["category"] == "dibao"


def test_departments_without_the_query_are_refused(client: Any, population: dict[str, Any]) -> None:
    user = department_user("banks")
    assert client.login(username=user.username, password=PASSWORD)
    assert _post(client, {"id_number": HEAD}).status_code == 403
    assert client.post(reverse("sharing_query"), {"id_number": HEAD}).status_code == 403
    assert AuditEvent.objects.filter(event="sharing.query", outcome="denied", actor=user).exists()


def test_strict_body(client: Any, dept: Any) -> None:
    assert _post(client, {"id_number": HEAD, "name": "张三"}).status_code == 400  # unknown field
    assert _post(client, {"id_number": 360124198001010011}).status_code == 400  # a number, not text
    assert _post(client, ["x"]).status_code == 400
    assert client.post(URL, "{bad", content_type="application/json").status_code == 400


def test_ui_query_form(client: Any, dept: Any, settings: Any) -> None:
    url = reverse("sharing_query")
    assert client.get(url).status_code == 200
    hit = client.post(url, {"id_number": HEAD.lower(), "purpose": ""})
    assert hit.status_code == 200
    page = hit.content.decode()
    assert "属于低收入人口" in page and "最低生活保障对象" in page and "进贤县" in page and "2026-10-31" in page
    assert "张三" not in page  # no name: the catalogue does not share it with the answer
    bad = client.post(url, {"id_number": "36012419800101*"})
    assert bad.status_code == 400 and "通配符" in bad.content.decode()
    settings.JIUZHU_SHARING_QUERY_LIMITS = {"per_minute": 2}
    limited = client.post(url, {"id_number": HEAD})
    assert limited.status_code == 429 and limited["Retry-After"] and "秒后重试" in limited.content.decode()
