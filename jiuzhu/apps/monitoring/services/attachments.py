"""Attachments of a visit (photos, scanned documents): checked by content and size, stored outside
the database under ``JIUZHU_VAR_DIR/monitoring/attachments/`` with a random name."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User

from ..lifecycle import HANDLE, MACHINE, TransitionError
from ..models import Attachment, State, Warning
from .actions import _visit_for

# Attachments of a visit (photos, scanned documents): what is accepted.
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_MAX_PER_VISIT = 10
ATTACHMENT_TYPES = {  # content type → (extension, magic prefix)
    "image/jpeg": (".jpg", b"\xff\xd8\xff"),
    "image/png": (".png", b"\x89PNG\r\n\x1a\n"),
    "application/pdf": (".pdf", b"%PDF-"),
}


def attachments_dir() -> Path:
    return Path(settings.VAR_DIR) / "monitoring" / "attachments"


def attachment_path(a: Attachment) -> Path:
    ext = next((e for ct, (e, _m) in ATTACHMENT_TYPES.items() if ct == a.content_type), "")
    return attachments_dir() / f"{a.uid}{ext}"


@transaction.atomic
def attachment_add(*, actor: User, warning: Warning, upload: Any) -> Attachment:
    """Store a photo or document of the visit (JPEG, PNG or PDF, at most 5 MB; checked by content)."""
    w = MACHINE.lock(actor, warning, capability=HANDLE)
    if w.state == State.PUSHED:
        w = MACHINE.apply(actor, w, "start_visit")
    if w.state != State.VERIFYING:
        raise TransitionError(_("The visit of this warning can no longer be changed."))
    visit = _visit_for(actor, w)
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    if visit.attachments.count() >= ATTACHMENT_MAX_PER_VISIT:
        raise ValidationError({"file": _("A visit has at most %(n)d attachments.") % {"n": ATTACHMENT_MAX_PER_VISIT}})
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    content = upload.read(ATTACHMENT_MAX_BYTES + 1)
    if len(content) > ATTACHMENT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    ctype = next((ct for ct, (_e, magic) in ATTACHMENT_TYPES.items() if content.startswith(magic)), None)
    if ctype is None:
        raise ValidationError({"file": _("Only photos (JPEG, PNG) and PDF documents are accepted.")})
    name = Path(str(upload.name or "file")).name[:120]
    a = Attachment(uid=uuid.uuid4(), visit=visit, original_name=name, content_type=ctype, size=len(content),
                   sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor)
    path = attachment_path(a)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_bytes(content)
    tmp.replace(path)
    try:
        a.save()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    audit("monitoring.attachment", actor=actor, object_type="warning", object_id=w.uid, size=a.size,
          content_type=ctype)
    return a
