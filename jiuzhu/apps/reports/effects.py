"""The effect of a draft parameter revision on the registry (issue 13 item 10), from the what-if.

A draft revision's reviewer sees, before approving, what it would change: per category the
households (and persons) entering and leaving, and the monthly and annual cost change.  It is the
what-if of ``engine.whatif`` — the parameters in force against the same parameters with the revision
added from its date (``ParameterSet.with_revisions``, exactly what approval will do) — over the
households of the revision's region, as of its effective date or today, whichever is later.  It is
worked out by the job ``reports.revision_effect``, queued when the revision is drafted (the
``core.hooks`` event ``parameters.drafted``) or by hand on the revision's page; the parameters in
force are never changed.  The figures are stored (``RevisionEffect``) and read by the page the
policy app shows the revision on (``core.hooks.register_revision_section``); docs/decisions/0038.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.services import JobRefused, job_start
from jiuzhu.apps.policy.models import ParameterRevision, RevisionStatus

from .models import RevisionEffect
from .services import Progress, households_in, whatif_of

KIND = "reports.revision_effect"
CAP = "edit_parameters"


def scope_key(revision: ParameterRevision) -> str:
    return f"revision:{revision.pk}"


def effect_as_of(revision: ParameterRevision) -> dt.date:
    """The date the effect is measured on: the revision's first day, or today if that has passed."""
    return max(revision.effective_from, timezone.localdate())


def revision_effect_compute(revision: ParameterRevision, *, progress: Progress | None = None) -> dict[str, Any]:
    """The what-if of *revision* over its region's households (nothing stored, nothing in force)."""
    entry = revision.as_entry()
    result = whatif_of(effect_as_of(revision), lambda base, _keys: base.with_revisions([entry]),
                     households=households_in(revision.region), progress=progress, cliffs=False)
    # the page shows categories and cost; the distance bands and (unprobed) cliffs are left out
    result.pop("distance", None)
    result.pop("cliffs", None)
    for county in result.get("by_county", {}).values():
        county.pop("distance", None)
        county.pop("cliffs", None)
    return result


def revision_effect_start(*, actor: Any, revision: ParameterRevision, enqueue: bool = True) -> Job:
    """Queue the job working out *revision*'s effect; ``JobRefused`` when one is queued or running."""
    if revision.status != RevisionStatus.DRAFT:
        raise JobRefused("decided", "这项修订已经决定，不再测算其影响。",
                         "This revision has been decided; its effect is no longer worked out.")
    return job_start(actor=actor, kind=KIND, params={"revision": revision.pk}, region_code=revision.region_id,
                     scope_key=scope_key(revision), channel="ui" if getattr(actor, "pk", None) else "system",
                     enqueue=enqueue)


def on_revision_drafted(*, revision: ParameterRevision, actor: Any) -> None:
    """``core.hooks`` listener: a revision was drafted → its effect is worked out (after the commit)."""
    if not settings.JIUZHU_JOBS.get("follow_ups", True):
        return  # switched off by the operator (JIUZHU_JOBS_FOLLOW_UPS=0): the page offers the button

    def start() -> None:
        try:
            revision_effect_start(actor=actor, revision=revision)
        except JobRefused:
            pass  # one is already queued or running for this revision

    transaction.on_commit(start)


def revision_effect_job(ctx: Any, *, revision: int) -> dict[str, Any]:
    """The job ``reports.revision_effect``: the what-if outside any transaction, the figures stored at the end."""
    rev = ParameterRevision.objects.select_related("region").get(pk=revision)
    if rev.status != RevisionStatus.DRAFT:
        raise RefusedError("decided", "这项修订已经决定，不再测算其影响。",
                           "This revision has been decided; its effect is no longer worked out.")
    ctx.phase("simulate")
    result = revision_effect_compute(rev, progress=ctx.progress)
    with ctx.commit():
        effect = RevisionEffect.objects.create(job_id=ctx.job_id, revision=rev, as_of=dt.date.fromisoformat(result["as_of"]),
                                               base_version=result["base_parameter_version"], result=result)
        audit("parameter.effect", actor=ctx.actor, object_type="parameter_revision", object_id=rev.pk, job=ctx.job_id,
              households=result["households"], monthly_cost_change=result["monthly_cost_change"])
        ctx.set_result({"revision": rev.pk, "effect": effect.pk, "households": result["households"],
                        "monthly_cost_change": result["monthly_cost_change"]})
    return {}
