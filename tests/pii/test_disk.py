"""What is on disk (issue 12 item 1, ADR 0024): no ID number in clear in the database file, its WAL, the
analytics files or anything else under the data directory; every file owner-only.

These run the real commands in a fresh data directory, on SQLite, in a subprocess: the database a
deployment creates, not the test database (which lives in memory).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from jiuzhu.pii.scan import find_id_numbers, find_mobiles, rebuild, scan_file

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = 150


def _env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("JIUZHU_DATABASE_URL", "JIUZHU_SQLITE_PATH", "JIUZHU_KEYRING_JSON", "JIUZHU_KEYRING_FILE")}
    return {**env, "JIUZHU_VAR_DIR": str(var), "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings"}


def _run(var: Path, *args: str, script: str | None = None, timeout: int = 900) -> str:
    cmd = [sys.executable, "-c", script] if script is not None else [sys.executable, "-m", "jiuzhu.cli", *args]
    done = subprocess.run(cmd, env=_env(var), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


# Exports the analytics files a comparison run reads (registry snapshot + monitoring tables) and keeps
# them, so they can be read back: ARCHITECTURE says they hold pseudonymised data only.
# Also writes, outside the data directory, every ID number the platform holds (decrypted): the
# oracle the rebuild check needs ("is this candidate someone's number?").
_ANALYTICS = """
import django, datetime as dt, json
from pathlib import Path
django.setup()
from django.conf import settings
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.monitoring.export import export_tables
from jiuzhu.apps.registry.models import Member
from jiuzhu.pii.crypto import decrypt_field
out = Path(settings.VAR_DIR) / "analytics"
print(export_tables(out / "snapshot", out / "data", dt.date(2026, 11, 15)))
ring = keyring()
ids = [decrypt_field(ring, m.id_number_enc, table="registry_member", column="id_number", row=str(m.uid))
       for m in Member.objects.all()]
ids += [decrypt_field(ring, r.id_number_enc, table=DepartmentRecord._meta.db_table, column="id_number", row=str(r.uid))
        for r in DepartmentRecord.objects.exclude(id_number_enc="")]
(Path(settings.VAR_DIR).parent / "oracle.json").write_text(json.dumps(sorted(set(ids))))
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: Any) -> Path:
    """A demo province in a fresh data directory, and its analytics files kept under var/analytics."""
    var = tmp_path_factory.mktemp("demo") / "var"
    _run(var, "demo", "--households", str(HOUSEHOLDS))
    _run(var, script=_ANALYTICS)
    return var


def _files(var: Path) -> list[Path]:
    return sorted(p for p in var.rglob("*") if p.is_file())


def test_no_id_number_in_clear_anywhere_on_disk(demo: Path) -> None:
    files = _files(demo)
    assert any(p.name == "jiuzhu.sqlite3" for p in files)
    found = {str(p.relative_to(demo)): scan_file(str(p)) for p in files if p.suffix != ".parquet"}
    assert {k: v for k, v in found.items() if v} == {}
    # Parquet is compressed: read the values back and scan them as text.
    for p in (p for p in files if p.suffix == ".parquet"):
        text = json.dumps(pq.ParquetFile(p).read().to_pylist(), default=str, ensure_ascii=False)
        assert find_id_numbers(text) == [], p
        assert find_mobiles(text) == [], p


def _rows(path: Path) -> list[dict[str, Any]]:
    return list(pq.ParquetFile(path).read().to_pylist())


def test_analytics_files_are_pseudonymised(demo: Path) -> None:
    """No masked ID beside a birth date, in one file or across files joined by the person key.

    The snapshot's members carry the birth date (the ages of the determination) under the person
    key; a department table that also carried a registry member's masked ID under the same key
    would give back the full number (ADR 0024).
    """
    oracle = set(json.loads((demo.parent / "oracle.json").read_text()))
    assert len(oracle) > HOUSEHOLDS
    on = dt.date(2026, 11, 15)
    analytics = demo / "analytics"
    births = {r["person_key"]: r["birth_date"] for r in _rows(analytics / "snapshot" / "members.parquet")}
    assert births
    joined = rebuilt = 0
    for path in sorted(analytics.rglob("*.parquet")):
        for row in _rows(path):
            text = json.dumps(row, default=str, ensure_ascii=False)
            rebuilt += len(rebuild(text, oracle.__contains__, on=on))
            key = row.get("person_index") or row.get("person_key")
            if key in births and row.get("masked_id"):
                joined += 1
                rebuilt += len(rebuild(f"{row['masked_id']} {births[key]}", oracle.__contains__, on=on))
    assert joined > 0 and rebuilt == 0


