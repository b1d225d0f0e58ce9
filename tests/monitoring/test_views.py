"""The monitoring screens: workbench, visit draft (htmx autosave), actions, household section, dashboard."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from jiuzhu.apps.monitoring import services
from jiuzhu.apps.monitoring.models import State, Visit, Warning
from jiuzhu.engine.monitoring.docs import BEGIN, END, indicator_table
from jiuzhu.engine.monitoring.indicators import INDICATORS
from jiuzhu.rules.params.loader import load_jiangxi
from tests.conftest import PASSWORD
from tests.monitoring.conftest import add_record, days_ago

pytestmark = pytest.mark.django_db
INSIDE_HEAD = "360124198001010011"


@pytest.fixture
def warning(households: Any) -> Warning:
    add_record("health_serious_illness", INSIDE_HEAD, disease_code="uremia", diagnosed_on=days_ago(5))
    services.comparison_run(actor=None, mode="full")
    return Warning.objects.get(indicator="serious_illness")


def _login(client: Any, who: str) -> None:
    assert client.login(username=who, password=PASSWORD)


def test_workbench_lists_and_filters(client: Any, warning: Warning) -> None:
    _login(client, "township")
    page = client.get(reverse("monitoring_workbench")).content.decode()
    assert reverse("monitoring_warning", args=[warning.pk]) in page and "新确诊重特大疾病" in page
    page = client.get(reverse("monitoring_workbench"), {"severity": "red"}).content.decode()
    assert reverse("monitoring_warning", args=[warning.pk]) not in page


def test_visit_draft_is_never_lost(client: Any, warning: Warning, users: Any) -> None:
    _login(client, "township")
    second = str(users["county2"].pk)
    url = reverse("monitoring_visit_autosave", args=[warning.pk])
    r = client.post(url, {"findings": "家中只有老人", "staff_2": second, "check_1": "no", "note_1": "未见票据"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "草稿" in r.content.decode()
    warning.refresh_from_db()
    assert warning.state == State.VERIFYING
    page = client.get(reverse("monitoring_visit", args=[warning.pk])).content.decode()
    assert "家中只有老人" in page and f'value="{second}" selected' in page and "未见票据" in page
    assert 'value="no" checked' in page
    # An incomplete submission is refused (400) and what was typed stays on the form and on the server.
    r = client.post(reverse("monitoring_visit", args=[warning.pk]), {"findings": "补充说明", "staff_2": second})
    assert r.status_code == 400 and "补充说明" in r.content.decode()
    assert Visit.objects.get(warning=warning).findings == "补充说明"
    data = {f"check_{i}": "yes" for i in range(3)} | {
        "visited_on": timezone.localdate().isoformat(), "staff_2": second, "findings": "属实",
        "member_employment": "unemployed"}
    r = client.post(reverse("monitoring_visit", args=[warning.pk]), data)
    assert r.status_code == 302
    warning.refresh_from_db()
    assert warning.state == State.VERIFIED and warning.member.employment == "unemployed"


def test_refused_action_shows_the_reason(client: Any, warning: Warning) -> None:
    _login(client, "township")
    r = client.post(reverse("monitoring_action", args=[warning.pk, "close"]), {"version": warning.version})
    assert r.status_code == 400 and "errors" in r.content.decode()
    r = client.post(reverse("monitoring_action", args=[warning.pk, "transfer"]), {"to_region": "360124", "reason": ""})
    assert r.status_code == 400
    r = client.post(reverse("monitoring_action", args=[warning.pk, "transfer"]),
                    {"to_region": "360124", "reason": "请县级统筹", "version": warning.version})
    assert r.status_code == 302
    warning.refresh_from_db()
    assert warning.state == State.TRANSFERRED


def test_household_page_section_shows_warnings_and_history(client: Any, warning: Warning) -> None:
    _login(client, "township")
    page = client.get(reverse("household_detail", args=[warning.household_id])).content.decode()
    assert 'id="monitoring"' in page and "新确诊重特大疾病" in page and reverse("monitoring_warning", args=[warning.pk]) in page
    _login(client, "department")
    # department users cannot see the household page at all; the section has no capability leak
    assert client.get(reverse("household_detail", args=[warning.household_id])).status_code == 403


def test_dashboard_shows_measured_figures(client: Any, warning: Warning, users: Any) -> None:
    w = services.visit_submit(actor=users["township"], warning=warning, data={
        **{f"check_{i}": "yes" for i in range(3)}, "visited_on": timezone.localdate().isoformat(),
        "staff_2": str(users["county2"].pk), "findings": "属实"})
    services.handle(actor=users["township"], warning=w, outcome="false_positive", reason="误报")
    _login(client, "county")
    page = client.get(reverse("monitoring_dashboard")).content.decode()
    assert "新确诊重特大疾病" in page and "0%" in page  # precision 0 % (the only handled one was wrong)


def test_indicator_page_and_province_run(client: Any, households: Any) -> None:
    _login(client, "county")
    page = client.get(reverse("monitoring_indicators")).content.decode()
    assert all(i.label_zh in page for i in INDICATORS)
    assert "房屋损坏程度下限：严重损坏" in page and "severe" not in page  # thresholds in words, with units
    assert "自付金额下限：" in page and " 元</li>" in page
    _login(client, "province")
    assert client.post(reverse("monitoring_runs"), {"mode": "full"}).status_code == 302
    assert "1" in client.get(reverse("monitoring_runs")).content.decode()


def test_overdue_view_lists_overdue_for_the_county(client: Any, warning: Warning) -> None:
    Warning.objects.filter(pk=warning.pk).update(verify_due=timezone.localdate() - dt.timedelta(days=1))
    services.escalate_overdue()
    _login(client, "county")
    page = client.get(reverse("monitoring_overdue")).content.decode()
    assert reverse("monitoring_warning", args=[warning.pk]) in page and "进贤县" in page


def test_management_commands(households: Any) -> None:
    out = io.StringIO()
    call_command("monitor_run", "--full", stdout=out)
    assert "new warnings" in out.getvalue()
    out = io.StringIO()
    call_command("monitor_indicators", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert [ln.split("\t")[0] for ln in lines] == [i.key for i in INDICATORS]
    assert all(len(ln.split("\t")) == 8 for ln in lines)


def test_yaml_declares_exactly_the_indicator_parameters() -> None:
    params = load_jiangxi()
    declared = {p for i in INDICATORS for p in i.param_paths}
    declared |= {f"monitoring.deadline.{s}.{d}" for s in ("red", "orange", "yellow")
                 for d in ("verify_days", "handle_days")}
    declared |= {"monitoring.visit.two_staff_kinds"}  # the two-person rule of visits (visits.TWO_STAFF)
    in_yaml = {p for p in params.nodes if p.startswith("monitoring.")}
    assert declared == in_yaml
    kinds = {"count": "ratio", "money": "money", "ratio": "ratio", "choice": "str"}
    for ind in INDICATORS:
        assert params.nodes[ind.param("enabled")].choices == ("on", "off")
        for t in ind.thresholds:
            assert params.nodes[ind.param(t.name)].kind == kinds[t.kind], ind.param(t.name)
            if t.kind == "choice":  # the page labels every value the parameter may take
                assert params.nodes[ind.param(t.name)].choices == tuple(code for code, _zh in t.choices)


def test_docs_list_every_indicator() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "monitoring.md").read_text("utf-8")
    block = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert block == indicator_table().strip(), "regenerate: python -m jiuzhu.engine.monitoring.docs --write docs/monitoring.md"
    for ind in INDICATORS:
        assert f"`{ind.key}`" in block
