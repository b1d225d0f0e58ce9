"""The assistance app's long operations as jobs (jiuzhu.apps.jobs): batch matching, a county's monthly payroll."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.jobs.kinds import Phase, register

from .matching import match_registry
from .payroll import payroll_job

register(
    "assistance.matching", label=_("Programme matching"), start_cap="run_determination", view_cap="view_assistance",
    phases=(Phase("read", _("Reading the determination and the assistance given"), 3),
            Phase("match", _("Matching the programmes"), 1), Phase("store", _("Storing the matches"), 2)),
    result_link=lambda r: (_("People to serve"), reverse("assistance_department_list")),
    result_lines=lambda r: [(_("Households"), f"{r.get('households', 0):,}"), (_("Rows"), f"{r.get('rows', 0):,}"),
                            (_("Missing (omission)"), f"{r.get('missing', 0):,}")],
    params_lines=lambda p: [(_("As of"), p.get("as_of", "")), (_("County"), p.get("county") or _("All counties"))],
)(match_registry)


def _payroll_lines(r: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(_("Lines"), f"{r.get('lines', 0):,}"), (_("Total to pay (yuan)"), r.get("total", "")),
            (_("Lines held"), f"{r.get('held', 0):,}")]


register(
    "assistance.payroll", label=_("Monthly payroll"), start_cap="manage_payroll", view_cap="view_assistance",
    phases=(Phase("plan", _("Computing the payments"), 3), Phase("store", _("Storing the payroll"), 1)),
    result_link=lambda r: (_("The payroll"), reverse("assistance_payroll_detail", args=[r["payroll"]]))
    if r.get("payroll") else None,
    result_lines=_payroll_lines,
    params_lines=lambda p: [(_("County"), p.get("county", "")), (_("Month"), p.get("month", ""))],
)(payroll_job)
