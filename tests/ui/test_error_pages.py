"""403 / 404 / 400 / 500 pages in the user's language (issue 13 item 8), never Django's English defaults."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_403_and_404_in_chinese(users: dict[str, Any], households: dict[str, Any]) -> None:
    c = Client()
    c.force_login(users["township"])
    r = c.get("/console/audit/")
    assert r.status_code == 403 and "无权访问" in r.content.decode() and "Forbidden" not in r.content.decode()
    r = c.get(f"/households/{households['outside'].pk}/")
    assert r.status_code == 404 and "不在您的管辖范围内" in r.content.decode()
    assert "Not Found" not in r.content.decode()


@override_settings(DEBUG=False)
def test_404_in_english_when_chosen(users: dict[str, Any]) -> None:
    c = Client()
    c.force_login(users["township"])
    c.cookies["django_language"] = "en"
    r = c.get("/no-such-page/")
    assert r.status_code == 404 and "outside your region" in r.content.decode()


def test_500_and_400_in_chinese() -> None:
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        assert "系统出错" in defaults.server_error(request).content.decode()
        assert "请求有误" in defaults.bad_request(request, Exception()).content.decode()
