"""Helpers for the assistance tests: people of a given age, a determination result, death records."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from jiuzhu.rules.identity import check_char

_seq = itertools.count(11)


def pid(birth: dt.date, sex: str = "M", region: str = "360124") -> str:
    """A valid 18-digit ID number for someone born on ``birth`` (odd sequence digit = male)."""
    n = next(_seq) % 500 * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth:%Y%m%d}{n:03d}"
    return first17 + check_char(first17)


def born(age: int, on: dt.date, days: int = 0) -> dt.date:
    """Birth date making someone exactly ``age`` on ``on`` (``days`` > 0: that many days younger)."""
    return dt.date(on.year - age, on.month, on.day) + dt.timedelta(days=days)


def add_member(actor: Any, household: Any, *, birth: dt.date, sex: str = "M", relation: str = "child",
               **extra: Any) -> Any:
    from jiuzhu.apps.registry.services import member_add

    data = {"id_number": pid(birth, sex), "name": extra.pop("name", "成员"), "relation": relation,
            "work_capacity": "full", "employment": "farming", **extra}
    return member_add(actor=actor, household=household, data=data)


def household_with(actor: Any, village: str = "360124100001", area: str = "rural", *, head_birth: dt.date,
                   head_sex: str = "M", **head: Any) -> Any:
    from jiuzhu.apps.registry.services import household_create
    from tests.conftest import head_data

    data = head_data(pid(head_birth, head_sex), **head)
    return household_create(actor=actor, data={"village": village, "area_type": area, "address": "某组1号"},
                            head=data)


def determined(household: Any, categories: list[str], as_of: dt.date, benefits: dict[str, str] | None = None) -> Any:
    """A stored determination result (as a batch run would leave it)."""
    from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun

    run = DeterminationRun.objects.completed().order_by("-id").first() or \
        DeterminationRun.objects.create(as_of=as_of, parameter_version="test")
    return DeterminationResult.objects.create(run=run, household=household, as_of=as_of,
                                              main_category=categories[0] if categories else "",
                                              categories=categories, benefits=benefits or {},
                                              parameter_version="test")


def death_record(member: Any, died: dt.date, source: str = "health_deaths") -> Any:
    from jiuzhu.apps.exchange.models import DepartmentRecord, ImportBatch

    batch = ImportBatch.objects.create(source=source, department="health", content_hash=uuid.uuid4().hex * 2,
                                       state="committed", channel="api", filename="deaths.csv")
    payload = {"change_type": "death"} if source == "public_security_hukou_changes" else {}
    return DepartmentRecord.objects.create(
        source=source, department="health", batch=batch, key_digest=uuid.uuid4().hex, values_digest="x",
        person_index=member.id_number_index, id_number_enc="x", id_number_masked=member.id_number_masked,
        payload=payload, event_date=died, member=member, household=member.household)
