"""Reads for departments: low-income status from the latest determination, and the catalogue's people.

Status of a household = its result in the latest completed (``done``) determination run that has
an error-free result for it; the runs are ordered by the date they determine (``as_of``), then by
run (ADR 0007).  Its category is the result's first category (the main tier, else the first other
category); it is in the low-income population when it has any category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from jiuzhu.apps.assistance.models import Entitlement, EntitlementState
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.scoping import region_filter, require
from jiuzhu.apps.determination.models import DeterminationResult
from jiuzhu.apps.registry.choices import DISABILITY_GRADES
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.pii.crypto import decrypt_field
from jiuzhu.rules.determination.codes import CATEGORY_LABELS

from .catalogue import Entry, entry_for

VIEW = "view_share"


def _done_results() -> models.QuerySet[DeterminationResult]:
    return DeterminationResult.objects.filter(Q(run__job__isnull=True) | Q(run__job__state="done"), error="")


def latest_results() -> models.QuerySet[DeterminationResult]:
    """Per household, its result in the latest completed run (see the module docstring)."""
    newer = _done_results().filter(household=OuterRef("household")).filter(
        Q(as_of__gt=OuterRef("as_of")) | Q(as_of=OuterRef("as_of"), run_id__gt=OuterRef("run_id")))
    return _done_results().exclude(Exists(newer))


def has_category(codes: Iterable[str]) -> Q:
    """Results whose categories include any of `codes` (portable: matches the quoted JSON token)."""
    q = Q(pk__in=[])
    for code in sorted(codes):
        q |= Q(categories__icontains=f'"{code}"')
    return q


def primary_category(categories: list[str] | None) -> str:
    return (categories or [""])[0]


def category_label(code: str) -> str:
    zh, en = CATEGORY_LABELS.get(code, (code, code))
    return en if (get_language() or "").startswith("en") else zh


def categories_since(wanted: dict[int, str]) -> dict[int, dt.date | None]:
    """For household id → category: the first day of the uninterrupted run of results with it.

    The single place "since when" is computed (`category_since` is its one-household form).  Walks
    each household's completed, error-free results from the newest back and stops at the first one
    without the category.  The date is the ``as_of`` of the earliest result in the run: "since" is
    as precise as the determination runs are frequent.
    """
    out: dict[int, dt.date | None] = dict.fromkeys(wanted)
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = (_done_results().filter(household_id__in=chunk).order_by("household_id", "-as_of", "-run_id")
                .values_list("household_id", "as_of", "categories"))
        for hid, group in groupby(rows, key=lambda r: r[0]):
            since = None
            for _hid, as_of, cats in group:
                if wanted[hid] not in (cats or []):
                    break
                since = as_of
            out[hid] = since
        # An approved entitlement in the category dates it more precisely: since its approval.

        for hid, cat, approved in (Entitlement.objects.filter(household_id__in=chunk, state=EntitlementState.ACTIVE)
                                   .values_list("household_id", "category", "approved_on")):
            if cat == wanted[hid] and (out[hid] is None or approved < out[hid]):
                out[hid] = approved
    return out


def category_since(household: Household | int, category: str) -> dt.date | None:
    """Since when the household has been in `category` without interruption (None: it is not)."""
    hid = household if isinstance(household, int) else household.pk
    return categories_since({hid: category})[hid]


@dataclass(frozen=True)
class Status:
    in_population: bool
    category: str = ""
    since: dt.date | None = None
    county: str = ""


def member_status(member: Member | None) -> Status:
    """Low-income status of one person (a registry member, or None for nobody)."""
    if member is None:
        return Status(False)
    result = latest_results().filter(household_id=member.household_id).first()
    if result is None or not result.categories:
        return Status(False)
    category = primary_category(result.categories)
    return Status(True, category, category_since(member.household_id, category), member.household.county_id)


# --- the catalogue's people -------------------------------------------------------------------


def entry_of(user: Any) -> Entry:
    """The catalogue entry of a department user (403 without view_share)."""
    require(user, VIEW)
    return entry_for(getattr(user, "department", "") or "")


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _member_rule(entry: Entry, today: dt.date) -> Q:
    rule = entry.members
    if rule == "all":
        return Q()
    if rule == "head":
        return Q(relation="head")
    if rule == "school_age":
        return ~Q(school_stage="none")
    if rule == "disabled":
        return ~Q(disability_type="none")
    if rule == "employed":
        return Q(employment="employed")
    if rule == "working_age_able":
        # Age min_age … max_age inclusive on `today`.
        youngest_birth = _years_before(today, entry.min_age)
        oldest_birth = _years_before(today, entry.max_age + 1) + dt.timedelta(days=1)
        return Q(work_capacity__in=["full", "partial"], birth_date__lte=youngest_birth, birth_date__gte=oldest_birth)
    return Q(pk__in=[])


def people_for(user: Any, *, county: str = "", category: str = "") -> models.QuerySet[Member]:
    """The members a department user's catalogue allows, optionally filtered (403 without view_share)."""
    entry = entry_of(user)
    if not entry.lists_people:
        return Member.objects.none()
    codes = set(entry.categories)
    if category:
        codes &= {category}
    households = latest_results().filter(has_category(codes)).values("household_id")
    qs = Member.objects.filter(household__in=households).filter(_member_rule(entry, timezone.localdate()))
    if entry.rural_only:
        qs = qs.filter(household__area_type="rural")
    if getattr(user, "region_id", None):  # a department account tied to a region sees only that region
        q = region_filter(user, "household__village")
        if q is not None:
            qs = qs.filter(q)
    if county:
        qs = qs.filter(household__county_id=county)
    return qs.select_related("household__county", "household__township", "household__village").order_by(
        "household__county_id", "household__code", "id")


