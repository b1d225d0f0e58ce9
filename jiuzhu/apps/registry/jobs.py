"""The registry's long operations as jobs (jiuzhu.apps.jobs): loading a province, exporting households.

``jiuzhu load DIR`` runs the load in the foreground with progress (or queues it); the household
export screen streams small exports and queues large ones (the file is then downloaded from the
job's page by the user who asked for it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.jobs.files import write_text_file
from jiuzhu.apps.jobs.kinds import Phase, register

from . import selectors
from .bulk import LoadError, load_province
from .exports import household_csv


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


def export_households(ctx: Any) -> dict[str, Any]:
    """The job ``registry.export``: the starter's households in scope as CSV (masked, formula-safe), audited."""
    user = ctx.actor
    qs = selectors.households_for(user, "export_registry")
    total = qs.count()
    ctx.phase("write", total=total)
    name, size, sm3 = write_text_file(household_csv(qs, progress=ctx.progress))
    audit("registry.export", actor=user, rows=total, format="csv", sm3=sm3, job=ctx.job_id)
    return {"file": name, "filename": "households.csv", "content_type": "text/csv; charset=utf-8", "rows": total,
            "bytes": size, "sm3": sm3}


register(
    "registry.load", label=_("Registry load"), start_cap="edit_registry", view_cap="view_registry",
    phases=(Phase("households", _("Households"), 1), Phase("members", _("Members"), 3),
            Phase("income", _("Income"), 2), Phase("property", _("Property"), 1),
            Phase("expense", _("Expenses"), 1), Phase("supporter", _("Legal supporters"), 1)),
    result_lines=lambda r: [(_("Households"), f"{r.get('households', 0):,}"), (_("Members"), f"{r.get('members', 0):,}")],
    params_lines=lambda p: [(_("Directory"), p.get("directory", ""))],
)(load_registry)

register(
    "registry.export", label=_("Household export"), start_cap="export_registry", view_cap="export_registry",
    phases=(Phase("write", _("Writing the file"), 1),),
    result_lines=lambda r: [(_("Rows"), f"{r.get('rows', 0):,}")],
)(export_households)
