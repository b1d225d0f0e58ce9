"""No raw codes, no stray English (issue 13 item 8): every page of the access matrix, as every role,
rendered in Chinese, shows labels — never a coded value, an English word, a Python repr, ``CONFIG``
or a developer document.

Visible text only (what a caseworker reads): tags, attributes, scripts and styles are left out, and so
are elements marked ``mono`` (notice numbers, hashes, receipts: references meant to be copied) and the
header's account name (a login name is data the user chose).  The pages use the small world of
tests/conftest.py plus the access matrix's own targets (tests/web/matrix_*.py), so a new URL is
checked here the moment it joins the matrix.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.web.matrix_base import PUBLIC
from tests.web.test_access_matrix import MATRIX, _exchange_dir, _expected, _target  # noqa: F401 - fixture

from .vocabulary import ALLOWED_WORDS, KNOWN_OPEN, TEST_DATA_WORDS, coded_values

pytestmark = pytest.mark.django_db

REPRS = [re.compile(p) for p in (r"\['", r"\{'", r"'\]", r"\bNone\b", r"\bTrue\b", r"\bFalse\b", r"\bCONFIG\b",
                                  r"\bdocs/", r"policy-notes", r"\.md\b", r"Decimal\(", r"datetime\.")]
WORD = re.compile(r"(?<![A-Za-z0-9_./:@-])[A-Za-z][A-Za-z_]{2,}(?![A-Za-z0-9_])")
SKIP_TAGS = {"script", "style", "head", "textarea"}


class _Text(HTMLParser):
    """The visible text of a page, without mono references and the header's account name."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "input", "img", "meta", "link", "hr", "col"}:
            return
        cls = (dict(attrs).get("class") or "").split()
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


def test_no_raw_codes_on_any_page(households: dict[str, Any], users: dict[str, Any]) -> None:
    usernames = set(users) | {"drafter360124", "drafter360730"}
    failures: list[str] = []
    still_open: set[str] = set()
    seen = 0
    targets: dict[str | None, dict[str, Any]] = {}  # one object per target kind (they are created)
    for role in [None, *users]:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        if role is not None:
            client.force_login(users[role])
        for name, entry in _pages():
            if entry.target not in targets:
                try:  # some target kinds share one record (a warning and its visit): make it once
                    with transaction.atomic():
                        targets[entry.target] = _target(entry, "inside", households, users)
                except IntegrityError:
                    targets[entry.target] = next(iter(v for k, v in targets.items() if k and v and
                                                      k.split("_")[0] == entry.target.split("_")[0]), {})
            if entry.target and not targets[entry.target]:
                continue
            kwargs = entry.kwargs | targets[entry.target]
            for check in (c for c in entry.checks if c.method == "get"):
                if role is None and check.cap != PUBLIC:
                    continue
                if role is not None and _expected(entry, check, role, "inside") != 200:
                    continue
                response = client.get(reverse(name, kwargs=kwargs), check.data)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                seen += 1
                found = problems(visible_text(response.content.decode()), usernames)
                if found and name in KNOWN_OPEN:
                    still_open.add(name)
                elif found:
                    failures.append(f"{name} as {role or 'anonymous'}: {', '.join(found)}")
    assert seen > 50
    assert not failures, "\n".join(failures)
    cleaned = sorted(set(KNOWN_OPEN) - still_open)
    assert not cleaned, f"now clean, remove from KNOWN_OPEN (tests/ui/vocabulary.py): {cleaned}"


def test_the_checker_finds_what_it_should() -> None:
    assert problems(visible_text("<td>wages</td><td>['a']</td>"), set()) == ["'\\]", "\\['", "code 'wages'"]
    assert problems(visible_text('<td class="mono">AB-12</td><p>API 文档</p>'), set()) == []
    assert problems(visible_text("<p>见 docs/monitoring.md 与 CONFIG</p>"), set())
