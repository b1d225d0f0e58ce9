"""Screens, the public form's anti-abuse guards, the public notice whitelist, the API."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

from jiuzhu.apps.applications import public
from jiuzhu.apps.applications.models import Application, PublicAttempt, PublicIntake
from tests.applications.conftest import D, new_application, run, to_visited
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FORM = {"village": "360124100001", "applicant_name": "王五", "id_number": "360124198505050033",
        "phone": "13912345678", "address": "东门村3组", "household_size": "3", "reason": "丈夫患病无收入",
        "website": ""}


def _token(age: int = 60) -> str:
    """A form token issued ``age`` seconds ago."""
    signer = signing.TimestampSigner(salt=public.SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - age)  # type: ignore[method-assign]
    return signer.sign(get_random_string(12))  # a fresh nonce: a token is accepted once


def test_public_form_creates_a_pending_intake_only(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.registry.models import Household

    page = client.get(reverse("applications_public_apply"))
    assert page.status_code == 200 and b'name="website"' in page.content and b'name="token"' in page.content
    households = Household.objects.count()
    response = client.post(reverse("applications_public_apply"), {**FORM, "token": _token()})
    assert response.status_code == 200, response.content.decode()[:2000]
    intake = PublicIntake.objects.get()
    assert intake.state == "pending" and intake.id_number_masked != FORM["id_number"]
    assert FORM["id_number"] not in intake.id_number_enc and intake.phone_masked.startswith("139")
    assert Household.objects.count() == households and not Application.objects.exists()


@pytest.mark.parametrize("change, code", [
    ({"website": "http://spam"}, 400),  # honeypot
    ({"token": "forged:token:sig"}, 400),  # not issued here
    ({"token": None}, 400),  # sent within the minimum fill time
    ({"token": "expired"}, 400),
])
def test_public_form_guards(client: Any, users: dict[str, Any], change: dict[str, Any], code: int) -> None:
    data = {**FORM, "token": _token()}
    if change.get("token") is None and "token" in change:
        data["token"] = _token(age=0)
    elif change.get("token") == "expired":
        data["token"] = _token(age=13 * 3600)
    else:
        data.update(change)
    response = client.post(reverse("applications_public_apply"), data)
    assert response.status_code == code
    assert not PublicIntake.objects.exists()


def test_public_form_flood_is_throttled_per_address(client: Any, users: dict[str, Any]) -> None:
    statuses = []
    for i in range(7):
        statuses.append(client.post(reverse("applications_public_apply"),
                                    {**FORM, "token": _token(), "household_size": str(i + 1)}).status_code)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    assert PublicIntake.objects.count() == 5
    assert PublicAttempt.objects.filter(outcome="throttled").count() == 2
    # Another address is not affected.
    other = client.post(reverse("applications_public_apply"), {**FORM, "token": _token()}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_public_form_bad_input_is_explained(client: Any, users: dict[str, Any]) -> None:
    response = client.post(reverse("applications_public_apply"), {**FORM, "id_number": "360124198505050034",
                                                                   "token": _token()})
    assert response.status_code == 400
    assert not PublicIntake.objects.exists()


def test_township_accepts_an_intake_into_a_new_household(client: Any, staff: dict[str, Any]) -> None:
    from jiuzhu.apps.applications import public

    client.post(reverse("applications_public_apply"), {**FORM, "token": _token()})
    intake = PublicIntake.objects.get()
    assert client.login(username="county_b", password=PASSWORD)
    assert client.get(reverse("applications_intake", args=[intake.pk])).status_code == 404
    assert client.login(username="township", password=PASSWORD)
    response = client.post(reverse("applications_intake", args=[intake.pk]), {"decision": "accept"})
    assert response.status_code == 302
    intake.refresh_from_db()
    app = intake.application
    assert intake.state == "accepted" and app.channel == "public" and app.state == "submitted"
    assert app.household.members.get().id_number_masked == intake.id_number_masked
    from jiuzhu.apps.applications.services import ApplicationError

    with pytest.raises(ApplicationError):
        public.accept(actor=staff["township"], intake=intake)


def test_full_journey_from_the_public_form_to_the_letter(client: Any, staff: dict[str, Any]) -> None:
    from jiuzhu.apps.applications import public
    from jiuzhu.apps.registry.services import item_add

    client.post(reverse("applications_public_apply"), {**FORM, "token": _token()})
    app = public.accept(actor=staff["township"], intake=PublicIntake.objects.get(), on=D(2026, 9, 25))
    item_add(actor=staff["township"], household=app.household, kind="income", data={
        "income_type": "wages", "amount": "2400.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    run(staff["township"], app, "notify_missing", D(2026, 9, 25))
    run(staff["township"], app, "accept", D(2026, 9, 28),
        documents=["id_card", "income_declaration", "relationship_proof"], authorisation_ref="授权-1")
    run(staff["township"], app, "check", D(2026, 9, 29))
    run(staff["township"], app, "visit", D(2026, 9, 30), staff_2=staff["township2"].pk, applicant_signed=True)
    app = run(staff["township"], app, "opinion", D(2026, 10, 9), "符合低保条件", proposal="approve")
    app = run(staff["township"], app, "publish", D(2026, 10, 9))
    app = run(staff["county"], app, "approve", D(2026, 10, 16))
    assert app.state == "approved" and app.decision_amount > 0
    assert client.login(username="township", password=PASSWORD)
    from jiuzhu.apps.applications.letters import LetterError, font

    pdf = client.get(reverse("applications_letter", args=[app.pk]))
    try:
        font()
    except LetterError:  # no Chinese font on this machine: a clear refusal, never a broken PDF
        assert pdf.status_code == 409
    else:
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    app = run(staff["township"], app, "send_letter", D(2026, 10, 19))
    assert app.letter_sent_on == D(2026, 10, 19)


def test_public_notice_shows_only_whitelisted_fields_and_expires(client: Any, staff: dict[str, Any], poor: Any,
                                                                 monkeypatch: Any) -> None:
    from jiuzhu.apps.applications import notices
    from jiuzhu.apps.registry.services import member_add

    member_add(actor=staff["township"], household=poor, data={
        "id_number": "360124201001010067", "name": "李小红", "relation": "child", "work_capacity": "none",
        "employment": "student", "disability_type": "physical", "disability_grade": 1, "serious_illness": "白血病",
        "phone": "13700001111"})
    poor.refresh_from_db()
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    app = run(staff["township"], app, "publish", D(2026, 10, 8))
    url = reverse("applications_public_notice", args=[app.village_id])
    monkeypatch.setattr(notices, "today", lambda: D(2026, 10, 10))
    page = client.get(url).content.decode()
    # one amount format (issue 13.11): thousands separators, two decimals
    assert "张*" in page and f"{app.proposed_amount:,.2f}" in page and "西门村" in page
    forbidden = ["张三", "李小红", "360124199003030045", "360124201001010067", "13800138000", "13700001111",
                 "138****8000", "3000", "白血病", "肢体", "一级", "某组1号", poor.code]
    forbidden += [m.id_number_masked for m in poor.members.all()]
    for text in forbidden:
        assert text not in page, text
    # The printable notice for staff uses the same whitelist.
    assert client.login(username="township", password=PASSWORD)
    printable = client.get(reverse("applications_notice_print", args=[app.pk])).content.decode()
    for text in forbidden:
        assert text not in printable, text
    client.logout()
    monkeypatch.setattr(notices, "today", lambda: D(2026, 10, 15))  # the notice ended on 14 Oct
    assert "张*" not in client.get(url).content.decode()


def test_list_and_detail_scoping_and_overdue_highlight(client: Any, staff: dict[str, Any], poor: Any,
                                                      households: dict[str, Any]) -> None:
    inside = new_application(staff["township"], poor)
    run(staff["township"], inside, "accept", D(2026, 1, 5))  # long overdue by now
    outside = new_application(staff["county_b"], households["outside"])
    assert client.login(username="township", password=PASSWORD)
    page = client.get(reverse("applications_list")).content.decode()
    assert inside.number in page and outside.number not in page and "app-late" in page
    assert client.get(reverse("applications_list"), {"overdue": "1"}).content.decode().count(inside.number) == 1
    assert client.get(reverse("applications_detail", args=[outside.pk])).status_code == 404
    assert client.get(reverse("applications_detail", args=[inside.pk])).status_code == 200
    # The household-page section (rendered on its own: other apps' sections are not under test here).
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from jiuzhu.apps.applications.views import household_section

    request = RequestFactory().get("/")
    request.user = staff["township"]
    ctx = household_section(request, poor)
    assert ctx is not None and not ctx["can_apply"]  # one open application at a time
    html = render_to_string("applications/_household_section.html", {"household": poor, **ctx}, request)
    assert inside.number in html
    request.user = staff["department"]
    assert household_section(request, poor) is None


def test_step_form_conflict_is_409(client: Any, staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    assert client.login(username="township", password=PASSWORD)
    url = reverse("applications_step", args=[app.pk, "withdraw"])
    assert client.get(url).status_code == 200
    stale = app.version
    assert client.post(url, {"version": stale, "reason": "撤回"}).status_code == 302
    response = client.post(url, {"version": stale, "reason": "撤回"})
    assert response.status_code in (400, 409)
    app.refresh_from_db()
    assert app.state == "withdrawn" and app.transitions.filter(action="withdraw").count() == 1


def test_desk_form_creates_household_and_application(client: Any, staff: dict[str, Any]) -> None:
    assert client.login(username="township", password=PASSWORD)
    response = client.post(reverse("applications_create"), {
        "hh-village": "360124100002", "hh-area_type": "rural", "hh-address": "西门村5组", "hh-phone": "",
        "hh-head_name": "钱七", "hh-head_id_number": "360124198505050033", "hh-work_capacity": "partial",
        "hh-employment": "farming", "channel": "on_behalf", "agent_name": "西门村委会", "agent_relation": "村委会代办",
        "reason": "无力申请，村委代办", "documents": ["id_card"], "consent_next_tier": "on"})
    assert response.status_code == 302, response.content.decode()[:3000]
    app = Application.objects.get()
    assert app.channel == "on_behalf" and app.household.members.get().name == "钱七"


def test_api_list_detail_transition(client: Any, staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    assert client.login(username="township", password=PASSWORD)
    listing = client.get(reverse("api-applications-list")).json()
    assert listing["count"] == 1 and listing["results"][0]["number"] == app.number
    url = reverse("api-applications-transition", args=[app.pk])
    ok = client.post(url, json.dumps({"action": "accept", "version": app.version}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["state"] == "accepted"
    stale = client.post(url, json.dumps({"action": "check", "version": app.version}), content_type="application/json")
    assert stale.status_code == 409
    illegal = client.post(url, json.dumps({"action": "publish", "version": app.version + 1}),
                          content_type="application/json")
    assert illegal.status_code == 400 and illegal.json()["code"] == "illegal"
    decide = client.post(url, json.dumps({"action": "approve", "version": app.version + 1}),
                         content_type="application/json")
    assert decide.status_code == 403
    unknown = client.post(url, json.dumps({"action": "accept", "version": 1, "hack": 1}),
                          content_type="application/json")
    assert unknown.status_code == 400
    detail = client.get(reverse("api-applications-detail", args=[app.pk])).json()
    assert [t["action"] for t in detail["transitions"]] == ["submit", "accept"]


def test_every_screen_renders_along_the_journey(client: Any, staff: dict[str, Any], poor: Any) -> None:
    from jiuzhu.apps.applications.services import staff_relative_add
    from jiuzhu.apps.applications.workflow import available

    staff_relative_add(actor=staff["township"], region="360124100", staff_kind="caseworker", staff_name="赵六",
                       relative_name="某", relative_id="360124201001010067", relation="女")
    app = new_application(staff["township"], poor)
    assert client.login(username="county", password=PASSWORD)

    def screens() -> None:
        app.refresh_from_db()
        detail = client.get(reverse("applications_detail", args=[app.pk]))
        assert detail.status_code == 200
        for step in available(app.state):
            page = client.get(reverse("applications_step", args=[app.pk, step.action]))
            assert page.status_code == 200, (app.state, step.action)

    screens()
    for action, day, reason, data in (
        ("accept", D(2026, 9, 28), "", {}), ("check", D(2026, 9, 28), "", {}),
        ("visit", D(2026, 9, 30), "", {"staff_2": staff["township2"].pk, "applicant_signed": True,
                                        "findings": "住房简陋"}),
        ("opinion", D(2026, 10, 8), "符合", {"proposal": "approve"}), ("publish", D(2026, 10, 8), "", {}),
        ("object", D(2026, 10, 9), "有异议", {"substantiated": True}), ("resolve", D(2026, 10, 16), "评议不成立", {}),
        ("approve", D(2026, 10, 19), "", {}),
    ):
        run(staff["county2"] if action == "approve" else staff["township"], app, action, day, reason, **data)
        screens()
    detail = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "家庭经济状况核对报告" in detail and "办理过程" in detail and "township2" in detail
    client.post(reverse("applications_appeal", args=[app.pk]), {"kind": "review", "grounds": "金额有误"})
    assert app.appeals.count() == 1
    appeal = app.appeals.get()
    assert "维持原决定" in client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert client.post(reverse("applications_appeal_conclude", args=[appeal.pk]), {"outcome": "upheld"}).status_code \
        == 400
    assert client.post(reverse("applications_appeal_conclude", args=[appeal.pk]),
                       {"outcome": "upheld", "text": "金额计算无误"}).status_code == 302
    appeal.refresh_from_db()
    assert appeal.outcome == "upheld" and appeal.concluded_by == staff["county"]
    for name in ("applications_list", "applications_intakes", "applications_relatives", "applications_reviews",
                 "applications_create"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("applications_create_for", args=[poor.pk])).status_code == 200
    assert client.get(reverse("applications_notice_print", args=[app.pk])).status_code == 200
    task = app.reviews.get()
    assert client.post(reverse("applications_review_done", args=[task.pk]), {"note": "无变化"}).status_code == 302


def test_provisional_calendar_years_are_flagged_on_the_case(client: Any, staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor, on=D(2026, 12, 1))
    app = run(staff["township"], app, "accept", D(2026, 12, 1))
    assert app.due_on.year == 2027
    assert client.login(username="township", password=PASSWORD)
    page = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "2027年的期限按暂定节假日安排计算" in page
    early = new_application(staff["township"], households_free(staff), on=D(2026, 9, 1))
    run(staff["township"], early, "accept", D(2026, 9, 1))
    assert "暂定节假日" not in client.get(reverse("applications_detail", args=[early.pk])).content.decode()


def households_free(staff: dict[str, Any]) -> Any:
    from tests.conftest import make_household

    return make_household(staff["township"], "360124100001", "360124197007070053")
