"""Transactional outbox for pushes to departments (issue 4 §5, RELIABILITY K6).

Callers (monitoring's warning pushes, assistance's 免申即享 lists, …) call ``enqueue``
inside the transaction that creates the fact being announced: if that transaction rolls
back, nothing is pushed; if it commits, the message is delivered at least once and,
because receivers deduplicate on ``key``, processed exactly once.

``deliver_due`` is the delivery worker (``manage.py outbox_deliver [--loop]``):

- **Claim.**  Due rows (``pending``, or ``delivered`` whose acknowledgement is overdue) are
  claimed in a short transaction — ``SELECT … FOR UPDATE SKIP LOCKED`` where the database
  has it, plus a compare-and-set on ``attempts`` everywhere — by counting the attempt and
  moving ``next_attempt_at`` one lease ahead.  A worker killed after claiming loses
  nothing: the row is due again when the lease ends.  Nothing is sent inside a transaction.
- **Send.**  ``POST`` of the JSON envelope (``key``, ``topic``, ``department``, ``created_at``,
  ``payload``) to the department's endpoint (``JIUZHU_PUSH_ENDPOINTS``), with the headers
  ``Idempotency-Key`` and the signature (``signing.py``).
- **Outcome.**  A 2xx answer whose JSON is ``{"ack": <key>}`` → ``acked``; any other 2xx →
  ``delivered`` (the receiver acknowledges later via ``POST /api/exchange/outbox/ack/``; if
  it has not after ``ack_wait_seconds`` the message is sent again); anything else (network
  error, timeout, non-2xx) → back to ``pending`` after ``min(cap, base · 2^(n−1))`` seconds
  (n = attempts so far; deterministic, no jitter), and ``dead`` after ``max_attempts``.

The parameters are ``JIUZHU_OUTBOX`` in settings (CONFIG; defaults in ``OUTBOX_DEFAULTS``).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit

from . import signing
from .choices import OutboxState
from .models import OutboxMessage

OUTBOX_DEFAULTS: dict[str, int] = {
    "max_attempts": 12,  # attempts before a message is ``dead`` (an operator retries it)
    "base_seconds": 30,  # the first retry waits this long, each later one twice as long …
    "cap_seconds": 3600,  # … but never longer than this
    "ack_wait_seconds": 86400,  # a delivered message not acknowledged by then is sent again
    "lease_seconds": 300,  # a claimed message is due again after this if its worker died
    "batch_size": 100,
    "timeout_seconds": 10,
}

# transport(url, body, headers, timeout) -> (HTTP status, response body); raises on network errors.
Transport = Callable[[str, bytes, dict[str, str], float], tuple[int, bytes]]


def enqueue(department: str, topic: str, payload: dict[str, Any], key: str) -> OutboxMessage:
    """Store a message for ``department`` (idempotent on ``key``: the first message wins).

    ``payload`` must be JSON-serialisable and must not contain identifiers in clear: use
    masked values or the person's blind index.
    """
    message, _ = OutboxMessage.objects.get_or_create(
        key=key, defaults={"department": department, "topic": topic, "payload": payload})
    return message


def enqueue_many(messages: list[tuple[str, str, dict[str, Any], str]]) -> int:
    """``enqueue`` for many messages at once: (department, topic, payload, key) each; returns how many were new.

    Same semantics (the first message of a key wins), set-based: a COPY and one
    ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL, ``INSERT OR IGNORE`` on SQLite.
    """
    now = timezone.now()
    uids = bulkwrite.uuid4_texts(len(messages))
    rows = [(uid, k, d, t, p, OutboxState.PENDING.value, 0, None, "", now, None, None)
            for uid, (d, t, p, k) in zip(uids, messages, strict=True)]
    return bulkwrite.insert_missing(OutboxMessage, rows, _MESSAGE_COLUMNS, ["key"])


_MESSAGE_COLUMNS = ("uid", "key", "department", "topic", "payload", "state", "attempts", "next_attempt_at",
                    "last_error", "created_at", "delivered_at", "acked_at")


def config() -> dict[str, int]:
    return {**OUTBOX_DEFAULTS, **(getattr(settings, "JIUZHU_OUTBOX", None) or {})}


def backoff_seconds(attempts: int, cfg: dict[str, int] | None = None) -> int:
    """Wait after the *attempts*-th failed attempt: min(cap, base · 2^(attempts−1))."""
    cfg = cfg or config()
    return max(1, int(min(cfg["cap_seconds"], cfg["base_seconds"] * 2 ** max(0, attempts - 1))))


def endpoint(department: str) -> str | None:
    endpoints: dict[str, str] = getattr(settings, "JIUZHU_PUSH_ENDPOINTS", None) or {}
    return endpoints.get(department)


def envelope(message: OutboxMessage) -> bytes:
    """The request body: canonical JSON (sorted keys, UTF-8), so a resend is byte-identical."""
    body = {"key": message.key, "topic": message.topic, "department": message.department,
            "created_at": message.created_at, "payload": message.payload}
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def urllib_transport(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """The default transport: an HTTP(S) POST with urllib; HTTP errors are answers, not exceptions."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"unsupported endpoint scheme: {url[:40]}")
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - scheme checked
            return resp.status, resp.read(1 << 16)
    except urllib.error.HTTPError as err:
        return err.code, err.read(1 << 16) if err.fp is not None else b""


