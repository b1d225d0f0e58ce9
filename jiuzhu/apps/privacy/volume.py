"""Listing personal data by API: a stated purpose, a page-size cap and a daily volume per user (ADR 0025).

The auditor who paged through every household, 500 at a time, left no trace and met no limit.
Now each list call that returns people needs ``purpose`` (a configured code; 403 without), pages
are capped (CONFIG ``JIUZHU_API_PAGE_SIZE_MAX``), and the records one user lists in a day are
counted (``ApiListing``) against CONFIG ``JIUZHU_API_DAILY_ROWS``: beyond it the answer is 429 with
the time to wait and the way to get more — an export request, approved by a second person.
Every page served and every refusal is audited.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User

from .config import daily_rows, purposes
from .models import ApiListing


class PurposeRequired(APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "purpose_required"

    def __init__(self) -> None:
        codes = ", ".join(purposes())
        self.payload = {
            "detail": f"列出个人信息须说明用途：purpose 取 {codes} 之一 / "
                      f"Listing personal data needs a purpose: purpose= one of {codes}",
            "code": "purpose_required", "purposes": list(purposes())}
        super().__init__(self.payload["detail"])


class DailyVolumeExceeded(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "daily_volume"

    def __init__(self, limit: int, retry_after: int) -> None:
        self.retry_after = retry_after
        self.wait = retry_after  # the Retry-After header
        self.payload = {
            "detail": f"今日通过接口读取的个人信息已达上限（{limit} 条）；大批量数据请提交导出申请，经另一位工作人员审批 / "
                      f"Daily limit of {limit} records listed by API reached; for bulk data, request an export "
                      f"(approved by a second person) at /exports/",
            "code": "daily_volume", "limit": limit, "retry_after": retry_after}
        super().__init__(self.payload["detail"])


def _start_of_day(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def listing_purpose(request: Any, endpoint: str) -> str:
    """The request's purpose (query string or JSON body), or 403 (audited)."""
    raw = request.query_params.get("purpose", "")
    if not raw and isinstance(getattr(request, "data", None), dict):
        raw = request.data.get("purpose", "") or ""
    code = str(raw).strip()
    if code not in purposes():
        audit("privacy.api_listing", actor=request.user, outcome="denied", endpoint=endpoint,
              reason="purpose_required")
        raise PurposeRequired()
    return code


def used_today(user: Any, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    total = ApiListing.objects.filter(user=user, at__gte=_start_of_day(now)).aggregate(n=Sum("rows"))["n"]
    return int(total or 0)


def charge(user: Any, *, endpoint: str, rows: int, purpose: str) -> None:
    """Count `rows` listed records against the user's day, or raise 429 (audited); records the listing.

    The user's row is locked while counting, so concurrent requests in several processes cannot
    together overshoot the cap.
    """
    limit = daily_rows()
    refused: DailyVolumeExceeded | None = None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        now = timezone.now()
        used = used_today(user, now)
        if used + rows > limit:
            tomorrow = _start_of_day(now) + dt.timedelta(days=1)
            refused = DailyVolumeExceeded(limit, max(1, math.ceil((tomorrow - now).total_seconds())))
        else:
            ApiListing.objects.create(user=user, at=now, endpoint=endpoint, rows=rows, purpose=purpose)
            audit("privacy.api_listing", actor=user, endpoint=endpoint, rows=rows, purpose=purpose,
                  used_today=used + rows, limit=limit)
    if refused is not None:
        audit("privacy.api_listing", actor=user, outcome="denied", endpoint=endpoint, reason="daily_volume",
              rows=rows, used_today=used, limit=limit)
        raise refused
