"""Access-matrix entries of the monitoring app (see matrix_base).

A "warning" target is a warning about the "inside" household (unit: its township 民和镇) or the
"outside" one (宁都县): scoped by region like households.  An "attachment" is a photo of that
warning's visit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tests.web.matrix_base import Check, Entry

V, H, RUN = "view_monitoring", "handle_warnings", "run_determination"

ENTRIES: dict[str, Entry] = {
    "monitoring_workbench": Entry(None, [Check("get", V, 200),
                                         Check("get", V, 200, {"state": "all", "severity": "red", "overdue": "on"})]),
    "monitoring_overdue": Entry(None, [Check("get", V, 200)]),
    "monitoring_dashboard": Entry(None, [Check("get", V, 200), Check("get", V, 200, {"by": "county"})]),
    "monitoring_indicators": Entry(None, [Check("get", V, 200)]),
    "monitoring_runs": Entry(None, [Check("get", V, 200), Check("post", RUN, 302, {"mode": "daily"})]),
    "monitoring_warning": Entry("warning", [Check("get", V, 200)]),
    # An empty visit is kept as a draft and refused as a submission (400).
    "monitoring_visit": Entry("warning", [Check("get", H, 200), Check("post", H, 400)]),
    "monitoring_visit_autosave": Entry("warning", [Check("post", H, 200, {"findings": "草稿"})]),
    "monitoring_attachment_add": Entry("warning", [Check("post", H, 400)]),
    # Closing a warning that is only pushed is refused with the reason (400).
    "monitoring_action": Entry("warning", [Check("post", H, 400)], kwargs={"action": "close"}),
    # Name and full ID number of the person, with a reason (an empty reason is refused: 400).
    "monitoring_reveal": Entry("warning", [Check("get", "unmask", 200), Check("post", "unmask", 400)]),
    "monitoring_attachment": Entry("attachment", [Check("get", V, 200)]),
}


def _warning(where: str, households: dict[str, Any]) -> Any:
    from django.utils import timezone

    from jiuzhu.apps.monitoring.models import Warning

    h = households[where]
    head = h.members.first()
    today = timezone.localdate()
    return Warning.objects.create(
        indicator="serious_illness", severity="orange", kind="need", state="pushed", subject=f"p:{head.id_number_index}",
        fingerprint=uuid.uuid4().hex * 2, household=h, member=head, person_index=head.id_number_index,
        person_masked=head.id_number_masked, county_id=h.county_id, unit_region_id=h.township_id,
        raised_at=timezone.now(), verify_due=today + dt.timedelta(days=14), handle_due=today + dt.timedelta(days=21),
        detail={"diseases": "uremia"})


def _attachment(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.monitoring.models import Attachment, Visit
    from jiuzhu.apps.monitoring.services import attachment_path

    w = _warning(where, households)
    visit = Visit.objects.create(warning=w, created_by=users["county" if where == "inside" else "county_b"])
    a = Attachment.objects.create(visit=visit, original_name="photo.png", content_type="image/png", size=12,
                                  sha256="0" * 64, uploaded_by=visit.created_by)
    path = attachment_path(a)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x89PNG\r\n\x1a\n0000")
    return {"pk": a.pk}


TARGETS = {
    "warning": lambda where, households, users: {"pk": _warning(where, households).pk},
    "attachment": _attachment,
}
REGION_TARGETS = ("warning", "attachment")
