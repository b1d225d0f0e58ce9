"""The audit log proves itself (RELIABILITY R11, ADR 0022).

Each ``AuditEvent`` row carries ``chain_hash = HMAC-SM3(k, previous row's chain_hash ||
canonical(row))``, with ``k`` derived from the keyring's index key (never stored in the
database).  Appends are serialised (a PostgreSQL advisory lock held to commit; SQLite's
IMMEDIATE transactions lock the database), so the chain is linear in id order.

- An edited row no longer matches its hash; a row inserted directly cannot carry a
  valid hash without the key; a deleted row breaks the hash of the row after it.
- An *anchor* (``jiuzhu audit anchor``, run periodically) signs the head (last id and
  hash) into ``core_auditanchor`` and appends it to a file outside the database, so
  removing the newest rows (or anchors) shows as well.
- ``jiuzhu audit archive`` moves rows older than the online period to a signed file and
  records an "archive" anchor; the chain stays verifiable from it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hmac as std_hmac
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .keys import keyring
from .models import AuditAnchor, AuditEvent
from .triggers import create_statements, drop_statements

GENESIS = "0" * 64
# pg_advisory_xact_lock key: one lock for every audit append ("jiuzhu" in hex).
_PG_LOCK = 0x6A69757A6875
FIELDS = ("at", "actor_id", "actor_username", "role", "region_code", "ip", "request_id", "event",
          "object_type", "object_id", "outcome", "detail")
CHUNK = 5000


def _key() -> bytes:
    return _hmac(keyring().index_key, b"jiuzhu audit chain v1")


def _hmac(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def _sm3_file(path: Path) -> str:
    digest = hashes.Hash(hashes.SM3())
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.finalize().hex()


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_REST = tuple(f for f in FIELDS if f not in ("at", "actor_id"))
_KEYED = threading.local()  # per thread: a keyed HMAC is copied per row, never shared across threads


def canonical(row: dict[str, Any]) -> bytes:
    """One byte form per row: what the database returns must hash as what was written.

    A JSON list in FIELDS order (the time in UTC, ISO 8601; ``detail`` with sorted keys).
    """
    at = row["at"]
    if at.utcoffset():
        at = at.astimezone(dt.UTC)
    actor = row["actor_id"]
    return _ENCODER.encode([at.isoformat(), None if actor is None else int(actor),
                            *[row[f] for f in _REST]]).encode("utf-8")


def row_hash(key: bytes, previous: str, row: dict[str, Any]) -> str:
    cache = _KEYED.__dict__
    base = cache.get(key)
    if base is None:  # keyed once, copied per row: about half the cost of a new HMAC
        base = cache[key] = crypto_hmac.HMAC(key, hashes.SM3())
    mac = base.copy()
    mac.update(previous.encode("ascii") + b"|" + canonical(row))
    return mac.finalize().hex()


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK])


def _head() -> str:
    last = AuditEvent.objects.order_by("-id").values_list("chain_hash", flat=True).first()
    if last:
        return last
    archived = AuditAnchor.objects.filter(kind="archive").order_by("-last_id").values_list("last_hash", flat=True)
    return archived.first() or GENESIS


def append(event: AuditEvent) -> AuditEvent:
    """Insert one event as the chain's new head (inside the caller's transaction, if any)."""
    with transaction.atomic():
        _lock()
        previous = _head()
        # Microseconds only, the precision every backend stores.
        event.at = timezone.now()
        # Stored as the database will return it (JSON keys become text, tuples lists).
        event.detail = json.loads(json.dumps(event.detail))
        event.chain_hash = row_hash(_key(), previous, {f: getattr(event, f) for f in FIELDS})
        event.save()
    return event


# ---- anchors -----------------------------------------------------------------------------------

def _anchor_payload(a: AuditAnchor) -> bytes:
    return json.dumps([a.at.astimezone(dt.UTC).isoformat(), a.kind, a.last_id, a.last_hash, a.rows,
                       a.archive_file, a.archive_sm3], separators=(",", ":")).encode()


def _sign(a: AuditAnchor) -> str:
    return _hmac(_key(), b"anchor|" + _anchor_payload(a)).hex()


def anchors_file() -> Path:
    return Path(settings.JIUZHU_AUDIT_DIR) / "anchors.jsonl"


def _write_anchor(a: AuditAnchor) -> None:
    path = anchors_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"id": a.pk, "at": a.at.isoformat(), "kind": a.kind, "last_id": a.last_id,
                       "last_hash": a.last_hash, "rows": a.rows, "archive_file": a.archive_file,
                       "archive_sm3": a.archive_sm3, "signature": a.signature})
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def anchor() -> AuditAnchor:
    """Sign the current head into the anchors table and file (run periodically, e.g. hourly)."""
    with transaction.atomic():
        _lock()
        head = AuditEvent.objects.order_by("-id").values("id", "chain_hash").first()
        a = AuditAnchor(at=timezone.now(), kind="anchor", last_id=head["id"] if head else 0,
                        last_hash=head["chain_hash"] if head else _head(), rows=AuditEvent.objects.count())
        a.signature = _sign(a)
        a.save()
    _write_anchor(a)
    return a


# ---- verification ------------------------------------------------------------------------------

@dataclass
class Problem:
    row_id: int | None
    at: dt.datetime | None
    reason: str

    def describe(self) -> str:
        where = f"row {self.row_id}" if self.row_id is not None else "anchors"
        when = f" ({self.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)" if self.at else ""
        return f"{where}{when}: {self.reason}"


@dataclass
class Verification:
    rows: int
    legacy_rows: int
    anchors: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(after: int) -> Iterator[dict[str, Any]]:
    last = after
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last).order_by("id").values("id", "chain_hash", *FIELDS)[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]["id"]


def _check_anchors(key: bytes) -> tuple[list[AuditAnchor], Problem | None]:
    anchors = list(AuditAnchor.objects.order_by("id"))
    for a in anchors:
        if not std_hmac.compare_digest(a.signature, _hmac(key, b"anchor|" + _anchor_payload(a)).hex()):
            return anchors, Problem(None, a.at, f"anchor {a.pk} has a bad signature (edited in the database)")
    path = anchors_file()
    in_file: dict[int, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                in_file[int(entry["id"])] = entry
    in_table = {a.pk: a for a in anchors}
    for pk, entry in sorted(in_file.items()):
        a = in_table.get(pk)
        if a is None or a.signature != entry["signature"]:
            return anchors, Problem(int(entry["last_id"]), None,
                                    f"anchor {pk} of the anchors file is missing or different in the database")
    return anchors, None


def verify() -> Verification:
    """Walk the whole chain in id order (in chunks); the first row that does not match is named."""
    key = _key()
    anchors, problem = _check_anchors(key)
    archives = [a for a in anchors if a.kind == "archive"]
    start_id, previous = (archives[-1].last_id, archives[-1].last_hash) if archives else (0, GENESIS)
    expected_at = {a.last_id: a for a in anchors if a.kind == "anchor" and a.last_id > start_id}
    rows = legacy = 0
    chained = False
    if problem is None:
        for row in _rows(start_id):
            rows += 1
            stored = row["chain_hash"]
            if not stored and not chained and not archives:
                legacy += 1  # written before the chain existed (migration 0003); reported, not chained
                continue
            chained = True
            if not std_hmac.compare_digest(stored or "", row_hash(key, previous, row)):
                problem = Problem(row["id"], row["at"], "does not match the chain: this row was changed or "
                                  "inserted directly, or the row before it was deleted")
                break
            a = expected_at.pop(row["id"], None)
            if a is not None and a.last_hash != stored:
                problem = Problem(row["id"], row["at"], f"differs from anchor {a.pk}")
                break
            previous = stored
    if problem is None and expected_at:
        a = min(expected_at.values(), key=lambda x: x.last_id)
        problem = Problem(a.last_id, a.at, f"row signed by anchor {a.pk} is missing (rows were deleted)")
    return Verification(rows=rows, legacy_rows=legacy, anchors=len(anchors), problem=problem)


# ---- retention ---------------------------------------------------------------------------------

def archive(*, now: dt.datetime | None = None) -> AuditAnchor | None:
    """Move rows older than the online period to a signed gzip JSON-lines file, then remove them.

    The chain is verified first (a broken chain is never archived); the archive anchor keeps
    the last archived hash, from which the remaining rows still verify.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.JIUZHU_AUDIT_ONLINE_DAYS)
    last_id = AuditEvent.objects.filter(at__lt=cutoff).order_by("-id").values_list("id", flat=True).first()
    if last_id is None:
        return None
    check = verify()
    if not check.ok:
        raise RuntimeError(f"the audit chain is broken, nothing archived: {check.problem.describe()}")  # type: ignore[union-attr]
    directory = Path(settings.JIUZHU_AUDIT_DIR) / "archive"
    directory.mkdir(parents=True, exist_ok=True)
    first_id = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    name = f"audit-{first_id:012d}-{last_id:012d}.jsonl.gz"
    path = directory / name
    tmp = path.with_suffix(".tmp")
    count, last_hash = 0, ""
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        for row in _rows((first_id or 1) - 1):
            if row["id"] > last_id:
                break
            plain = {f: row[f] for f in FIELDS} | {"at": row["at"].astimezone(dt.UTC).isoformat()}
            out.write(json.dumps({"id": row["id"], "chain_hash": row["chain_hash"], "row": plain},
                                 ensure_ascii=False) + "\n")
            count, last_hash = count + 1, row["chain_hash"]
    os.replace(tmp, path)
    os.chmod(path, 0o400)
    with transaction.atomic():
        _lock()
        a = AuditAnchor(at=now, kind="archive", last_id=last_id, last_hash=last_hash, rows=count,
                        archive_file=name, archive_sm3=_sm3_file(path))
        a.signature = _sign(a)
        a.save()
        with _append_only_suspended():
            AuditEvent.objects.filter(id__lte=last_id).delete()
    _write_anchor(a)
    return a


