"""Access-matrix entries for the exchange pages added with the outbox, signatures and freshness.

- ``exchange_sources``: everyone with view_exchange (department users see their own feeds).
- ``exchange_outbox``: view_exchange, and only province-level users (province, auditor) and
  counties; other roles holding view_exchange (city, department) get 404.
- ``exchange_outbox_retry``: province and county operators only (the auditor reads, never
  retries): others with view_exchange get 404.
- ``api-exchange-outbox-ack``: department accounts (``view_share``); an empty body is a 400.
"""

from __future__ import annotations

from typing import Any

from tests.web.matrix_base import Check, Entry

ENTRIES = {
    "exchange_sources": Entry(None, [Check("get", "view_exchange", 200)]),
    "exchange_outbox": Entry("outbox", [Check("get", "view_exchange", 200)]),
    "exchange_outbox_retry": Entry("outbox_message", [Check("post", "view_exchange", 302)]),
    "api-exchange-outbox-ack": Entry(None, [Check("post", "view_share", 400)], api=True),
}

_VIEWERS = {"province", "county", "county_b", "auditor"}
_OPERATORS = {"province", "county", "county_b"}
SCOPE = {
    "outbox": {"inside": _VIEWERS, "outside": _VIEWERS},
    "outbox_message": {"inside": _OPERATORS, "outside": _OPERATORS},
}


def _outbox(where: str, households: Any, users: Any) -> dict[str, Any]:
    return {}


def _dead_message(where: str, households: Any, users: Any) -> dict[str, Any]:
    from jiuzhu.apps.exchange.models import OutboxMessage

    m = OutboxMessage.objects.create(key=f"matrix-{where}", department="medical_insurance", topic="test",
                                     payload={}, state="dead", attempts=12, last_error="HTTP 503")
    return {"pk": m.pk}


TARGETS = {"outbox": _outbox, "outbox_message": _dead_message}
