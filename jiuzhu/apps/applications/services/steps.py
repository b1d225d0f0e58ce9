"""The workflow steps of an application: one entry point, ``act``, over ``workflow.MACHINE``.

The table (``workflow.TRANSITIONS``) decides whether a step is legal, who may take it and who may
not repeat an earlier one; the core state machine locks the row, checks the version (stale →
``ConflictError``, HTTP 409), writes the ``Transition`` and the audit record, and audits a refusal
after the rollback.  The handlers below are each step's own checks and writes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.assistance.services import EntitlementError, start_entitlement
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.determination.facts import record_fact
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry import services as registry
from jiuzhu.rules.params import ParameterSet

from .. import economic, letters, notices
from ..models import Application, EconomicCheck, HomeVisit, Objection, State
from ..selectors import assess, payable
from ..workflow import MACHINE, PROCESS, TRANSITIONS, ApplicationError
from .common import DOCUMENTS, _clean_documents, calendar, param, today
from .reviews import _schedule_review


def act(*, actor: User, application: Application, action: str, expected_version: int | None = None,
        reason: str = "", data: dict[str, Any] | None = None, on: dt.date | None = None) -> Application:
    """Take one workflow step (see ``workflow.TRANSITIONS``)."""
    on = on or today()
    reason = reason.strip()
    params = current_parameters()

    def effect(step: Any) -> dict[str, Any]:
        return HANDLERS[action](step.obj, actor, on, reason, data or {}, params) or {}

    return MACHINE.run(actor=actor, obj=application, action=action, expected_version=expected_version,
                       reason=reason, effect=effect, context={"on": on, "params": params})


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


def _h_notify_missing(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
                      params: ParameterSet) -> dict[str, Any]:
    _take_documents(app, data, on)
    missing = _missing(app, params, on)
    if not missing:
        raise ApplicationError("complete", _("Nothing is missing: accept the application instead."))
    app.missing_notice_on, app.missing_notice_items = on, missing
    return {"missing": missing}


def _h_accept(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
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


def _h_check(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
             params: ParameterSet) -> dict[str, Any]:
    if not app.authorisation_on:
        raise ApplicationError("authorisation", _("The written authorisation for the economic check is missing."))
    report = economic.build_report(app.household, on)
    check = EconomicCheck.objects.create(application=app, created_by=actor, report=report,
                                         differences=report["differences"], household_version=app.household.version)
    return {"check": check.pk, "differences": report["differences"], "no_data": report["no_data"]}


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


def _h_visit(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
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


def _h_opinion(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
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


def _h_publish(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    if app.opinion != "approve":
        raise ApplicationError("not_published", _("Only a proposed approval is published; refuse the application "
                                                  "instead."))
    notices.set_residence(app, data)
    _notice(app, on, params)
    return {"notice_start": app.notice_start.isoformat(), "notice_end": app.notice_end.isoformat(),
            "boards": [v.code for v in notices.boards(app)]}


def _h_object(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    # What counts is the day the objection was received (within the period: notices.new_objection),
    # not the day it is recorded — a letter of the last day may be entered the next morning.
    if not data.get("substantiated"):  # Jiangxi: an appraisal only on an objection backed by facts
        raise ApplicationError("substance", _("An objection without facts or evidence is recorded on the case and "
                                              "the notice goes on; only one backed by evidence goes to democratic "
                                              "appraisal."))
    obj = notices.new_objection(app, actor, on, reason, data, substantiated=True)
    app.objection_due_on = calendar().add_working_days(
        app.notice_end or on, int(param(params, "objection_working_days", app.household, on)))
    return {"objection": obj.pk, "due": app.objection_due_on.isoformat()}


def _close_objections(app: Application, on: dt.date, reason: str) -> int:
    return Objection.objects.filter(application=app, resolved_on__isnull=True).update(resolution=reason[:1000],
                                                                                      resolved_on=on)


def _h_resolve(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
               params: ParameterSet) -> dict[str, Any]:
    closed = _close_objections(app, on, reason)
    app.decision_due_on = calendar().add_working_days(on, int(param(params, "decision_working_days", app.household, on)))
    return {"objections_closed": closed}


def _h_republish(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
                 params: ParameterSet) -> dict[str, Any]:
    closed = _close_objections(app, on, reason)
    notices.set_residence(app, data)
    _notice(app, on, params)
    return {"objections_closed": closed, "notice_end": app.notice_end.isoformat()}


def _notice_over(app: Application, on: dt.date) -> None:
    if app.state == State.NOTICE and (app.notice_end is None or on <= app.notice_end):
        raise ApplicationError("notice_running", _("The public notice runs until %(end)s; decide after it ends.")
                               % {"end": app.notice_end})


def _decide(app: Application, decision: str, on: dt.date, reason: str, result: dict[str, Any],
            categories: list[str], amount: Decimal | None, entitlements: list[Any], review_on: dt.date | None,
            params: ParameterSet) -> None:
    """Record the decision's basis (letters.decision_basis) and its reasons on the application."""
    names = {str(pk): name for pk, name in app.household.members.values_list("pk", "name")}
    app.decision_basis = letters.decision_basis(
        decision=decision, on=on, result=result, reason=reason, categories=categories, amount=amount,
        entitlements=entitlements, review_on=review_on, names=names, parameter_version=params.version)
    app.decision_reasons = letters.reason_lines(app.decision_basis)


