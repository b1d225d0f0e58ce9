"""The monthly cycle as a job (jiuzhu.apps.jobs): ``jiuzhu cycle`` runs it in the foreground (or queues it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.jobs.kinds import Phase, register

from .monthly import monthly_cycle

PHASE_LABELS = {
    "import": _("Importing the department files"), "snapshot": _("Reading the registry"),
    "determination": _("Determining"), "comparison": _("Running the indicators"),
    "warnings": _("Storing and pushing the warnings"), "matching": _("Matching the programmes"),
    "payroll": _("Generating the payrolls"),
}


def _result_lines(r: dict[str, Any]) -> list[tuple[Any, Any]]:
    lines: list[tuple[Any, Any]] = []
    for p in r.get("phases", []):
        done = _("done before, skipped") if p.get("skipped") else f"{p.get('rows', 0):,} · {p.get('seconds', 0):.1f} s"
        lines.append((PHASE_LABELS.get(p.get("name", ""), p.get("name", "")), done))
    lines.append((_("Total time (s)"), f"{r.get('total_seconds', 0):.1f}"))
    return lines


register(
    "cycle.monthly", label=_("Monthly cycle"), start_cap="run_determination", view_cap="view_registry",
    phases=(Phase("import", PHASE_LABELS["import"], 3), Phase("determination", PHASE_LABELS["determination"], 2),
            Phase("comparison", PHASE_LABELS["comparison"], 3), Phase("matching", PHASE_LABELS["matching"], 1),
            Phase("payroll", PHASE_LABELS["payroll"], 1)),
    result_lines=_result_lines,
    params_lines=lambda p: [(_("Month"), p.get("month", "")), (_("Engine"), p.get("backend", "duckdb"))],
)(monthly_cycle)
