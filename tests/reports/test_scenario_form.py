"""The scenario form: changes chosen by title, region by name, turned into the engine's change lines; and
the stored lines shown back as titles, never as parameter paths (issue 13 item 8, ADR 0039)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from tests.ui.test_raw_codes import visible_text

pytestmark = pytest.mark.django_db


def _form(data: dict[str, str]) -> Any:
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.apps.reports.forms import ScenarioForm

    return ScenarioForm({"name": "甲", "as_of": "2026-10-31", **data}, params=current_parameters())


def test_rows_become_change_lines(users: dict[str, Any]) -> None:
    form = _form({"path_0": "dibao.marginal_multiplier", "value_0": "1.8",
                  "path_1": "dibao.standard", "region_1": "360100", "area_1": "rural", "value_1": "+5%",
                  "path_2": "dibao.standard", "area_2": "urban", "value_2": "-2.5%"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["changes"] == ["dibao.marginal_multiplier=1.8", "dibao.standard@360100/rural=+5%",
                                            "dibao.standard@360000/urban=-2.5%"]


def test_rows_half_filled_or_none_are_refused(users: dict[str, Any]) -> None:
    assert not _form({}).is_valid()
    half = _form({"path_0": "dibao.standard"})
    assert not half.is_valid() and "value_0" in half.errors
    alone = _form({"value_0": "1.8"})
    assert not alone.is_valid() and "path_0" in alone.errors
    # only the parameters the determination reads are offered (a list or a deadline is not)
    assert not _form({"path_0": "applications.notice_days", "value_0": "5"}).is_valid()


def test_changes_are_shown_by_title() -> None:
    from jiuzhu.apps.reports.selectors import changes_shown

    with translation.override("zh-hans"):
        shown = changes_shown(["dibao.marginal_multiplier=1.8", "dibao.standard@360100/rural=+5%",
                               "dibao.standard@360000/urban=-2.5%", "dibao.standard@360124=780",
                               "income.excluded_subtypes=basic_pension,scholarship", "income.window_months=6",
                               "dibao.gone=1"])
    assert shown == [
        "低保边缘家庭收入倍数：1.8 倍",
        "最低生活保障标准（南昌市，农村）：现行值提高5%",
        "最低生活保障标准（城市）：现行值降低2.5%",
        "最低生活保障标准（进贤县）：780.00 元/人·月",
        shown[4],
        shown[5],
        "dibao.gone=1",  # a parameter since removed: as written, rather than nothing
    ]
    assert "basic_pension" not in shown[4] and "基础养老金" in shown[4]
    assert shown[5].endswith("6 月") or shown[5].endswith("6 个月"), shown[5]


def test_a_refused_value_names_the_parameter_by_title(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["province"])
    page = client.post(reverse("reports_scenarios"), {"name": "甲", "as_of": "2026-10-31",
                                                      "path_0": "income.window_months", "value_0": "6.5"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = visible_text(page.content.decode())
    assert page.status_code == 400 and "须为整数" in text and "income.window_months" not in text
