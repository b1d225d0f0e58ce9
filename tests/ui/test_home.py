"""The home page of work to do per role (issue 13 item 9): panels by capability, counts that link
to the filtered lists, and a bounded number of queries whatever the registry's size."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiuzhu.rules.identity import check_char
from tests.conftest import make_household

pytestmark = pytest.mark.django_db

# The panels each role must find (Chinese titles, as rendered).
EXPECTED = {
    "province": {"预警", "救助申请", "参数修订", "批量认定", "部门数据"},
    "county": {"预警", "救助申请", "参数修订", "发放名册", "部门数据"},
    "township": {"预警", "救助申请"},
    "department": {"应享救助名单", "部门数据"},
    "auditor": {"预警", "救助申请"},
    "sysadmin": {"账号管理"},
    "secadmin": {"账号管理"},
    "auditadmin": {"审计日志"},
}


def _home(user: Any) -> tuple[str, int]:
    c = Client()
    c.force_login(user)
    with CaptureQueriesContext(connection) as q:
        r = c.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 200
    return r.content.decode(), len(q.captured_queries)


def _titles(html: str) -> set[str]:
    import re

    return set(re.findall(r'<section class="card"><h2>([^<]+)</h2>\s*<ul class="todo">', html))


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_finds_its_panels(users: dict[str, Any], households: dict[str, Any], role: str) -> None:
    html, _ = _home(users[role])
    assert EXPECTED[role] <= _titles(html), _titles(html)


def test_township_sees_its_warnings_by_deadline(users: dict[str, Any], households: dict[str, Any]) -> None:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.monitoring.models import Warning

    today = timezone.localdate()
    town, county = Region.objects.get(code="360124100"), Region.objects.get(code="360124")

    def warn(n: int, verify_due: dt.date) -> None:
        Warning.objects.create(indicator="review_overdue", severity="yellow", kind="review", subject=f"s{n}",
                               fingerprint=f"f{n}", county=county, unit_region=town, raised_at=timezone.now(),
                               verify_due=verify_due, handle_due=verify_due + dt.timedelta(days=10),
                               household=households["inside"])

    warn(1, today - dt.timedelta(days=2))  # overdue
    warn(2, today + dt.timedelta(days=3))  # due this week
    warn(3, today + dt.timedelta(days=30))  # later
    html, _ = _home(users["township"])
    assert '<a href="/monitoring/?overdue=1">已逾期</a><span class="n">1</span>' in html
    assert '<a href="/monitoring/?due=week">7天内到期</a><span class="n">1</span>' in html
    # the links open the same lists
    c = Client()
    c.force_login(users["township"])
    assert c.get("/monitoring/?due=week").status_code == 200
    from jiuzhu.apps.monitoring import selectors

    assert [w.subject for w in selectors.workbench(users["township"], {"due": "week"})] == ["s2"]
    assert [w.subject for w in selectors.workbench(users["township"], {"stage": "verify"})] == ["s1", "s2", "s3"]


def test_query_count_is_bounded(users: dict[str, Any], households: dict[str, Any]) -> None:
    """The same number of queries with 3 households or 23: no per-row work on the home page."""
    before = {role: _home(users[role])[1] for role in EXPECTED}
    for i in range(20):
        first17 = f"36012419800101{i + 100:03d}"
        make_household(users["township"], "360124100002", first17 + check_char(first17))
    after = {role: _home(users[role])[1] for role in EXPECTED}
    assert after == before
    assert max(after.values()) <= 40, after
