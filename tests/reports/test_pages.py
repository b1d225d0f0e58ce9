"""Statistics pages (scoped, Excel export) and scenario screens over a loaded registry."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def stats(users: dict[str, Any], tmp_path: Path) -> Any:
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.apps.reports.services import statistics_compute
    from jiuzhu.engine.synth import generate

    generate(300, 3, tmp_path / "province")
    load_province(tmp_path / "province")
    return statistics_compute(run_all(actor=None, as_of=AS_OF))


def _county_user(county: str) -> Any:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    return user_create(actor=None, username=f"county{county}", password=PASSWORD, role="county",
                       region=Region.objects.get(code=county))


def _busiest_counties() -> list[str]:
    from django.db.models import Count

    from jiuzhu.apps.registry.models import Household

    return [r["county_id"] for r in Household.objects.values("county_id").annotate(n=Count("id")).order_by("-n")[:2]]


def test_province_sees_the_province_and_a_county_only_its_county(client: Any, users: dict[str, Any], stats: Any) -> None:
    from jiuzhu.apps.reports.selectors import overview

    a, b = _busiest_counties()
    client.force_login(users["province"])
    page = client.get(reverse("reports_dashboard"))
    assert page.status_code == 200
    whole = page.context["overview"]
    assert whole["total"]["households"] > 0
    # the cities add up to the province
    assert sum(c["households"] for c in whole["children"]) == whole["total"]["households"]
    assert "chart-data" in page.content.decode() and "echarts.min.js" in page.content.decode()

    user = _county_user(a)
    client.force_login(user)
    mine = client.get(reverse("reports_dashboard")).context["overview"]
    assert 0 < mine["total"]["households"] < whole["total"]["households"]
    from jiuzhu.apps.core.models import Region
    direct = overview(users["province"], stats, Region.objects.get(code=a))
    assert (mine["total"], mine["categories"], mine["children"]) == (direct["total"], direct["categories"], direct["children"])
    assert client.get(reverse("reports_dashboard"), {"region": b}).status_code == 404
    assert client.get(reverse("reports_export"), {"region": b}).status_code == 404
    assert client.get(reverse("reports_monthly"), {"region": b}).status_code == 404


def test_the_province_monthly_report_is_grouped_by_city(client: Any, users: dict[str, Any], stats: Any) -> None:
    """A hundred counties are not one long table: a line per city (its subtotal), each city's counties
    in a collapsible table; the cities add up to the province, every county in exactly one city."""
    from jiuzhu.apps.core.models import Region

    client.force_login(users["province"])
    resp = client.get(reverse("reports_monthly"))
    report, page = resp.context["report"], resp.content.decode()
    cities = report["cities"]
    assert len(cities) > 1 and page.count("<details") == len(cities)
    assert sorted(r["code"] for c in cities for r in c["rows"]) == sorted(r["code"] for r in report["rows"])
    for city in cities:
        assert {Region.objects.get(code=r["code"]).parent_id for r in city["rows"]} == {city["code"]}
        assert city["totals"] == [sum(r["cells"][i] for r in city["rows"]) for i in range(len(city["totals"]))]
    assert [sum(c["totals"][i] for c in cities) for i in range(len(report["totals"]))] == report["totals"]
    assert f'<a href="#city-{cities[0]["code"]}">{cities[0]["name"]}</a>' in page
    from tests.ui.test_raw_codes import problems, visible_text

    assert problems(visible_text(page), set(users)) == []
    # a county reads its own line, without grouping
    a = _busiest_counties()[0]
    client.force_login(_county_user(a))
    mine = client.get(reverse("reports_monthly")).context["report"]
    assert mine["cities"] == [] and [r["code"] for r in mine["rows"]] == [a]


def test_excel_export_is_formatted(client: Any, users: dict[str, Any], stats: Any) -> None:
    client.force_login(users["province"])
    resp = client.get(reverse("reports_export"), {"stats": stats.pk})
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(resp.content))
    assert len(wb.sheetnames) == 14  # five of the categories, nine of the figures beyond them
    cats = wb[wb.sheetnames[0]]
    assert cats.freeze_panes == "B3"  # note row, header row
    assert cats.cell(row=2, column=1).font.bold
    assert cats.cell(row=3, column=2).number_format == "#,##0"
    monthly = wb[wb.sheetnames[3]]
    money_cells = [c for c in monthly[3] if c.number_format == "#,##0.00"]
    assert money_cells, "amounts carry a money format"
    # the monthly table's total line is the sum of the counties
    last = monthly.max_row
    assert monthly.cell(row=last, column=2).value == sum(monthly.cell(row=r, column=2).value for r in range(3, last))


def test_scenario_is_saved_queued_run_outside_the_request_and_never_in_force(
        client: Any, users: dict[str, Any], stats: Any, capsys: Any) -> None:
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.apps.reports.models import Scenario

    before = current_parameters().version
    client.force_login(users["province"])
    bad = client.post(reverse("reports_scenarios"), {"name": "x", "as_of": "2026-10-31", "path_0": "dibao.nope",
                                                     "value_0": "1"})
    assert bad.status_code == 400 and not Scenario.objects.exists()
    resp = client.post(reverse("reports_scenarios"), {"name": "边缘 1.8", "as_of": "2026-10-31",
                                                      "path_0": "dibao.marginal_multiplier", "value_0": "1.8"})
    sc = Scenario.objects.get()
    assert resp.status_code == 302 and sc.status == "draft"
    started = client.post(reverse("reports_scenario", args=[sc.pk]))
    sc.refresh_from_db()
    assert sc.status == "queued" and not sc.result  # nothing ran inside the request
    job = Job.objects.get(kind="reports.scenario")
    assert started.status_code == 302 and started["Location"] == reverse("job_detail", args=[job.pk])
    run_inline(job)  # what the worker does
    sc.refresh_from_db()
    assert sc.status == "done" and sc.result["entering"]["marginal"] > 0
    page = client.get(reverse("reports_scenario", args=[sc.pk]))
    assert page.status_code == 200 and "chart-flows" in page.content.decode()
    assert client.get(reverse("reports_scenario_export", args=[sc.pk])).status_code == 200
    assert client.get(reverse("reports_scenario_compare"), {"ids": [sc.pk]}).status_code == 200
    assert current_parameters().version == before
    assert client.get(reverse("reports_scenarios")).status_code == 200
    client.force_login(users["city"])
    assert client.get(reverse("reports_scenario", args=[sc.pk])).status_code == 403


def test_application_figures_as_of_a_date(households: dict[str, Any]) -> None:
    from jiuzhu.apps.applications.models import Application
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.reports.selectors import application_figures

    h = households["inside"]
    common = {"household": h, "county": h.county, "township": h.township, "village": h.village, "channel": "desk",
              "applicant_name": "王五", "submitted_on": dt.date(2026, 9, 1), "due_on": dt.date(2026, 10, 15)}
    Application.objects.create(number="A1", state="approved", decided_on=dt.date(2026, 10, 1), **common)
    Application.objects.create(number="A2", state="refused", decided_on=dt.date(2026, 10, 20), **common)
    Application.objects.create(number="A3", state="visited", **common)
    Application.objects.create(number="A4", state="submitted", **{**common, "submitted_on": dt.date(2026, 12, 1)})
    county = Region.objects.get(code="360124")
    assert application_figures(county, dt.date(2026, 10, 31)) == {
        "received": 3, "decided": 2, "in_time": 1, "approved": 1, "refused": 1, "overdue": 1}
    # as of an earlier date: the refusal had not happened yet, so it counts as overdue then
    assert application_figures(county, dt.date(2026, 10, 16))["overdue"] == 2
    assert application_figures(Region.objects.get(code="360730"), dt.date(2026, 10, 31))["received"] == 0


def test_statistics_of_a_run_are_computed_by_a_job(client: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.reports.models import StatisticsRun

    run = run_all(actor=None, as_of=AS_OF)
    client.force_login(users["province"])
    assert run.pk in [r.pk for r in client.get(reverse("reports_dashboard")).context["pending_runs"]]
    resp = client.post(reverse("reports_statistics_start"), {"run": run.pk})
    job = Job.objects.get(kind="reports.statistics")
    assert resp.status_code == 302 and not StatisticsRun.objects.exists()  # nothing computed in the request
    run_inline(job)
    stats = StatisticsRun.objects.get(run=run)
    assert stats.rows.exists()
    assert client.post(reverse("reports_statistics_start"), {"run": run.pk}).status_code == 400  # done already
    client.force_login(users["county"])
    assert client.post(reverse("reports_statistics_start"), {"run": run.pk}).status_code == 403
