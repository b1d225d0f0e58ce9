"""Writes of the applications app, split by concern; every public name is importable from here.

- ``intake``: an application created (desk, 12345, on someone's behalf, new household); close
  relatives of staff registered and detected;
- ``steps``: ``act``, one workflow step over the declared table (``workflow.TRANSITIONS``);
- ``appeals``: requests for review of a decision and their conclusion;
- ``reviews``: periodic reviews.

Each write runs in one transaction, locks the application row, checks its version (stale →
``ConflictError``, HTTP 409), and writes its ``Transition`` and audit record; a refused step
leaves nothing changed and an audit record of the refusal.  Reads (the determination of a
household, the public notice, the lists) are in ``selectors``.
"""

from __future__ import annotations

from jiuzhu.apps.core.errors import ConflictError

from ..selectors import assess, member_for, payable
from ..workflow import ApplicationError
from .appeals import appeal_conclude, appeal_record
from .common import DOCUMENTS, calendar, param, state_label, today
from .intake import (
    create_application,
    create_with_new_household,
    detect_relatives,
    staff_relative_add,
)
from .reviews import review_done, review_kind, schedule_missing_reviews
from .steps import HANDLERS, act

__all__ = [
    "DOCUMENTS", "HANDLERS", "ApplicationError", "ConflictError", "act", "appeal_conclude", "appeal_record", "assess",
    "calendar", "create_application", "create_with_new_household", "detect_relatives",
    "member_for", "param", "payable", "review_done", "review_kind",
    "schedule_missing_reviews", "staff_relative_add", "state_label", "today",
]
