"""Access-matrix entries of the applications app (see matrix_base)."""

from __future__ import annotations

from typing import Any

from tests.web.matrix_base import PUBLIC, Check, Entry

V, P = "view_applications", "process_applications"


def _application(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.applications.services import create_application

    actor = users["township"] if where == "inside" else users["county_b"]
    app = create_application(actor=actor, household=households[where], channel="desk", reason="matrix")
    return {"pk": app.pk}


def _intake(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.applications.models import PublicIntake

    intake = PublicIntake.objects.create(
        village_id=households[where].village_id, applicant_name="王五", id_number_enc="x", id_number_index="x",
        id_number_masked="360124********0035", phone_enc="x", phone_masked="138****0000", address="某组",
        household_size=2, reason="matrix")
    return {"pk": intake.pk}


def _review(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    from jiuzhu.apps.applications.models import ReviewTask

    task = ReviewTask.objects.create(household=households[where], kind="stable", due_on=dt.date(2027, 1, 1))
    return {"pk": task.pk}


def _appeal(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    import datetime as dt

    from jiuzhu.apps.applications.models import Appeal, Application

    app = Application.objects.get(pk=_application(where, households, users)["pk"])
    Application.objects.filter(pk=app.pk).update(state="refused", decided_on=dt.date(2026, 10, 9))
    appeal = Appeal.objects.create(application=app, kind="review", received_on=dt.date(2026, 10, 12),
                                   grounds="matrix")
    return {"pk": appeal.pk}


TARGETS = {
    "appeal": _appeal,
    "application": _application,
    "intake": _intake,
    "review": _review,
    "village": lambda where, households, users: {"village": "360124100001"},
    "county_code": lambda where, households, users: {"code": "360124"},
}
REGION_TARGETS = ("application", "intake", "review", "appeal")

ENTRIES = {
    "applications_list": Entry(None, [Check("get", V, 200)]),
    "applications_create": Entry(None, [Check("get", P, 200), Check("post", P, 400)]),
    "applications_create_for": Entry("household", [Check("get", P, 200), Check("post", P, 400)]),
    "applications_detail": Entry("application", [Check("get", V, 200)]),
    "applications_step": Entry("application", [Check("get", P, 200), Check("post", P, 400)],
                               kwargs={"action": "withdraw"}),
    # Not decided / not published yet: a clear refusal (409), inside scope only.
    "applications_letter": Entry("application", [Check("get", V, 409)]),
    "applications_notice_print": Entry("application", [Check("get", V, 409)]),
    "applications_appeal": Entry("application", [Check("post", P, 400)]),
    # An empty objection form (content, date missing): 400, inside scope only.
    "applications_objection": Entry("application", [Check("post", P, 400)]),
    # An empty form: outcome and reasons missing (400); the county decides.
    "applications_appeal_conclude": Entry("appeal", [Check("post", "decide_applications", 400)]),
    "applications_intakes": Entry(None, [Check("get", V, 200)]),
    "applications_intake": Entry("intake", [Check("get", P, 200), Check("post", P, 400)]),
    "applications_relatives": Entry(None, [Check("get", V, 200), Check("post", P, 400)]),
    "applications_reviews": Entry(None, [Check("get", V, 200)]),
    "applications_review_done": Entry("review", [Check("post", P, 302)]),
    "applications_public_apply": Entry(None, [Check("get", PUBLIC, 200), Check("post", PUBLIC, 400)]),
    "applications_public_notice": Entry("village", [Check("get", PUBLIC, 200)]),
    "applications_public_notice_index": Entry(None, [Check("get", PUBLIC, 200)]),
    # The region chooser's endpoints: names and codes of current regions, for everyone.
    "applications_public_regions": Entry(None, [Check("get", PUBLIC, 200)]),
    "applications_public_region": Entry("county_code", [Check("get", PUBLIC, 200)]),
    "applications_public_regions_search": Entry(None, [Check("get", PUBLIC, 200, {"q": "门"})]),
    # An empty status form: receipt and last four missing (400).
    "applications_public_status": Entry(None, [Check("get", PUBLIC, 200), Check("post", PUBLIC, 400)]),
    "api-applications-list": Entry(None, [Check("get", V, 200)], api=True),
    "api-applications-detail": Entry("application", [Check("get", V, 200)], api=True),
    "api-applications-transition": Entry("application", [Check("post", P, 400)], api=True),
}
