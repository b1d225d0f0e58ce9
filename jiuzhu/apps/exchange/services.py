"""Writes of the exchange app: importing a department file as one batch.

``batch_import`` is the one pipeline behind the upload page, the API and ``jiuzhu import``:

1. **Identity first.**  The SM3 of the bytes is computed before anything else; a batch with
   the same (source, hash) that is already committed or rejected is returned unchanged
   (R22, C2).  A batch left ``received``/``validated``/``failed`` by a crash or a database
   error is *resumed*: the file is processed again from the start.
2. **Validate outside the transaction** (streaming, bounded memory): valid rows are staged
   to a temporary file, errors go to the XLSX row-error report (stored under a UUID name).
   Region codes are checked against the uploader's scope; out-of-scope codes are row errors
   *and* a security audit event (U21).
3. **Commit in one transaction**: department records (identifiers encrypted, blind-indexed),
   assistance-chain entries and registry conflicts, then the state ``committed``.  Killing
   the process at any point leaves either nothing or the whole batch (K1); a database error
   rolls back and marks the batch ``failed`` (K4), retryable by importing the file again.

State changes are audited.  ``JIUZHU_EXCHANGE_DIE_AFTER=N`` (test harness only) kills the
process with SIGKILL after N rows have been validated or stored.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import signal
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import region_in_scope, require
from jiuzhu.apps.registry.models import Member
from jiuzhu.engine.exchange import (
    UI_LIMITS,
    ExchangeFileError,
    Limits,
    MemoryKeyTracker,
    PartitionedKeyTracker,
    RowError,
    Validator,
    display_name,
    hash_file,
    open_table,
    write_error_report,
)
from jiuzhu.engine.exchange.columnar import staging_schema
from jiuzhu.engine.exchange.staging import StagingFile
from jiuzhu.pii.crypto import Keyring, blind_index, encrypt_field
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.exchange.sources import PROGRAMMES, SOURCES, Source

from .chain import CHAIN, COMPARISONS, event_date, registry_value
from .choices import TERMINAL_STATES, BatchState, OutboxState
from .models import AssistanceRecord, DepartmentRecord, ImportBatch, OutboxMessage, RegistryConflict

UPLOAD = "upload_data"
VIEW = "view_exchange"
CHUNK = 500
COMMIT_CHUNK = 5000  # rows stored per set-based write (one lookup, one COPY / executemany each)
PREVIEW_ERRORS = 200
RECORD_TABLE = DepartmentRecord._meta.db_table


# --------------------------------------------------------------------------- helpers


def exchange_dir() -> Path:
    """Where reports and staging files live (``JIUZHU_EXCHANGE_DIR``, default ``var/exchange``)."""
    return Path(getattr(settings, "JIUZHU_EXCHANGE_DIR", None) or Path(settings.VAR_DIR) / "exchange")


def report_path(batch: ImportBatch) -> Path | None:
    """The batch's error report on disk (a UUID name, never the uploader's file name: U24)."""
    if not batch.error_report:
        return None
    return exchange_dir() / "reports" / batch.error_report


STALE_TEMP_SECONDS = 6 * 3600  # no import or report takes this long; older temp files are debris


def sweep_stale_temp(max_age: float = STALE_TEMP_SECONDS, now: float | None = None) -> int:
    """Delete temporary files left by a killed process (RELIABILITY K2); returns how many.

    Reports are written to ``<uuid>.part`` and renamed into place, so a report is either
    complete or absent (the download serves only the final name); staging files and key
    trackers live in ``tmp/`` and vanish on close, but not on ``kill -9``.  Only files older
    than *max_age* are removed, so a file being written by a running import is left alone.
    """
    now = time.time() if now is None else now
    removed = 0
    base = exchange_dir()
    candidates = [*(base / "reports").glob("*.part"), *(base / "tmp").glob("*")]
    for path in candidates:
        try:
            if path.is_file() and now - path.stat().st_mtime > max_age:
                path.unlink()
                removed += 1
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
    return removed


def allowed_sources(actor: Any) -> list[Source]:
    """The feeds *actor* may upload: a department user only its own department's."""
    if actor is None:
        return list(SOURCES.values())
    if not actor.has_capability(UPLOAD):
        return []
    if actor.role == Role.DEPARTMENT:
        return [s for s in SOURCES.values() if s.department == actor.department]
    return list(SOURCES.values())


