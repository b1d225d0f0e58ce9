"""The registry's bulk export: the household list of one's region (ADR 0025; made by jiuzhu.apps.privacy)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.apps.privacy.exports import ExportKind, register_export

from . import selectors

CAPABILITY = "export_registry"


def _filters(user: Any, query: Mapping[str, str]) -> dict[str, str]:
    return {}  # the whole list of the user's region (the list page has no filters but the search)


def _count(user: Any, params: dict[str, str]) -> int:
    return selectors.households_for(user, CAPABILITY).count()


def _table(user: Any, params: dict[str, str], purpose: str) -> tuple[list[str], Iterator[list[Any]]]:
    qs = selectors.households_for(user, CAPABILITY).annotate(n_members=Count("members")).order_by("code")
    header = [_("Household number"), _("County"), _("Township"), _("Village"), _("Urban or rural"), _("Members")]

    def rows() -> Iterator[list[Any]]:
        for h in qs.iterator(chunk_size=2000):
            yield [h.code, h.county.name, h.township.name, h.village.name, h.get_area_type_display(), h.n_members]

    return header, rows()


HOUSEHOLDS = ExportKind(
    key="registry.households", label=gettext_lazy("Households of your region"), capabilities=(CAPABILITY,),
    filters=_filters, describe=lambda params: "", count=_count, table=_table, filename="households.csv",
    back=reverse_lazy("household_list"),
)


def register() -> None:
    register_export(HOUSEHOLDS)
