"""Access-matrix entries for the sharing app (department views and the exact-ID query).

A shared person is scoped by the department's sharing catalogue, not by region: the "inside"
person is the head of a dibao household (in the medical-insurance catalogue of the conftest
department user); the "outside" person belongs to a household that is in no low-income category,
so it does not exist for any department (404).  Everyone else lacks view_share (403).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.matrix_base import Check, Entry

SHARE, QUERY = "view_share", "query_low_income"

ENTRIES = {
    "sharing_catalogue": Entry(None, [Check("get", (SHARE, QUERY), 200)]),
    "sharing_people": Entry(None, [Check("get", SHARE, 200), Check("get", SHARE, 200, {"purpose": "assistance_delivery"})]),
    # Asked for with a purpose on the privacy app's page (ADR 0025).
    "sharing_people_export": Entry(None, [Check("get", SHARE, 302)]),
    "sharing_person": Entry("share_person", [Check("get", SHARE, 200)]),
    "sharing_query": Entry(None, [Check("get", QUERY, 200), Check("post", QUERY, 400)]),
    "api-sharing-people": Entry(None, [Check("get", SHARE, 200, {"purpose": "assistance_delivery"})], api=True),
    "api-sharing-person": Entry("share_person", [Check("get", SHARE, 200)], api=True),
    "api-sharing-query": Entry(None, [Check("post", QUERY, 400)], api=True),
}


def _share_person(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun

    household = households[where]
    if where == "inside" and not DeterminationResult.objects.filter(household=household).exists():
        run = DeterminationRun.objects.create(as_of=dt.date(2026, 10, 31), parameter_version="test")
        DeterminationResult.objects.create(run=run, household=household, as_of=run.as_of, main_category="dibao",
                                           categories=["dibao"], parameter_version="test")
    return {"uid": household.members.get(relation="head").uid}


TARGETS = {"share_person": _share_person}
SCOPE = {"share_person": {"inside": {"department"}, "outside": set()}}
