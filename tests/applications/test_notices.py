"""Publicity (issue 18.4): 人户分离 in both villages, a period and expiry, objections recorded on the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from jiuzhu.apps.applications.services import ApplicationError
from tests.applications.conftest import D, new_application, run, to_visited
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTERED, RESIDENCE = "360124100002", "360124101001"  # 民和镇西门村 / 李渡镇李渡村


@pytest.fixture
def clock(monkeypatch: Any) -> Any:
    """Move the clock: every "today" of the application (and Django's) reads this date."""
    from django.utils import timezone

    def move(day: dt.date) -> None:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        monkeypatch.setattr(timezone, "now", lambda: at)

    return move


def _published(staff: dict[str, Any], household: Any, residence: str = "", on: dt.date | None = None) -> Any:
    on = on or D(2026, 10, 8)
    app = new_application(staff["township"], household)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", on, "符合", proposal="approve")
    return run(staff["township"], app, "publish", on, residence_village=residence)


def _board(client: Any, village: str) -> str:
    response = client.get(reverse("applications_public_notice", args=[village]))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    return response.content.decode()


def test_a_separated_household_is_published_where_registered_and_where_it_lives(client: Any, staff: dict[str, Any],
                                                                                poor: Any, clock: Any) -> None:
    app = _published(staff, poor, residence=RESIDENCE)
    assert app.residence_village_id == RESIDENCE
    assert app.transitions.get(action="publish").detail["boards"] == [REGISTERED, RESIDENCE]
    clock(D(2026, 10, 10))
    registered, residence = _board(client, REGISTERED), _board(client, RESIDENCE)
    for page in (registered, residence):
        assert "张*" in page and str(app.proposed_amount) in page and "最低生活保障对象" in page
        for secret in ("张三", "360124199003030045", "13800138000", "某组1号", poor.code):
            assert secret not in page, secret
    assert "居住在 李渡镇李渡村，当地同步公示" in registered
    assert "户籍在此村以外、居住在本村，两地同步公示" in residence and "民和镇 西门村" in residence
    # A village that has nothing to do with the household shows nothing.
    assert "张*" not in _board(client, "360124100001")


def test_living_where_registered_is_one_board(client: Any, staff: dict[str, Any], poor: Any, clock: Any) -> None:
    app = _published(staff, poor, residence=REGISTERED)
    assert app.residence_village_id is None
    clock(D(2026, 10, 10))
    assert "张*" in _board(client, REGISTERED) and "张*" not in _board(client, RESIDENCE)
    with pytest.raises(ApplicationError) as err:  # a retired or unknown village is refused, nothing changes
        _published(staff, households_other(staff), residence="360782100001")
    assert err.value.code == "residence"


def households_other(staff: dict[str, Any]) -> Any:
    from tests.conftest import make_household

    return make_household(staff["township"], "360124100001", "360124197007070053")


def test_the_notice_has_a_period_and_is_gone_after_it(client: Any, staff: dict[str, Any], poor: Any,
                                                      clock: Any) -> None:
    app = _published(staff, poor, residence=RESIDENCE)
    assert (app.notice_start, app.notice_end) == (D(2026, 10, 8), D(2026, 10, 14))  # 7 days, CONFIG
    for day, shown in ((D(2026, 10, 7), False), (D(2026, 10, 8), True), (D(2026, 10, 14), True),
                       (D(2026, 10, 15), False), (D(2026, 11, 30), False)):
        clock(day)
        for village in (REGISTERED, RESIDENCE):
            assert ("张*" in _board(client, village)) is shown, (day, village)


def test_an_objection_without_substance_is_recorded_and_the_notice_goes_on(client: Any, staff: dict[str, Any],
                                                                          poor: Any, clock: Any) -> None:
    from jiuzhu.apps.applications.notices import objection_record
    from jiuzhu.apps.core.models import AuditEvent

    app = _published(staff, poor, residence=RESIDENCE)
    clock(D(2026, 10, 11))
    obj = objection_record(actor=staff["township"], application=app, summary="听说其子在外务工收入较高",
                           substantiated=False, data={"received_on": D(2026, 10, 10), "channel": "phone",
                                                      "received_in": "residence"})
    app.refresh_from_db()
    assert app.state == "notice" and app.objection_due_on is None
    assert (obj.recorded_by, obj.received_on, obj.channel, obj.received_in) == (
        staff["township"], D(2026, 10, 10), "phone", "residence")
    assert obj.recorded_at.date() == D(2026, 10, 11)
    assert AuditEvent.objects.filter(event="applications.objection", object_id=str(app.pk), outcome="ok").exists()
    # The county decides after the notice, seeing the objection on the case page.
    assert client.login(username="county", password=PASSWORD)
    page = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "听说其子在外务工收入较高" in page and "电话反映" in page and "居住地" in page
    assert "已登记，公示继续" in page
    app = run(staff["county"], app, "approve", D(2026, 10, 15))
    assert app.state == "approved"


def test_an_objection_with_substance_goes_to_democratic_appraisal(client: Any, staff: dict[str, Any],
                                                                  poor: Any, clock: Any) -> None:
    app = _published(staff, poor)
    clock(D(2026, 10, 12))
    assert client.login(username="township", password=PASSWORD)
    response = client.post(reverse("applications_objection", args=[app.pk]), {
        "version": app.version, "summary": "邻居提供其经营店铺照片", "received_on": "2026-10-12",
        "channel": "letter", "substantiated": "on"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == "objection" and app.objection_due_on == D(2026, 10, 21)  # 5 working days after 14 Oct
    obj = app.objections.get()
    assert obj.substantiated and obj.recorded_by == staff["township"] and obj.received_on == D(2026, 10, 12)
    assert app.transitions.filter(action="object").count() == 1
    page = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "民主评议（或重新调查）应于2026年10月21日前完成" in page and "提交民主评议" in page
    # A second objection while the first is handled: recorded, the case stays where it is.
    client.post(reverse("applications_objection", args=[app.pk]), {
        "version": app.version, "summary": "另有群众反映同一情况", "received_on": "2026-10-12",
        "channel": "in_person", "substantiated": "on"})
    app.refresh_from_db()
    assert app.state == "objection" and app.objections.count() == 2
    app = run(staff["township"], app, "resolve", D(2026, 10, 19), "民主评议：异议成立，收入超标")
    assert all(o.resolved_on == D(2026, 10, 19) for o in app.objections.all())


def test_the_object_step_alone_needs_substance(staff: dict[str, Any], poor: Any) -> None:
    app = _published(staff, poor)
    with pytest.raises(ApplicationError) as err:
        run(staff["township"], app, "object", D(2026, 10, 10), "有人反映")
    assert err.value.code == "substance" and "民主评议" in err.value.message
    app.refresh_from_db()
    assert app.state == "notice" and not app.objections.exists()


def test_objections_outside_the_period_or_region_are_refused(client: Any, staff: dict[str, Any], poor: Any) -> None:
    from django.http import Http404

    from jiuzhu.apps.applications.notices import objection_record

    app = _published(staff, poor)
    for received in (D(2026, 10, 7), D(2026, 10, 15)):
        with pytest.raises(ApplicationError) as err:
            objection_record(actor=staff["township"], application=app, summary="反映", substantiated=False,
                             data={"received_on": received}, on=D(2026, 10, 16))
        assert err.value.code == "notice_over"
    with pytest.raises(ApplicationError):  # received after the day it is recorded
        objection_record(actor=staff["township"], application=app, summary="反映", substantiated=False,
                         data={"received_on": D(2026, 10, 12)}, on=D(2026, 10, 10))
    with pytest.raises(Http404):
        objection_record(actor=staff["county_b"], application=app, summary="反映", substantiated=False,
                         on=D(2026, 10, 10))
    assert not app.objections.exists()
    assert client.login(username="county_b", password=PASSWORD)
    assert client.post(reverse("applications_objection", args=[app.pk]), {}).status_code == 404


def test_the_printable_notice_has_one_sheet_per_village(client: Any, staff: dict[str, Any], poor: Any) -> None:
    app = _published(staff, poor, residence=RESIDENCE)
    assert client.login(username="township", password=PASSWORD)
    page = client.get(reverse("applications_notice_print", args=[app.pk])).content.decode()
    assert page.count("社会救助公示") == 2 and "民和镇西门村" in page and "李渡镇李渡村" in page
    assert "张三" not in page and "360124199003030045" not in page


def test_the_publish_step_offers_the_residence_chooser(client: Any, staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    assert client.login(username="township", password=PASSWORD)
    url = reverse("applications_step", args=[app.pk, "publish"])
    page = client.get(url, {"county": "360124", "township": "360124101"}).content.decode()
    assert 'name="residence_village"' in page and '<option value="360124101001">李渡村</option>' in page
    app.refresh_from_db()
    response = client.post(url, {"version": app.version, "reason": "", "residence_village": RESIDENCE})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == "notice" and app.residence_village_id == RESIDENCE
    detail = client.get(reverse("applications_detail", args=[app.pk])).content.decode()
    assert "李渡镇 李渡村" in detail and f"/gongshi/{RESIDENCE}/" in detail
