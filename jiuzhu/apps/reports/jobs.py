"""The reports' long operations as jobs (jiuzhu.apps.jobs): a scenario run, the statistics of a run, the
coverage of a matching run."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.jobs.kinds import Phase, register

from .effects import revision_effect_job
from .services import coverage_job, scenario_job, statistics_job

register(
    "reports.scenario", label=_("Policy simulation"), start_cap="run_scenarios", view_cap="run_scenarios",
    phases=(Phase("simulate", _("Simulating over the registry"), 1),),
    result_link=lambda r: (_("Scenario figures"), reverse("reports_scenario", args=[r["scenario"]]))
    if r.get("scenario") else None,
    result_lines=lambda r: [(_("Monthly cost change (yuan)"), r.get("monthly_cost_change", "")),
                            (_("Households simulated"), f"{r.get('households', 0):,}")],
    params_lines=lambda p: [(_("Name"), p.get("name", ""))],
)(scenario_job)

register(
    "reports.statistics", label=_("Statistics of a determination run"), start_cap="run_determination",
    view_cap="view_statistics",
    phases=(Phase("aggregate", _("Counting"), 1),),
    result_link=lambda r: (_("Statistics"), reverse("reports_dashboard") + f"?stats={r['statistics']}")
    if r.get("statistics") else None,
    result_lines=lambda r: [(_("As of"), r.get("as_of", ""))],
    params_lines=lambda p: [(_("Determination run"), p.get("run", ""))],
)(statistics_job)

register(
    "reports.revision_effect", label=_("Effect of a parameter revision"), start_cap="edit_parameters",
    view_cap="edit_parameters",
    phases=(Phase("simulate", _("Simulating over the registry"), 1),),
    result_link=lambda r: (_("The revision and its effect"), reverse("revision_detail", args=[r["revision"]]))
    if r.get("revision") else None,
    result_lines=lambda r: [(_("Monthly cost change (yuan)"), r.get("monthly_cost_change", "")),
                            (_("Households simulated"), f"{r.get('households', 0):,}")],
    params_lines=lambda p: [(_("Parameter revision"), f"#{p.get('revision', '')}")],
)(revision_effect_job)

register(
    "reports.coverage", label=_("Coverage of the programmes"), start_cap="run_determination",
    view_cap="view_statistics",
    phases=(Phase("count", _("Counting"), 1),),
    result_link=lambda r: (_("Coverage"), reverse("reports_coverage")) if r.get("coverage") else None,
    result_lines=lambda r: [(_("As of"), r.get("as_of", ""))],
    params_lines=lambda p: [(_("Matching run"), p.get("match_run", ""))],
)(coverage_job)

__all__: list[Any] = []
