"""Periodic reviews (动态管理): scheduled at approval, marked done, scheduled in bulk for recipients."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from jiuzhu.apps.assistance.models import Entitlement
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.models import User
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household
from jiuzhu.rules.params import ParameterSet

from ..models import Application, ReviewTask
from ..workflow import ApplicationError
from .common import _check_scope, param, today


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
def review_done(*, actor: User, task: ReviewTask, note: str = "", on: dt.date | None = None) -> ReviewTask:
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
