"""The audit log is append-only and proves itself (issue 12 item 8; RELIABILITY R11, Z9).

`jiuzhu audit verify` exits 0 on an intact log and 1 naming the first bad row after an
update, delete or insert made directly in the database — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiuzhu.apps.core import chain
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import AuditAnchor, AuditEvent
from jiuzhu.apps.core.triggers import create_statements, drop_statements
from jiuzhu.cli import main as cli

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _audit_dir(settings: Any, tmp_path: Path) -> None:
    settings.JIUZHU_AUDIT_DIR = str(tmp_path / "audit")


def _events(n: int) -> list[AuditEvent]:
    return [audit("test.event", object_type="thing", object_id=i, n=i, label="审计") for i in range(n)]


def _raw(sql: str, params: list[Any] | None = None) -> None:
    """What someone with database access would do: lift the triggers, change rows directly."""
    vendor = connection.vendor
    with connection.cursor() as cur:
        for s in drop_statements(vendor):
            cur.execute(s)
        cur.execute(sql, params or [])
        for s in create_statements(vendor):
            cur.execute(s)


def _verify_cli(capsys: Any) -> tuple[int, str]:
    code = cli(["audit", "verify"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_application_cannot_change_or_delete_events() -> None:
    event = audit("test.event", detail_value=1)
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_database_refuses_update_and_delete_on_both_databases() -> None:
    """Z9: the triggers exist on SQLite too (they were PostgreSQL-only)."""
    audit("test.event")
    chain.anchor()
    for sql in ("UPDATE core_auditevent SET outcome = 'x'", "DELETE FROM core_auditevent",
                "DELETE FROM core_auditanchor"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEvent.objects.filter(event="test.event", outcome="ok").count() == 1


def test_an_intact_log_verifies(capsys: Any) -> None:
    _events(12)
    result = chain.verify()
    assert result.ok and result.rows >= 12
    code, out = _verify_cli(capsys)
    assert code == 0 and "intact" in out


@pytest.mark.parametrize("tamper", ["update", "delete", "insert"])
def test_a_direct_change_names_the_first_bad_row(tamper: str, capsys: Any) -> None:
    events = _events(10)
    victim = events[4]
    if tamper == "update":
        _raw("UPDATE core_auditevent SET outcome = 'ok2' WHERE id = %s", [victim.pk])
        bad = victim.pk
    elif tamper == "delete":
        _raw("DELETE FROM core_auditevent WHERE id = %s", [victim.pk])
        bad = events[5].pk  # the row after the gap no longer chains
    else:
        # A forged row slipped between two real ones, with a plausible-looking hash.
        _raw("DELETE FROM core_auditevent WHERE id = %s", [victim.pk])
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO core_auditevent (id, at, actor_username, role, region_code, ip, request_id, event, "
                "object_type, object_id, outcome, detail, chain_hash) VALUES "
                "(%s, %s, 'x', '', '', '', '', 'forged', '', '', 'ok', '{}', %s)",
                [victim.pk, timezone.now(), victim.chain_hash])
        bad = victim.pk
    result = chain.verify()
    assert not result.ok and result.problem is not None and result.problem.row_id == bad
    code, out = _verify_cli(capsys)
    assert code == 1 and f"row {bad} " in out


def test_a_rewritten_chain_without_the_key_is_caught() -> None:
    """Recomputing hashes with plain SM3 (no key) does not help: the chain is keyed HMAC-SM3."""
    from cryptography.hazmat.primitives import hashes

    events = _events(3)
    victim = events[1]
    row = AuditEvent.objects.filter(pk=victim.pk).values("id", "chain_hash", *chain.FIELDS).get()
    row["outcome"] = "forged"
    digest = hashes.Hash(hashes.SM3())
    digest.update(events[0].chain_hash.encode() + b"|" + chain.canonical(row))
    _raw("UPDATE core_auditevent SET outcome = 'forged', chain_hash = %s WHERE id = %s",
         [digest.finalize().hex(), victim.pk])
    assert chain.verify().problem.row_id == victim.pk  # type: ignore[union-attr]


def test_anchors_catch_removed_newest_rows_and_edited_anchors() -> None:
    events = _events(5)
    a = chain.anchor()
    assert a.last_id == events[-1].pk and chain.anchors_file().exists()
    assert chain.verify().ok
    # Removing the newest rows leaves a valid-looking chain; the anchor still names its row.
    _raw("DELETE FROM core_auditevent WHERE id >= %s", [events[3].pk])
    result = chain.verify()
    assert not result.ok and result.problem.row_id == events[-1].pk  # type: ignore[union-attr]


def test_an_anchor_removed_from_the_database_is_caught_by_the_file() -> None:
    _events(2)
    a = chain.anchor()
    _raw("DELETE FROM core_auditanchor WHERE id = %s", [a.pk])
    result = chain.verify()
    assert not result.ok and "anchor" in result.problem.reason  # type: ignore[union-attr]


def test_archive_moves_old_rows_to_a_signed_file_and_the_chain_still_verifies(settings: Any, capsys: Any) -> None:
    settings.JIUZHU_AUDIT_ONLINE_DAYS = 180
    _events(6)
    assert chain.archive() is None  # nothing is older than 180 days
    later = timezone.now() + timezone.timedelta(days=181)
    a = chain.archive(now=later)
    assert a is not None and a.rows >= 6 and not AuditEvent.objects.filter(id__lte=a.last_id).exists()
    path = Path(settings.JIUZHU_AUDIT_DIR) / "archive" / a.archive_file
    lines = gzip.open(path, "rt", encoding="utf-8").read().splitlines()
    assert len(lines) == a.rows and json.loads(lines[0])["row"]["event"]
    assert chain.verify_archive(path) == (a.rows, "")
    _events(3)  # new rows chain on from the archive's last hash
    assert chain.verify().ok
    assert cli(["audit", "verify-archive", str(path)]) == 0
    # Deleting remaining rows beyond the archive's end is still caught.
    first = AuditEvent.objects.order_by("id").first()
    _raw("DELETE FROM core_auditevent WHERE id = %s", [first.pk])  # type: ignore[union-attr]
    assert not chain.verify().ok
    capsys.readouterr()


def test_a_broken_chain_is_never_archived(settings: Any) -> None:
    events = _events(3)
    _raw("UPDATE core_auditevent SET outcome = 'x' WHERE id = %s", [events[0].pk])
    with pytest.raises(RuntimeError):
        chain.archive(now=timezone.now() + timezone.timedelta(days=400))
    assert AuditAnchor.objects.count() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_linear_chain() -> None:
    """Appends from many connections at once: the advisory lock keeps the chain linear."""
    from django.db import connections

    from jiuzhu.apps.core.keys import keyring

    keyring()  # loaded once, before the threads

    def writer(k: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    audit("test.concurrent", object_id=f"{k}-{i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEvent.objects.filter(event="test.concurrent").count() == 100
    assert chain.verify().ok
