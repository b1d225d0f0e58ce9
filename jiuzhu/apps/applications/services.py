"""Writes of the applications app.  One entry point per kind of write; each runs in one
transaction, locks the application row, checks its version (a stale edit → ``ConflictError``,
HTTP 409), checks the step against ``workflow.TRANSITIONS`` and writes its ``Transition`` and
audit record.  A refused step leaves nothing changed and an audit record of the refusal.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.assistance.models import Entitlement
from jiuzhu.apps.assistance.services import EntitlementError, start_entitlement
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.determination.facts import record_fact
from jiuzhu.apps.determination.services import interchange
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry import services as registry
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.apps.registry.validation import clean_id_number, clean_name
from jiuzhu.engine.determination.single import determine_household
from jiuzhu.pii.crypto import encrypt_field
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.calendar import default_calendar
from jiuzhu.rules.determination.codes import CATEGORY_LABELS
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.text import InputError

from . import economic
from .models import (
    Appeal,
    Application,
    Channel,
    EconomicCheck,
    HomeVisit,
    Objection,
    ReviewTask,
    StaffRelative,
    State,
    Transition,
)
from .workflow import DECIDE, OPEN_STATES, PROCESS, TRANSITIONS, Step

DOCUMENTS = {
    "id_card": ("身份证件", "Identity document"),
    "income_declaration": ("家庭收入和财产申报", "Declaration of income and property"),
    "authorisation": ("家庭经济状况核对授权书", "Written authorisation for the economic check"),
    "relationship_proof": ("家庭关系证明", "Proof of family relationships"),
    "disability_certificate": ("残疾证", "Disability certificate"),
    "medical_records": ("疾病诊断证明", "Medical diagnosis"),
}


class ApplicationError(Exception):
    """A refused step: a clear message (translated), a code for the API."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class ConflictError(ApplicationError):
    status = 409


def today() -> dt.date:
    return timezone.localdate()


def calendar() -> Any:
    return default_calendar()


def param(params: ParameterSet, name: str, household: Household, on: dt.date) -> Any:
    return params.resolve(f"applications.{name}", household.county_id, household.area_type, on).value


def state_label(state: str) -> str:
    return str(State(state).label)


# ------------------------------------------------------------------ relatives (11)

def _id_index(value: str) -> str:
    return registry.id_index(value)


