"""Refused requests leave a trace (issue 12 item 7; RELIABILITY Z6, Z8).

Every 403/404 answered to a logged-in user is counted per user in a time window.
The first ones in a window are audited one by one (``access.refused``); the one that
crosses the threshold (CONFIG JIUZHU_REFUSAL_BURST) becomes one security event
(``security.refusal_burst``), and further refusals in that window are only counted,
so a probing script cannot flood the log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .audit import audit
from .models import RefusalWindow


def _window_start(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def record_refusal(user: Any, path: str, method: str, status: int) -> None:
    config = settings.JIUZHU_REFUSAL_BURST
    now = timezone.now()
    start = _window_start(now, config["window_seconds"])
    with transaction.atomic():
        updated = RefusalWindow.objects.filter(user=user, window_start=start).update(refused=F("refused") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RefusalWindow.objects.create(user=user, window_start=start, refused=1)
            except IntegrityError:  # another worker created it first
                RefusalWindow.objects.filter(user=user, window_start=start).update(refused=F("refused") + 1)
        window = RefusalWindow.objects.select_for_update().get(user=user, window_start=start)
        if window.refused <= config["threshold"]:
            audit("access.refused", actor=user, outcome="denied", status=status, method=method, path=path[:200])
        elif not window.alerted:
            RefusalWindow.objects.filter(pk=window.pk).update(alerted=True)
            audit("security.refusal_burst", actor=user, outcome="alert", refused=window.refused,
                  window_start=start.isoformat(), window_seconds=config["window_seconds"], last_path=path[:200])
