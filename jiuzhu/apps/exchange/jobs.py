"""Large department files are imported by a job (jiuzhu.apps.jobs): the upload answers at once.

A file larger than ``JIUZHU_JOBS["import_background_bytes"]`` is spooled under a UUID name
(``exchange/queued/``) and the job ``exchange.import`` runs the one import pipeline
(``services.batch_import``: validate, then commit atomically; resumable by the file's hash) in
the worker.  The job's scope is (source, file hash): the same file sent twice at once runs
once.  A file imported before answers at once with its batch, as a small upload does.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.jobs.kinds import Phase, register
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.engine.exchange import UI_LIMITS, display_name, hash_file
from jiuzhu.rules.exchange.sources import SOURCES

from . import services
from .choices import TERMINAL_STATES
from .models import IdempotencyRecord, ImportBatch


def in_background(size: int) -> bool:
    return size > int(settings.JIUZHU_JOBS["import_background_bytes"])


def queued_dir() -> Path:
    d = services.exchange_dir() / "queued"
    d.mkdir(parents=True, exist_ok=True)
    return d


def queue_import(actor: Any, source: str, f: IO[bytes], filename: str, channel: str,
                 idempotency_record: int | None = None) -> ImportBatch | Job:
    """The batch, if this file was imported before; else a queued ``exchange.import`` job (JobRefused if
    the same file is being imported right now — its job is ``err.job``)."""
    spec = SOURCES.get(source)
    if spec is None:
        raise RefusedError("source", "未知的数据源", "Unknown data source")
    services._check_can_upload(actor, spec, channel)
    content_hash = hash_file(f)
    done = ImportBatch.objects.filter(source=source, content_hash=content_hash, state__in=TERMINAL_STATES).first()
    if done is not None:
        return done
    name = f"{uuid.uuid4()}{Path(display_name(filename or 'upload')).suffix[:10]}"
    with (queued_dir() / name).open("xb") as out:
        f.seek(0)
        shutil.copyfileobj(f, out, 1 << 20)
    try:
        return job_start(actor=actor, kind="exchange.import", region_code=getattr(actor, "region_id", None),
                         scope_key=f"{source}:{content_hash[:40]}", channel=channel,
                         params={"source": source, "spooled": name, "filename": display_name(filename or "upload"),
                                 "channel": channel, "idempotency_record": idempotency_record})
    except BaseException:
        (queued_dir() / name).unlink(missing_ok=True)
        raise


def import_file(ctx: Any, *, source: str, spooled: str, filename: str, channel: str,
                idempotency_record: int | None = None) -> dict[str, Any]:
    """The job ``exchange.import``: the import pipeline on the spooled file, then the file is removed."""
    path = queued_dir() / Path(spooled).name
    if not path.is_file():
        raise RefusedError("file_gone", "待导入的文件已不存在，请重新上传。", "The queued file is gone; upload it again.")
    ctx.phase("import", total=1)
    result = services.batch_import(ctx.actor, source, path, filename, channel, limits=UI_LIMITS)
    batch = result.batch
    if idempotency_record:
        IdempotencyRecord.objects.filter(pk=idempotency_record, batch__isnull=True).update(batch=batch)
    ctx.progress(1)
    path.unlink(missing_ok=True)  # imported (or rejected as a whole): the batch and its report remain
    return {"batch": batch.pk, "state": batch.state, "created": result.created, "rows_total": batch.rows_total,
            "rows_valid": batch.rows_valid, "rows_error": batch.rows_error}


register(
    "exchange.import", label=_("Department file import"), start_cap="upload_data", view_cap="view_exchange",
    phases=(Phase("import", _("Validating and importing the file"), 1),),
    result_link=lambda r: (_("The import batch"), reverse("exchange_batch_detail", args=[r["batch"]]))
    if r.get("batch") else None,
    result_lines=lambda r: [(_("Rows"), f"{r.get('rows_total', 0):,}"), (_("Valid rows"), f"{r.get('rows_valid', 0):,}"),
                            (_("Rows with errors"), f"{r.get('rows_error', 0):,}")],
    params_lines=lambda p: [(_("Data source"), SOURCES[p["source"]].label_zh if p.get("source") in SOURCES else ""),
                            (_("File"), p.get("filename", ""))],
)(import_file)
