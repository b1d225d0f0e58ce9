"""Access-matrix entries for the exchange pages added with the outbox, signatures and freshness.

- ``exchange_sources``: everyone with view_exchange (department users see their own feeds).
- ``exchange_outbox``: view_exchange, and only province-level users (province, auditor) and
  counties; other roles holding view_exchange (city, department) get 404.
- ``exchange_outbox_retry``: province and county operators only (the auditor reads, never
  retries): others with view_exchange get 404.
- ``api-exchange-outbox-ack``: department accounts (``view_share``); an empty body is a 400.
- ``exchange_upload_preview``: a pending upload is seen by its uploader only (the "inside" one
  is the medical-insurance department's, the "outside" one a county caseworker's); POST cancels.
- ``exchange_mapping_list`` / ``exchange_mapping_edit``: ``map_columns`` (province, department
  users); a department edits only its own feeds' names (the entry's feed is the test department's).
"""

from __future__ import annotations

from typing import Any

from tests.web.matrix_base import Check, Entry

ENTRIES = {
    "exchange_sources": Entry(None, [Check("get", "view_exchange", 200)]),
    "exchange_outbox": Entry("outbox", [Check("get", "view_exchange", 200)]),
    "exchange_outbox_retry": Entry("outbox_message", [Check("post", "view_exchange", 302)]),
    "api-exchange-outbox-ack": Entry(None, [Check("post", "view_share", 400)], api=True),
    "exchange_upload_preview": Entry("pending_upload", [Check("get", "upload_data", 200),
                                                        Check("post", "upload_data", 302, {"action": "cancel"})]),
    "exchange_mapping_list": Entry(None, [Check("get", "map_columns", 200)]),
    # An empty POST has no formset management data: the form comes back with errors (400).
    "exchange_mapping_edit": Entry(None, [Check("get", "map_columns", 200), Check("post", "map_columns", 400)],
                                   kwargs={"source": "medical_insurance_settlements"}),
}

_VIEWERS = {"province", "county", "county_b", "auditor"}
_OPERATORS = {"province", "county", "county_b"}
SCOPE = {
    "outbox": {"inside": _VIEWERS, "outside": _VIEWERS},
    "outbox_message": {"inside": _OPERATORS, "outside": _OPERATORS},
    "pending_upload": {"inside": {"department"}, "outside": {"county"}},
}


def _outbox(where: str, households: Any, users: Any) -> dict[str, Any]:
    return {}


def _dead_message(where: str, households: Any, users: Any) -> dict[str, Any]:
    from jiuzhu.apps.exchange.models import OutboxMessage

    m = OutboxMessage.objects.create(key=f"matrix-{where}", department="medical_insurance", topic="test",
                                     payload={}, state="dead", attempts=12, last_error="HTTP 503")
    return {"pk": m.pk}


def _pending_upload(where: str, households: Any, users: Any) -> dict[str, Any]:
    """A previewed upload kept for its uploader (the file on disk, its masked preview)."""
    from jiuzhu.apps.exchange.files import upload_path
    from jiuzhu.apps.exchange.mapping import mapping_digest
    from jiuzhu.apps.exchange.models import PendingUpload

    source, user = (("medical_insurance_settlements", users["department"]) if where == "inside"
                    else ("health_deaths", users["county"]))
    p = PendingUpload.objects.create(source=source, department="medical_insurance" if where == "inside" else "health",
                                     filename="f.csv", size=10, content_hash="0" * 64, uploaded_by=user,
                                     preview={"rejected": False, "rows": 1, "valid": 1, "errors": []},
                                     mapping_digest=mapping_digest({}))
    path = upload_path(p.uid)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"id_number,death_date\n")
    return {"uid": p.uid}


TARGETS = {"outbox": _outbox, "outbox_message": _dead_message, "pending_upload": _pending_upload}
