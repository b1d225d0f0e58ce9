"""Double-random inspections: conflicts excluded, reproducible from the seed, findings followed up,
the public result masked and gone after its period."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from jiuzhu.apps.core.errors import RefusedError

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(users: dict[str, Any], households: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.applications.models import Application, StaffRelative
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    apps = []
    for k, key in enumerate(("inside", "other_town")):
        h = households[key]
        apps.append(Application.objects.create(
            number=f"SQ2026{k:06d}", household=h, county=h.county, township=h.township, village=h.village,
            channel="desk", applicant_name="王小明", submitted_on=dt.date(2026, 9, 1), state="approved",
            decided_on=dt.date(2026, 10, 1), decision_categories=["dibao"]))
    kin = user_create(actor=None, username="inspector_kin", password=PASSWORD, role="county",
                      region=Region.objects.get(code="360124"))
    head = households["other_town"].members.get(relation="head")
    StaffRelative.objects.create(region_id="360124", staff_kind="caseworker", staff_user=kin, staff_name="甲",
                                 relative_name="乙", relative_id_enc="x", relative_id_index=head.id_number_index,
                                 relative_id_masked="3601**********0020", relation="子女")
    return {"apps": apps, "kin": kin}


def _draw(users: dict[str, Any], **kw: Any) -> Any:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.supervision.services import draw_create

    args = {"actor": users["county"], "name": "2026年第四季度抽查", "county": Region.objects.get(code="360124"),
            "period_from": dt.date(2026, 7, 1), "period_to": dt.date(2026, 12, 31), "category": "dibao", "count": 2,
            "public_input": "进贤县民政局公告 2026-12-01"}
    return draw_create(**{**args, **kw})


def test_conflicts_are_excluded_and_the_draw_is_reproduced_from_its_seed(users: dict[str, Any], setup: dict[str, Any]) -> None:
    from jiuzhu.apps.supervision.services import draw_verify

    d = _draw(users, moment=timezone.now())
    picks = {c.application.number: c.inspector for c in d.cases.select_related("application", "inspector")}
    inside, other = setup["apps"]
    assert picks[inside.number] != users["township"]  # the township's own caseworker: same township
    assert picks[other.number] != setup["kin"]  # a recorded relative of the household
    reasons = {(c, u): r for c, u, r in d.conflicts}
    assert reasons[(inside.number, "township")] == "same_township"
    assert reasons[(other.number, "inspector_kin")] == "relative"
    assert users["county"].username not in d.inspector_ids  # who draws is not drawn
    assert draw_verify(d)
    # tampering with the record is detected
    d.inspector_ids = sorted([*d.inspector_ids, "someone_else"])
    assert not draw_verify(d)


def test_findings_are_recorded_and_a_problem_is_corrected_by_someone_else(users: dict[str, Any], setup: dict[str, Any]) -> None:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.supervision.models import InspectionCase
    from jiuzhu.apps.supervision.services import inspection_step
    from tests.conftest import PASSWORD

    d = _draw(users)
    case = d.cases.first()
    with pytest.raises(RefusedError):
        inspection_step(actor=users["county"], case=case, action="problem", version=case.version, finding=" ")
    case = inspection_step(actor=users["county"], case=InspectionCase.objects.get(pk=case.pk), action="problem",
                           version=1, finding="家庭财产未如实申报（车辆一辆）")
    assert case.state == "problem"
    with pytest.raises(RefusedError):  # who found the problem does not sign off its correction
        inspection_step(actor=users["county"], case=case, action="correct", version=case.version, correction="已更正")
    other = user_create(actor=None, username="county_second", password=PASSWORD, role="county",
                        region=Region.objects.get(code="360124"))
    case = inspection_step(actor=other, case=InspectionCase.objects.get(pk=case.pk), action="correct",
                           version=case.version, correction="已在登记中补录车辆，重新认定后停发低保")
    assert case.state == "corrected" and case.events.count() == 2
    with pytest.raises(Http404):  # outside the county: not found
        inspection_step(actor=users["county_b"], case=case, action="correct", version=case.version, correction="x")


def test_public_result_is_masked_and_gone_after_its_period(client: Any, users: dict[str, Any], setup: dict[str, Any]) -> None:
    d = _draw(users, published_days=10)
    url = reverse("supervision_public", args=[d.uid])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "王*明" in body and "王小明" not in body
    assert "360124198001010011" not in body and "13800138000" not in body
    d.published_until = timezone.localdate() - dt.timedelta(days=1)
    d.save(update_fields=["published_until"])
    assert client.get(url).status_code == 404


def test_draw_screen(client: Any, users: dict[str, Any], setup: dict[str, Any]) -> None:
    client.force_login(users["county"])
    resp = client.post(reverse("supervision_draws"), {
        "name": "抽查", "county": "360124", "period_from": "2026-07-01", "period_to": "2026-12-31", "category": "",
        "count": "5", "public_input": "公告", "published_days": "30"})
    assert resp.status_code == 302
    page = client.get(resp["Location"])
    assert page.status_code == 200 and page.context["verified"]
    client.force_login(users["county_b"])
    assert client.get(resp["Location"]).status_code == 404
    bad = client.post(reverse("supervision_draws"), {"county": "360730", "period_from": "2026-07-01",
                                                     "period_to": "2026-12-31", "count": "5"})
    client.force_login(users["county"])
    bad = client.post(reverse("supervision_draws"), {"county": "360730", "period_from": "2026-07-01",
                                                     "period_to": "2026-12-31", "count": "5"})
    assert bad.status_code == 400
