"""Browser journey: the statistics dashboard with charts, its Excel export, drill-down, and a what-if scenario.
Screenshots in var/screenshots/ (stats-*.png)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_journey import SHOTS, login, page  # noqa: F401 - the page fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_export_and_scenario(page: Any, live_server: Any, users: dict[str, Any], tmp_path: Path) -> None:  # noqa: F811
    from openpyxl import load_workbook

    from jiuzhu.apps.assistance.freshness import refresh_now
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.apps.reports.services import scenario_create, scenario_run, statistics_compute
    from jiuzhu.engine.synth import generate

    generate(600, 5, tmp_path / "province")
    load_province(tmp_path / "province")
    as_of = dt.date.today()
    det = run_all(actor=None, as_of=as_of)
    refresh_now()  # the matching the determination queued (programme matrix: coverage, 应享未享), as the worker

    statistics_compute(det)
    sc = scenario_run(scenario_create(actor=users["province"], name="低保边缘倍数 1.5 → 1.8", as_of=as_of,
                                      changes=["dibao.marginal_multiplier=1.8"]))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = live_server.url
    login(page, base, "province")
    page.goto(f"{base}/reports/")
    page.wait_for_selector("#chart-categories canvas")
    page.wait_for_selector("#chart-children canvas")
    page.wait_for_timeout(800)  # the charts' entry animation
    assert "江西省" in page.inner_text("h1")
    page.screenshot(path=str(SHOTS / "stats-dashboard-province.png"), full_page=True)

    with page.expect_download() as info:
        page.click("text=导出 Excel")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(wb.sheetnames) == 14 and "资金发放（按月）" in wb.sheetnames

    # the figures beyond the categories: each tab draws its charts from the precomputed figures
    for tab, chart, shot in (("救助覆盖", "#chart-coverage", "coverage"), ("资金发放", "#chart-money", "money"),
                             ("申请审批", "#chart-applications-children", "applications")):
        page.click(f"nav.tabs >> text={tab}")
        page.wait_for_selector(f"{chart} canvas")
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"stats-{shot}.png"), full_page=True)
    page.click("nav.tabs >> text=总览")
    page.wait_for_selector("#chart-children canvas")

    # drill down: click the first city's name
    page.click("section.card table.grid tbody tr:first-child td a")
    page.wait_for_selector("#chart-categories canvas")
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "stats-dashboard-city.png"), full_page=True)

    page.goto(f"{base}/reports/monthly/")
    page.screenshot(path=str(SHOTS / "stats-monthly-report.png"), full_page=True)

    page.goto(f"{base}/reports/scenarios/{sc.pk}/")
    page.wait_for_selector("#chart-flows canvas")
    page.wait_for_timeout(800)
    assert "低保边缘" in page.inner_text("main") if page.query_selector("main") else True
    page.screenshot(path=str(SHOTS / "stats-scenario.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