# Every visible ASCII character except "%" passes unchanged; anything else is percent-encoded
# (UTF-8), so a key with Chinese in it still fits an HTTP header.  The body has the key as is.
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%")


def header_key(key: str) -> str:
    """The ``Idempotency-Key`` header value for *key* (``urllib.parse.unquote`` reverses it)."""
    return quote(key, safe=_HEADER_SAFE)


def _claim(now: dt.datetime, cfg: dict[str, int]) -> list[OutboxMessage]:
    due = Q(state__in=[OutboxState.PENDING, OutboxState.DELIVERED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    lease = now + dt.timedelta(seconds=cfg["lease_seconds"])
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(due).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        candidates = list(qs[: cfg["batch_size"]])
        claimed = []
        for m in candidates:
            # Compare-and-set: a worker on a database without SKIP LOCKED may race us.
            if OutboxMessage.objects.filter(pk=m.pk, attempts=m.attempts).filter(due).update(
                    attempts=F("attempts") + 1, next_attempt_at=lease):
                m.attempts += 1
                m.next_attempt_at = lease
                claimed.append(m)
    return claimed


def _acked(status: int, body: bytes, key: str) -> bool:
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and data.get("ack") == key


def _send(message: OutboxMessage, now: dt.datetime, transport: Transport, cfg: dict[str, int]) -> tuple[str, str]:
    """Send one message; returns (outcome, error): outcome in acked / delivered / failed."""
    url = endpoint(message.department)
    if not url:
        return "failed", f"no endpoint configured for {message.department}"
    body = envelope(message)
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    key_id = str(getattr(settings, "JIUZHU_PUSH_KEY_ID", "jiuzhu"))
    headers = {
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": header_key(message.key),
        **signing.signed_headers(signing.department_secret(message.department), "POST", path, body, key_id,
                                 now=now.timestamp()),
    }
    try:
        status, answer = transport(url, body, headers, float(cfg["timeout_seconds"]))
    except Exception as err:  # noqa: BLE001 - any transport failure is a failed attempt
        return "failed", f"{type(err).__name__}: {err}"[:300]
    if 200 <= status < 300:
        return ("acked" if _acked(status, answer, message.key) else "delivered"), ""
    return "failed", f"HTTP {status}"


def deliver_due(now: dt.datetime | None = None, transport: Transport | None = None) -> dict[str, int]:
    """Send every due message once; returns counts (claimed, acked, delivered, failed, dead)."""
    now = now or timezone.now()
    transport = transport or urllib_transport
    cfg = config()
    stats = {"claimed": 0, "acked": 0, "delivered": 0, "failed": 0, "dead": 0}
    while claimed := _claim(now, cfg):
        stats["claimed"] += len(claimed)
        for message in claimed:
            outcome, error = _send(message, now, transport, cfg)
            _record(message, outcome, error, now, cfg)
            stats["dead" if outcome == "failed" and message.state == OutboxState.DEAD else outcome] += 1
    return stats


def _record(message: OutboxMessage, outcome: str, error: str, now: dt.datetime, cfg: dict[str, int]) -> None:
    with transaction.atomic():
        m = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if m.state == OutboxState.ACKED:  # acknowledged asynchronously meanwhile
            message.state = m.state
            return
        if outcome == "acked":
            m.state = OutboxState.ACKED
            m.acked_at = now
            m.delivered_at = m.delivered_at or now
            m.next_attempt_at = None
            m.last_error = ""
        elif outcome == "delivered":
            m.state = OutboxState.DELIVERED
            m.delivered_at = now
            m.next_attempt_at = now + dt.timedelta(seconds=cfg["ack_wait_seconds"])
            m.last_error = ""
            if m.attempts >= cfg["max_attempts"] + 1:  # resent ack_wait after ack_wait, never acknowledged
                m.state = OutboxState.DEAD
                m.next_attempt_at = None
                m.last_error = "never acknowledged"
        else:
            m.last_error = error
            if m.attempts >= cfg["max_attempts"]:
                m.state = OutboxState.DEAD
                m.next_attempt_at = None
            else:
                m.state = OutboxState.PENDING
                m.next_attempt_at = now + dt.timedelta(seconds=backoff_seconds(m.attempts, cfg))
        m.save(update_fields=["state", "acked_at", "delivered_at", "next_attempt_at", "last_error"])
        if m.state in (OutboxState.ACKED, OutboxState.DEAD):
            audit(f"exchange.outbox_{m.state}", object_type="outbox_message", object_id=m.pk,
                  outcome="ok" if m.state == OutboxState.ACKED else "error", department=m.department,
                  topic=m.topic, attempts=m.attempts, error=m.last_error[:100])
        message.state = m.state
