"""One format for amounts and dates (issue 13 item 11): the pure helpers and the built-in filters."""

import datetime as dt
from decimal import Decimal

from django.template import Context, Template

from jiuzhu.apps.applications.letters import format_amount, format_date
from jiuzhu.rules import formats


def test_amounts():
    assert formats.yuan(Decimal("1234.5")) == "1,234.50元"
    assert formats.amount("1234567") == "1,234,567.00"
    assert formats.amount(Decimal("-3.456")) == "-3.46"
    assert formats.yuan(None) == "" and formats.amount("") == ""
    assert formats.amount("n/a") == "n/a"


def test_dates():
    day = dt.date(2026, 12, 7)
    assert formats.cn_date(day) == "2026年12月7日"
    assert formats.cn_date("2026-01-05") == "2026年1月5日"
    assert formats.cn_month(day) == "2026年12月"
    assert formats.iso_date(dt.datetime(2026, 12, 7, 9, 5)) == "2026-12-07"
    assert formats.iso_datetime(dt.datetime(2026, 12, 7, 9, 5)) == "2026-12-07 09:05"


def test_letters_use_the_same_format():
    assert format_amount("840") == formats.yuan("840") == "840.00元"
    assert format_date(dt.date(2026, 3, 1)) == "2026年3月1日"


def test_filters_are_built_in():
    out = Template("{{ a|yuan }} {{ a|amount }} {{ d|cn_date }} {{ d|iso_date }} {{ n|count }}").render(
        Context({"a": Decimal("12345.6"), "d": dt.date(2026, 12, 7), "n": 40000}))
    assert out == "12,345.60元 12,345.60 2026年12月7日 2026-12-07 40,000"
