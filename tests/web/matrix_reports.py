"""Access-matrix entries for the reports app (statistics, what-if scenarios).

Statistics are region-scoped through the ?region= query (tests/reports check that a county user
asking for another county gets 404); scenarios are province-wide figures for the province's
policy makers (run_scenarios), so a scenario is seen by every holder of the capability.  A parameter
revision's effect is started from the revision's page and scoped like the revision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.web.matrix_base import Check, Entry

STATS, SCEN = "view_statistics", "run_scenarios"

ENTRIES = {
    "reports_dashboard": Entry(None, [Check("get", STATS, 200)]),
    "reports_statistics_start": Entry(None, [Check("post", "run_determination", 400)]),  # no run chosen
    "reports_monthly": Entry(None, [Check("get", STATS, 200)]),
    "reports_export": Entry(None, [Check("get", STATS, 200)]),  # no statistics in the fixture: a workbook saying so
    "reports_coverage": Entry(None, [Check("get", STATS, 200)]),
    "reports_money": Entry(None, [Check("get", STATS, 200)]),
    "reports_applications": Entry(None, [Check("get", STATS, 200)]),
    "reports_warnings": Entry(None, [Check("get", STATS, 200)]),
    "reports_scenarios": Entry(None, [Check("get", SCEN, 200), Check("post", SCEN, 400)]),
    "reports_scenario_compare": Entry(None, [Check("get", SCEN, 200)]),
    "reports_scenario": Entry("scenario", [Check("get", SCEN, 200), Check("post", SCEN, 302)]),
    "reports_scenario_export": Entry("scenario", [Check("get", SCEN, 200)]),
    # a draft revision's effect, worked out by a job; back to the revision's page (the revision's scope)
    "reports_revision_effect": Entry("revision", [Check("post", "edit_parameters", 302)]),
}


def _scenario(where: str, households: dict[str, Any], users: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.reports.models import Scenario
    from jiuzhu.engine.whatif import CountyFigures, WhatIfResult

    result = WhatIfResult(as_of=dt.date(2026, 10, 31), base_version="a", scenario_version="b", households=0, errors=0,
                          province=CountyFigures(), counties={}, seconds=0.0, shared_features=True).to_dict()
    sc = Scenario.objects.create(name=f"矩阵情景{'甲' if where == 'inside' else '乙'}", as_of=dt.date(2026, 10, 31),
                                 overrides=["dibao.marginal_multiplier=1.8"], status="done", result=result)
    return {"pk": sc.pk}


TARGETS = {"scenario": _scenario}
SCOPE = {"scenario": {"inside": {"province"}, "outside": {"province"}}}
