"""No raw codes, no stray English (issue 13 item 8): every page of the access matrix, as every role,
rendered in Chinese, shows labels — never a coded value, an English word, a Python repr, ``CONFIG``
or a developer document.

Visible text only (what a caseworker reads, placeholders, tooltips and alternative text included): tags,
other attributes, scripts and styles are left out, and so
are elements marked ``mono`` (notice numbers, hashes, receipts: references meant to be copied) and the
header's account name (a login name is data the user chose).  The pages use the small world of
tests/conftest.py plus the access matrix's own targets (tests/web/matrix_*.py), so a new URL is
checked here the moment it joins the matrix; tests/ui/pages.py adds the records that fill the pages
the matrix sees empty (statistics, scenarios that have run, a published notice).

Besides the pages a role may open, the walk reads the answers a role gets when it may not (403, 404,
409 pages, once per page and status), the forms sent back with their errors (the matrix's POSTs that
answer 400), the server-error page and the page of a refused cross-site form.  It fails when a page
of the matrix was not read at all (unless tests/ui/pages.py says it answers a file or a redirect).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from jiuzhu.apps.applications.workflow import ApplicationError
from tests.web.test_access_matrix import MATRIX, _exchange_dir, _expected, _target  # noqa: F401 - fixture

from .pages import NOT_PAGES, filled
from .vocabulary import ALLOWED_WORDS, TEST_DATA_WORDS, coded_values

pytestmark = pytest.mark.django_db

REPRS = [re.compile(p) for p in (r"\['", r"\{'", r"'\]", r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\bCONFIG\b",
                                  r"\bdocs/", r"policy-notes", r"\.md\b", r"Decimal\(", r"datetime\.")]
WORD = re.compile(r"(?<![A-Za-z0-9_./:@-])[A-Za-z][A-Za-z_]{2,}(?![A-Za-z0-9_])")
SKIP_TAGS = {"script", "style", "head", "textarea"}
# Attributes a reader sees too: hints in empty fields, tooltips, alternative text.
SHOWN_ATTRS = ("placeholder", "title", "alt", "aria-label")
EXTRA_USERNAMES = {"drafter360124", "drafter360730"}


class _Text(HTMLParser):
    """The visible text of a page (with the hints, tooltips and alternative text of its elements), without
    mono references and the header's account name."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if not self.skip and tag not in SKIP_TAGS and "mono" not in (named.get("class") or "").split():
            self.out.extend(str(named[a]) for a in SHOWN_ATTRS if named.get(a))
        if tag in {"br", "input", "img", "meta", "link", "hr", "col"}:
            return
        cls = (named.get("class") or "").split()
        if self.skip or tag in SKIP_TAGS or "mono" in cls or "who" in cls:
            self.skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.out).split())


def problems(text: str, usernames: set[str]) -> list[str]:
    found = [p.pattern for p in REPRS if p.search(text)]
    codes = coded_values()
    for word in WORD.findall(text):
        if word in ALLOWED_WORDS or word in TEST_DATA_WORDS or word in usernames:
            continue
        found.append(f"code {word!r}" if word in codes else f"English {word!r}")
    return sorted(set(found))


def _pages() -> list[tuple[str, Any]]:
    return [(name, entry) for name, entry in MATRIX.items()
            if not entry.api and any(c.method == "get" for c in entry.checks)]


class _Walk:
    """Reads pages and collects what is wrong with them, page by page."""

    def __init__(self, usernames: set[str]) -> None:
        self.usernames = usernames
        self.failures: list[str] = []
        self.read: set[str] = set()

    def check(self, name: str, who: str, response: Any) -> None:
        if response.status_code in (301, 302) or "text/html" not in response.get("Content-Type", ""):
            return
        self.read.add(name)
        found = problems(visible_text(response.content.decode()), self.usernames)
        if found:  # no page is exempt (the last open ones were closed with issue 13 item 8)
            self.failures.append(f"{name} ({response.status_code}) as {who}: {', '.join(found)}")


