"""Writes of the monitoring app, split by concern; every public name is importable from here.

- ``runs``: comparison runs (``comparison_run``: export, indicators, new warnings, pushes);
- ``actions``: the warning's steps over the declared table (``lifecycle.MACHINE``): transfer,
  accept, visit (draft, submit = verify), handle, escalate, decide, close; overdue escalation;
- ``attachments``: photos and documents of a visit.

Reads (lists, the dashboard, overdue levels, who to inform) are in ``selectors``.
"""

from __future__ import annotations

from ..lifecycle import HANDLE, TransitionError
from ..selectors import action_label, overdue_level, unit_label
from ..visits import CHECK_ANSWERS, VISIT_MEMBER_FIELDS
from .actions import (
    MONITORED_CATEGORIES,
    accept,
    close,
    decide,
    escalate,
    escalate_overdue,
    handle,
    start_visit,
    transfer,
    visit_save_draft,
    visit_submit,
)
from .attachments import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_MAX_PER_VISIT,
    ATTACHMENT_TYPES,
    attachment_add,
    attachment_path,
    attachments_dir,
)
from .runs import LOOKUP_CHUNK, TOPIC, comparison_backend, comparison_run

__all__ = [
    "ATTACHMENT_MAX_BYTES", "ATTACHMENT_MAX_PER_VISIT", "ATTACHMENT_TYPES", "CHECK_ANSWERS", "HANDLE", "LOOKUP_CHUNK",
    "MONITORED_CATEGORIES", "TOPIC", "VISIT_MEMBER_FIELDS", "TransitionError", "accept", "action_label",
    "attachment_add", "attachment_path", "attachments_dir", "close", "comparison_backend", "comparison_run",
    "decide", "escalate", "escalate_overdue", "handle", "overdue_level", "start_visit", "transfer", "unit_label",
    "visit_save_draft", "visit_submit",
]
