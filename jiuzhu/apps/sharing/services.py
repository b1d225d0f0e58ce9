"""The exact-ID low-income query (RELIABILITY A5): validated, exact, rate-limited, audited.

A department user gives one full ID number; the answer says whether the person is in the
low-income population, in which category, since when and in which county — nothing else (no name
unless the catalogue allows it).  Someone not found gets the same answer as someone found but not
in the population.  Partial numbers and wildcards are refused; a 15-digit number is upgraded.

Rate limit: every processed query is a `ShareQuery` row; the user's rows inside each sliding window
(CONFIG ``JIUZHU_SHARING_QUERY_LIMITS``, default 30 a minute and 500 a day) are counted under a
lock on the user's row, so concurrent requests in several processes cannot overshoot (ADR 0007).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.registry.models import Member
from jiuzhu.apps.registry.services import id_index
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.identity import IdNumberError, parse_id_number
from jiuzhu.rules.text import normalise_text, remove_zero_width

from . import selectors
from .catalogue import CONDITIONAL, NOT_SHARED, entry_for
from .models import ShareQuery

QUERY = "query_low_income"
# CONFIG (operational, not policy): (window in seconds, maximum queries) per user.
DEFAULT_LIMITS = {"per_minute": 30, "per_day": 500}
WINDOWS = {"per_minute": 60, "per_day": 86400}
_WILDCARDS = re.compile(r"[*%?_＊％？…]|\.\.")


def limits() -> list[tuple[int, int]]:
    """(window seconds, maximum) pairs from settings (JIUZHU_SHARING_QUERY_LIMITS)."""
    conf = {**DEFAULT_LIMITS, **getattr(settings, "JIUZHU_SHARING_QUERY_LIMITS", {})}
    return [(WINDOWS[k], int(v)) for k, v in conf.items() if k in WINDOWS]


def _now() -> dt.datetime:
    return timezone.now()


class RateLimited(Exception):
    """Too many queries: retry after `retry_after` seconds (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return _("Too many queries. Try again in %(n)d seconds.") % {"n": self.retry_after}


@dataclass(frozen=True)
class Answer:
    in_low_income_population: bool
    category: str | None
    category_label: str | None
    since: dt.date | None
    county: str | None
    name: str | None = None  # only where the catalogue allows it

    def as_dict(self, *, with_name: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "in_low_income_population": self.in_low_income_population, "category": self.category,
            "category_label": self.category_label, "since": self.since.isoformat() if self.since else None,
            "county": self.county,
        }
        if with_name:
            out["name"] = self.name
        return out


def _check_shape(raw: str) -> None:
    """Refuse wildcards and partial numbers with a clear message before GB 11643 validation."""
    s = "".join(unicodedata.normalize("NFKC", remove_zero_width(raw or "")).split())
    if _WILDCARDS.search(s):
        raise ValidationError({"id_number": [_(
            "Wildcards are not accepted: the query matches one full ID number exactly.")]})
    if s and s[:-1].isdigit() and (s[-1].isdigit() or s[-1] in "xX") and len(s) not in (15, 18):
        raise ValidationError({"id_number": [_(
            "Give the full ID number (18 characters, or the old 15 digits); partial numbers are not searched.")]})


def _retry_after(user: User, now: dt.datetime) -> int:
    """Seconds until the user may query again (0 = now)."""
    wait = 0.0
    for seconds, maximum in limits():
        window = ShareQuery.objects.filter(user=user, at__gt=now - dt.timedelta(seconds=seconds))
        if window.count() >= maximum:
            times = list(window.order_by("-at").values_list("at", flat=True)[maximum - 1:maximum])
            oldest_counted = times[0] if times else now
            wait = max(wait, (oldest_counted + dt.timedelta(seconds=seconds) - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else 0


def low_income_query(*, actor: User, id_number: str, purpose: str = "") -> dict[str, Any]:
    """Answer the exact-ID query (see the module docstring).

    Raises PermissionDenied (no capability, or the catalogue shares no query with this
    department), RateLimited (429), or ValidationError (bad ID number, missing purpose).
    """
    require(actor, QUERY)
    department = getattr(actor, "department", "") or ""
    entry = entry_for(department)
    purpose = normalise_text(purpose or "")[:200]
    if entry.query == NOT_SHARED:
        audit("sharing.query", actor=actor, outcome="denied", department=department, reason="not_in_catalogue")
        raise PermissionDenied(_("Your department's sharing catalogue does not include this query."))
    error: ValidationError | None = None
    limited: RateLimited | None = None
    answer = Answer(False, None, None, None, None)
    masked = ""
    with transaction.atomic():
        # One user's queries are counted one at a time: lock the user's row (works across processes).
        User.objects.select_for_update().filter(pk=actor.pk).first()
        now = _now()
        wait = _retry_after(actor, now)
        if wait:
            limited = RateLimited(wait)
        else:
            try:
                _check_shape(id_number)
                if entry.query == CONDITIONAL and len(purpose) < 4:
                    raise ValidationError({"purpose": [_(
                        "Your department may query only for a stated purpose: give it (at least 4 characters).")]})
                parsed = parse_id_number(id_number or "")
            except IdNumberError as err:
                error = ValidationError({"id_number": [err.message_zh if _zh() else err.message_en]})
            except ValidationError as err:
                error = err
            if error is None:
                masked = mask_id_number(parsed.value)
                member = (Member.objects.select_related("household")
                          .filter(id_number_index=id_index(parsed.value)).first())
                status = selectors.member_status(member)
                if status.in_population and member is not None:
                    answer = Answer(True, status.category, selectors.category_label(status.category),
                                    status.since, status.county, member.name)
            ShareQuery.objects.create(
                at=now, user=actor, department=department, id_number_masked=masked,
                outcome="invalid" if error else ("in" if answer.in_low_income_population else "out"),
                category=answer.category or "", purpose=purpose)
            audit("sharing.query", actor=actor, outcome="error" if error else "ok", department=department,
                  id_number=masked, purpose=purpose,
                  result="invalid" if error else ("in" if answer.in_low_income_population else "out"),
                  category=answer.category or "")
        if limited is not None:
            audit("sharing.query", actor=actor, outcome="denied", department=department, reason="rate_limited",
                  retry_after=limited.retry_after)
    if limited is not None:
        raise limited
    if error is not None:
        raise error
    return answer.as_dict(with_name="name" in entry.query_fields)


def _zh() -> bool:
    from django.utils.translation import get_language

    return not (get_language() or "").startswith("en")


def audit_people_access(actor: User, *, action: str, rows: int, purpose: str = "", **detail: Any) -> None:
    """Record a department's bulk access to the catalogue's people (list page, export, API)."""
    audit(f"sharing.{action}", actor=actor, department=getattr(actor, "department", ""), rows=rows,
          purpose=normalise_text(purpose or "")[:200], **detail)
