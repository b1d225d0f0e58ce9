"""Issue 12's findings, one test each, written against interfaces that existed before the fix so
that each can be run on the old code (where it fails) and the new (where it passes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from jiuzhu.apps.core import services
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import AuditEvent, Region, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_item8_sqlite_too_refuses_edits_of_the_audit_log() -> None:
    audit("test.event")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditevent")


def test_item4_an_administrator_set_password_follows_the_rules(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        services.user_create(actor=users["sysadmin"], username="weakling", password="1")


def test_item3_the_system_administrator_cannot_create_a_province_caseworker(users: dict[str, Any]) -> None:
    with pytest.raises((PermissionDenied, ValidationError)):
        services.user_create(actor=users["sysadmin"], username="boss", password=PASSWORD, role="province",
                             region=Region.objects.get(code="360000"))
    assert not User.objects.filter(username="boss").exists()


def test_item7_a_refused_role_change_stays_on_record(users: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.user_set_role(actor=users["secadmin"], target=users["secadmin"], role="province",
                               region=Region.objects.get(code="360000"))
    assert AuditEvent.objects.filter(event="user.set_role", outcome="denied").count() == 1


def test_item7_cross_county_probes_leave_a_trace(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county_b"])
    assert client.get(f"/households/{households['inside'].pk}/").status_code == 404
    assert AuditEvent.objects.filter(actor=users["county_b"], outcome="denied").exists()


def test_item6_a_household_read_is_recorded(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["inside"]
    assert client.get(f"/households/{h.pk}/").status_code == 200
    assert AuditEvent.objects.filter(actor=users["county"], object_type="household", object_id=str(h.pk)).exists()


def test_item9_a_locked_account_does_the_password_hash_work(client: Any, users: dict[str, Any],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls: list[str] = []
    original = MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "verify", lambda self, p, e: calls.append(p) or original(self, p, e))
    User.objects.filter(pk=users["county"].pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=5))
    client.post("/accounts/login/", {"username": "county", "password": PASSWORD})
    assert calls  # the same hash work as a wrong password


def test_item9_production_refuses_the_published_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env.update({"PYTHONPATH": str(ROOT), "JIUZHU_VAR_DIR": str(tmp_path), "JIUZHU_PROFILE": "production",
                "JIUZHU_SECRET_KEY": "insecure-dev-only-key-change-me"})
    r = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode != 0


def test_item10_pages_with_personal_data_are_not_cached(client: Any, households: dict[str, Any],
                                                        users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    r = client.get(f"/households/{households['inside'].pk}/")
    assert r["Cache-Control"] == "no-store" and "Content-Security-Policy" in r
