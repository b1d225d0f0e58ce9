"""Catalogue enforcement: each department sees exactly its people and fields (UI, API, CSV); others 404/absent."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.sharing.catalogue import CATALOGUE, FIELDS
from tests.conftest import PASSWORD
from tests.sharing.conftest import department_user

pytestmark = pytest.mark.django_db

DIBAO = ("dibao_head", "child", "spouse", "son")
# Who each department sees in the `population` fixture (see its docstring).
EXPECTED = {
    "medical_insurance": {*DIBAO, "marginal", "tekun", "monitor"},
    "health": {*DIBAO, "marginal", "tekun"},
    "emergency": {*DIBAO, "marginal", "tekun"},
    "education": {"child"},
    "hrss": {"dibao_head", "spouse", "son", "marginal"},
    "housing": {"dibao_head", "marginal", "tekun", "monitor"},
    "disabled_federation": {"spouse"},
    "agriculture": {*DIBAO, "marginal"},  # rural only: the tekun and monitoring households are urban
    "trade_union": {"son"},
}


def _people(population: dict[str, Any]) -> dict[str, Any]:
    """name in EXPECTED → Member."""
    out = {k: population[k] for k in ("dibao_head", "child", "spouse", "son")}
    for key in ("marginal", "tekun", "monitor", "none", "never"):
        out[key] = population[key].members.get(relation="head")
    return out


PURPOSE = "assistance_delivery"  # a configured purpose (ADR 0025): every listing states one


def _api(client: Any, user: Any, **params: Any) -> dict[str, Any]:
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("api-sharing-people"), {"page_size": 100, "purpose": PURPOSE, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("department", sorted(CATALOGUE))
def test_each_department_sees_exactly_its_people_and_fields(client: Any, population: dict[str, Any],
                                                            department: str) -> None:
    people = _people(population)
    by_ref = {str(m.uid): name for name, m in people.items()}
    body = _api(client, department_user(department))
    seen = {by_ref[r["ref"]] for r in body["results"]}
    assert seen == EXPECTED.get(department, set()), department
    assert body["count"] == len(seen)
    entry = CATALOGUE[department]
    allowed = set(entry.fields(purpose=False)) | {"ref"} | ({"category_label"} if "category" in entry.items else set())
    for row in body["results"]:
        assert set(row) == allowed, department
        assert "id_number" not in row  # the full number only with a stated purpose


def test_policy_fields_belong_to_their_department() -> None:
    """Disability grade only for the federation; school stage only for education; never phone/bank/income."""
    for department, entry in CATALOGUE.items():
        shared = set(entry.fields(purpose=True))
        assert ("disability_grade" in shared) == (department == "disabled_federation"), department
        assert ("school_stage" in shared) == (department == "education"), department
        assert not shared & {"phone", "bank_account", "income_property", "serious_illness"}
        assert "id_number" not in entry.fields(purpose=False)


def test_values_are_the_catalogue_values(client: Any, population: dict[str, Any]) -> None:
    body = _api(client, department_user("disabled_federation"))
    (row,) = body["results"]
    spouse = population["spouse"]
    assert row == {
        "ref": str(spouse.uid), "name": "赵丽", "id_number_masked": spouse.id_number_masked, "category": "dibao",
        "category_label": "最低生活保障对象", "since": "2026-10-31", "county": "360124", "township": "360124100",
        "disability_type": "physical", "disability_grade": 2,
    }
    assert "3601241982" not in str(row)  # the ID number only masked


def test_person_outside_the_catalogue_is_404(client: Any, population: dict[str, Any]) -> None:
    people = _people(population)
    cases = [("medical_insurance", "none", 404), ("medical_insurance", "never", 404), ("medical_insurance", "son", 200),
             ("education", "dibao_head", 404), ("education", "child", 200), ("housing", "child", 404),
             ("housing", "dibao_head", 200), ("justice", "dibao_head", 404), ("banks", "tekun", 404)]
    for department, who, status in cases:
        assert client.login(username=department_user(department).username, password=PASSWORD)
        uid = people[who].uid
        api = client.get(reverse("api-sharing-person", kwargs={"uid": uid}))
        ui = client.get(reverse("sharing_person", kwargs={"uid": uid}))
        assert (api.status_code, ui.status_code) == (status, status), (department, who)
        if status == 200:
            assert set(api.json()) - {"ref", "category_label"} == set(CATALOGUE[department].fields(purpose=False))


def test_ui_person_page_shows_catalogue_fields_only(client: Any, population: dict[str, Any]) -> None:
    assert client.login(username=department_user("education").username, password=PASSWORD)
    page = client.get(reverse("sharing_person", kwargs={"uid": population["child"].uid})).content.decode()
    assert "王小明" in page and "小学" in page and population["child"].id_number_masked in page
    assert "某组1号" not in page and "13800138000" not in page and "残疾" not in page
    assert "360124201503020" not in page  # no purpose: no full ID number


def test_ui_person_page_with_a_purpose_shows_the_conditional_items(client: Any, population: dict[str, Any]) -> None:
    user = department_user("housing")
    assert client.login(username=user.username, password=PASSWORD)
    url = reverse("sharing_person", kwargs={"uid": population["dibao_head"].uid})
    page = client.get(url, {"purpose": PURPOSE}).content.decode()
    assert "360124198001010011" in page and "某组1号" in page
    event = AuditEvent.objects.filter(event="sharing.person", actor=user).latest("id")
    assert event.detail["purpose"] == PURPOSE and event.detail["person"] == str(population["dibao_head"].uid)
    # Any four characters were a purpose; now only a configured one is.
    free_text = client.get(url, {"purpose": "危房改造对象核实"}).content.decode()
    assert "360124198001010011" not in free_text


def test_conditional_items_need_a_stated_purpose_and_are_audited(client: Any, population: dict[str, Any]) -> None:
    from jiuzhu.apps.registry.models import Member

    user = department_user("housing")
    body = _api(client, user, conditional=1)
    head = next(r for r in body["results"] if r["ref"] == str(population["dibao_head"].uid))
    assert head["id_number"] == "360124198001010011" and head["address"] == "某组1号"
    assert head["household_size"] == Member.objects.filter(household=population["dibao"]).count() == 4
    event = AuditEvent.objects.filter(event="sharing.api_people", actor=user).latest("id")
    assert event.detail["purpose"] == PURPOSE and event.detail["rows"] == 4 and event.detail["conditional"]
    assert "360124198001010011" not in str(event.detail)
    plain = _api(client, user)["results"]  # a purpose, but the conditional items not asked for
    assert plain and all("id_number" not in r and "address" not in r for r in plain)
    # A free-text purpose (any four characters used to do) is refused: 403 naming the configured ones.
    refused = client.get(reverse("api-sharing-people"), {"purpose": "危房改造对象核实", "conditional": 1})
    assert refused.status_code == 403 and refused.json()["code"] == "purpose_required"
    assert PURPOSE in refused.json()["purposes"]
    # The conditional items are the catalogue's: medical insurance has no address even with a purpose.
    rows = _api(client, department_user("medical_insurance"), conditional=1)["results"]
    assert all("address" not in r and "id_number" in r for r in rows)


def test_filters_and_pagination(client: Any, population: dict[str, Any]) -> None:
    user = department_user("medical_insurance")
    people = _people(population)
    assert {r["ref"] for r in _api(client, user, county="360730")["results"]} == {str(people["tekun"].uid)}
    assert len(_api(client, user, category="dibao")["results"]) == 4
    assert _api(client, user, category="rigid")["count"] == 0
    assert _api(client, user, category="not-a-category")["count"] == 0
    page = _api(client, user, page_size=2)
    assert page["count"] == 7 and len(page["results"]) == 2 and page["next"]
    clamped = client.get(reverse("api-sharing-people"), {"page_size": 100000, "purpose": PURPOSE})
    assert clamped.status_code == 200


def test_a_department_account_tied_to_a_region_sees_only_that_region(client: Any, population: dict[str, Any]) -> None:
    user = department_user("medical_insurance", region="360124")
    people = _people(population)
    seen = {r["ref"] for r in _api(client, user)["results"]}
    assert seen == {str(people[k].uid) for k in (*DIBAO, "marginal", "monitor")}


def test_ui_list_with_filters_is_audited(client: Any, population: dict[str, Any]) -> None:
    user = department_user("medical_insurance")
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("sharing_people"), {"county": "360124", "category": "dibao"}).content.decode()
    assert "王小明" in page and "最低生活保障对象" in page
    assert population["tekun"].members.get().id_number_masked not in page  # 宁都县: filtered out
    assert population["child"].id_number_masked in page and "360124201503020" not in page
    event = AuditEvent.objects.filter(event="sharing.people", actor=user).latest("id")
    assert event.detail["rows"] == 4 and event.detail["county"] == "360124" and event.detail["category"] == "dibao"
    partial = client.get(reverse("sharing_people"), {"page": 1}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "王小明" in partial


def test_csv_export_is_the_same_list_formula_safe_and_audited(client: Any, population: dict[str, Any]) -> None:
    from jiuzhu.apps.registry.models import Member

    Member.objects.filter(pk=population["son"].pk).update(name="=HYPERLINK(\"http://x\")")
    user = department_user("trade_union")
    assert client.login(username=user.username, password=PASSWORD)
    start = client.get(reverse("sharing_people_export"))  # asked for with a purpose (ADR 0025)
    assert start.status_code == 302 and "/exports/new/sharing.people/" in start["Location"]
    made = client.post(start["Location"], {"purpose": PURPOSE})
    assert made.status_code == 302
    response = client.get(made["Location"] + "download/")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    header, rows = table[0], table[1:]
    assert header == [str(FIELDS[k][0]) for k in CATALOGUE["trade_union"].fields(purpose=False)]
    assert len(rows) == 1 and rows[0][0] == "'=HYPERLINK(\"http://x\")"
    assert "最低生活保障对象" in rows[0] and "受雇就业" in rows[0]
    event = AuditEvent.objects.filter(event="privacy.export_produced", actor=user).latest("id")
    assert event.detail["rows"] == 1 and event.detail["format"] == "csv" and len(event.detail["sm3"]) == 64


def test_departments_without_a_list_see_nobody(client: Any, population: dict[str, Any]) -> None:
    user = department_user("justice")
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("sharing_people"))
    assert page.status_code == 200 and "本部门共享目录不提供人员名单" in page.content.decode()
    assert _api(client, user)["count"] == 0


def test_caseworkers_and_admins_are_refused(client: Any, population: dict[str, Any], users: dict[str, Any]) -> None:
    for role in ("county", "province", "auditor", "sysadmin"):
        assert client.login(username=role, password=PASSWORD)
        for name in ("sharing_people", "sharing_people_export", "sharing_query", "api-sharing-people"):
            assert client.get(reverse(name)).status_code == 403, (role, name)
        assert client.get(reverse("sharing_person", kwargs={"uid": population["son"].uid})).status_code == 403


def test_nav_item_for_department_users(client: Any, population: dict[str, Any], users: dict[str, Any]) -> None:
    assert client.login(username="department", password=PASSWORD)
    home = client.get(reverse("sharing_catalogue")).content.decode()
    assert reverse("sharing_catalogue") in home and "共享数据" in home
    assert "医疗救助" in home  # the purpose of the medical-insurance catalogue
    assert client.login(username="county", password=PASSWORD)
    assert "共享数据" not in client.get(reverse("household_list")).content.decode()