@transaction.atomic
def staff_relative_add(*, actor: Any, region: str, staff_kind: str, staff_name: str, relative_name: str,
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

def _check_scope(actor: Any, village_id: str, capability: str = PROCESS) -> None:
    if not (actor.is_authenticated and actor.has_capability(capability)):
        raise PermissionDenied(capability)
    if not region_in_scope(actor, village_id):
        raise Http404


def _number(on: dt.date) -> str:
    return f"SQ{on:%Y%m%d}{uuid.uuid4().hex[:8].upper()}"


def _clean_documents(documents: Any) -> list[str]:
    if documents in (None, ""):
        return []
    if isinstance(documents, str):
        documents = [documents]
    out = []
    for d in documents:
        if d not in DOCUMENTS:
            raise ApplicationError("documents", _("Unknown document: %(d)s") % {"d": str(d)[:40]})
        if d not in out:
            out.append(d)
    return out


def create_application(*, actor: Any, household: Household, channel: str, applicant_name: str = "",
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


def _create(actor: Any, household: Household, channel: str, applicant_name: str, agent_name: str,
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
def create_with_new_household(*, actor: Any, household_data: dict[str, Any], head: dict[str, Any],
                              **application: Any) -> Application:
    """The desk form for a household not yet registered: registry first (its services), then the application."""
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied(PROCESS)
    household = registry.household_create(actor=actor, data=household_data, head=head)
    return create_application(actor=actor, household=household, **application)


# ------------------------------------------------------------------ the workflow

def _record(app: Application, action: str, from_state: str, to_state: str, actor: Any, on: dt.date,
            reason: str, params: ParameterSet, detail: dict[str, Any]) -> Transition:
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


def act(*, actor: Any, application: Application, action: str, expected_version: int | None = None,
        reason: str = "", data: dict[str, Any] | None = None, on: dt.date | None = None) -> Application:
    """Take one workflow step (see ``workflow.TRANSITIONS``)."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise ApplicationError("action", _("Unknown step."))
    if not (actor.is_authenticated and actor.has_capability(step.capability)):
        audit("applications.transition", actor=actor if getattr(actor, "pk", None) else None,
              object_type="application", object_id=application.pk, action=action, outcome="denied",
              code="capability")
        raise PermissionDenied(step.capability)
    if not region_in_scope(actor, application.village_id):
        audit("applications.transition", actor=actor, object_type="application", object_id=application.pk,
              action=action, outcome="denied", code="scope")
        raise Http404
    on = on or today()
    try:
        with transaction.atomic():
            return _act(actor, application, step, expected_version, reason.strip(), data or {}, on)
    except ApplicationError as err:
        audit("applications.transition", actor=actor, object_type="application", object_id=application.pk,
              action=action, outcome="refused", code=err.code)
        raise


def _act(actor: Any, application: Application, step: Step, expected_version: int | None, reason: str,
         data: dict[str, Any], on: dt.date) -> Application:
    app = Application.objects.select_for_update(of=("self",)).select_related("household").get(pk=application.pk)
    if expected_version is not None and app.version != int(expected_version):
        raise ConflictError("conflict", _("This application was changed by someone else in the meantime; "
                                          "reload it and try again."))
    if app.state not in step.sources:
        raise ApplicationError("illegal", _("Step “%(step)s” is not possible while the application is “%(state)s”.")
                               % {"step": step.label, "state": state_label(app.state)})
    if step.needs_reason and not reason:
        raise ApplicationError("reason", _("Give the reason for this step."))
    params = current_parameters()
    household = app.household
    if step.not_same_as and (not step.separation_param or param(params, step.separation_param.split(".", 1)[1],
                                                                 household, on)):
        if app.transitions.filter(action__in=step.not_same_as, actor=actor).exists():
            raise ApplicationError("same_user", _("The person who gave the township opinion may not also decide "
                                                  "this application."))
    from_state = app.state
    detail = HANDLERS[step.action](app, actor, on, reason, data, params) or {}
    app.state = step.target or app.state
    app.version += 1
    app.save()
    _record(app, step.action, from_state, app.state, actor, on, reason, params, detail)
    return app


Handler = Any


def _missing(app: Application, params: ParameterSet, on: dt.date) -> list[str]:
    required = list(param(params, "required_documents", app.household, on))
    missing = [d for d in required if d not in app.documents]
    if "authorisation" in required and not app.authorisation_on and "authorisation" not in missing:
        missing.append("authorisation")
    return missing


def _take_documents(app: Application, data: dict[str, Any], on: dt.date) -> None:
    if "documents" in data:
        app.documents = sorted(set(app.documents) | set(_clean_documents(data["documents"])))
    if data.get("authorisation_ref"):
        app.authorisation_ref = str(data["authorisation_ref"]).strip()[:60]
        app.authorisation_on = data.get("authorisation_on") or on
        if "authorisation" not in app.documents:
            app.documents = [*app.documents, "authorisation"]


def _h_notify_missing(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
                      params: ParameterSet) -> dict[str, Any]:
    _take_documents(app, data, on)
    missing = _missing(app, params, on)
    if not missing:
        raise ApplicationError("complete", _("Nothing is missing: accept the application instead."))
    app.missing_notice_on, app.missing_notice_items = on, missing
    return {"missing": missing}


def _h_accept(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    _take_documents(app, data, on)
    missing = _missing(app, params, on)
    if missing:
        names = "、".join(DOCUMENTS[d][0] for d in missing)
        raise ApplicationError("missing", _("Documents are missing (give the applicant one notice listing them "
                                            "all): %(items)s") % {"items": names})
    app.accepted_on = on
    app.due_on = calendar().add_working_days(on, int(param(params, "total_working_days", app.household, on)))
    return {"due_on": app.due_on.isoformat()}


def _h_check(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
             params: ParameterSet) -> dict[str, Any]:
    if not app.authorisation_on:
        raise ApplicationError("authorisation", _("The written authorisation for the economic check is missing."))
    report = economic.build_report(app.household, on)
    check = EconomicCheck.objects.create(application=app, created_by=actor, report=report,
                                         differences=report["differences"], household_version=app.household.version)
    return {"check": check.pk, "differences": report["differences"]}


def _visit_user(value: Any) -> Any:
    User = get_user_model()
    if isinstance(value, User):
        return value
    try:
        return User.objects.get(pk=int(value), is_active=True)
    except (TypeError, ValueError, User.DoesNotExist):
        return None


def _is_county_level(user: Any) -> bool:
    return bool(user.region_id) and user.region.level in ("county", "city", "province")


def _h_visit(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
             params: ParameterSet) -> dict[str, Any]:
    second = _visit_user(data.get("staff_2"))
    if second is None or second.pk == actor.pk:
        raise ApplicationError("two_staff", _("A home visit needs two different staff members."))
    if not (second.has_capability(PROCESS) and region_in_scope(second, app.village_id)):
        raise ApplicationError("two_staff", _("The second staff member must be a caseworker of this region."))
    if app.related_to_staff and not (_is_county_level(actor) and _is_county_level(second)):
        raise ApplicationError("county_visit", _("The applicant is a close relative of staff: the home visit must be "
                                                 "made by county staff."))
    if data.get("applicant_signed") is not True:
        raise ApplicationError("signature", _("The applicant must sign the home-visit form."))
    visited_on = data.get("visited_on") or on
    if isinstance(visited_on, str):
        try:
            visited_on = dt.date.fromisoformat(visited_on)
        except ValueError:
            raise ApplicationError("visited_on", _("Enter a valid date.")) from None
    if visited_on > on or (app.accepted_on and visited_on < app.accepted_on):
        raise ApplicationError("visited_on", _("The visit date must lie between acceptance and today."))
    updates = data.get("updates") or []
    for u in updates:  # findings that change the household's facts: through the registry's services
        try:
            registry.item_add(actor=actor, household=app.household, kind=u["kind"], data=u["data"])
        except ValidationError as err:
            raise ApplicationError("finding", _("A finding could not be recorded: %(e)s")
                                   % {"e": "; ".join(err.messages)}) from err
        except KeyError as err:
            raise ApplicationError("finding", _("A finding could not be recorded: %(e)s") % {"e": str(err)}) from err
    app.household.refresh_from_db(fields=["version"])
    now = timezone.now()
    visit = HomeVisit.objects.create(
        application=app, visited_on=visited_on, staff_1=actor, staff_1_signed_at=now, staff_2=second,
        staff_2_signed_at=now, applicant_signed=True, county_level=_is_county_level(actor) and _is_county_level(second),
        living_conditions=str(data.get("living_conditions", ""))[:1000], findings=str(data.get("findings", ""))[:2000],
        household_version=app.household.version)
    app.visit_on = visited_on
    app.opinion_due_on = calendar().add_working_days(
        visited_on, int(param(params, "opinion_working_days", app.household, on)))
    return {"visit": visit.pk, "staff": [actor.username, second.username], "updates": len(updates),
            "opinion_due_on": app.opinion_due_on.isoformat()}


def assess(household: Household, on: dt.date) -> dict[str, Any]:
    """The determination of every category at once (分类审核认定), with per-member tekun amounts."""
    try:
        result = determine_household(interchange(household), on, current_parameters(), intermediates=True)
    except InputError as err:  # a household the engine cannot determine: say why, do not crash
        raise ApplicationError("determination", str(err)) from err
    if result.get("error"):
        raise ApplicationError("determination", result["error"].get("message_zh", ""))
    return result


def _money(text: Any) -> Decimal:
    return Decimal(str(text or "0")).quantize(Decimal("0.01"))


def payable(result: dict[str, Any]) -> dict[str, Any]:
    """What an approval would pay: dibao for the household, tekun per member (from the benefits)."""
    b = result.get("benefits", {})
    dibao = _money(b.get("dibao")) + _money(b.get("dibao_supplement")) + _money(b.get("single_inclusion"))
    tekun: dict[str, Decimal] = {}
    members = result.get("tekun_members", [])
    if members:
        figures = result.get("figures", {})
        basic = figures.get("tekun_basic_per_person_fen")
        mf = result.get("member_figures", {})
        if basic is not None:
            for m in members:
                tekun[m] = (Decimal(int(basic) + int(mf.get(m, {}).get("m_care_fen") or 0)) / 100).quantize(
                    Decimal("0.01"))
        else:  # equal split of the household total
            total = _money(b.get("tekun_basic")) + _money(b.get("tekun_care"))
            for m in members:
                tekun[m] = (total / len(members)).quantize(Decimal("0.01"))
    total = (dibao if "dibao" in result.get("categories", []) else Decimal("0.00")) + sum(tekun.values(), Decimal("0"))
    return {"dibao": dibao if "dibao" in result.get("categories", []) else None, "tekun": tekun, "total": total}


def _h_opinion(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    proposal = data.get("proposal")
    if proposal not in ("approve", "refuse"):
        raise ApplicationError("proposal", _("Propose either approval or refusal."))
    result = assess(app.household, on)
    app.opinion, app.opinion_text, app.opinion_by = proposal, reason[:1000], actor
    app.proposed_categories = list(result.get("categories", []))
    app.proposed_amount = payable(result)["total"]
    late = bool(app.opinion_due_on and on > app.opinion_due_on)
    return {"proposal": proposal, "categories": app.proposed_categories, "amount": str(app.proposed_amount),
            "late": late}


def _notice(app: Application, on: dt.date, params: ParameterSet) -> None:
    days = int(param(params, "notice_days", app.household, on))
    app.notice_start, app.notice_end = on, on + dt.timedelta(days=days - 1)
    app.decision_due_on = calendar().add_working_days(
        app.notice_end, int(param(params, "decision_working_days", app.household, on)))


def _h_publish(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    if app.opinion != "approve":
        raise ApplicationError("not_published", _("Only a proposed approval is published; refuse the application "
                                                  "instead."))
    _notice(app, on, params)
    return {"notice_start": app.notice_start.isoformat(), "notice_end": app.notice_end.isoformat()}


def _h_object(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    if app.notice_end and on > app.notice_end:
        raise ApplicationError("notice_over", _("The notice period is over; objections are no longer recorded here."))
    obj = Objection.objects.create(application=app, received_on=on, summary=reason[:1000],
                                   substantiated=bool(data.get("substantiated")), recorded_by=actor)
    app.objection_due_on = calendar().add_working_days(
        app.notice_end or on, int(param(params, "objection_working_days", app.household, on)))
    return {"objection": obj.pk, "due": app.objection_due_on.isoformat()}


def _close_objections(app: Application, on: dt.date, reason: str) -> int:
    return Objection.objects.filter(application=app, resolved_on__isnull=True).update(resolution=reason[:1000],
                                                                                      resolved_on=on)


def _h_resolve(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    closed = _close_objections(app, on, reason)
    app.decision_due_on = calendar().add_working_days(on, int(param(params, "decision_working_days", app.household, on)))
    return {"objections_closed": closed}


def _h_republish(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
                 params: ParameterSet) -> dict[str, Any]:
    closed = _close_objections(app, on, reason)
    _notice(app, on, params)
    return {"objections_closed": closed, "notice_end": app.notice_end.isoformat()}  # type: ignore[union-attr]


def _notice_over(app: Application, on: dt.date) -> None:
    if app.state == State.NOTICE and (app.notice_end is None or on <= app.notice_end):
        raise ApplicationError("notice_running", _("The public notice runs until %(end)s; decide after it ends.")
                               % {"end": app.notice_end})


def _reasons(result: dict[str, Any], passed: bool | None) -> list[dict[str, str]]:
    exp = result.get("explanation") or {}
    out = [{"zh": exp.get("summary_zh", ""), "en": exp.get("summary_en", "")}]
    for code, cat in (exp.get("categories") or {}).items():
        for c in cat.get("criteria", []) if isinstance(cat, dict) else []:
            if code in ("dibao", "tekun") and (passed is None or c.get("passed") == passed):
                out.append({"zh": f"{c.get('label_zh', '')}：{c.get('text_zh', '')}",
                            "en": f"{c.get('label_en', '')}: {c.get('text_en', '')}"})
    return out


def _h_approve(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    _notice_over(app, on)
    result = assess(app.household, on)
    categories = list(result.get("categories", []))
    pay = payable(result)
    ref = f"application:{app.uid}"
    started = []
    try:
        if pay["dibao"] is not None:
            started.append(start_entitlement(
                actor=actor, household=app.household, programme="dibao", monthly_amount=pay["dibao"],
                approved_on=on, decision_ref=ref, category="dibao", parameter_version=params.version))
        members = {str(m.pk): m for m in app.household.members.all()}
        for mid, amount in pay["tekun"].items():
            started.append(start_entitlement(
                actor=actor, household=app.household, programme="tekun", monthly_amount=amount, approved_on=on,
                decision_ref=ref, category="tekun", member=members.get(mid), parameter_version=params.version))
    except EntitlementError as err:
        raise ApplicationError(err.code, err.message_zh) from err
    if not started:
        lower = [c for c in categories if c in ("marginal", "rigid", "dibao_individual", "other")]
        if not (lower and app.consent_next_tier):
            raise ApplicationError("not_eligible", _("The household qualifies for no category it consented to; "
                                                     "refuse the application instead."))
    app.decided_on, app.decided_by = on, actor
    app.decision_categories = categories
    app.decision_amount = pay["total"]
    app.decision_reasons = _reasons(result, True) + ([{"zh": reason, "en": reason}] if reason else [])
    app.letter_due_on = calendar().add_working_days(on, int(param(params, "refusal_letter_working_days",
                                                                  app.household, on)))
    _schedule_review(app, on, params)
    return {"categories": categories, "amount": str(pay["total"]), "entitlements": [e.pk for e in started],
            "lower_tier": not started}


def _h_refuse(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    if app.state == State.OPINION and app.opinion != "refuse":
        raise ApplicationError("opinion_approve", _("The township proposed approval: publish the notice first."))
    _notice_over(app, on)
    result = assess(app.household, on)
    app.decided_on, app.decided_by = on, actor
    app.decision_categories = list(result.get("categories", []))
    app.decision_amount = None
    app.decision_reasons = [{"zh": reason, "en": reason}] + _reasons(result, False)
    app.letter_due_on = calendar().add_working_days(on, int(param(params, "refusal_letter_working_days",
                                                                  app.household, on)))
    record_fact(household=app.household, fact="refused", on=on, actor=actor, ref=f"application:{app.uid}")
    return {"letter_due_on": app.letter_due_on.isoformat()}


def _h_send_letter(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
                   params: ParameterSet) -> dict[str, Any]:
    if app.letter_sent_on:
        raise ApplicationError("letter_sent", _("The written notice was already recorded as sent."))
    app.letter_sent_on = on
    return {"late": bool(app.letter_due_on and on > app.letter_due_on)}


def _h_extend(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    if app.extended:
        raise ApplicationError("extended", _("The time limit was already extended once."))
    app.extended, app.extension_reason = True, reason[:300]
    app.due_on = calendar().add_working_days(app.accepted_on or on,
                                             int(param(params, "extended_working_days", app.household, on)))
    return {"due_on": app.due_on.isoformat()}


def _h_withdraw(app: Application, actor: Any, on: dt.date, reason: str, data: dict[str, Any],
                params: ParameterSet) -> dict[str, Any]:
    return {}


HANDLERS: dict[str, Handler] = {
    "notify_missing": _h_notify_missing, "accept": _h_accept, "check": _h_check, "visit": _h_visit,
    "opinion": _h_opinion, "publish": _h_publish, "object": _h_object, "resolve": _h_resolve,
    "republish": _h_republish, "approve": _h_approve, "refuse": _h_refuse, "send_letter": _h_send_letter,
    "extend": _h_extend, "withdraw": _h_withdraw,
}
assert set(HANDLERS) == set(TRANSITIONS), "every declared step has a handler"


# ------------------------------------------------------------------ reviews and appeals

def review_kind(household: Household) -> str:
    """irregular: a member able to work whose income is not fixed (not retired, not at school)."""
    able = household.members.exclude(work_capacity="none").exclude(employment__in=("retired", "student"))
    return "irregular" if able.exists() else "stable"


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _schedule_review(app: Application, on: dt.date, params: ParameterSet) -> ReviewTask:
    kind = review_kind(app.household)
    months = int(param(params, "review_months_irregular" if kind == "irregular" else "review_months_stable",
                       app.household, on))
    return ReviewTask.objects.create(household=app.household, application=app, kind=kind,
                                     due_on=_add_months(on, months))


@transaction.atomic
def review_done(*, actor: Any, task: ReviewTask, note: str = "", on: dt.date | None = None) -> ReviewTask:
    """Mark a periodic review done and schedule the next one of the same kind."""
    on = on or today()
    _check_scope(actor, task.household.village_id)
    task = ReviewTask.objects.select_for_update(of=("self",)).select_related("household").get(pk=task.pk)
    if task.done_on:
        raise ApplicationError("done", _("This review is already done."))
    task.done_on, task.done_by, task.note = on, actor, note[:500]
    task.save()
    params = current_parameters()
    kind = review_kind(task.household)
    months = int(param(params, "review_months_irregular" if kind == "irregular" else "review_months_stable",
                       task.household, on))
    nxt = ReviewTask.objects.create(household=task.household, application=task.application, kind=kind,
                                    due_on=_add_months(on, months))
    audit("applications.review_done", actor=actor, object_type="household", object_id=task.household_id,
          next_due=nxt.due_on.isoformat(), kind=kind)
    return task


@transaction.atomic
def appeal_record(*, actor: Any, application: Application, kind: str, grounds: str,
                  on: dt.date | None = None) -> Appeal:
    """An applicant's request for review of a decision, linked to the decision and its reasons."""
    on = on or today()
    _check_scope(actor, application.village_id)
    app = Application.objects.select_for_update().get(pk=application.pk)
    if app.state not in (State.APPROVED, State.REFUSED):
        raise ApplicationError("no_decision", _("Only a decision can be appealed."))
    if kind not in dict(Appeal.KINDS):
        raise ApplicationError("kind", _("Choose a valid option."))
    if not grounds.strip():
        raise ApplicationError("grounds", _("Give the grounds of the appeal."))
    appeal = Appeal.objects.create(
        application=app, kind=kind, received_on=on, grounds=grounds.strip()[:2000], recorded_by=actor,
        decision_snapshot={"state": app.state, "decided_on": app.decided_on.isoformat() if app.decided_on else None,
                           "categories": app.decision_categories, "reasons": app.decision_reasons,
                           "amount": str(app.decision_amount) if app.decision_amount is not None else None})
    audit("applications.appeal", actor=actor, object_type="application", object_id=app.pk, kind=kind)
    return appeal


@transaction.atomic
def appeal_conclude(*, actor: Any, appeal: Appeal, outcome: str, text: str, on: dt.date | None = None) -> Appeal:
    on = on or today()
    _check_scope(actor, appeal.application.village_id, DECIDE)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.concluded_on:
        raise ApplicationError("concluded", _("This appeal is already concluded."))
    if outcome not in ("upheld", "overturned") or not text.strip():
        raise ApplicationError("outcome", _("Give the outcome and its reasons."))
    appeal.outcome, appeal.outcome_text, appeal.concluded_on, appeal.concluded_by = outcome, text[:2000], on, actor
    appeal.save()
    audit("applications.appeal_concluded", actor=actor, object_type="application", object_id=appeal.application_id,
          outcome=outcome)
    return appeal


# ------------------------------------------------------------------ public notice (whitelist)

def mask_head(name: str) -> str:
    """张三 → 张*; 欧阳小明 → 欧**明: the first character (and last of long names) only."""
    name = name.strip()
    if len(name) <= 2:
        return name[:1] + "*" * max(len(name) - 1, 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def notice_entry(app: Application) -> dict[str, Any]:
    """The ONLY fields a public notice shows (公示白名单): masked head name, people, amount, village."""
    head = app.household.members.filter(relation="head").values_list("name", flat=True).first() or app.applicant_name
    return {
        "head": mask_head(head),
        "people": app.household.members.count(),
        "amount": app.proposed_amount,
        "categories": [CATEGORY_LABELS[c][0] for c in app.proposed_categories if c in CATEGORY_LABELS],
        "village": app.village.name,
        "township": app.township.name,
        "notice_start": app.notice_start,
        "notice_end": app.notice_end,
    }


def current_notices(village: Region, on: dt.date | None = None) -> list[dict[str, Any]]:
    on = on or today()
    qs = Application.objects.filter(village=village, state__in=(State.NOTICE, State.OBJECTION),
                                    notice_start__lte=on, notice_end__gte=on).select_related("household", "village",
                                                                                            "township")
    return [notice_entry(a) for a in qs]


def member_for(household: Household, member_id: str) -> Member | None:
    return household.members.filter(pk=member_id).first()


def schedule_missing_reviews(today: dt.date, dry_run: bool = False) -> int:
    """A review task for every household with an active 低保/特困 entitlement and no open task."""
    open_tasks = ReviewTask.objects.filter(done_on__isnull=True).values("household_id")
    households = (Household.objects.filter(entitlements__state="active", entitlements__programme__in=("dibao", "tekun"))
                  .exclude(pk__in=open_tasks).distinct())
    if dry_run:
        return households.count()
    params = current_parameters()
    created = 0
    for household in households.iterator(chunk_size=500):
        approved = (Entitlement.objects.filter(household=household, state="active").order_by("-approved_on")
                    .values_list("approved_on", flat=True).first()) or today
        kind = review_kind(household)
        months = int(param(params, "review_months_irregular" if kind == "irregular" else "review_months_stable",
                           household, today))
        due = _add_months(approved, months)
        while due < today - dt.timedelta(days=366):  # a long-standing recipient: the next due date, not years ago
            due = _add_months(due, months)
        ReviewTask.objects.create(household=household, kind=kind, due_on=due)
        created += 1
    if created:
        audit("applications.reviews_scheduled", count=created)
    return created
