"""The sharing catalogue's people as a bulk export for a department (ADR 0025; made by jiuzhu.apps.privacy).

With a purpose from the configured list the file holds the catalogue's conditionally shared items
too (e.g. the full ID number, for matching the department's own records) — which is exactly why a
department's list of thousands of people is approved by the province first.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.apps.core.models import Region
from jiuzhu.apps.privacy.exports import ExportKind, register_export

from . import selectors
from .catalogue import FIELDS


def _filters(user: Any, query: Mapping[str, str]) -> dict[str, str]:
    entry = selectors.entry_of(user)
    county = str(query.get("county", "")).strip()
    category = str(query.get("category", "")).strip()
    has_conditional = len(entry.fields(purpose=True)) > len(entry.fields(purpose=False))
    return {k: v for k, v in {
        "county": county if county.isdigit() and len(county) == 6 else "",
        "category": category if category in entry.categories else "",
        # The conditionally shared items (full ID number …) only when the list page showed them.
        "conditional": "1" if has_conditional and str(query.get("conditional", "")) == "1" else "",
    }.items() if v}


def _describe(params: dict[str, str]) -> str:
    parts = []
    if params.get("county"):
        name = Region.objects.filter(code=params["county"]).values_list("name", flat=True).first()
        parts.append(_("County: %(name)s") % {"name": name or params["county"]})
    if params.get("category"):
        parts.append(_("Category: %(name)s") % {"name": selectors.category_label(params["category"])})
    if params.get("conditional"):
        parts.append(_("with the conditionally shared items (e.g. full ID numbers)"))
    return "；".join(parts)


def _people(user: Any, params: dict[str, str]) -> Any:
    return selectors.people_for(user, county=params.get("county", ""), category=params.get("category", ""))


def _table(user: Any, params: dict[str, str], purpose: str) -> tuple[list[str], Iterator[list[Any]]]:
    entry = selectors.entry_of(user)
    wanted = purpose if params.get("conditional") == "1" else ""
    fields = entry.fields(purpose=bool(wanted))
    qs = _people(user, params)

    def rows() -> Iterator[list[Any]]:
        chunk: list[Any] = []
        for member in qs.iterator(chunk_size=1000):
            chunk.append(member)
            if len(chunk) == 1000:
                yield from _lines(user, chunk, fields, wanted)
                chunk = []
        yield from _lines(user, chunk, fields, wanted)

    return [str(FIELDS[k][0]) for k in fields], rows()


def _lines(user: Any, chunk: list[Any], fields: list[str], purpose: str) -> Iterator[list[Any]]:
    for row in selectors.rows(user, chunk, purpose=purpose, display=True):
        yield [row.get("category_label") if k == "category" else row[k] for k in fields]


PEOPLE = ExportKind(
    key="sharing.people", label=gettext_lazy("People shared with your department"), capabilities=(selectors.VIEW,),
    filters=_filters, describe=_describe, count=lambda user, params: _people(user, params).count(), table=_table,
    filename="shared-people.csv", back=reverse_lazy("sharing_people"),
)


def register() -> None:
    register_export(PEOPLE)