def _check_can_upload(actor: Any, source: Source, channel: str) -> None:
    if actor is None:  # the command line, run by an operator on the server
        return
    if not (actor.is_authenticated and actor.has_capability(UPLOAD)) or (
        actor.role == Role.DEPARTMENT and actor.department != source.department
    ):
        audit("exchange.upload_denied", actor=actor, object_type="source", object_id=source.key,
              outcome="denied", channel=channel)
        raise PermissionDenied(UPLOAD)


class _Hook:
    """The crash-test harness: SIGKILL after N rows (``JIUZHU_EXCHANGE_DIE_AFTER``)."""

    def __init__(self) -> None:
        self.left = int(os.environ.get("JIUZHU_EXCHANGE_DIE_AFTER", "0") or 0)

    def tick(self, n: int = 1) -> None:
        if self.left:
            self.left = max(self.left - n, 0)
            if self.left == 0:
                os.kill(os.getpid(), signal.SIGKILL)


class _Stage:
    """Rows written as pickled chunks to a temporary file (our own data, read back by us)."""

    def __init__(self) -> None:
        d = exchange_dir() / "tmp"
        d.mkdir(parents=True, exist_ok=True)
        self._f = tempfile.TemporaryFile(dir=d)  # noqa: SIM115 - closed in close()
        self._buf: list[Any] = []
        self.count = 0

    def add(self, item: Any) -> None:
        self._buf.append(item)
        self.count += 1
        if len(self._buf) >= CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            pickle.dump(self._buf, self._f, protocol=pickle.HIGHEST_PROTOCOL)
            self._buf = []

    def chunks(self) -> Iterator[list[Any]]:
        self._flush()
        self._f.seek(0)
        while True:
            try:
                yield pickle.load(self._f)  # noqa: S301 - written by this process just now
            except EOFError:
                return

    def items(self) -> Iterator[Any]:
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        self._f.close()


