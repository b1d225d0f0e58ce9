"""Every role's home page of work to do (issue 13 item 9) in real Chromium, with screenshots kept in
var/screenshots/ (home-<role>.png): the panels the role needs, counts that open their lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.test_journey import SHOTS, login, page  # noqa: F401 - the page fixture
from tests.ui.test_home import EXPECTED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _work(users: dict[str, Any], households: dict[str, Any]) -> None:
    """Some work to do: warnings (one overdue, one due this week), a colleague's draft revision."""
    from django.utils import timezone

    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.monitoring.models import Warning
    from tests.web.test_access_matrix import _revision

    today = timezone.localdate()
    town, county = Region.objects.get(code="360124100"), Region.objects.get(code="360124")
    for n, (severity, due) in enumerate((("red", -3), ("orange", 4), ("yellow", 40))):
        Warning.objects.create(indicator="review_overdue", severity=severity, kind="data_quality", subject=f"s{n}",
                               fingerprint=f"f{n}", county=county, unit_region=town, raised_at=timezone.now(),
                               verify_due=today + dt.timedelta(days=due), handle_due=today + dt.timedelta(days=due + 20),
                               household=households["inside"])
    _revision("360124")


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_home_page_of_each_role(page: Any, live_server: Any, users: dict[str, Any],  # noqa: F811
                                households: dict[str, Any], role: str) -> None:
    _work(users, households)
    errors: list[str] = []
    # Script errors (CSP refusals included) and failed requests, except the browser's own favicon probe.
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    login(page, live_server.url, role)
    page.goto(f"{live_server.url}/")
    titles = set(page.locator(".panels h2").all_inner_texts())
    assert EXPECTED[role] <= titles, titles
    page.screenshot(path=str(SHOTS / f"home-{role}.png"), full_page=True)
    if role == "township":  # the overdue count opens the list of the overdue warnings
        page.click("text=已逾期")
        page.wait_for_url("**/monitoring/?overdue=1")
        assert page.locator("table.grid tbody tr").count() == 1
    assert not errors
