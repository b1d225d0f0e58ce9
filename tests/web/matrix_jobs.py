"""Access-matrix entries of the jobs app (see matrix_base).

A "job" target is a county's payroll job: the "inside" one for 进贤县 (seen by the province, the
city, the county and the auditor — not by a township caseworker: the job is the county's), the
"outside" one for 宁都县.  Cancelling and retrying need the kind's capability (manage_payroll).
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.web.matrix_base import Check, Entry

V, PAY = "view_jobs", "manage_payroll"

ENTRIES: dict[str, Entry] = {
    "job_list": Entry(None, [Check("get", V, 200), Check("get", V, 200, {"state": "queued", "kind": "assistance.payroll"})]),
    "job_detail": Entry("job", [Check("get", V, 200)]),
    "job_progress": Entry("job", [Check("get", V, 200)]),
    # Cancelling a queued job, then retrying it: both answer with the job's page.
    "job_cancel": Entry("job", [Check("post", PAY, 302)]),
    "job_retry": Entry("job", [Check("post", PAY, 302)]),
    # A finished export's file: for the user who started it only.
    "job_download": Entry("job_file", [Check("get", V, 200)]),
    "api-job-list": Entry(None, [Check("get", V, 200), Check("get", V, 200, {"state": "done"})], api=True),
    "api-job-detail": Entry("job", [Check("get", V, 200)], api=True),
}


def _job(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.jobs.models import Job

    county = households[where].county_id
    job = Job.objects.create(kind="assistance.payroll", params={"county": county, "month": "2026-12"},
                             scope_key=f"{county}-{uuid.uuid4().hex[:8]}", region_id=county,
                             log=[{"at": "2026-12-01T09:00:00+08:00", "msg": "已提交 / queued"}])
    return {"pk": job.pk}


def _job_file(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    from jiuzhu.apps.jobs.files import write_text_file
    from jiuzhu.apps.jobs.models import Job

    starter = users["county" if where == "inside" else "county_b"]
    name, size, sm3 = write_text_file(["\ufeff户编号\n"])
    job = Job.objects.create(kind="registry.load", scope_key=f"user:{starter.pk}-{uuid.uuid4().hex[:8]}",
                             region_id=starter.region_id, started_by=starter, state="done", finished_at=timezone.now(),
                             result={"file": name, "filename": "households.csv", "rows": 0, "sm3": sm3})
    return {"pk": job.pk}


TARGETS = {"job": _job, "job_file": _job_file}
SCOPE = {"job": {"inside": {"province", "city", "county", "auditor"}, "outside": {"province", "county_b", "auditor"}},
         "job_file": {"inside": {"county"}, "outside": {"county_b"}}}
