"""Reads of the exchange app: batches a user may see, and the assistance chain of a household."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.determination.selectors import household_categories
from jiuzhu.rules.exchange.sources import DEPARTMENTS, PROGRAMMES, SOURCES

from .chain import omissions
from .choices import PLATFORM, REGISTRY, TRUST_ORDER, ConflictStatus
from .models import AssistanceRecord, DepartmentRecord, ImportBatch, RegistryConflict, value_label

VIEW = "view_exchange"
# Two programmes meeting the same need (the same need paid twice by two departments, §18).
SAME_NEED = frozenset({frozenset({"dilapidated_house_renovation", "disaster_relief"})})
SAME_NEED_WINDOW = dt.timedelta(days=365)


def batches_for(user: Any) -> models.QuerySet[ImportBatch]:
    """Department users: their department's batches; province-level users: all; others: their own."""
    require(user, VIEW)
    qs = ImportBatch.objects.select_related("uploaded_by")
    if user.role == Role.DEPARTMENT:
        return qs.filter(department=user.department)
    if user.region is not None and user.region.level == "province":
        return qs
    return qs.filter(uploaded_by=user)


def batch_get(user: Any, pk: Any) -> ImportBatch:
    """One batch the user may see, else 404 (403 without the capability)."""
    try:
        return batches_for(user).get(pk=pk)
    except (ImportBatch.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _interval(e: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    start = e["start_date"] or e["end_date"]
    if start is None:
        return None
    return start, e["end_date"] or dt.date.max


def _overlap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date], slack: dt.timedelta = dt.timedelta(0)) -> bool:
    return a[0] <= b[1] + slack and b[0] <= a[1] + slack


def _flag_duplicates(entries: list[dict[str, Any]], deaths: dict[str, dt.date]) -> None:
    """Possible duplicates: the same person, the same need, overlapping dates, two sources;
    and assistance running after the person's recorded death."""
    for i, a in enumerate(entries):
        ia = _interval(a)
        died = deaths.get(a["person_index"])
        if died is not None and ia is not None and ia[1] > died and (a["end_date"] is None or a["end_date"] > died):
            a["flags"].append("after_death")
        if ia is None:
            continue
        for b in entries[i + 1:]:
            ib = _interval(b)
            if ib is None or a["person_index"] != b["person_index"] or a["source"] == b["source"]:
                continue
            same = a["programme"] == b["programme"] and _overlap(ia, ib)
            need = frozenset({a["programme"], b["programme"]}) in SAME_NEED and _overlap(ia, ib, SAME_NEED_WINDOW)
            if same or need:
                for x in (a, b):
                    if "duplicate" not in x["flags"]:
                        x["flags"].append("duplicate")


# What an export or the API shows of a chain entry (no blind index, no internal ids).
CHAIN_FIELDS = (
    "member_name", "programme", "programme_label", "department", "department_label", "start_date",
    "end_date", "amount", "in_kind", "source", "source_label", "batch_id", "flags",
)


