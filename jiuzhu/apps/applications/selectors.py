"""Reads of the applications app: scoped querysets, overdue cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.scoping import scoped

from .models import Application, PublicIntake, ReviewTask, StaffRelative, State
from .workflow import IN_PROGRESS, VIEW


def applications(user: Any) -> QuerySet[Application]:
    return scoped(Application.objects.select_related("household", "village", "township", "county"), user, VIEW)


def intakes(user: Any) -> QuerySet[PublicIntake]:
    return scoped(PublicIntake.objects.select_related("village"), user, VIEW)


def reviews(user: Any) -> QuerySet[ReviewTask]:
    return scoped(ReviewTask.objects.select_related("household", "household__village"), user, VIEW)


def relatives(user: Any) -> QuerySet[StaffRelative]:
    return scoped(StaffRelative.objects.select_related("region"), user, VIEW)


def overdue_q(today: dt.date) -> Q:
    """Open cases past a deadline: overall limit, township opinion, objection, decision, refusal letter."""
    return (
        Q(state__in=IN_PROGRESS, due_on__lt=today)
        | Q(state=State.VISITED, opinion_due_on__lt=today)
        | Q(state=State.OBJECTION, objection_due_on__lt=today)
        | Q(state__in=(State.NOTICE, State.APPRAISED), decision_due_on__lt=today)
        | Q(state__in=(State.REFUSED, State.APPROVED), letter_sent_on__isnull=True, letter_due_on__lt=today)
    )


def overdue_reasons(app: Application, today: dt.date) -> list[str]:
    out = []
    if app.state in IN_PROGRESS and app.due_on and today > app.due_on:
        out.append("overall")
    if app.state == State.VISITED and app.opinion_due_on and today > app.opinion_due_on:
        out.append("opinion")
    if app.state == State.OBJECTION and app.objection_due_on and today > app.objection_due_on:
        out.append("objection")
    if app.state in (State.NOTICE, State.APPRAISED) and app.decision_due_on and today > app.decision_due_on:
        out.append("decision")
    if app.state in (State.REFUSED, State.APPROVED) and not app.letter_sent_on and app.letter_due_on \
            and today > app.letter_due_on:
        out.append("letter")
    return out


OVERDUE_LABELS = {
    "overall": _("Past the overall time limit"),
    "opinion": _("Township opinion overdue"),
    "objection": _("Objection handling overdue"),
    "decision": _("Decision overdue"),
    "letter": _("Written notice overdue"),
}