class _RegionCheck:
    """``region_ok`` for the validator: known, current, and inside the uploader's scope (U21)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.cache: dict[str, bool] = {}
        self.out_of_scope: set[str] = set()

    def __call__(self, code: str) -> bool:
        if code not in self.cache:
            self.cache[code] = self._check(code)
        return self.cache[code]

    def _check(self, code: str) -> bool:
        region = Region.objects.filter(code=code).only("code", "valid_to").first()
        if region is None or region.valid_to is not None:
            return False
        actor = self.actor
        if actor is None or actor.region_id is None and actor.role == Role.DEPARTMENT:
            return True  # the command line, or a provincial department
        if actor.region is not None and actor.region.level == "province":
            return True
        if region_in_scope(actor, code):
            return True
        self.out_of_scope.add(code)
        return False


@dataclass
class ImportResult:
    batch: ImportBatch
    created: bool  # False: this file had already been imported (or rejected); nothing changed


@dataclass
class _Validated:
    rows: StagingFile
    drop: frozenset[tuple[str | None, int]]


# --------------------------------------------------------------------------- the pipeline


def batch_import(
    actor: Any,
    source_key: str,
    file: IO[bytes] | str | os.PathLike[str],
    filename: str,
    channel: str,
    limits: Limits = UI_LIMITS,
    today: dt.date | None = None,
) -> ImportResult:
    """Import one department file as a batch; see the module docstring."""
    source = SOURCES.get(source_key)
    if source is None:
        raise Http404(source_key)
    _check_can_upload(actor, source, channel)
    sweep_stale_temp()
    owns = not hasattr(file, "read")
    f: IO[bytes] = open(file, "rb") if owns else file  # type: ignore[arg-type,assignment]  # noqa: SIM115
    try:
        content_hash = hash_file(f)
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
        batch, created = _receive(actor, source, content_hash, size, filename, channel)
        if batch.state in TERMINAL_STATES:
            audit("exchange.batch_duplicate", actor=actor, object_type="import_batch", object_id=batch.pk,
                  source=source.key, state=batch.state, channel=channel)
            return ImportResult(batch, False)
        hook = _Hook()
        validated = _validate(actor, batch, source, f, filename, limits, today, hook)
        if validated is None:
            return ImportResult(batch, True)
        try:
            batch = _commit(actor, batch, source, validated, hook)
        except DatabaseError as err:
            _fail(actor, batch, err)
        finally:
            validated.rows.close()
        return ImportResult(batch, created)
    finally:
        if owns:
            f.close()


def _receive(actor: Any, source: Source, content_hash: str, size: int, filename: str,
             channel: str) -> tuple[ImportBatch, bool]:
    defaults = {
        "department": source.department, "channel": channel, "filename": display_name(filename or "upload"),
        "size": size, "uploaded_by": actor if actor is not None and actor.pk else None,
    }
    with transaction.atomic():
        try:
            with transaction.atomic():
                batch, created = ImportBatch.objects.get_or_create(
                    source=source.key, content_hash=content_hash, defaults=defaults)
        except IntegrityError:  # the same file arrived at the same moment (C2)
            batch, created = ImportBatch.objects.get(source=source.key, content_hash=content_hash), False
        if created:
            audit("exchange.batch_received", actor=actor, object_type="import_batch", object_id=batch.pk,
                  source=source.key, channel=channel, size=size, content_hash=content_hash)
        elif batch.state not in TERMINAL_STATES:
            previous = batch.state
            batch.state = BatchState.RECEIVED
            batch.save(update_fields=["state"])
            audit("exchange.batch_resumed", actor=actor, object_type="import_batch", object_id=batch.pk,
                  source=source.key, channel=channel, previous_state=previous)
    return batch, created


def _validate(actor: Any, batch: ImportBatch, source: Source, f: IO[bytes], filename: str, limits: Limits,
              today: dt.date | None, hook: _Hook) -> _Validated | None:
    """Stream the file through the validator; stage valid rows; write the report.

    Returns None when the file as a whole was rejected (the batch is then final).
    """
    region_ok = _RegionCheck(actor)
    errors = _Stage()
    rows = StagingFile(staging_schema(source), exchange_dir() / "tmp")
    preview: list[dict[str, object]] = []

    def note(err: RowError) -> None:
        errors.add(err)
        if len(preview) < PREVIEW_ERRORS:
            preview.append(err.to_dict())

    file_error: ExchangeFileError | None = None
    drop: frozenset[tuple[str | None, int]] = frozenset()
    rows_seen = rows_valid = rows_invalid = 0
    fmt = ""
    try:
        try:
            reader = open_table(source, f, filename=filename, limits=limits)
        except ExchangeFileError as e:
            file_error = e
        else:
            with reader:
                fmt = reader.format
                tracker = (PartitionedKeyTracker(str(exchange_dir() / "tmp")) if limits.max_rows > 1_000_000
                           else MemoryKeyTracker())
                v = Validator(source, region_ok=region_ok, today=today, spreadsheet=reader.float_cells,
                              columns=reader.columns, key_tracker=tracker)
                try:
                    # Column-wise per block (CSV), row by row otherwise; valid rows are staged
                    # as typed Arrow batches (jiuzhu.engine.exchange.staging).
                    for vb in v.batches(reader):
                        hook.tick(vb.rows)
                        rows.add(vb.valid)
                        for err in vb.errors:
                            note(err)
                except ExchangeFileError as e:  # found mid-stream (a second header row...)
                    file_error = e
                report = v.finish()
                if file_error is None:
                    for err in report.errors:
                        note(err)
                    drop = report.drop
                    rows_seen, rows_valid, rows_invalid = v.rows_seen, v.rows_valid, v.rows_invalid
        if file_error is not None:
            errors.close()
            errors = _Stage()
            errors.add(file_error.as_row_error())
            preview = [file_error.as_row_error().to_dict()]
            rows.close()
        if region_ok.out_of_scope:
            audit("exchange.region_out_of_scope", actor=actor, object_type="import_batch", object_id=batch.pk,
                  outcome="denied", source=source.key, region_codes=sorted(region_ok.out_of_scope)[:50])
        if errors.count:
            if not batch.error_report:
                batch.error_report = f"{uuid.uuid4()}.xlsx"
            path = report_path(batch)
            assert path is not None
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            write_error_report(errors.items(), tmp)
            tmp.replace(path)
    finally:
        errors.close()
    now = timezone.now()
    with transaction.atomic():
        batch.file_format = fmt
        batch.errors_total = errors.count
        batch.errors_preview = preview
        batch.validated_at = now
        if file_error is not None:
            batch.state = BatchState.REJECTED
            batch.finished_at = now
            batch.file_error = file_error.message_zh[:300]
            batch.rows_total = batch.rows_valid = 0
            batch.rows_error = 0
        else:
            batch.state = BatchState.VALIDATED
            batch.file_error = ""
            batch.rows_total, batch.rows_valid, batch.rows_error = rows_seen, rows_valid, rows_invalid
        batch.save()
        audit(f"exchange.batch_{batch.state}", actor=actor, object_type="import_batch", object_id=batch.pk,
              source=source.key, rows=batch.rows_total, valid=batch.rows_valid, errors=batch.errors_total,
              code=file_error.code if file_error else "")
    if file_error is not None:
        return None
    return _Validated(rows, drop)


def _fail(actor: Any, batch: ImportBatch, err: Exception) -> None:
    """K4: the commit was rolled back; record FAILED (retryable) in a fresh transaction."""
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk).update(state=BatchState.FAILED, finished_at=timezone.now())
        audit("exchange.batch_failed", actor=actor, object_type="import_batch", object_id=batch.pk,
              outcome="error", source=batch.source, error=type(err).__name__)
    batch.refresh_from_db()


# --------------------------------------------------------------------------- commit


def _canon(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _json(value: object) -> object:
    if isinstance(value, (dt.date, Decimal)):
        return _canon(value)
    return value


def person_field(source: Source) -> str:
    """The field identifying the person a record is about (``id_number``, or the first ID field)."""
    if "id_number" in source.field_names:
        return "id_number"
    return next(f.name for f in source.fields if f.type == "id_number")


def _commit(actor: Any, batch: ImportBatch, source: Source, validated: _Validated, hook: _Hook) -> ImportBatch:
    ring = keyring()
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.state in TERMINAL_STATES:  # another process committed the same file meanwhile
            return locked
        counts = {"new": 0, "updated": 0, "unchanged": 0, "assistance": 0, "conflicts": 0}
        pending: list[Any] = []
        for item in validated.rows.items():
            if (item[0], item[1]) in validated.drop:
                continue
            pending.append(item)
            hook.tick()
            if len(pending) >= COMMIT_CHUNK:
                _store(ring, locked, source, pending, counts)
                pending = []
        _store(ring, locked, source, pending, counts)
        locked.state = BatchState.COMMITTED
        locked.finished_at = timezone.now()
        locked.rows_new, locked.rows_updated, locked.rows_unchanged = (
            counts["new"], counts["updated"], counts["unchanged"])
        locked.save()
        audit("exchange.batch_committed", actor=actor, object_type="import_batch", object_id=locked.pk,
              source=source.key, **counts)
    return locked


def _store(ring: Keyring, batch: ImportBatch, source: Source, items: list[Any], counts: dict[str, int]) -> None:
    """Store one chunk of valid rows: records, chain entries, conflicts."""
    if not items:
        return
    pfield = person_field(source)
    dates = tuple(f.name for f in source.fields if f.type == "date")
    prepared = []
    for _sheet, _row, values, flags in items:
        key = "\x1f".join(_canon(values[k]) for k in source.natural_key)
        everything = "\x1f".join(_canon(values[k]) for k in source.field_names)
        prepared.append((
            blind_index(ring, key, purpose=f"exchange.key.{source.key}"),
            blind_index(ring, everything, purpose=f"exchange.values.{source.key}"),
            blind_index(ring, str(values[pfield]), purpose="id_number"),
            values, flags,
        ))
    existing = {
        k: (pk, uid, vd) for k, pk, uid, vd in DepartmentRecord.objects.filter(
            source=source.key, key_digest__in=[p[0] for p in prepared]).values_list(
            "key_digest", "id", "uid", "values_digest")
    }
    members = {
        m["id_number_index"]: m for m in Member.objects.filter(
            id_number_index__in={p[2] for p in prepared}).values(
            "id", "household_id", "id_number_index", "disability_type", "disability_grade", "school_stage")
    }
    new: list[DepartmentRecord] = []
    changed: list[DepartmentRecord] = []
    for key_digest, values_digest, pidx, values, flags in prepared:
        old = existing.get(key_digest)
        if old is not None and old[2] == values_digest:
            counts["unchanged"] += 1
            continue
        uid = old[1] if old is not None else uuid.uuid4()
        upgraded = f"{pfield}:upgraded_from_15" in flags
        # U6: a number upgraded from 15 digits is never auto-matched with a registry member.
        member = None if upgraded else members.get(pidx)
        secrets = {
            name: encrypt_field(ring, str(values[name]), table=RECORD_TABLE, column=name, row=str(uid))
            for name in source.encrypt if name != pfield and values.get(name) is not None
        }
        rec = DepartmentRecord(
            id=old[0] if old is not None else None, uid=uid, source=source.key, department=source.department,
            batch=batch, key_digest=key_digest, values_digest=values_digest, person_index=pidx,
            id_number_enc=encrypt_field(ring, str(values[pfield]), table=RECORD_TABLE, column=pfield, row=str(uid)),
            id_number_masked=mask_id_number(str(values[pfield])), id_upgraded_from_15=upgraded,
            secrets_enc=secrets,
            payload={k: _json(v) for k, v in values.items() if k not in source.encrypt},
            event_date=event_date(values, dates),
            member_id=member["id"] if member else None, household_id=member["household_id"] if member else None,
        )
        (changed if old is not None else new).append(rec)
    # Set-based (core.bulkwrite): COPY / UPDATE … FROM on PostgreSQL, executemany on SQLite.
    bulkwrite.create(DepartmentRecord, new)
    if changed:
        bulkwrite.update(DepartmentRecord, changed, [
            "batch", "values_digest", "person_index", "id_number_enc", "id_number_masked", "id_upgraded_from_15",
            "secrets_enc", "payload", "event_date", "member", "household", "updated_at"])
        AssistanceRecord.objects.filter(record_id__in=[r.id for r in changed]).delete()
    counts["new"] += len(new)
    counts["updated"] += len(changed)
    stored = new + changed
    ids = {rec.uid: rec.pk for rec in stored}
    by_key = {p[0]: p[3] for p in prepared}
    values_by_uid = {rec.uid: by_key[rec.key_digest] for rec in stored}
    _chain(batch, source, stored, ids, values_by_uid, counts)
    _conflicts(batch, source, stored, ids, values_by_uid, members, counts)


def _chain(batch: ImportBatch, source: Source, stored: list[DepartmentRecord], ids: dict[Any, int],
           values_by_uid: dict[Any, dict[str, Any]], counts: dict[str, int]) -> None:
    mapping = CHAIN.get(source.key) if source.programme in PROGRAMMES else None
    if mapping is None:
        return
    entries = []
    for rec in stored:
        values = values_by_uid[rec.uid]
        if not mapping.applies(values):
            continue
        entries.append(AssistanceRecord(
            person_index=rec.person_index, member_id=rec.member_id, household_id=rec.household_id,
            programme=source.programme, department=source.department, source=source.key,
            fact_key=rec.key_digest, batch=batch, record_id=ids[rec.uid], **mapping.entry(values),
        ))
    bulkwrite.create(AssistanceRecord, entries)
    counts["assistance"] += len(entries)


def _conflicts(batch: ImportBatch, source: Source, stored: list[DepartmentRecord], ids: dict[Any, int],
               values_by_uid: dict[Any, dict[str, Any]], members: dict[str, dict[str, Any]],
               counts: dict[str, int]) -> None:
    compare = COMPARISONS.get(source.key)
    if compare is None:
        return
    by_id = {m["id"]: m for m in members.values()}
    out = []
    for rec in stored:
        if rec.member_id is None:
            continue
        member = by_id[rec.member_id]
        for field, dept_value in compare(values_by_uid[rec.uid]).items():
            reg = registry_value(member, field)
            if dept_value != reg:
                out.append(RegistryConflict(member_id=rec.member_id, field=field, registry_value=reg,
                                            department_value=dept_value, source=source.key, batch=batch,
                                            record_id=ids[rec.uid]))
    bulkwrite.create_missing(RegistryConflict, out, ["member_id", "field", "source", "department_value"])
    counts["conflicts"] += len(out)


# --------------------------------------------------------------------------- outbox operations

OUTBOX_OPERATOR_ROLES = frozenset({Role.PROVINCE, Role.COUNTY})


def outbox_ack(actor: Any, keys: list[str], now: dt.datetime | None = None) -> dict[str, list[str]]:
    """A department acknowledges messages (asynchronous acks): only its own department's.

    Returns ``{"acked": [...], "unknown": [...]}``; keys of other departments count as unknown
    (their existence is not revealed).  Acknowledging twice is harmless, and a message given up
    on whose answer was lost is acknowledged too (the department has it).
    """
    if actor is None or not actor.is_authenticated or actor.role != Role.DEPARTMENT or not actor.department:
        raise PermissionDenied("department")
    now = now or timezone.now()
    acked: list[str] = []
    with transaction.atomic():
        rows = {m.key: m for m in OutboxMessage.objects.select_for_update().filter(
            key__in=keys, department=actor.department)}
        for key in keys:
            m = rows.get(key)
            if m is None:
                continue
            if m.state != OutboxState.ACKED:
                m.state, m.acked_at, m.next_attempt_at = OutboxState.ACKED, now, None
                m.delivered_at = m.delivered_at or now
                m.save(update_fields=["state", "acked_at", "next_attempt_at", "delivered_at"])
            acked.append(key)
        unknown = [k for k in keys if k not in acked]
        audit("exchange.outbox_ack", actor=actor, object_type="department", object_id=actor.department,
              acked=len(acked), unknown=len(unknown))
    return {"acked": acked, "unknown": unknown}


def outbox_retry(actor: Any, pk: int, now: dt.datetime | None = None) -> Any:
    """An operator sends a ``dead`` message again: attempts reset, due now."""
    require(actor, VIEW)
    if actor.role not in OUTBOX_OPERATOR_ROLES:
        raise Http404
    with transaction.atomic():
        try:
            m = OutboxMessage.objects.select_for_update().get(pk=pk)
        except OutboxMessage.DoesNotExist as exc:
            raise Http404 from exc
        if m.state != OutboxState.DEAD:
            raise ValidationError(_("Only messages given up on can be retried."))
        m.state, m.attempts, m.next_attempt_at = OutboxState.PENDING, 0, now or timezone.now()
        m.save(update_fields=["state", "attempts", "next_attempt_at"])
        audit("exchange.outbox_retry", actor=actor, object_type="outbox_message", object_id=m.pk,
              department=m.department, topic=m.topic, last_error=m.last_error[:100])
    return m
