"""Demo step: a full comparison over the demo province, then warnings walked into every state.

Idempotent: the comparison runs once (a second run would raise nothing new anyway), and the
walk-through only happens while no warning of 进贤县 has left the ``pushed`` state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import F
from django.utils import timezone

from jiuzhu.apps.applications.models import ReviewTask
from jiuzhu.apps.core.demo_accounts import DEMO_PASSWORD
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.services import user_create
from jiuzhu.engine.monitoring.indicators import get_indicator

from . import services
from .export import recipients
from .models import ComparisonRun, Outcome, State, Warning
from .visits import colleagues

DEMO_COUNTY = "360124"


def _visit(actor: User, w: Warning) -> Warning:
    """A visit by *actor* with a colleague's account as the second visitor (two-person rule)."""
    n = len(get_indicator(w.indicator).checklist)
    data = {f"check_{i}": "yes" for i in range(n)}
    second = colleagues(w, actor).order_by("-region_id", "username").first()
    data.update({"visited_on": timezone.localdate().isoformat(), "staff_2": str(second.pk) if second else "",
                 "findings": "入户核实，情况属实（演示数据）。"})
    return services.visit_submit(actor=actor, warning=w, data=data)


def _colleague(name: str, like: Any, full: str) -> Any:
    """The second account of the demo's two-person steps (also made by the applications' demo)."""
    return User.objects.filter(username=name).first() or user_create(
        actor=None, username=name, password=DEMO_PASSWORD, role=like.role, region=like.region, full_name=full)


def walk_states(township: Any, county: Any) -> dict[str, int]:
    """Move a few 进贤县 warnings through every state (transferred, verifying … closed, overdue)."""
    pool = list(Warning.objects.filter(county_id=DEMO_COUNTY, state=State.PUSHED, household__isnull=False)
                .order_by(F("unit_region_id").desc(nulls_last=True), "id")[:40])
    mine = [w for w in pool if township.region_id and w.unit_region_id == township.region_id]
    others = [w for w in pool if w not in mine]
    queue = [(township, w) for w in mine] + [(county, w) for w in others]
    done: dict[str, int] = {}

    def take() -> tuple[Any, Warning] | None:
        return queue.pop(0) if queue else None

    def note(state: str) -> None:
        done[state] = done.get(state, 0) + 1

    steps = ["verifying", "verified", "handled", "false_positive", "transferred", "escalated", "decided",
             "closed", "unregistered"]
    for step in steps:
        item = take()
        if item is None:
            break
        actor, w = item
        if step == "unregistered":  # a person not in the registry: informed, declined
            cand = Warning.objects.filter(county_id=DEMO_COUNTY, state=State.PUSHED, household__isnull=True).first()
            if cand is None:
                continue
            w = _visit(county, cand)
            services.handle(actor=county, warning=w, outcome=Outcome.EXPLAINED_DECLINED, reason="已告知政策，本人暂不申请")
            note(step)
            continue
        if step == "verifying":
            services.start_visit(actor=actor, warning=w)
        elif step == "transferred":
            services.transfer(actor=actor, warning=w, to_region=DEMO_COUNTY, reason="涉及跨乡镇核查，请县级统筹（演示）")
        else:
            w = _visit(actor, w)
            if step == "handled":
                services.handle(actor=actor, warning=w, outcome=Outcome.EXPLAINED_APPLIED, reason="已告知政策并受理申请")
            elif step in ("false_positive", "closed"):
                w = services.handle(actor=actor, warning=w, outcome=Outcome.FALSE_POSITIVE if step == "false_positive"
                                    else Outcome.RECALCULATED, reason="核实后数据有误（演示）" if step ==
                                    "false_positive" else "已重新核算待遇（演示）")
                # whoever recorded the outcome does not close (two-person rule): the county checks and closes
                services.close(actor=county if actor != county else cast(User, colleagues(w, actor).first()), warning=w,
                               note="已反馈")
            elif step in ("escalated", "decided"):
                w = services.escalate(actor=actor, warning=w, reason="情况复杂，提请县级一事一议")
                if step == "decided":
                    w = services.decide(actor=county, warning=w, meeting_date=timezone.localdate(),
                                        members="张局长、李科长、王主任", approved=True, decision="经集体研究，认定为困难家庭（演示）")
        note(step)
    # Overdue: backdate three untouched warnings so the supervision view has something to show.
    late = list(Warning.objects.filter(county_id=DEMO_COUNTY, state=State.PUSHED).order_by("-id")[:3])
    for i, w in enumerate(late):
        back = dt.timedelta(days=40 + 30 * i)
        Warning.objects.filter(pk=w.pk).update(raised_at=F("raised_at") - back, verify_due=F("verify_due") - back,
                                               handle_due=F("handle_due") - back)
    done["overdue_escalated"] = services.escalate_overdue()
    return done


REVIEW_NOTE = "定期核查（演示历史）"
# Share of recipient households whose last periodic review is overdue in the demo: a county that keeps
# up with its reviews, not a registry without any history (issue 13 item 13).
REVIEW_OVERDUE_PER_MILLE = 15


def review_history(today: dt.date | None = None) -> int:
    """Give the demo's recipient households a realistic review history: most reviewed within the last
    eleven months, about 1.5% last reviewed 13–18 months ago.  Deterministic (by household id) and
    idempotent (once per database).  The synthetic registry itself has no review dates."""
    if ReviewTask.objects.filter(note=REVIEW_NOTE).exists():
        return 0
    today = today or timezone.localdate()
    tasks = []
    for hid in sorted(recipients(today)):
        spread = (hid * 7919) % 1000
        if spread < REVIEW_OVERDUE_PER_MILLE:
            back = 395 + (hid * 31) % 150  # 13 to 18 months ago: overdue
        else:
            back = 5 + (hid * 131) % 320  # within the last eleven months
        done = today - dt.timedelta(days=back)
        tasks.append(ReviewTask(household_id=hid, kind="stable", due_on=done, done_on=done, note=REVIEW_NOTE))
    ReviewTask.objects.bulk_create(tasks, batch_size=2000)
    return len(tasks)


def demo_step() -> str:
    reviewed = 0
    if not ComparisonRun.objects.completed().exists():
        reviewed = review_history()
        services.comparison_run(actor=None, mode="full")
    walked = Warning.objects.filter(county_id=DEMO_COUNTY).exclude(state=State.PUSHED).exists()
    moved: dict[str, int] = {}
    township = User.objects.filter(username="township").first()
    county = User.objects.filter(username="county").first()
    if not walked and township is not None and county is not None and Region.objects.filter(code=DEMO_COUNTY).exists():
        if township.region_id:
            _colleague("township2", township, "乡镇经办员（二）")
        _colleague("county2", county, "县级审核员")
        moved = walk_states(township, county)
    total = Warning.objects.count()
    return (f"monitoring: {total:,} early warnings" + (f"; {reviewed:,} past periodic reviews" if reviewed else "")
            + (f"; demo states {moved}" if moved else ""))
