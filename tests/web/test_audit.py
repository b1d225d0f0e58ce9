"""The audit log is append-only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_application_cannot_change_or_delete_events() -> None:
    event = audit("test.event", detail_value=1)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger is PostgreSQL's")
def test_database_refuses_update_and_delete() -> None:
    audit("test.event")
    for sql in ("UPDATE core_auditevent SET outcome = 'x'", "DELETE FROM core_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEvent.objects.filter(event="test.event", outcome="ok").count() == 1