def household_chain(household: Any, as_of: dt.date | None = None, categories: list[str] | None = None
                    ) -> dict[str, Any]:
    """The household's assistance chain (一户一条救助链), duplicate and omission findings
    (chain.CHAIN_RULES) and open differences with department data.

    The caller has already checked that the user may see the household.
    """
    members = {m.id_number_index: m for m in household.members.all()}
    rows = list(
        AssistanceRecord.objects.filter(Q(household=household) | Q(person_index__in=list(members)))
        .order_by("start_date", "id")
        .values("id", "person_index", "programme", "department", "start_date", "end_date", "amount",
                "amount_basis", "in_kind", "source", "batch_id", "batch__received_at")
    )
    deaths: dict[str, dt.date] = {}
    for pidx, when in DepartmentRecord.objects.filter(
        person_index__in=list(members), source__in=("health_deaths", "public_security_hukou_changes"),
        event_date__isnull=False,
    ).values_list("person_index", "event_date"):
        if pidx in members:
            deaths[pidx] = min(when, deaths.get(pidx, when))
    for r in rows:
        m = members.get(r["person_index"])
        r["member_name"] = m.name if m else ""
        r["programme_label"] = PROGRAMMES.get(r["programme"], (r["programme"], ""))[0]
        r["department_label"] = DEPARTMENTS.get(r["department"], "民政部门" if r["department"] == "civil_affairs"
                                                else r["department"])
        src = SOURCES.get(r["source"])
        r["source_label"] = src.label_zh if src else ("本平台（民政）" if r["source"] == PLATFORM else r["source"])
        r["flags"] = []
    _flag_duplicates(rows, deaths)
    conflicts = list(
        RegistryConflict.objects.filter(member__household=household).exclude(status=ConflictStatus.REJECTED)
        .select_related("member").order_by("member_id", "field", "-created_at")
    )
    shown: dict[tuple[int, str], dict[str, Any]] = {}
    for c in conflicts:
        order = TRUST_ORDER.get(c.field, (REGISTRY,))
        dept = SOURCES[c.source].department if c.source in SOURCES else c.source
        rank = order.index(dept) if dept in order else len(order)
        reg_rank = order.index(REGISTRY) if REGISTRY in order else len(order)
        key = (c.member_id, c.field)
        if rank < reg_rank and (key not in shown or rank < shown[key]["rank"]):
            shown[key] = {"rank": rank, "value": c.department_value, "source": c.source}
    for c in conflicts:
        winner = shown.get((c.member_id, c.field))
        c.shown_value = value_label(c.field, winner["value"] if winner else c.registry_value)  # type: ignore[attr-defined]
        c.shown_from = (SOURCES[winner["source"]].label_zh if winner else "")  # type: ignore[attr-defined]
    member_rows = [{"person_index": idx, "name": m.name, "disability_grade": m.disability_grade,
                    "school_stage": m.school_stage} for idx, m in members.items()]
    found = omissions(member_rows, household_categories(household, categories), rows,
                      as_of or timezone.localdate())
    return {"entries": rows, "conflicts": conflicts, "omissions": found,
            "duplicates": sum(1 for r in rows if "duplicate" in r["flags"])}


def person_chain(member: Any, as_of: dt.date | None = None) -> dict[str, Any]:
    """One person's chain (一人一条救助链): every entry for the person's ID (blind index), in
    whichever household it was recorded, with the household rules' flags and the person's
    omission findings.  The caller has already checked that the user may see the member."""
    chain = household_chain(member.household, as_of)
    mine = [e for e in chain["entries"] if e["person_index"] == member.id_number_index]
    elsewhere = list(
        AssistanceRecord.objects.filter(person_index=member.id_number_index)
        .exclude(id__in=[e["id"] for e in mine]).order_by("start_date", "id")
        .values("id", "person_index", "programme", "department", "start_date", "end_date", "amount",
                "amount_basis", "in_kind", "source", "batch_id", "batch__received_at"))
    for r in elsewhere:  # recorded under another household (moved, or before joining this one)
        r.update(member_name=member.name, flags=["other_household"],
                 programme_label=PROGRAMMES.get(r["programme"], (r["programme"], ""))[0],
                 department_label=DEPARTMENTS.get(r["department"], r["department"]),
                 source_label=SOURCES[r["source"]].label_zh if r["source"] in SOURCES else r["source"])
    entries = sorted(mine + elsewhere, key=lambda e: (e["start_date"] or e["end_date"] or dt.date.min, e["id"]))
    return {"entries": entries, "omissions": [o for o in chain["omissions"] if o["member_name"] == member.name],
            "conflicts": [c for c in chain["conflicts"] if c.member_id == member.pk],
            "duplicates": sum(1 for r in entries if "duplicate" in r["flags"])}


def registry_display(member: Any) -> dict[str, str]:
    """What the registry *shows* for the compared fields of one member, by the trust order."""
    out: dict[str, str] = {}
    conflicts = RegistryConflict.objects.filter(member=member).exclude(status=ConflictStatus.REJECTED)
    for field, order in TRUST_ORDER.items():
        for who in order:
            if who == REGISTRY:
                break
            c = next((c for c in conflicts if c.field == field and c.source in SOURCES
                      and SOURCES[c.source].department == who), None)
            if c is not None:
                out[field] = c.department_value
                break
    return out
