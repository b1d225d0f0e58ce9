"""Appeals: an applicant's request for review or reconsideration of a decision, and its conclusion."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User

from ..models import Appeal, Application, State
from ..workflow import DECIDE, ApplicationError
from .common import _check_scope, today


@transaction.atomic
def appeal_record(*, actor: User, application: Application, kind: str, grounds: str,
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
def appeal_conclude(*, actor: User, appeal: Appeal, outcome: str, text: str, on: dt.date | None = None) -> Appeal:
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