def _h_approve(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
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
    app.letter_due_on = calendar().add_working_days(on, int(param(params, "refusal_letter_working_days",
                                                                  app.household, on)))
    review = _schedule_review(app, on, params)
    _decide(app, "approved", on, reason, result, categories, pay["total"], started, review.due_on, params)
    return {"categories": categories, "amount": str(pay["total"]), "entitlements": [e.pk for e in started],
            "lower_tier": not started}


def _h_refuse(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    if app.state == State.OPINION and app.opinion != "refuse":
        raise ApplicationError("opinion_approve", _("The township proposed approval: publish the notice first."))
    _notice_over(app, on)
    result = assess(app.household, on)
    app.decided_on, app.decided_by = on, actor
    app.decision_categories = list(result.get("categories", []))
    app.decision_amount = None
    app.letter_due_on = calendar().add_working_days(on, int(param(params, "refusal_letter_working_days",
                                                                  app.household, on)))
    _decide(app, "refused", on, reason, result, [], None, [], None, params)
    record_fact(household=app.household, fact="refused", on=on, actor=actor, ref=f"application:{app.uid}")
    return {"letter_due_on": app.letter_due_on.isoformat(),
            "contrary_to_determination": app.decision_basis["contrary_to_determination"]}


def _h_send_letter(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
                   params: ParameterSet) -> dict[str, Any]:
    if app.letter_sent_on:
        raise ApplicationError("letter_sent", _("The written notice was already recorded as sent."))
    app.letter_sent_on = on
    return {"late": bool(app.letter_due_on and on > app.letter_due_on)}


def _h_extend(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
              params: ParameterSet) -> dict[str, Any]:
    if app.extended:
        raise ApplicationError("extended", _("The time limit was already extended once."))
    app.extended, app.extension_reason = True, reason[:300]
    app.due_on = calendar().add_working_days(app.accepted_on or on,
                                             int(param(params, "extended_working_days", app.household, on)))
    return {"due_on": app.due_on.isoformat()}


def _h_withdraw(app: Application, actor: User, on: dt.date, reason: str, data: dict[str, Any],
                params: ParameterSet) -> dict[str, Any]:
    return {}


HANDLERS: dict[str, Handler] = {
    "notify_missing": _h_notify_missing, "accept": _h_accept, "check": _h_check, "visit": _h_visit,
    "opinion": _h_opinion, "publish": _h_publish, "object": _h_object, "resolve": _h_resolve,
    "republish": _h_republish, "approve": _h_approve, "refuse": _h_refuse, "send_letter": _h_send_letter,
    "extend": _h_extend, "withdraw": _h_withdraw,
}
assert set(HANDLERS) == set(TRANSITIONS), "every declared step has a handler"
