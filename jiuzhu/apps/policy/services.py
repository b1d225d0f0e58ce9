"""Writing parameter revisions: draft, approve (by another user), reject.  Audited, atomic."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.hooks import notify
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.rules.params import ParameterError

from .models import ParameterRevision, RevisionStatus
from .selectors import current_parameters

CAP = "edit_parameters"


def _msg(err: ParameterError) -> str:
    return err.message_en if (get_language() or "").startswith("en") else err.message_zh


def _check(actor: User, region_code: str) -> None:
    if not (actor.is_authenticated and actor.has_capability(CAP)):
        raise PermissionDenied
    if not region_in_scope(actor, region_code):
        raise ValidationError({"region": _("This region lies outside your region.")})


@transaction.atomic
def revision_create(
    *, actor: User, path: str, region: str, area: str, effective_from: dt.date, value: str, reference: str, note: str = ""
) -> ParameterRevision:
    """Record a draft.  It is validated now against the tree as it would be once approved."""
    _check(actor, region)
    params = current_parameters()
    node = params.nodes.get(path)
    if node is None:
        raise ValidationError({"path": _("Unknown parameter.")})
    area = area or "all"
    if not node.by_area:
        area = "all"
    elif area not in ("urban", "rural"):
        raise ValidationError({"area": _("This parameter differs for urban and rural areas: choose one.")})
    region_obj = Region.objects.filter(code=region, valid_to__isnull=True).first()
    if region_obj is None or region_obj.level not in ("province", "city", "county"):
        raise ValidationError({"region": _("Parameters are set for the province, a city or a county.")})
    if not reference.strip():
        raise ValidationError({"reference": _("Give the legal reference (document number).")})
    if effective_from < timezone.localdate():
        raise ValidationError({"effective_from": _("A revision takes effect in the future; past values are never changed.")})
    entry = {"path": path, "region": region, "area": area, "from": effective_from.isoformat(), "value": value, "ref": reference}
    try:
        params.with_revisions([entry])
    except ParameterError as err:
        field = "value" if "value" in err.code or "float" in err.code or "kind" in err.code else "effective_from"
        raise ValidationError({field: _msg(err)}) from err
    rev = ParameterRevision.objects.create(
        path=path, region=region_obj, area=area, effective_from=effective_from, value=value.strip(),
        reference=reference.strip(), note=note, created_by=actor,
    )
    audit("parameter.draft", actor=actor, object_type="parameter_revision", object_id=rev.pk, path=path, region=region)
    # Its effect on the registry is worked out for the reviewer (the what-if of the reports app, a job).
    notify("parameters.drafted", revision=rev, actor=actor)
    return rev


@transaction.atomic
def revision_decide(*, actor: User, revision: ParameterRevision, approve: bool, note: str = "") -> ParameterRevision:
    """Approve or reject a draft.  Never by its author; approved revisions are final."""
    revision = ParameterRevision.objects.select_for_update().get(pk=revision.pk)
    _check(actor, revision.region_id)
    if revision.status != RevisionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be decided; this revision is %(status)s.") % {"status": revision.get_status_display()})
    if revision.created_by_id == actor.pk:
        audit("parameter.decide", actor=actor, object_type="parameter_revision", object_id=revision.pk, outcome="denied")
        raise PermissionDenied(_("A revision must be approved by someone other than its author."))
    if approve:
        # Re-validate against the tree as it is now (another revision may have been approved meanwhile).
        try:
            current_parameters().with_revisions([revision.as_entry()])
        except ParameterError as err:
            raise ValidationError(_msg(err)) from err
    revision.status = RevisionStatus.APPROVED if approve else RevisionStatus.REJECTED
    revision.decided_by = actor
    revision.decided_at = timezone.now()
    revision.decision_note = note
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit("parameter.approve" if approve else "parameter.reject", actor=actor, object_type="parameter_revision",
          object_id=revision.pk, path=revision.path, region=revision.region_id, value=revision.value)
    if approve:
        # The amounts that read this parameter are recomputed (调标) by the apps that pay them.
        notify("parameters.approved", revision=revision, actor=actor)
    return revision
