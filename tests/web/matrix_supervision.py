"""Access-matrix entries for the supervision app (double-random inspections)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.matrix_base import PUBLIC, Check, Entry

SUP = "supervise_inspections"

ENTRIES = {
    "supervision_draws": Entry(None, [Check("get", SUP, 200), Check("post", SUP, 400)]),
    "supervision_draw": Entry("inspection_draw", [Check("get", SUP, 200)]),
    "supervision_step": Entry("inspection_case", [Check("post", SUP, 400)]),
    "supervision_public": Entry("public_draw", [Check("get", PUBLIC, 200)]),
}


def _draw(where: str, households: dict[str, Any], users: dict[str, Any]) -> Any:
    from jiuzhu.apps.applications.models import Application
    from jiuzhu.apps.supervision.models import InspectionCase, InspectionDraw

    h = households[where]
    number = f"MX{1 if where == 'inside' else 2}"  # test data without English words (tests/ui raw-code test)
    app = Application.objects.filter(number=number).first() or Application.objects.create(
        number=number, household=h, county=h.county, township=h.township, village=h.village, channel="desk",
        applicant_name="赵六", submitted_on=dt.date(2026, 9, 1), state="approved", decided_on=dt.date(2026, 10, 1))
    d = InspectionDraw.objects.create(
        name=f"矩阵抽查{'甲' if where == 'inside' else '乙'}", county=h.county, period_from=dt.date(2026, 7, 1), period_to=dt.date(2026, 12, 31),
        count=1, public_input="x", moment="t", seed="s", cases_hash="c", inspectors_hash="i",
        case_ids=[number], inspector_ids=[], published_until=dt.date(2999, 1, 1))
    case = InspectionCase.objects.create(draw=d, application=app, household=h, township=h.township, village=h.village)
    return d, case


def _target_draw(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _draw(where, households, users)[0].pk}


def _target_case(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    return {"pk": _draw(where, households, users)[1].pk}


def _target_public(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    return {"uid": _draw(where, households, users)[0].uid}


TARGETS = {"inspection_draw": _target_draw, "inspection_case": _target_case, "public_draw": _target_public}
REGION_TARGETS = ("inspection_draw", "inspection_case")
