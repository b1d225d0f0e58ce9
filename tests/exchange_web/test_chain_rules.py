"""Rules over the assistance chain (omissions), the person-level chain and deciding registry conflicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.apps.exchange.chain import CHAIN_RULES, OMISSION_RULES
from jiuzhu.apps.exchange.conflicts import ConflictDecisionError, conflict_decide
from jiuzhu.apps.exchange.models import RegistryConflict
from jiuzhu.apps.exchange.selectors import household_chain, person_chain
from jiuzhu.apps.exchange.services import batch_import
from jiuzhu.apps.registry import services as registry
from jiuzhu.apps.registry.models import ChangeRecord, Household, Member
from tests.conftest import PASSWORD, make_household
from tests.exchange_web.conftest import csv_bytes

pytestmark = pytest.mark.django_db
HEAD, SPOUSE, CHILD = "360124197501010013", "360124197801010023", "360124201503070027"


def _import(actor: Any, source: str, data: bytes, tmp: Path) -> None:
    path = tmp / f"{source}.csv"
    path.write_bytes(data)
    result = batch_import(actor, source, path, path.name, "ui")
    assert result.batch.state == "committed", result.batch.errors_preview


def _dibao_family(users: dict[str, Any]) -> Household:
    """A dibao household: a farmer, his severely disabled wife, a pupil; 7,200 yuan a year."""
    county = users["county"]
    h = make_household(county, "360124101001", HEAD)
    registry.member_add(actor=county, household=h, data={
        "id_number": SPOUSE, "name": "李四", "relation": "spouse", "work_capacity": "none",
        "employment": "not_working", "disability_type": "physical", "disability_grade": 1})
    registry.member_add(actor=county, household=h, data={
        "id_number": CHILD, "name": "张小", "relation": "child", "work_capacity": "none",
        "employment": "student", "school_stage": "primary"})
    registry.item_add(actor=county, household=h, kind="income", data={
        "income_type": "business", "subtype": "farming", "amount": "7200.00",
        "period_start": "2025-11-01", "period_end": "2026-10-31"})
    return Household.objects.get(pk=h.pk)


def _found(chain: dict[str, Any]) -> set[tuple[str, str]]:
    return {(o["rule"], o["member_name"]) for o in chain["omissions"]}


AS_OF = dt.date(2026, 11, 15)


def test_rules_are_declared_once_and_listed_in_the_docs() -> None:
    keys = [r.key for r in CHAIN_RULES]
    assert len(keys) == len(set(keys)) and {r.kind for r in CHAIN_RULES} == {"duplicate", "omission"}
    doc = (Path(__file__).resolve().parents[2] / "docs" / "assistance-chain.md").read_text("utf-8")
    for rule in CHAIN_RULES:
        assert f"`{rule.key}`" in doc and rule.label_zh in doc, rule.key
    assert all(r.programme and r.categories for r in OMISSION_RULES)


def test_omissions_found_and_cleared_by_department_data(users: dict[str, Any], tmp_path: Path) -> None:
    h = _dibao_family(users)
    chain = household_chain(h, AS_OF)
    assert _found(chain) == {
        ("no_medical_insurance_subsidy", "张三"), ("no_medical_insurance_subsidy", "李四"),
        ("no_medical_insurance_subsidy", "张小"), ("pupil_without_education_assistance", "张小"),
        ("severe_disability_without_subsidy", "李四"),
    }
    county = users["county"]
    # Enrolment comes from the medical-insurance bureau's system, not a county upload.
    _import(users["department"], "medical_insurance_enrolment", csv_bytes([
        ["id_number", "year", "enrolled_on", "subsidised", "subsidy_amount"],
        [HEAD, "2026", "2025-11-02", "是", "280"], [SPOUSE, "2026", "2025-11-02", "是", "280"],
        # enrolled, but without the subsidy: still an omission
        [CHILD, "2026", "2025-11-02", "否", ""],
    ]), tmp_path)
    _import(county, "education_students", csv_bytes([
        ["id_number", "school_stage", "hardship_flag", "enrolled"], [CHILD, "primary", "是", "是"]]), tmp_path)
    _import(county, "disabled_certificates", csv_bytes([
        ["id_number", "cert_no", "disability_type", "grade", "issued_on", "nursing_subsidy_monthly"],
        [SPOUSE, "36012419780101002341", "physical", "1", "2020-05-01", "90"]]), tmp_path)
    assert _found(household_chain(h, AS_OF)) == {("no_medical_insurance_subsidy", "张小")}
    # Last year's subsidised enrolment does not cover this year.
    assert ("no_medical_insurance_subsidy", "张三") in _found(household_chain(h, dt.date(2027, 1, 5)))


def test_omissions_follow_the_category(users: dict[str, Any], households: dict[str, Any]) -> None:
    # 12,000 yuan of wages for one person: marginal (below 1.5× the line) — medical subsidy owed, no pupil rule
    found = _found(household_chain(households["inside"], AS_OF))
    assert found == {("no_medical_insurance_subsidy", "张三")}
    h = households["other_town"]
    registry.item_add(actor=users["county"], household=h, kind="income", data={
        "income_type": "wages", "amount": "90000.00", "period_start": "2025-11-01", "period_end": "2026-10-31"})
    assert household_chain(h, AS_OF)["omissions"] == []  # no category: nothing owed


def test_person_chain_page_and_api(client: Any, users: dict[str, Any], tmp_path: Path) -> None:
    h = _dibao_family(users)
    _import(users["county"], "disabled_certificates", csv_bytes([
        ["id_number", "cert_no", "disability_type", "grade", "issued_on", "nursing_subsidy_monthly"],
        [SPOUSE, "36012419780101002341", "physical", "1", "2020-05-01", "90"]]), tmp_path)
    spouse = Member.objects.get(household=h, name="李四")
    chain = person_chain(spouse, AS_OF)
    assert [e["programme"] for e in chain["entries"]] == ["disability_subsidies"]
    assert {o["member_name"] for o in chain["omissions"]} == {"李四"}
    assert client.login(username="county", password=PASSWORD)
    page = client.get(f"/members/{spouse.pk}/chain/").content.decode()
    assert "残疾人两项补贴" in page and SPOUSE not in page and "资助参加城乡居民医保" in page
    body = client.get(f"/api/members/{spouse.pk}/chain/").json()
    assert body["entries"][0]["programme"] == "disability_subsidies" and SPOUSE not in str(body)
    assert {o["rule"] for o in body["omissions"]} == {"no_medical_insurance_subsidy"}
    client.login(username="county_b", password=PASSWORD)
    assert client.get(f"/members/{spouse.pk}/chain/").status_code == 404


def _grade_conflict(users: dict[str, Any], tmp_path: Path) -> RegistryConflict:
    h = _dibao_family(users)
    _import(users["county"], "disabled_certificates", csv_bytes([
        ["id_number", "cert_no", "disability_type", "grade", "issued_on"],
        [SPOUSE, "36012419780101002341", "physical", "2", "2026-05-01"]]), tmp_path)
    return RegistryConflict.objects.get(member__household=h, field="disability_grade")


def test_accepting_a_conflict_updates_the_registry_with_a_change_record(users: dict[str, Any], tmp_path: Path) -> None:
    c = _grade_conflict(users, tmp_path)
    assert (c.registry_value, c.department_value) == ("1", "2")
    with pytest.raises(ConflictDecisionError) as err:
        conflict_decide(actor=users["county"], conflict=c, decision="accept", reason=" ")
    assert err.value.code == "reason"
    conflict_decide(actor=users["county"], conflict=c, decision="accept", reason="残联复评为二级")
    c.refresh_from_db()
    assert c.status == "accepted" and c.decided_by == users["county"] and c.decision_reason == "残联复评为二级"
    assert Member.objects.get(pk=c.member_id).disability_grade == 2
    change = ChangeRecord.objects.filter(object_uid=c.member.uid).order_by("-at", "-id").first()
    assert change is not None and "残疾人证" in change.reason and change.changed_fields == ["disability_grade"]
    with pytest.raises(ConflictDecisionError) as err:
        conflict_decide(actor=users["county"], conflict=c, decision="reject", reason="再次")
    assert err.value.code == "decided"


def test_rejecting_keeps_the_registry_and_the_screens_are_scoped(client: Any, users: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    c = _grade_conflict(users, tmp_path)
    client.login(username="township", password=PASSWORD)  # may edit, may not decide
    assert client.post(f"/exchange/conflicts/{c.pk}/decide/", {"decision": "reject", "reason": "x"}).status_code == 403
    client.login(username="county_b", password=PASSWORD)
    assert client.post(f"/exchange/conflicts/{c.pk}/decide/", {"decision": "reject", "reason": "x"}).status_code == 404
    client.login(username="county", password=PASSWORD)
    listing = client.get("/exchange/conflicts/").content.decode()
    assert "残疾等级" in listing and "2级" in listing and "李四" in listing
    r = client.post(f"/exchange/conflicts/{c.pk}/decide/", {"decision": "reject", "reason": "证件信息有误"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == "rejected" and Member.objects.get(pk=c.member_id).disability_grade == 1
    assert "残疾等级" not in client.get("/exchange/conflicts/").content.decode()


def test_the_generated_province_shows_a_duplicate_and_an_omission(regions: None, province: Path, capsys: Any) -> None:
    """What `make run` shows: the synthetic feeds, imported, flag duplicates and omissions."""
    from jiuzhu.apps.exchange.demo import chain_examples
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.cli import _import_feeds

    load_province(province)
    _import_feeds(province)
    line = chain_examples(county=None)
    assert "a flagged duplicate on household" in line and "an omission on household" in line, line


def test_a_new_certificate_type_and_grade_are_accepted_together(users: dict[str, Any], households: dict[str, Any],
                                                               tmp_path: Path) -> None:
    head = "360124198001010011"  # the "inside" household's head: no disability recorded
    _import(users["county"], "disabled_certificates", csv_bytes([
        ["id_number", "cert_no", "disability_type", "grade", "issued_on"],
        [head, "36012419800101001141", "physical", "2", "2026-03-01"]]), tmp_path)
    grade = RegistryConflict.objects.get(field="disability_grade")
    conflict_decide(actor=users["county"], conflict=grade, decision="accept", reason="新办残疾人证")
    m = Member.objects.get(pk=grade.member_id)
    assert (m.disability_type, m.disability_grade) == ("physical", 2)
    assert set(RegistryConflict.objects.values_list("field", "status")) == {
        ("disability_grade", "accepted"), ("disability_type", "accepted")}
