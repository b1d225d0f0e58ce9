"""The registry's long operations as jobs (jiuzhu.apps.jobs): loading a province.

``jiuzhu load DIR`` runs the load in the foreground with progress (or queues it).  The household
export is a bulk disclosure of personal data and goes through jiuzhu.apps.privacy (purpose, cap,
a second person's approval; ADR 0025), which streams the approved file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.jobs.kinds import Phase, register

from .bulk import LoadError, load_province


def load_registry(ctx: Any, *, directory: str) -> dict[str, Any]:
    """The job ``registry.load``: generator output (Parquet) into the registry, in the job's one transaction."""

    def progress(stage: str, done: int, total: int) -> None:
        if stage != ctx.current_phase:
            ctx.phase(stage, total=total)
        ctx.progress(done, total)

    try:
        with ctx.commit():
            counts = load_province(Path(directory), progress=progress)
            audit("registry.loaded", actor=ctx.actor, object_type="job", object_id=ctx.job_id,
                  **{k: v for k, v in counts.items() if k != "seconds"})
            ctx.set_result(counts)
    except LoadError as err:
        raise RefusedError("load", f"导入失败，未写入任何数据：{err}", f"Load failed, nothing written: {err}") from err
    return {}


register(
    "registry.load", label=_("Registry load"), start_cap="edit_registry", view_cap="view_registry",
    phases=(Phase("households", _("Households"), 1), Phase("members", _("Members"), 3),
            Phase("income", _("Income"), 2), Phase("property", _("Property"), 1),
            Phase("expense", _("Expenses"), 1), Phase("supporter", _("Legal supporters"), 1)),
    result_lines=lambda r: [(_("Households"), f"{r.get('households', 0):,}"), (_("Members"), f"{r.get('members', 0):,}")],
    params_lines=lambda p: [(_("Directory"), p.get("directory", ""))],
)(load_registry)
