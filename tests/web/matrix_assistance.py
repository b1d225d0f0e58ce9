"""Access-matrix entries of the assistance app (programme matrix, lists, enrolments, payrolls)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.matrix_base import Check, Entry

V, PAY, DECLINE = "view_assistance", "manage_payroll", "process_applications"
LISTS = ("view_assistance", "view_share")

ENTRIES = {
    "assistance_programmes": Entry(None, [Check("get", LISTS, 200)]),
    # The CSV is asked for with a purpose on the privacy app's page (ADR 0025): a redirect there.
    "assistance_department_list": Entry(None, [Check("get", LISTS, 200), Check("get", LISTS, 302, {"format": "csv"})]),
    "assistance_enrolment_notice": Entry("enrolment", [Check("get", V, 200)]),
    # No reason given: refused with a message (400).
    "assistance_enrolment_decline": Entry("enrolment", [Check("post", DECLINE, 400)]),
    # No member or amount: refused with a message (400).
    "assistance_temporary_grant": Entry("household", [Check("post", DECLINE, 400)]),
    "assistance_payrolls": Entry(None, [Check("get", V, 200), Check("post", PAY, 400)]),
    # Starting a matching answers at once with the job's page (the work is the worker's).
    "assistance_matching": Entry(None, [Check("get", V, 200), Check("post", "run_determination", 302)]),
    "assistance_totals": Entry(None, [Check("get", V, 200)]),
    "assistance_payroll_detail": Entry("payroll", [Check("get", V, 200)]),
    # The target payroll is already approved: approving again / discarding is refused (400).
    "assistance_payroll_approve": Entry("payroll", [Check("post", PAY, 400)]),
    "assistance_payroll_discard": Entry("payroll", [Check("post", PAY, 400)]),
    "assistance_payroll_export": Entry("payroll", [Check("get", PAY, 200)]),
    "assistance_payroll_return": Entry("payroll", [Check("post", PAY, 400)]),
    "api-assistance-programmes": Entry(None, [Check("get", LISTS, 200)], api=True),
    "api-assistance-household-programmes": Entry("household", [Check("get", V, 200)], api=True),
}


def _enrolment(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.assistance.models import Enrolment

    h = households[where]
    e = Enrolment.objects.create(household=h, member=h.members.first(), programme="resident_pension",
                                 department="hrss", enrolled_on=dt.date(2026, 11, 1), notice_no=f"MS-{where}",
                                 notice_text="通知")
    return {"pk": e.pk}


def _payroll(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.assistance.models import Payroll

    h = households[where]
    p = Payroll.objects.create(county_id=h.county_id, month=dt.date(2026, 11, 1), state="approved", digest="x")
    return {"pk": p.pk}


TARGETS = {"enrolment": _enrolment, "payroll": _payroll}
REGION_TARGETS = ("enrolment",)
# Payrolls belong to a county: township caseworkers (below the county) do not see them.
SCOPE = {"payroll": {"inside": {"province", "city", "county", "auditor"},
                     "outside": {"province", "county_b", "auditor"}}}
