"""Transactional outbox for pushes to departments (issue 4 §5, RELIABILITY K6).

Callers (monitoring's warning pushes, assistance's 免申即享 lists, …) call ``enqueue``
inside the transaction that creates the fact being announced: if that transaction rolls
back, nothing is pushed; if it commits, the message is delivered at least once and,
because receivers deduplicate on ``key``, processed exactly once.
"""

from __future__ import annotations

from typing import Any

from .models import OutboxMessage


def enqueue(department: str, topic: str, payload: dict[str, Any], key: str) -> OutboxMessage:
    """Store a message for ``department`` (idempotent on ``key``: the first message wins).

    ``payload`` must be JSON-serialisable and must not contain identifiers in clear: use
    masked values or the person's blind index.
    """
    message, _ = OutboxMessage.objects.get_or_create(
        key=key, defaults={"department": department, "topic": topic, "payload": payload})
    return message