class _append_only_suspended:
    """Lift the append-only triggers inside the current transaction (archiving only)."""

    def __enter__(self) -> None:
        with connection.cursor() as cur:
            for sql in drop_statements(connection.vendor):
                cur.execute(sql)

    def __exit__(self, *exc: object) -> None:
        with connection.cursor() as cur:
            for sql in create_statements(connection.vendor):
                cur.execute(sql)


def verify_archive(path: Path) -> tuple[int, str]:
    """Check an archive file against its anchor: (rows, problem or "")."""
    a = AuditAnchor.objects.filter(kind="archive", archive_file=path.name).first()
    if a is None:
        return 0, "no archive anchor names this file"
    if _sm3_file(path) != a.archive_sm3:
        return 0, "the file's SM3 differs from its anchor"
    key, n = _key(), 0
    before = (AuditAnchor.objects.filter(kind="archive", last_id__lt=a.last_id).order_by("-last_id")
              .values_list("last_hash", flat=True).first())
    previous = before or GENESIS
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            n += 1
            row = entry["row"]
            if not entry["chain_hash"] and before is None:
                continue  # legacy rows written before the chain existed
            row["at"] = dt.datetime.fromisoformat(row["at"])
            if row_hash(key, previous, row) != entry["chain_hash"]:
                return n, f"row {entry['id']} does not match the chain"
            previous = entry["chain_hash"]
    return n, "" if previous == a.last_hash else "the last row differs from the anchor"
