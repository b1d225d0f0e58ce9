"""The household list as CSV (UTF-8 with BOM for Excel, masked, formula-safe): one generator for the
streamed export and for the export job (large exports)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from jiuzhu.engine.exchange.report import sanitise_cell

CHUNK = 2000


def csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    # Cells that a spreadsheet would read as a formula get a leading quote (R31): one rule for every export.
    csv.writer(buf).writerow([sanitise_cell(v) if isinstance(v, str) else v for v in values])
    return buf.getvalue()


def household_csv(qs: Any, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
    """Lines of the CSV for a queryset of households; *progress(done, total)* every chunk (a job's cancel point)."""
    qs = qs.select_related("county", "township", "village").annotate(n_members=Count("members")).order_by("code")
    total = qs.count() if progress else 0
    yield "\ufeff"
    yield csv_line([_("Household number"), _("County"), _("Township"), _("Village"), _("Urban or rural"),
                    _("Members")])
    done = 0
    for h in qs.iterator(chunk_size=CHUNK):
        yield csv_line([h.code, h.county.name, h.township.name, h.village.name, h.get_area_type_display(),
                        h.n_members])
        done += 1
        if progress and done % CHUNK == 0:
            progress(done, total)
    if progress:
        progress(done, total)