def test_every_file_and_directory_is_owner_only(demo: Path) -> None:
    wrong = []
    for p in [demo, *demo.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if (p.is_dir() and mode != 0o700) or (p.is_file() and mode != 0o600):
            wrong.append(f"{p.relative_to(demo.parent)} {oct(mode)}")
    assert wrong == []


def test_the_release_check_command_passes_on_the_demo(demo: Path) -> None:
    """`jiuzhu manage pii_scan` with its defaults (the database, its WAL, the data directory): clean."""
    out = _run(demo, "manage", "pii_scan")
    assert ": 0 ID numbers in clear, 0 paths readable by others" in out, out


def test_an_old_world_readable_database_is_tightened(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    db = var / "jiuzhu.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    (var / "jiuzhu.sqlite3-wal").write_bytes(b"")
    (var / "jiuzhu.sqlite3-wal").chmod(0o644)
    _run(var, "manage", "check")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE((var / "jiuzhu.sqlite3-wal").stat().st_mode) == 0o600
    assert stat.S_IMODE(var.stat().st_mode) == 0o700


# A database of the version before this one: certificate numbers in clear in the member table and in
# the change records.  Migrating encrypts them (resumably: a run killed half-way is finished by the next)
# and drops the column; nothing readable is left in the file.
_MIGRATE = r"""
import django, importlib, json, uuid, datetime as dt
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
import jiuzhu.pii.crypto as crypto
from jiuzhu.apps.core.keys import ensure_demo_keyring, keyring
ensure_demo_keyring()
call_command("migrate", "registry", "0003", verbosity=0)
apps = MigrationExecutor(connection).loader.project_state(("registry", "0003_member_disability_cert_encrypted")).apps
Region, Household, Member, ChangeRecord = (apps.get_model(*m.split(".")) for m in (
    "core.Region", "registry.Household", "registry.Member", "registry.ChangeRecord"))
for code, level, parent in (("360000", "province", None), ("360100", "city", "360000"), ("360124", "county", "360100"),
                            ("360124100", "township", "360124"), ("360124100001", "village", "360124100")):
    Region.objects.create(code=code, name=code, level=level, parent_id=parent)
h = Household.objects.create(code="H1", county_id="360124", township_id="360124100", village_id="360124100001",
                             area_type="rural", address="x", registered_on=dt.date(2020, 1, 1))
people = ["360124198001010011", "360124197505050020", "360124195607150023"]
for i, pid in enumerate(people):
    m = Member.objects.create(household=h, id_number_enc="x", id_number_index=f"i{i}", id_number_masked="m",
                              name="n", sex="M", birth_date=dt.date(1980, 1, 1), relation="head", hukou_code="360124",
                              work_capacity="full", employment="farming", disability_type="physical",
                              disability_grade=2, disability_cert_no=pid + "42")
    ChangeRecord.objects.create(household=h, object_type="member", object_uid=m.uid, action="create",
                                at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc), after={"disability_cert_no": pid + "42"},
                                changed_fields=["disability_cert_no"])
mig = importlib.import_module("jiuzhu.apps.registry.migrations.0004_encrypt_disability_cert_numbers")
mig.CHUNK = 1
real, calls = crypto.encrypt_field, []
def dying(*a, **k):
    calls.append(1)
    if len(calls) == 2:
        raise SystemError("killed")
    return real(*a, **k)
crypto.encrypt_field = dying
try:
    mig._encrypt_members(Member)
except SystemError:
    pass
crypto.encrypt_field = real
half = sorted(bool(m.disability_cert_no_enc) for m in Member.objects.all())
call_command("migrate", verbosity=0)
call_command("migrate", verbosity=0)  # again: nothing to do, nothing changes
from jiuzhu.apps.registry.models import Member as M, ChangeRecord as C
out = {"half": half, "masked": sorted(m.disability_cert_no_masked for m in M.objects.all()),
       "clear": sorted(crypto.decrypt_field(keyring(), m.disability_cert_no_enc, table="registry_member",
                                            column="disability_cert_no", row=str(m.uid)) for m in M.objects.all()),
       "records": [r.after for r in C.objects.order_by("id")], "fields": [r.changed_fields for r in C.objects.all()]}
connection.close()
print(json.dumps(out))
"""


def test_migrating_an_old_database_encrypts_certificates_and_leaves_nothing_readable(tmp_path: Path) -> None:
    var = tmp_path / "var"
    out = json.loads(_run(var, script=_MIGRATE).strip().splitlines()[-1])
    assert out["half"] == [False, False, True]  # the first chunk was done when the run was killed
    ids = ["360124195607150023", "360124197505050020", "360124198001010011"]
    assert out["clear"] == [i + "42" for i in ids]
    assert out["masked"] == sorted(i[:6] + "********" + i[14:] + "**" for i in ids)
    assert all(set(r) == {"disability_cert_no_masked"} for r in out["records"])
    assert all(f == ["disability_cert_no_masked"] for f in out["fields"])
    leftovers = {p.name: scan_file(str(p)) for p in var.iterdir() if p.name.startswith("jiuzhu.sqlite3")}
    assert {k: v for k, v in leftovers.items() if v} == {}