def _targets(households: dict[str, Any], users: dict[str, Any]) -> Callable[[Any], dict[str, Any] | None]:
    made: dict[str | None, dict[str, Any]] = {None: {}}

    def kwargs(entry: Any) -> dict[str, Any] | None:
        if entry.target not in made:
            try:  # some target kinds share one record (a warning and its visit; an application and its
                # appeal, while the household may hold one open application): make it once, else reuse
                with transaction.atomic():
                    made[entry.target] = _target(entry, "inside", households, users)
            except (IntegrityError, ApplicationError):
                made[entry.target] = next(iter(v for k, v in made.items() if k and v and
                                                k.split("_")[0] == entry.target.split("_")[0]), {})
        return entry.kwargs | made[entry.target]
    return kwargs


def _url(name: str, kwargs: dict[str, Any] | None) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # a target the test world could not make
        return None


def test_no_raw_codes_on_any_page(households: dict[str, Any], users: dict[str, Any]) -> None:
    walk = _Walk(set(users) | EXTRA_USERNAMES)
    kwargs_for = _targets(households, users)
    clients: dict[str | None, Client] = {}
    for role in [None, *users]:
        clients[role] = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role is not None:
            clients[role].force_login(users[role])
    errors_read: set[tuple[str, int]] = set()
    for role, client in clients.items():
        for name, entry in _pages():
            url = _url(name, kwargs_for(entry))
            if url is None:
                continue
            for check in (c for c in entry.checks if c.method == "get"):
                expected = _expected(entry, check, role, "inside")
                if expected != 200:  # a refusal or an error page: read once per page and status
                    if (name, expected) in errors_read:
                        continue
                    errors_read.add((name, expected))
                walk.check(name, role or "anonymous", client.get(url, check.data))
    # The forms sent back with their errors: each POST of the matrix that answers 400, once.
    for name, entry in MATRIX.items():
        for check in (c for c in entry.checks if c.method == "post" and c.ok == 400 and not entry.api):
            role = next((r for r in users if _expected(entry, check, r, "inside") == 400), None)
            url = _url(name, kwargs_for(entry))
            if role is not None and url is not None:
                walk.check(name, role, clients[role].post(url, check.data))
    # The pages the matrix sees empty, filled (statistics, scenarios that have run, a published notice).
    for name, kwargs, query in filled(households, users):
        entry = MATRIX[name]
        check = next(c for c in entry.checks if c.method == "get")
        for role in users:
            if _expected(entry, check, role, "inside") == 200:
                walk.check(name, role, clients[role].get(reverse(name, kwargs=kwargs), query))
    assert len(walk.read) > 80
    assert not walk.failures, "\n".join(walk.failures)
    unread = sorted({name for name, _entry in _pages()} - walk.read - set(NOT_PAGES))
    assert not unread, f"pages the walk did not read (give them a target, or list them in tests/ui/pages.py): {unread}"


def test_error_pages_in_chinese(users: dict[str, Any]) -> None:
    """The server-error page (rendered without a request: it must not fail itself) and the answer to a
    form sent without its cross-site token (a session that expired behind an open form)."""
    with translation.override("zh-hans"):
        assert problems(visible_text(render_to_string("500.html")), set()) == []
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["county"])
    refused = client.post(reverse("household_create"), {})
    assert refused.status_code == 403
    assert problems(visible_text(refused.content.decode()), set()) == []


def test_the_checker_finds_what_it_should() -> None:
    assert problems(visible_text("<td>wages</td><td>['a']</td>"), set()) == ["'\\]", "\\['", "code 'wages'"]
    assert problems(visible_text('<td class="mono">AB-12</td><p>API 文档</p>'), set()) == []
    assert problems(visible_text("<p>见 docs/monitoring.md 与 CONFIG</p>"), set())
    assert problems(visible_text("<td>状态：{'to_state': 'submitted'}</td>"), set())  # a dict repr
    assert problems(visible_text("<td>to_state：submitted</td>"), set()) == ["English 'to_state'", "code 'submitted'"]
    assert problems(visible_text("<p>Forbidden (403)</p>"), set()) == ["English 'Forbidden'"]
    assert problems(visible_text('<input placeholder="Event, e.g. pii.unmask"><i title="to_state">'), set()) == [
        "English 'Event'", "English 'pii'", "English 'to_state'"]
