"""Access-matrix entries of the privacy app: export requests, their approval and their one download.

An "export_request" is a request of a county caseworker who is not one of the matrix roles: in 进贤县
for "inside", in 宁都县 for "outside".  It is seen by second persons who may approve it (approve_exports)
in its region — never by the requester's peers elsewhere (404) — and downloaded by its requester
only: for every matrix role the download answers 404.  Roles taking no part in exports get 403.
"""

from __future__ import annotations

from typing import Any

from tests.web.matrix_base import Check, Entry

PART = ("export_registry", "view_share", "view_assistance", "approve_exports")

ENTRIES = {
    "privacy_exports": Entry(None, [Check("get", PART, 200)]),
    # No purpose chosen: refused with a message (400).
    "privacy_export_new": Entry(None, [Check("get", "export_registry", 200), Check("post", "export_registry", 400)],
                                kwargs={"kind": "registry.households"}),
    "privacy_export": Entry("export_request", [Check("get", PART, 200)]),
    # No action chosen: refused with a message (400), after the scope check.
    "privacy_export_decide": Entry("export_request", [Check("post", PART, 400)]),
    "privacy_export_download": Entry("export_request", [Check("get", PART, 404)]),
}

SCOPE = {"export_request": {"inside": {"province", "city", "county"}, "outside": {"province", "county_b"}}}


def _export_request(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from jiuzhu.apps.core.models import Region, User
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.privacy.models import ExportRequest, ExportState
    from tests.conftest import PASSWORD

    county = households[where].county_id
    name = f"exporter{county}"
    requester = User.objects.filter(username=name).first() or user_create(
        actor=None, username=name, password=PASSWORD, role="county", region=Region.objects.get(code=county))
    req = ExportRequest.objects.create(
        kind="registry.households", purpose="case_handling", rows=5000, cap=2000, state=ExportState.PENDING,
        requested_by=requester, requested_at=timezone.now(), region_id=county)
    return {"uid": req.uid}


TARGETS = {"export_request": _export_request}
