"""The home page's parameters panel: revisions drafted by a colleague, waiting for approval."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from jiuzhu.apps.core.scoping import scoped

from .models import ParameterRevision, RevisionStatus

CAP = "edit_parameters"


def panel(request: Any) -> dict[str, Any] | None:
    drafts = scoped(ParameterRevision.objects.filter(status=RevisionStatus.DRAFT), request.user, CAP)
    # A revision is approved by someone other than its author: one's own drafts wait for a colleague.
    waiting = drafts.exclude(created_by=request.user).count()
    return {"title": _("Parameter revisions"), "items": [
        {"label": _("Waiting for your approval"), "count": waiting, "url": reverse("revision_list"), "alert": True},
    ]}
