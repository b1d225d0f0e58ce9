"""The database → the Parquet tables a comparison run reads (jiuzhu.engine.monitoring.tables).

The registry goes out as the determination engine's snapshot (one mapping, shared with the
determination); monitoring adds the routing and status of each household, the assistance
chain and one flattened table per department feed.  Nothing exported holds an identifier
in clear: persons are blind indexes (``person_index`` = ``person_key``) and masked IDs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db.models import Case, Exists, F, Max, OuterRef, Q, TextField, When
from django.db.models.functions import Cast, Substr

from jiuzhu.apps.applications.models import ReviewTask
from jiuzhu.apps.core.bulkread import read_arrow
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun
from jiuzhu.apps.determination.services import registry_snapshot
from jiuzhu.apps.exchange.models import AssistanceRecord, DepartmentRecord
from jiuzhu.apps.registry.models import ChangeRecord, Household, Member
from jiuzhu.engine.monitoring.indicators import INDICATORS
from jiuzhu.engine.monitoring.tables import (
    MON_SCHEMAS,
    RAW_FEED_SCHEMA,
    dept_schema,
    dept_table_name,
    flatten_feed,
    write_table,
)
from jiuzhu.rules.exchange.sources import SOURCES, Source

PROVINCE = "360000"
RECIPIENT_PROGRAMMES = ("dibao", "tekun")
RECIPIENT_CATEGORIES = ("dibao", "tekun", "dibao_individual")


def recipients(as_of: dt.date) -> set[int]:
    """Households receiving dibao or tekun: on the assistance chain, else by the last determination run."""
    out = set(AssistanceRecord.objects.filter(
        programme__in=RECIPIENT_PROGRAMMES, household__isnull=False,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of)).values_list("household_id", flat=True))
    run = DeterminationRun.objects.completed().order_by("-id").first()
    if run is not None:
        out |= set(DeterminationResult.objects.filter(run=run, main_category__in=RECIPIENT_CATEGORIES)
                   .values_list("household_id", flat=True))
    return out


def _households(as_of: dt.date) -> list[dict[str, Any]]:
    receiving = recipients(as_of)
    reviewed = dict(ChangeRecord.objects.filter(action="update").values("household_id")
                    .annotate(last=Max("at")).values_list("household_id", "last"))
    # A periodic review done (applications.ReviewTask) is a review too.

    done = dict(ReviewTask.objects.filter(done_on__isnull=False).values("household_id")
                .annotate(last=Max("done_on")).values_list("household_id", "last"))
    rows = []
    for v in Household.objects.values("id", "county_id", "township_id", "village_id", "registered_on").iterator(
            chunk_size=5000):
        last = v["registered_on"]
        changed = reviewed.get(v["id"])
        if changed is not None and changed.date() > last:
            last = changed.date()
        if done.get(v["id"]) is not None and done[v["id"]] > last:
            last = done[v["id"]]
        rows.append({"household_key": v["id"], "county_code": v["county_id"], "township_code": v["township_id"],
                     "village_code": v["village_id"], "recipient": v["id"] in receiving, "last_review_on": last})
    return rows


def _assistance() -> list[dict[str, Any]]:
    return [
        {"person_index": v["person_index"], "household_key": v["household_id"], "programme": v["programme"],
         "start_date": v["start_date"], "end_date": v["end_date"], "amount": v["amount"]}
        for v in AssistanceRecord.objects.values(
            "person_index", "household_id", "programme", "start_date", "end_date", "amount").iterator(chunk_size=5000)
    ]


def _raw_feed(source: Source) -> pa.Table:
    """The stored records of one feed, payload as JSON text (flattened by DuckDB, not row by row).

    A registry member's masked ID is not written, only its area code (for the county hint): the
    snapshot beside it holds the member's birth date under the same person key, and the digits a
    masked ID hides are the birth date (ADR 0024).  Warnings take a member's masked ID from the
    registry.
    """
    member = Member.objects.filter(id_number_index=OuterRef("person_index"))
    rows = (DepartmentRecord.objects.filter(source=source.key)
            .annotate(text=Cast("payload", TextField()), loaded=Cast("updated_at", TextField()),
                      masked=Case(When(Exists(member), then=Substr("id_number_masked", 1, 6)),
                                  default=F("id_number_masked"), output_field=TextField()))
            .values_list("id", "person_index", "masked", "text", "event_date", "loaded"))
    return read_arrow(rows, RAW_FEED_SCHEMA)  # column-wise: no Python object per value


def export_tables(snapshot_dir: Path, data_dir: Path, as_of: dt.date) -> tuple[Path, dict[str, int]]:
    """Write the registry snapshot and the monitoring tables; (the snapshot's directory, row counts per table).

    The snapshot goes to *snapshot_dir*, unless a ``shared_snapshot()`` block (the monthly cycle)
    already has one of the unchanged registry.
    """
    snapshot_dir, counts = registry_snapshot(snapshot_dir)
    counts["mon_households"] = write_table(_households(as_of), MON_SCHEMAS["mon_households"],
                                           data_dir / "mon_households.parquet")
    counts["assistance"] = write_table(_assistance(), MON_SCHEMAS["assistance"], data_dir / "assistance.parquet")
    counties = set(Region.objects.filter(level="county").values_list("code", flat=True))
    for key in sorted({s for ind in INDICATORS for s in ind.sources}):
        source = SOURCES[key]
        name = dept_table_name(key)
        table = flatten_feed(_raw_feed(source), source, sorted(counties), PROVINCE)
        counts[name] = write_table(table, dept_schema(source), data_dir / f"{name}.parquet")
    return snapshot_dir, counts
