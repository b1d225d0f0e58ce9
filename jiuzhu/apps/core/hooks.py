"""Extension points the apps built on the registry plug into from their ``AppConfig.ready``.

A lower layer never imports a higher one (docs/developers.md, "Layers"); where a page or a
rule of a lower app needs something from a higher one, the higher app registers it here:

- ``register_nav``: a menu entry shown to users holding any of its capabilities;
- ``register_household_section``: a section on the household page (a template and a function
  giving its context, or ``None`` to leave the section out), in a slot of the page:
  ``"summary"`` (under the household's facts) or ``"main"`` (after its records);
- ``register_home_section``: a section on the home page (same shape, without a household);
- ``register_home_panel``: a "work to do" panel on the home page for holders of any of its
  capabilities: counts that link to the filtered lists (issue 13 item 9);
- ``register_held_categories``: a source of the low-income categories a household holds by a
  decision recorded above the determination (e.g. an active entitlement), read by
  ``determination.selectors.household_categories``;
- ``register_household_column``: a column of the household list (e.g. category, monthly amount from
  the entitlements), filled for one page of households at a time, optionally with a filter;
- ``register_revision_section``: a section on a parameter revision's page (same shape, with the
  revision instead of a household); its context may carry ``confirm_note``, a sentence added to the
  approval's confirmation (the what-if effect of the revision, from the reports app), and ``pending``
  while a job is still working it out;
- ``register_demo_step``: a step ``jiuzhu demo`` runs after the province is loaded
  (idempotent: it is run again on every ``make run``);
- ``register_listener`` / ``notify``: a lower app announces that something happened (a parameter
  revision drafted or approved, a determination run stored, a department file committed, a matching run
  of the programme matrix stored) and the higher apps that keep something derived from it current (the
  调标 run, the people-to-serve list, the statistics, a draft revision's effect) react — typically by
  queueing a job after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

SLOTS = ("summary", "main")


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
    slot: str = "main"


@dataclass(frozen=True)
class HomeSection:
    order: int
    template: str
    context: Callable[[Any], dict[str, Any] | None]  # (request) -> context or None


@dataclass(frozen=True)
class RevisionSection:
    order: int
    template: str
    # (request, revision) -> context or None; an optional "confirm_note" joins the approval's confirmation,
    # "pending": True while the section waits for a job (the page refreshes itself until it is done)
    context: Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class HomePanel:
    order: int
    caps: tuple[str, ...]
    # (request) -> {"title": …, "items": [{"label", "count", "url", "alert"}], "note": …} or None.
    # Cheap queries only (the home page is opened many times a day): one aggregate per panel.
    context: Callable[[Any], dict[str, Any] | None]
    template: str = "core/_home_panel.html"


@dataclass(frozen=True)
class HouseholdColumn:
    order: int
    name: str
    label: Any  # a lazy translation
    # (list of household ids on the page) -> {household id: value shown}; one query per page, not per row.
    values: Callable[[list[Any]], dict[Any, Any]]
    numeric: bool = False
    # Optional filter: choices [(value, label)] and (queryset, value) -> queryset.
    choices: Callable[[], list[tuple[str, Any]]] | None = None
    filter: Callable[[Any, str], Any] | None = None


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    run: Callable[[], str]  # returns one line for the console


@dataclass(frozen=True)
class CategorySource:
    order: int
    name: str
    categories: Callable[[Any], Iterable[str]]  # (household) -> category codes


NAV: list[NavItem] = []
SECTIONS: list[HouseholdSection] = []
HOME_SECTIONS: list[HomeSection] = []
REVISION_SECTIONS: list[RevisionSection] = []
HOME_PANELS: list[HomePanel] = []
HOUSEHOLD_COLUMNS: list[HouseholdColumn] = []
DEMO_STEPS: list[DemoStep] = []
CATEGORY_SOURCES: list[CategorySource] = []


def _add(items: list[Any], item: Any, key: Callable[[Any], Any]) -> None:
    if all(key(i) != key(item) for i in items):  # ready() may run twice in tests
        items.append(item)
        items.sort(key=lambda i: i.order)


def register_nav(order: int, label: Any, url_name: str, *caps: str) -> None:
    _add(NAV, NavItem(order, label, url_name, tuple(caps)), lambda i: i.url_name)


def register_household_section(order: int, template: str,
                               context: Callable[[Any, Any], dict[str, Any] | None],
                               slot: str = "main") -> None:
    if slot not in SLOTS:
        raise ValueError(f"household section {template}: slot must be one of {SLOTS}, not {slot!r}")
    _add(SECTIONS, HouseholdSection(order, template, context, slot), lambda i: i.template)


def register_home_section(order: int, template: str, context: Callable[[Any], dict[str, Any] | None]) -> None:
    _add(HOME_SECTIONS, HomeSection(order, template, context), lambda i: i.template)


def register_revision_section(order: int, template: str, context: Callable[[Any, Any], dict[str, Any] | None]) -> None:
    _add(REVISION_SECTIONS, RevisionSection(order, template, context), lambda i: i.template)


def register_home_panel(order: int, caps: Iterable[str], context: Callable[[Any], dict[str, Any] | None],
                        template: str = "core/_home_panel.html") -> None:
    _add(HOME_PANELS, HomePanel(order, tuple(caps), context, template), lambda i: (i.order, i.template))


def register_household_column(order: int, name: str, label: Any, values: Callable[[list[Any]], dict[Any, Any]], *,
                              numeric: bool = False, choices: Callable[[], list[tuple[str, Any]]] | None = None,
                              filter: Callable[[Any, str], Any] | None = None) -> None:  # noqa: A002
    _add(HOUSEHOLD_COLUMNS, HouseholdColumn(order, name, label, values, numeric, choices, filter), lambda i: i.name)


def register_demo_step(order: int, name: str, run: Callable[[], str]) -> None:
    _add(DEMO_STEPS, DemoStep(order, name, run), lambda i: i.name)


def register_held_categories(order: int, name: str, categories: Callable[[Any], Iterable[str]]) -> None:
    _add(CATEGORY_SOURCES, CategorySource(order, name, categories), lambda i: i.name)


def nav_for(caps: frozenset[str]) -> list[NavItem]:
    return [i for i in NAV if any(c in caps for c in i.caps)]


def household_sections(request: Any, household: Any, slot: str = "main") -> list[SafeString]:
    out = []
    for section in SECTIONS:
        if section.slot != slot:
            continue
        ctx = section.context(request, household)
        if ctx is not None:
            out.append(mark_safe(render_to_string(section.template, {"household": household, **ctx}, request)))
    return out


def home_sections(request: Any) -> list[SafeString]:
    out = []
    for section in HOME_SECTIONS:
        ctx = section.context(request)
        if ctx is not None:
            out.append(mark_safe(render_to_string(section.template, ctx, request)))
    return out


@dataclass(frozen=True)
class RevisionExtras:
    sections: list[SafeString]
    confirm_notes: list[str]  # sentences added to the approval's confirmation
    pending: bool  # a section waits for background work: the page refreshes it


def revision_sections(request: Any, revision: Any) -> RevisionExtras:
    """The sections of a parameter revision's page, rendered, with what they add to the approval's
    confirmation (context key ``confirm_note``) and whether one is still being worked out (``pending``)."""
    out, notes, pending = [], [], False
    for section in REVISION_SECTIONS:
        ctx = section.context(request, revision)
        if ctx is None:
            continue
        out.append(mark_safe(render_to_string(section.template, {"revision": revision, **ctx}, request)))
        if ctx.get("confirm_note"):
            notes.append(str(ctx["confirm_note"]))
        pending = pending or bool(ctx.get("pending"))
    return RevisionExtras(out, notes, pending)


def household_columns() -> list[HouseholdColumn]:
    return list(HOUSEHOLD_COLUMNS)


def home_panels(request: Any) -> list[SafeString]:
    """The work-to-do panels the user's capabilities open, each rendered (empty ones left out)."""
    user = request.user
    out = []
    for panel in HOME_PANELS:
        if not any(user.has_capability(c) for c in panel.caps):
            continue
        ctx = panel.context(request)
        if ctx is not None:
            out.append(mark_safe(render_to_string(panel.template, ctx, request)))
    return out


def held_categories(household: Any) -> set[str]:
    """The categories the registered sources say the household holds (see ``register_held_categories``)."""
    out: set[str] = set()
    for source in CATEGORY_SOURCES:
        out.update(source.categories(household))
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


# ---- events (lower apps announce, higher apps react) -----------------------------------------------

EVENTS = ("parameters.drafted", "parameters.approved", "determination.stored", "exchange.committed",
          "assistance.matched")
LISTENERS: dict[str, dict[str, Callable[..., None]]] = {}


def register_listener(event: str, name: str, listener: Callable[..., None]) -> None:
    """Call ``listener(**details)`` whenever ``event`` is announced (see ``EVENTS``)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; known: {', '.join(EVENTS)}")
    LISTENERS.setdefault(event, {})[name] = listener


def notify(event: str, **details: Any) -> None:
    """Announce ``event`` (inside the announcing transaction: listeners defer their work with on_commit)."""
    for listener in LISTENERS.get(event, {}).values():
        listener(**details)