def person_get(user: Any, uid: Any) -> Member:
    """One person the catalogue allows; anyone else does not exist for this user (404)."""
    try:
        return people_for(user).get(uid=uid)
    except (Member.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


# --- rendering rows with the catalogue's fields only --------------------------------------------


def _display(member: Member, key: str) -> Any:
    if key == "disability_grade":
        return dict(DISABILITY_GRADES).get(member.disability_grade, "")
    return getattr(member, f"get_{key}_display")()


def rows(user: Any, members: Iterable[Member], *, purpose: str = "", display: bool = False) -> Iterator[dict[str, Any]]:
    """Members as dicts holding exactly the catalogue's fields (+ ``ref``, the opaque person reference).

    Conditional items appear only with a stated purpose; the full ID number is then decrypted here,
    and the caller audits the access.  ``display`` gives labels (UI, CSV) instead of codes (API).
    """
    entry = entry_of(user)
    fields = entry.fields(purpose=bool(purpose))
    members = list(members)
    hids = {m.household_id for m in members}
    latest = {r.household_id: r for r in latest_results().filter(household_id__in=hids)}
    cats = {hid: primary_category(r.categories) for hid, r in latest.items()}
    since = categories_since(cats) if {"since"} & set(fields) else {}
    sizes: dict[int, int] = {}
    if "household_size" in fields:
        sizes = dict(Member.objects.filter(household_id__in=hids).values("household_id")
                     .annotate(n=models.Count("id")).values_list("household_id", "n"))
    for m in members:
        h = m.household
        row: dict[str, Any] = {"ref": str(m.uid)}
        for key in fields:
            if key == "id_number":
                row[key] = _reveal(m)
            elif key == "category":
                row[key] = cats.get(m.household_id, "")
                row["category_label"] = category_label(row[key])
            elif key == "since":
                row[key] = since.get(m.household_id)
            elif key in ("county", "township", "village"):
                region = getattr(h, key)
                row[key] = region.name if display else region.code
            elif key == "area_type":
                row[key] = h.get_area_type_display() if display else h.area_type
            elif key == "address":
                row[key] = h.address
            elif key == "household_size":
                row[key] = sizes.get(m.household_id, 0)
            elif key in ("name", "id_number_masked"):
                row[key] = getattr(m, key)
            elif key in ("sex", "relation", "school_stage", "work_capacity", "employment", "disability_type",
                         "disability_grade"):
                row[key] = _display(m, key) if display else getattr(m, key)
            else:  # a declared item without a reader is never output
                raise PermissionDenied(key)
        yield row


def _reveal(member: Member) -> str:
    return decrypt_field(keyring(), member.id_number_enc, table="registry_member", column="id_number",
                         row=str(member.uid))
