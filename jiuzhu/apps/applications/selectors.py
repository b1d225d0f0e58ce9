"""Reads of the applications app: scoped querysets, overdue cases, the determination of a household
(every category at once), what an approval would pay, the public notice (whitelist)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.scoping import scoped
from jiuzhu.apps.determination.services import interchange
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.engine.determination.single import determine_household
from jiuzhu.rules.text import InputError

from .models import Application, PublicIntake, ReviewTask, StaffRelative, State
from .workflow import IN_PROGRESS, VIEW, ApplicationError


def today() -> dt.date:
    return timezone.localdate()


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


def home_counts(user: Any) -> dict[str, int]:
    """The home page's counts (one query per model): cases at each step, overdue, public forms waiting."""
    today = timezone.localdate()
    counts = scoped(Application.objects.all(), user, VIEW).aggregate(
        overdue=Count("id", filter=overdue_q(today)),
        letters=Count("id", filter=Q(state__in=(State.REFUSED, State.APPROVED), letter_sent_on__isnull=True)),
        **{s: Count("id", filter=Q(state=s)) for s in (State.SUBMITTED, State.ACCEPTED, State.CHECKED,
                                                       State.VISITED, State.OPINION, State.NOTICE,
                                                       State.OBJECTION, State.APPRAISED)},
    )
    counts["intakes"] = scoped(PublicIntake.objects.filter(state="pending"), user, VIEW).count()
    return counts


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


# ------------------------------------------------------------------ the determination (分类审核认定)

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


# ------------------------------------------------------------------ public notice (whitelist)



def member_for(household: Household, member_id: str) -> Member | None:
    return household.members.filter(pk=member_id).first()
