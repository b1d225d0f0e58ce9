"""Intake: an application created at the desk, from the 12345 hotline, on someone's behalf or for a
household not yet registered; close relatives of staff registered and detected (近亲属备案, seed (11)).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry import services as registry
from jiuzhu.apps.registry.models import Household
from jiuzhu.apps.registry.validation import clean_id_number, clean_name
from jiuzhu.pii.crypto import encrypt_field
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.params import ParameterSet

from ..models import Application, Channel, StaffRelative, State, Transition
from ..workflow import OPEN_STATES, PROCESS, ApplicationError
from .common import _check_scope, _clean_documents, today

# ------------------------------------------------------------------ relatives (11)

def _id_index(value: str) -> str:
    return registry.id_index(value)


@transaction.atomic
def staff_relative_add(*, actor: User, region: str, staff_kind: str, staff_name: str, relative_name: str,
                       relative_id: str, relation: str, staff_user: Any = None) -> StaffRelative:
    """Register a close relative of a caseworker or village-committee member (近亲属备案)."""
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied
    if not region_in_scope(actor, region):
        raise Http404
    errors: dict[str, Any] = {}
    if staff_kind not in dict(StaffRelative.KINDS):
        errors["staff_kind"] = [_("Choose a valid option.")]
    for field, value in (("staff_name", staff_name), ("relative_name", relative_name), ("relation", relation)):
        try:
            clean_name(value)
        except ValidationError as err:
            errors[field] = err.messages
    try:
        parsed = clean_id_number(relative_id)
    except ValidationError as err:
        errors["relative_id"] = err.messages
    if errors:
        raise ValidationError(errors)
    obj = StaffRelative(region_id=region, staff_kind=staff_kind, staff_name=clean_name(staff_name),
                        relative_name=clean_name(relative_name), relation=clean_name(relation)[:32],
                        staff_user=staff_user, created_by=actor)
    obj.relative_id_enc = encrypt_field(keyring(), parsed.value, table="applications_staffrelative",
                                        column="relative_id", row=str(obj.uid))
    obj.relative_id_index = _id_index(parsed.value)
    obj.relative_id_masked = mask_id_number(parsed.value)
    obj.save()
    audit("applications.staff_relative_add", actor=actor, object_type="staff_relative", object_id=obj.pk,
          region=region, staff_kind=staff_kind, relative=obj.relative_id_masked)
    return obj


def detect_relatives(household: Household, declared_relation: str = "") -> list[dict[str, Any]]:
    """Close relatives of staff in the household: by ID number (blind index) and by declaration."""
    members = {m.id_number_index: m for m in household.members.all()}
    found = [
        {"by": "id_number", "member": members[r.relative_id_index].id_number_masked, "staff": r.staff_name,
         "staff_kind": r.staff_kind, "relation": r.relation, "register": str(r.uid)}
        for r in StaffRelative.objects.filter(relative_id_index__in=list(members))
    ]
    if declared_relation.strip():
        found.append({"by": "declared", "text": declared_relation.strip()[:200]})
    return found


# ------------------------------------------------------------------ intake

def _number(on: dt.date) -> str:
    return f"SQ{on:%Y%m%d}{uuid.uuid4().hex[:8].upper()}"


def create_application(*, actor: User, household: Household, channel: str, applicant_name: str = "",
                       agent_name: str = "", agent_relation: str = "", hotline_ref: str = "", reason: str = "",
                       consent_next_tier: bool = True, documents: Any = (), authorisation_ref: str = "",
                       authorisation_on: dt.date | None = None, declared_relation: str = "",
                       on: dt.date | None = None) -> Application:
    """One application for the household, assessed later against every category (一次申请)."""
    try:
        with transaction.atomic():
            return _create(actor, household, channel, applicant_name, agent_name, agent_relation, hotline_ref, reason,
                           consent_next_tier, documents, authorisation_ref, authorisation_on, declared_relation,
                           on or today())
    except (ApplicationError, Http404) as err:
        # After the rollback, so the refusal itself is on record.
        audit("applications.create", actor=actor, object_type="household", object_id=household.pk,
              outcome="refused", code=getattr(err, "code", "scope"))
        raise


def _create(actor: User, household: Household, channel: str, applicant_name: str, agent_name: str,
            agent_relation: str, hotline_ref: str, reason: str, consent_next_tier: bool, documents: Any,
            authorisation_ref: str, authorisation_on: dt.date | None, declared_relation: str,
            on: dt.date) -> Application:
    _check_scope(actor, household.village_id)
    household = Household.objects.select_for_update().get(pk=household.pk)  # one open application at a time
    if channel not in Channel.values:
        raise ApplicationError("channel", _("Choose a valid channel."))
    if channel == Channel.ON_BEHALF and not (agent_name.strip() and agent_relation.strip()):
        raise ApplicationError("agent", _("An application on someone's behalf needs the agent's name and relation."))
    if channel == Channel.HOTLINE and not hotline_ref.strip():
        raise ApplicationError("hotline_ref", _("Give the 12345 ticket number."))
    if Application.objects.filter(household=household, state__in=OPEN_STATES).exists():
        raise ApplicationError("open", _("This household already has an application in progress."))
    docs = _clean_documents(documents)
    if authorisation_ref.strip() and "authorisation" not in docs:
        docs.append("authorisation")
    head = household.members.filter(relation="head").first()
    relatives = detect_relatives(household, declared_relation)
    app = Application.objects.create(
        number=_number(on), household=household, county_id=household.county_id, township_id=household.township_id,
        village_id=household.village_id, channel=channel,
        applicant_name=(applicant_name.strip() or (head.name if head else ""))[:64],
        agent_name=agent_name.strip()[:64], agent_relation=agent_relation.strip()[:64],
        hotline_ref=hotline_ref.strip()[:40], reason=reason.strip()[:500], consent_next_tier=bool(consent_next_tier),
        documents=docs, authorisation_on=(authorisation_on or on) if authorisation_ref.strip() else None,
        authorisation_ref=authorisation_ref.strip()[:60], related_to_staff=bool(relatives),
        related_detail=relatives, submitted_on=on, created_by=actor,
    )
    params = current_parameters()
    _record(app, "submit", "", State.SUBMITTED, actor, on, reason, params, {"channel": channel})
    if relatives:
        # 单独登记备案: a separate audit entry the county's integrity review lists.
        audit("applications.related_to_staff", actor=actor, object_type="application", object_id=app.pk,
              matches=len(relatives))
    return app


@transaction.atomic
def create_with_new_household(*, actor: User, household_data: dict[str, Any], head: dict[str, Any],
                              **application: Any) -> Application:
    """The desk form for a household not yet registered: registry first (its services), then the application."""
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied(PROCESS)
    household = registry.household_create(actor=actor, data=household_data, head=head)
    return create_application(actor=actor, household=household, **application)


def _record(app: Application, action: str, from_state: str, to_state: str, actor: User, on: dt.date,
            reason: str, params: ParameterSet, detail: dict[str, Any]) -> Transition:
    """The first history row (submitted), written with its audit record; later steps: ``workflow.MACHINE``."""
    household_version = Household.objects.filter(pk=app.household_id).values_list("version", flat=True).get()
    t = Transition.objects.create(
        application=app, on=on, action=action, from_state=from_state, to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None, actor_username=getattr(actor, "username", ""),
        reason=reason[:1000], household_version=household_version, parameter_version=params.version,
        detail=detail)
    audit("applications.transition", actor=actor if getattr(actor, "pk", None) else None,
          object_type="application", object_id=app.pk, action=action, from_state=from_state, to_state=to_state,
          reason=reason[:200], household_version=household_version, parameter_version=params.version)
    return t
