"""Extension points the feature apps plug into from their ``AppConfig.ready``.

The registry, the menu and the demo do not import the apps built on top of them
(monitoring, applications, assistance); those apps register here instead:

- ``register_nav``: a menu entry shown to users holding any of its capabilities;
- ``register_household_section``: a section on the household page (a template and
  a function giving its context, or ``None`` to leave the section out);
- ``register_demo_step``: a step ``jiuzhu demo`` runs after the province is loaded
  (idempotent: it is run again on every ``make run``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class NavItem:
    order: int
    label: Any  # a lazy translation
    url_name: str
    caps: tuple[str, ...]


@dataclass(frozen=True)
class HouseholdSection:
    order: int
    template: str
    context: Callable[[Any, Any], dict[str, Any] | None]  # (request, household) -> context or None


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    run: Callable[[], str]  # returns one line for the console


NAV: list[NavItem] = []
SECTIONS: list[HouseholdSection] = []
DEMO_STEPS: list[DemoStep] = []


def _add(items: list[Any], item: Any, key: Callable[[Any], Any]) -> None:
    if all(key(i) != key(item) for i in items):  # ready() may run twice in tests
        items.append(item)
        items.sort(key=lambda i: i.order)


def register_nav(order: int, label: Any, url_name: str, *caps: str) -> None:
    _add(NAV, NavItem(order, label, url_name, tuple(caps)), lambda i: i.url_name)


def register_household_section(order: int, template: str,
                               context: Callable[[Any, Any], dict[str, Any] | None]) -> None:
    _add(SECTIONS, HouseholdSection(order, template, context), lambda i: i.template)


def register_demo_step(order: int, name: str, run: Callable[[], str]) -> None:
    _add(DEMO_STEPS, DemoStep(order, name, run), lambda i: i.name)


def nav_for(caps: frozenset[str]) -> list[NavItem]:
    return [i for i in NAV if any(c in caps for c in i.caps)]


def household_sections(request: Any, household: Any) -> list[SafeString]:
    out = []
    for section in SECTIONS:
        ctx = section.context(request, household)
        if ctx is not None:
            out.append(mark_safe(render_to_string(section.template, {"household": household, **ctx}, request)))
    return out


# ---- read audit (issue 12 item 6): "who looked at this household" --------------------------------

@dataclass(frozen=True)
class ReadAudit:
    url_name: str
    kwarg: str
    # (value of the URL kwarg) -> (household id or None, detail); a household page maps to itself,
    # a member page to its household.
    resolve: Callable[[Any], tuple[Any, dict[str, Any]]]


READ_AUDITS: dict[str, ReadAudit] = {}


def register_read_audit(url_name: str, kwarg: str, resolve: Callable[[Any], tuple[Any, dict[str, Any]]]) -> None:
    """A successful GET of this URL writes one ``record.read`` audit row for the household it shows."""
    READ_AUDITS[url_name] = ReadAudit(url_name, kwarg, resolve)
