"""The raw-code check over the demo (issue 13 item 8): ``jiuzhu demo`` on a small province, then every
page reachable by links from the home page, as each demo account, in Chinese — no code, no English word,
no Python repr.  The demo holds what the small test world of test_raw_codes.py does not: every income
detail and illness of the generator, warnings of every indicator, payrolls, department files, the
outbox, a scenario that has run.

Slow (the demo is built first, about a minute): ``pytest -m slow tests/ui/test_demo_walk.py``.
"""

from __future__ import annotations

import collections
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from .test_raw_codes import problems, visible_text

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PER_PAGE = 6  # addresses read per URL name and account (a household list links to hundreds of households)
SKIP = {"logout", "set_language"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.links.append(href)


def _walk(client: Client, usernames: set[str]) -> tuple[set[str], dict[tuple[str, str], str]]:
    """Every page reachable from the home page by links (GET only), at most PER_PAGE per URL name."""
    queue, seen, per = ["/"], set(), collections.Counter[str]()
    read: set[str] = set()
    found: dict[tuple[str, str], str] = {}
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            name = resolve(urlsplit(url).path).url_name or url
        except Resolver404:
            continue
        if name in SKIP or per[name] >= PER_PAGE:
            continue
        per[name] += 1
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        read.add(name)
        for problem in problems(visible_text(html), usernames):
            found.setdefault((name, problem), url)
        links = _Links()
        links.feed(html)
        for href in links.links:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc in ("", "testserver") and not parts.path.startswith("/static/"):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return read, found


def test_every_page_of_the_demo_as_each_account(settings: Any) -> None:
    from jiuzhu.apps.core.models import User
    from jiuzhu.cli import main

    assert main(["demo", "--households", "400"]) == 0
    users = list(User.objects.filter(is_active=True).order_by("username"))
    usernames = {u.username for u in users}
    User.objects.update(must_change_password=False)
    read: set[str] = set()
    failures: list[str] = []
    for user in users:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        pages, found = _walk(client, usernames)
        read |= pages
        failures += [f"{name} as {user.username}: {problem} ({url})" for (name, problem), url in found.items()]
    assert len(read) > 50, sorted(read)
    assert not failures, "\n".join(sorted(failures))
