"""The demo step: applications in every state, through the real services; idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.apps.applications.models import Application, PublicIntake

pytestmark = pytest.mark.django_db


def _valid(n: int) -> list[str]:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    out = []
    for i in range(n):
        body = f"36012419{70 + i % 25:02d}0{1 + i % 9}1{i % 10}{100 + i:03d}"[:17]
        out.append(body + "10X98765432"[sum(int(a) * w for a, w in zip(body, weights, strict=True)) % 11])
    return out


def test_demo_step_fills_every_state_once(users: dict[str, Any]) -> None:
    from jiuzhu.apps.applications.demo import demo_step
    from jiuzhu.apps.registry.services import item_add
    from tests.conftest import make_household

    for i, id_number in enumerate(_valid(20)):
        h = make_household(users["township"], "360124100001" if i % 2 else "360124100002", id_number)
        item_add(actor=users["township"], household=h, kind="income", data={
            "income_type": "wages", "amount": str(2000 + 500 * i), "period_start": "2025-10-01",
            "period_end": "2026-09-30"})
    line = demo_step()
    states = set(Application.objects.values_list("state", flat=True))
    assert {"submitted", "accepted", "checked", "visited", "opinion", "notice", "objection", "appraised",
            "approved", "refused", "withdrawn"} <= states, (line, states)
    assert PublicIntake.objects.filter(state="pending").count() == 1
    assert PublicIntake.objects.get().receipt.startswith("SQ-")
    notice = Application.objects.get(state="notice")
    assert notice.residence_village_id and notice.residence_village.parent_id != notice.township_id
    assert notice.objections.filter(substantiated=False).count() == 1
    approved = Application.objects.get(state="approved")
    assert approved.decision_basis["decision"] == "approved" and approved.decision_basis["grounds"]
    assert Application.objects.filter(related_to_staff=True).count() == 1
    count = Application.objects.count()
    assert "already" in demo_step() and Application.objects.count() == count
