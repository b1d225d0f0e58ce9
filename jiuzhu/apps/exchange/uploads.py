"""Uploads awaiting confirmation (issue 14 item 9): keep the file, show the preview, confirm or cancel.

The upload page stores the file under ``var/exchange/uploads/<uuid>`` (never the uploader's
name, U24), runs the import's own validation on it (:func:`~.checking.batch_preview`) and
keeps the masked result.  The officer sees the first rows as parsed, which column went where,
the rows that will fail and why, what was skipped, and confirms — the same file then goes
through :func:`~.services.batch_import`, the same validation again — or cancels.  Only the
uploader sees a pending upload; it is swept after ``JIUZHU_UPLOAD_KEEP_HOURS`` (default 24).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO, Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.jobs.models import Job
from jiuzhu.engine.exchange import UI_LIMITS, display_name, hash_file
from jiuzhu.rules.exchange.sources import SOURCES

from . import jobs
from .checking import batch_preview
from .files import upload_keep_seconds, upload_path, uploads_dir
from .mapping import mapping_digest, mapping_for
from .models import ImportBatch, PendingUpload
from .scope import check_can_upload
from .services import ImportResult, batch_import

_COPY = 1 << 20


def upload_receive(actor: Any, source_key: str, file: IO[bytes], filename: str,
                   period_end: dt.date | None = None) -> PendingUpload:
    """Keep an uploaded file and preview it; nothing is imported yet."""
    source = SOURCES.get(source_key)
    if source is None:
        raise Http404(source_key)
    check_can_upload(actor, source, "ui")
    uid = uuid.uuid4()
    path = upload_path(uid)
    uploads_dir().mkdir(parents=True, exist_ok=True)
    size = 0
    file.seek(0)
    with open(path, "wb") as out:
        while chunk := file.read(_COPY):
            size += len(chunk)
            out.write(chunk)
    with open(path, "rb") as f:
        content_hash = hash_file(f)
    pending = PendingUpload.objects.create(
        uid=uid, source=source.key, department=source.department, filename=display_name(filename or "upload"),
        size=size, content_hash=content_hash, period_end=period_end, uploaded_by=actor)
    upload_refresh(actor, pending)
    audit("exchange.upload_previewed", actor=actor, object_type="pending_upload", object_id=str(pending.uid),
          source=source.key, size=size, content_hash=content_hash,
          rejected=bool(pending.preview.get("rejected")))
    return pending


def pending_get(actor: Any, uid: Any) -> PendingUpload:
    """A pending upload of *actor*'s own, still kept; anything else is 404."""
    try:
        pending = PendingUpload.objects.get(uid=uid, uploaded_by=actor)
    except (PendingUpload.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    age = (timezone.now() - pending.created_at).total_seconds()
    if age > upload_keep_seconds() or not upload_path(pending.uid).exists():
        raise Http404
    return pending


def upload_refresh(actor: Any, pending: PendingUpload) -> dict[str, Any]:
    """Preview the kept file again (with the mapping in force now) and keep the masked result."""
    mapping = mapping_for(pending.source, pending.department)
    preview = batch_preview(actor, pending.source, upload_path(pending.uid), pending.filename, limits=UI_LIMITS,
                            mapping=mapping, period_end=pending.period_end)
    pending.preview = preview.to_dict(max_errors=200)
    pending.mapping_digest = mapping_digest(mapping)
    pending.save(update_fields=["preview", "mapping_digest"])
    return dict(pending.preview)


def upload_preview(actor: Any, pending: PendingUpload) -> dict[str, Any]:
    """The preview to show: recomputed if the department's mapping changed since."""
    if pending.mapping_digest != mapping_digest(mapping_for(pending.source, pending.department)):
        return upload_refresh(actor, pending)
    return dict(pending.preview)


def upload_confirm(actor: Any, pending: PendingUpload) -> ImportResult:
    """Import the kept file (the same validation again), then forget it."""
    path = upload_path(pending.uid)
    result = batch_import(actor, pending.source, path, pending.filename, "ui", limits=UI_LIMITS,
                          department=pending.department, period_end=pending.period_end)
    _forget(actor, pending, "exchange.upload_confirmed", batch=result.batch.pk)
    return result


def upload_confirm_large(actor: Any, pending: PendingUpload) -> ImportBatch | Job | None:
    """A kept file over the background size is imported by a job (the answer is its page): the
    queued job, or the batch when this very file was imported before; None for a small file."""
    path = upload_path(pending.uid)
    if not jobs.in_background(path.stat().st_size):
        return None
    with path.open("rb") as f:
        queued = jobs.queue_import(actor, pending.source, f, pending.filename, "ui",
                                   department=pending.department, period_end=pending.period_end)
    extra = {"job": queued.pk} if isinstance(queued, Job) else {"batch": queued.pk}
    _forget(actor, pending, "exchange.upload_confirmed", **extra)
    return queued


def upload_cancel(actor: Any, pending: PendingUpload) -> None:
    _forget(actor, pending, "exchange.upload_cancelled")


def _forget(actor: Any, pending: PendingUpload, event: str, **extra: Any) -> None:
    with transaction.atomic():
        uid = str(pending.uid)
        PendingUpload.objects.filter(pk=pending.pk).delete()
        audit(event, actor=actor, object_type="pending_upload", object_id=uid, source=pending.source, **extra)
    upload_path(pending.uid).unlink(missing_ok=True)
