"""Fixtures for the monitoring app: department records as the exchange would store them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def users(users: dict[str, Any]) -> dict[str, Any]:
    """The shared accounts, and a second county caseworker for the two-person steps (visits, closing)."""
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    users["county2"] = user_create(actor=None, username="county2", password=PASSWORD, role="county",
                                   region=Region.objects.get(code="360124"), full_name="县级经办员乙")
    return users


def add_record(source: str, id_number: str, *, region: str = "", name: str = "", **payload: Any) -> Any:
    """One stored department record (as exchange.services._store would write it), linked by blind index."""
    from jiuzhu.apps.exchange.models import DepartmentRecord, ImportBatch
    from jiuzhu.apps.registry.models import Member
    from jiuzhu.apps.registry.services import id_index
    from jiuzhu.pii.masking import mask_id_number
    from jiuzhu.rules.exchange.sources import SOURCES

    src = SOURCES[source]
    batch = ImportBatch.objects.create(source=source, department=src.department, content_hash=uuid.uuid4().hex * 2,
                                       state="committed", channel="cli", filename="t.csv")
    pidx = id_index(id_number)
    member = Member.objects.filter(id_number_index=pidx).first()
    body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in payload.items()}
    if region:
        body["region_code"] = region
    from jiuzhu.apps.core.keys import keyring
    from jiuzhu.pii.crypto import encrypt_field

    uid, table = uuid.uuid4(), DepartmentRecord._meta.db_table
    secrets = {"name": encrypt_field(keyring(), name, table=table, column="name", row=str(uid))} if name else {}
    return DepartmentRecord.objects.create(
        uid=uid, source=source, department=src.department, batch=batch, key_digest=uuid.uuid4().hex,
        values_digest=uuid.uuid4().hex, person_index=pidx,
        id_number_enc=encrypt_field(keyring(), id_number, table=table, column="id_number", row=str(uid)),
        id_number_masked=mask_id_number(id_number), secrets_enc=secrets,
        payload=body, event_date=None, member=member, household=member.household if member else None)


def days_ago(n: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=n)
