"""Two people where the seed asks for two (issue 13 §12): the second visitor is a real account, and no
single clerk verifies, handles and closes a warning alone; the visit form shows whom the visitors
are going to see (masked); the warning page reads as Chinese, not codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.monitoring import services
from jiuzhu.apps.monitoring.lifecycle import TRANSITIONS, TransitionError
from jiuzhu.apps.monitoring.models import State, Visit, Warning
from jiuzhu.engine.monitoring.indicators import get_indicator
from tests.conftest import PASSWORD
from tests.monitoring.conftest import add_record, days_ago

pytestmark = pytest.mark.django_db
INSIDE_HEAD = "360124198001010011"


@pytest.fixture
def warning(households: Any) -> Warning:
    add_record("health_serious_illness", INSIDE_HEAD, disease_code="uremia", diagnosed_on=days_ago(5))
    services.comparison_run(actor=None, mode="full")
    return Warning.objects.get(indicator="serious_illness")


def _visit(w: Warning, second: Any) -> dict[str, Any]:
    data = {f"check_{i}": "yes" for i in range(len(get_indicator(w.indicator).checklist))}
    data.update({"visited_on": timezone.localdate().isoformat(), "findings": "属实",
                 "staff_2": str(getattr(second, "pk", second) or "")})
    return data


def _second_visitor_error(actor: Any, w: Warning, second: Any) -> list[str]:
    with pytest.raises(ValidationError) as err:
        services.visit_submit(actor=actor, warning=w, data=_visit(w, second))
    assert set(err.value.message_dict) == {"staff_2"}
    return err.value.message_dict["staff_2"]


def test_the_rule_is_declared_in_the_table() -> None:
    assert TRANSITIONS["verify"].guard is not None
    close = TRANSITIONS["close"]
    assert close.not_same_as == ("handle",) and close.separation_param == "monitoring.visit.two_staff_kinds"


def test_the_second_visitor_is_a_colleagues_account(warning: Warning, users: Any) -> None:
    t = users["township"]
    assert _second_visitor_error(t, warning, "") == ["入户核查须两名工作人员：请选择同事的账号。"]
    for not_a_colleague in ("乙", t, users["county_b"], users["auditor"], users["province"], 999999):
        assert "同事" in _second_visitor_error(t, warning, not_a_colleague)[0]
    warning.refresh_from_db()
    assert warning.state == State.VERIFYING and warning.version == 2  # the draft started the visit, no more
    assert AuditEvent.objects.filter(event="monitoring.verify", outcome="refused", detail__code="invalid").count() == 7
    w = services.visit_submit(actor=t, warning=warning, data=_visit(warning, users["county2"]))
    assert w.state == State.VERIFIED
    visit = Visit.objects.get(warning=w)
    assert visit.staff_2_user == users["county2"] and visit.staff_2 == "县级经办员乙"
    assert visit.staff_1 == "township" and visit.submitted_by == t
    assert w.events.get(action="verify").detail["staff"] == ["township", "county2"]


def test_no_single_clerk_verifies_handles_and_closes(warning: Warning, users: Any) -> None:
    t, c = users["township"], users["county"]
    w = services.visit_submit(actor=t, warning=warning, data=_visit(warning, c))
    w = services.handle(actor=t, warning=w, outcome="explained_applied", reason="已告知政策")
    with pytest.raises(TransitionError) as err:
        services.close(actor=t, warning=w, note="已反馈")
    assert err.value.code == "same_user" and "另一名工作人员" in err.value.message
    w.refresh_from_db()
    assert w.state == State.HANDLED and w.closed_at is None
    assert AuditEvent.objects.filter(event="monitoring.close", outcome="refused", detail__code="same_user",
                                     object_id=str(w.uid)).exists()
    w = services.close(actor=c, warning=w, note="已核对反馈")
    assert w.state == State.CLOSED
    people = {e.actor_username for e in w.events.exclude(actor_username="")}
    assert people == {"township", "county"}


def test_the_kinds_needing_two_staff_are_a_parameter(warning: Warning, users: Any) -> None:
    """A county that revises the rule to eligibility losses only: a 'need' visit by one clerk, who may close."""
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.policy.models import ParameterRevision

    ParameterRevision.objects.create(
        path="monitoring.visit.two_staff_kinds", region=Region.objects.get(code="360124"), area="all",
        effective_from=dt.date(2024, 1, 1), value="eligibility_loss", reference="测试", status="approved",
        created_by=users["county"], decided_by=users["county2"])
    t = users["township"]
    assert warning.kind == "need"
    w = services.visit_submit(actor=t, warning=warning, data=_visit(warning, ""))  # one visitor is enough here
    assert Visit.objects.get(warning=w).staff_2_user is None
    _second_visitor_error(t, Warning.objects.create(
        indicator="new_vehicle", severity="orange", kind="eligibility_loss", state=State.VERIFYING, subject="h:x",
        fingerprint="f" * 64, county_id="360124", unit_region_id="360124100", raised_at=timezone.now(),
        verify_due=timezone.localdate(), handle_due=timezone.localdate()), "")
    w = services.handle(actor=t, warning=w, outcome="explained_declined", reason="暂不申请")
    assert services.close(actor=t, warning=w).state == State.CLOSED


def _login(client: Any, who: str) -> None:
    assert client.login(username=who, password=PASSWORD)


def test_the_visit_form_shows_whom_the_visitors_see_masked(client: Any, warning: Warning, users: Any) -> None:
    from jiuzhu.apps.registry.services import member_add

    h = warning.household
    member_add(actor=users["township"], household=h, data={
        "id_number": "360124201001010067", "name": "张小红", "relation": "child", "work_capacity": "none",
        "employment": "student"})
    _login(client, "township")
    page = client.get(reverse("monitoring_visit", args=[warning.pk])).content.decode()
    today = timezone.localdate()
    age_head = today.year - 1980 - ((today.month, today.day) < (1, 1))
    age_child = today.year - 2010 - ((today.month, today.day) < (1, 1))
    assert "张*" in page and "张*红" in page  # names masked (R13)
    assert "进贤县民和镇东门村" in page  # the address down to the village …
    assert "某组1号" not in page  # … and not below it
    assert "360124********0011" in page and "360124********0067" in page  # masked ID numbers
    assert f"{age_head}岁" in page and f"{age_child}岁" in page and "户主" in page and "子女" in page
    for leak in ("张三", "张小红", INSIDE_HEAD, "360124201001010067", "1980-01-01", "2010-01-01", "13800138000"):
        assert leak not in page, leak
    # The second visitor is chosen among colleagues' accounts, never typed; the user is the first visitor.
    assert "县级经办员乙" in page and f'<option value="{users["township"].pk}"' not in page
    assert 'name="staff_1"' not in page


def test_the_warning_page_leaves_closing_to_someone_else(client: Any, warning: Warning, users: Any) -> None:
    w = services.visit_submit(actor=users["township"], warning=warning, data=_visit(warning, users["county"]))
    services.handle(actor=users["township"], warning=w, outcome="explained_applied", reason="已告知")
    close = reverse("monitoring_action", args=[w.pk, "close"])
    _login(client, "township")
    page = client.get(reverse("monitoring_warning", args=[w.pk])).content.decode()
    assert close not in page and "mon-blocked" in page
    r = client.post(close, {"version": Warning.objects.get(pk=w.pk).version})
    assert r.status_code == 400
    assert Warning.objects.get(pk=w.pk).state == State.HANDLED
    _login(client, "county")
    page = client.get(reverse("monitoring_warning", args=[w.pk])).content.decode()
    assert close in page and "mon-blocked" not in page
    assert client.post(close, {"version": Warning.objects.get(pk=w.pk).version}).status_code == 302
    assert Warning.objects.get(pk=w.pk).state == State.CLOSED


def test_a_stale_visit_or_step_is_a_409(client: Any, warning: Warning, users: Any) -> None:
    _login(client, "township")
    stale = warning.version
    services.start_visit(actor=users["county"], warning=warning)
    r = client.post(reverse("monitoring_action", args=[warning.pk, "transfer"]),
                    {"to_region": "360124", "reason": "请县级统筹", "version": stale})
    assert r.status_code == 409
    assert Warning.objects.get(pk=warning.pk).state == State.VERIFYING


def test_the_warning_page_labels_coded_facts(client: Any, warning: Warning) -> None:
    """Department codes in a finding's facts read as Chinese labels (尿毒症, not uremia)."""
    _login(client, "township")
    page = client.get(reverse("monitoring_warning", args=[warning.pk])).content.decode()
    assert "尿毒症" in page and "uremia" not in page
