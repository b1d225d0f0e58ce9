"""The determination's long operation as a job (jiuzhu.apps.jobs): the registry-wide batch."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.jobs.kinds import Phase, register

from .services import determine_registry

register(
    "determination.run", label=_("Registry-wide determination"),
    start_cap="run_determination", view_cap="view_registry",
    phases=(Phase("snapshot", _("Reading the registry"), 3), Phase("determine", _("Determining"), 1),
            Phase("store", _("Storing the results"), 3)),
    result_link=lambda r: (_("Totals by category"), reverse("determination_runs") + f"?run={r['run']}")
    if r.get("run") else None,
    result_lines=lambda r: [(_("Households determined"), f"{r.get('households', 0):,}"),
                            (_("As of"), r.get("as_of", "")), (_("Parameter version"), r.get("parameter_version", ""))],
    params_lines=lambda p: [(_("As of"), p.get("as_of", ""))],
)(determine_registry)

__all__: list[Any] = []
