"""Access-matrix entries for the person chain page and the registry-conflict screens."""

from __future__ import annotations

from typing import Any

from tests.web.matrix_base import Check, Entry

ENTRIES = {
    "member_chain": Entry("member", [Check("get", "view_registry", 200)]),
    "api-member-chain": Entry("member", [Check("get", "view_registry", 200)], api=True),
    "exchange_conflict_list": Entry(None, [Check("get", "decide_conflicts", 200)]),
    # An empty decision is refused with a message (400) — after the scope check.
    "exchange_conflict_decide": Entry("conflict", [Check("post", "decide_conflicts", 400)]),
}
REGION_TARGETS = ("conflict",)


def _conflict(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    import uuid

    from jiuzhu.apps.exchange.models import ImportBatch, RegistryConflict

    member = households[where].members.first()
    batch = ImportBatch.objects.create(source="disabled_certificates", department="disabled_federation",
                                       content_hash=uuid.uuid4().hex * 2, state="committed", channel="cli",
                                       filename="f.csv")
    c = RegistryConflict.objects.create(member=member, field="disability_grade", registry_value="",
                                        department_value="2", source="disabled_certificates", batch=batch)
    return {"pk": c.pk}


TARGETS = {"conflict": _conflict}
