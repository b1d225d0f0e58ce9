"""The screens: programme matrix, household section, department list (scoped, masked), decline, payroll flow."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jiuzhu.apps.assistance.matching import run_matching
from jiuzhu.apps.assistance.models import Enrolment, Payroll
from jiuzhu.apps.assistance.services import auto_enrol, start_entitlement
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.rules.programmes import PROGRAMMES
from tests.conftest import PASSWORD
from tests.privacy.helpers import export_csv

from .helpers import add_member, born, determined, household_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def dibao_home(users: dict[str, Any]) -> Any:
    today = timezone.localdate()
    h = household_with(users["township"], head_birth=born(65, today), name="周老")
    add_member(users["township"], h, birth=born(9, today), name="周小", school_stage="primary", employment="student")
    determined(h, ["dibao"], today)
    return h


def login(client: Any, who: str) -> None:
    assert client.login(username=who, password=PASSWORD)


def test_programme_matrix_page_lists_every_programme(client: Any, users: dict[str, Any]) -> None:
    login(client, "department")
    html = client.get(reverse("assistance_programmes")).content.decode()
    for p in PROGRAMMES:
        assert p.key in html and p.label_zh in html
    assert "免申即享" in html or "Without application" in html


def test_household_section_shows_given_and_missing(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    start_entitlement(actor=users["county"], household=dibao_home, programme="dibao", monthly_amount=Decimal("700.00"),
                      approved_on=dt.date(2026, 1, 10), decision_ref="application:z")
    login(client, "township")
    html = client.get(reverse("household_detail", args=[dibao_home.pk])).content.decode()
    assert 'id="assistance-matches"' in html
    assert "城乡居民养老保险待遇（按月）" in html and "教育救助" in html
    # The page matches on its own determination of today's data (the same as its 认定 section):
    # without any income the 65-year-old head is tekun, whose support is not yet given.
    assert "特困人员救助供养" in html
    assert "应享未享" in html and "最低生活保障 · 700.00" in html  # being paid (按月发放)
    login(client, "department")  # no view_assistance, no household page either
    assert client.get(reverse("household_detail", args=[dibao_home.pk])).status_code == 403


def test_department_list_scoped_and_masked(client: Any, users: dict[str, Any], dibao_home: Any,
                                           households: dict[str, Any]) -> None:
    determined(households["outside"], ["dibao"], timezone.localdate())
    run_matching(actor=None, as_of=timezone.localdate())
    login(client, "department")  # medical insurance
    html = client.get(reverse("assistance_department_list")).content.decode()
    assert "资助参加城乡居民医保" in html and "教育救助" not in html.split("<tbody>")[1]
    assert "周老" not in html and "周*" in html
    # The CSV is a bulk export: asked for with a purpose, counted, audited with its SM3 (ADR 0025).
    csv_body = export_csv(client, reverse("assistance_department_list"), {"format": "csv"})
    assert "周老" not in csv_body and "资助参加城乡居民医保" in csv_body and "教育救助" not in csv_body
    assert AuditEvent.objects.filter(event="privacy.export_produced", actor=users["department"]).exists()
    login(client, "county_b")  # the other county sees only its own people
    body = export_csv(client, reverse("assistance_department_list"), {"format": "csv"})
    assert dibao_home.code not in body and households["outside"].code in body
    login(client, "township")
    body = export_csv(client, reverse("assistance_department_list"), {"format": "csv", "programme": "education_assistance"})
    assert dibao_home.code in body and "周小" in body and "周老" not in body


def test_decline_from_the_household_page(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    run_matching(actor=None, as_of=timezone.localdate())
    auto_enrol(actor=users["county"], as_of=timezone.localdate())
    e = Enrolment.objects.get(household=dibao_home, programme="resident_pension")
    login(client, "township")
    html = client.get(reverse("household_detail", args=[dibao_home.pk])).content.decode()
    assert e.notice_no in html
    url = reverse("assistance_enrolment_decline", args=[e.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "放弃原因" in response.content.decode()
    assert client.post(url, {"reason": "本人不需要"}).status_code == 302
    e.refresh_from_db()
    assert e.state == "declined" and e.decline_reason == "本人不需要"


def test_payroll_screens(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    from jiuzhu.apps.registry.services import member_update

    head = dibao_home.members.get(relation="head")
    member_update(actor=users["township"], member=head, data={"bank_account": "6222000099998888"})
    start_entitlement(actor=users["county"], household=dibao_home, programme="dibao", monthly_amount=Decimal("700.00"),
                      approved_on=dt.date(2026, 9, 10), decision_ref="application:z")
    login(client, "county")
    response = client.post(reverse("assistance_payrolls"), {"county": "360124", "month": "2026-11"})
    # The answer is the queued job's page; the worker generates the payroll.
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import execute

    job = Job.objects.get(kind="assistance.payroll")
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.state == "queued" and not Payroll.objects.exists()
    assert execute(job.pk, job.attempt) == "done"
    p = Payroll.objects.get()
    assert reverse("assistance_payroll_detail", args=[p.pk]) in client.get(response["Location"]).content.decode()
    outside = client.post(reverse("assistance_payrolls"), {"county": "360730", "month": "2026-11"})
    assert outside.status_code == 400 and Job.objects.count() == 1
    detail = client.get(reverse("assistance_payroll_detail", args=[p.pk])).content.decode()
    assert "700.00" in detail and dibao_home.code in detail
    refused = client.post(reverse("assistance_payroll_approve", args=[p.pk]))
    assert refused.status_code == 400 and "另一名经办人员" in refused.content.decode()
    bad = client.post(reverse("assistance_payrolls"), {"county": "360124", "month": "11/2026"})
    assert bad.status_code == 400
    assert client.get(reverse("assistance_totals")).status_code == 200


def test_api_household_programmes_and_matrix(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    login(client, "county")
    body = client.get(reverse("api-assistance-household-programmes", args=[dibao_home.pk])).json()
    assert body["household"] == dibao_home.code and body["categories"] == ["dibao"]
    got = {(r["programme"], r["status"]) for r in body["programmes"]}
    assert ("resident_pension", "missing") in got and ("dibao", "missing") in got
    assert "disaster_relief" in body["on_event"]
    matrix = client.get(reverse("api-assistance-programmes")).json()["programmes"]
    assert [p["key"] for p in matrix] == [p.key for p in PROGRAMMES]
    login(client, "county_b")
    assert client.get(reverse("api-assistance-household-programmes", args=[dibao_home.pk])).status_code == 404


def test_temporary_assistance_from_the_household_page(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    from jiuzhu.apps.exchange.models import AssistanceRecord

    head = dibao_home.members.get(relation="head")
    url = reverse("assistance_temporary_grant", args=[dibao_home.pk])
    login(client, "township")
    assert client.post(url, {"member": head.pk, "amount": "800", "kind": "urgent", "reason": "火灾"}).status_code == 302
    refused = client.post(url, {"member": head.pk, "amount": "1500", "kind": "urgent", "reason": "火灾"})
    assert refused.status_code == 400 and "县级" in refused.content.decode()
    assert client.post(url, {"member": head.pk, "amount": "abc", "kind": "urgent", "reason": "x"}).status_code == 400
    assert list(AssistanceRecord.objects.filter(programme="temporary_assistance").values_list("amount", flat=True)) == [
        Decimal("800.00")]


def test_household_section_query_count_is_bounded(users: dict[str, Any], households: dict[str, Any],
                                                  django_assert_max_num_queries: Any, monkeypatch: Any) -> None:
    from django.test import RequestFactory

    from jiuzhu.apps.assistance.views import household_section
    from jiuzhu.apps.determination import selectors as determination

    request = RequestFactory().get("/")
    request.user = users["county"]
    h = households["inside"]
    for _ in range(5):
        add_member(users["township"], h, birth=born(30, timezone.localdate()))
    household_section(request, h)  # warm the parameter cache
    with django_assert_max_num_queries(16):  # incl. determining the household on the spot
        assert household_section(request, h) is not None
    determined(h, ["dibao"], timezone.localdate())
    with django_assert_max_num_queries(9):
        assert household_section(request, h)["missing_count"] > 0
    # what the household page's determination section already determined in this request
    monkeypatch.setattr(determination, "determine_one", lambda household, as_of=None: {"categories": ["marginal"]})
    determination.determination_for_page(request, h)
    with django_assert_max_num_queries(8):
        section = household_section(request, h)
    assert section["match_categories"] == ["marginal"]


def test_printable_notice(client: Any, users: dict[str, Any], dibao_home: Any) -> None:
    run_matching(actor=None, as_of=timezone.localdate())
    auto_enrol(actor=users["county"], as_of=timezone.localdate())
    e = Enrolment.objects.filter(household=dibao_home).first()
    login(client, "township")
    html = client.get(reverse("assistance_enrolment_notice", args=[e.pk])).content.decode()
    assert e.notice_no in html and "免申即享" in html and "进贤县民政局" in html
    assert AuditEvent.objects.filter(event="assistance.notice_viewed").count() == 1
    login(client, "county_b")
    assert client.get(reverse("assistance_enrolment_notice", args=[e.pk])).status_code == 404
