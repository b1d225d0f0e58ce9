"""Reads of the monitoring app; every queryset starts from core.scoping.scoped()."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import get_scoped_or_404, scoped
from jiuzhu.apps.core.vocabulary import label
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS, REASON_LABELS, SEVERITIES
from jiuzhu.pii.crypto import decrypt_field
from jiuzhu.pii.masking import mask_name
from jiuzhu.rules.exchange.sources import SOURCES
from jiuzhu.rules.text import normalise_text

from .lifecycle import ACTION_LABELS, OPEN_STATES
from .models import Outcome, State, Warning
from .visits import colleagues, two_staff_required  # noqa: F401 - reads of the visit form, importable here

VIEW = "view_monitoring"
SEVERITY_RANK = Case(When(severity="red", then=Value(0)), When(severity="orange", then=Value(1)),
                     default=Value(2), output_field=IntegerField())
LABELS = {i.key: i for i in INDICATORS}


def warnings_for(user: Any, capability: str = VIEW) -> models.QuerySet[Warning]:
    return scoped(Warning.objects.select_related("unit_region", "county", "household", "member", "supervisor"),
                  user, capability)


def warning_get(user: Any, pk: Any, capability: str = VIEW) -> Warning:
    return get_scoped_or_404(Warning.objects.select_related("unit_region", "county", "household", "member"),
                             user, capability, pk=pk)


def overdue_q(today: dt.date) -> Q:
    return Q(state__in=OPEN_STATES) & (Q(verified_at__isnull=True, verify_due__lt=today)
                                       | Q(handled_at__isnull=True, handle_due__lt=today))


def due_soon_q(today: dt.date, days: int = 7) -> Q:
    """Open warnings whose next deadline (verify, then handle) falls in the coming ``days``, not yet passed."""
    until = today + dt.timedelta(days=days)
    return Q(state__in=OPEN_STATES) & (Q(verified_at__isnull=True, verify_due__gte=today, verify_due__lte=until)
                                       | Q(verified_at__isnull=False, handled_at__isnull=True,
                                           handle_due__gte=today, handle_due__lte=until))


def to_verify_q() -> Q:
    """Open warnings not yet verified: each needs a check or a home visit (核实)."""
    return Q(state__in=OPEN_STATES, verified_at__isnull=True)


def home_counts(user: Any) -> dict[str, int]:
    """The home page's counts (one query): open, overdue, due this week, to verify, red."""
    today = timezone.localdate()
    return scoped(Warning.objects.all(), user, VIEW).aggregate(
        open=models.Count("id", filter=Q(state__in=OPEN_STATES)),
        overdue=models.Count("id", filter=overdue_q(today)),
        due=models.Count("id", filter=due_soon_q(today)),
        verify=models.Count("id", filter=to_verify_q()),
        red=models.Count("id", filter=Q(state__in=OPEN_STATES, severity="red")),
        escalated=models.Count("id", filter=Q(state__in=OPEN_STATES, supervision_level__gt=0)),
    )


def workbench(user: Any, filters: dict[str, str]) -> models.QuerySet[Warning]:
    """The user's warnings by severity then deadline, filtered (state, severity, indicator, kind, overdue,
    due this week, to verify)."""
    qs = warnings_for(user)
    state = filters.get("state") or "open"
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in State.values:
        qs = qs.filter(state=state)
    if filters.get("severity") in SEVERITIES:
        qs = qs.filter(severity=filters["severity"])
    if filters.get("indicator") in LABELS:
        qs = qs.filter(indicator=filters["indicator"])
    if filters.get("kind") in KINDS:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("overdue") == "1":
        qs = qs.filter(overdue_q(timezone.localdate()))
    if filters.get("due") == "week":
        qs = qs.filter(due_soon_q(timezone.localdate()))
    if filters.get("stage") == "verify":
        qs = qs.filter(to_verify_q())
    return qs.annotate(sev=SEVERITY_RANK).order_by("sev", "handle_due", "verify_due", "id")


def overdue(user: Any) -> models.QuerySet[Warning]:
    """Overdue open warnings in the user's region (the county's supervision view, 督办)."""
    return (warnings_for(user).filter(overdue_q(timezone.localdate()))
            .annotate(sev=SEVERITY_RANK).order_by("-supervision_level", "handle_due", "sev", "id"))


def household_warnings(user: Any, household: Any) -> list[Warning]:
    return list(warnings_for(user).filter(household=household).prefetch_related("events")
                .annotate(sev=SEVERITY_RANK).order_by("state", "sev", "-raised_at")[:50])


def measured(user: Any, by: str = "indicator") -> list[dict[str, Any]]:
    """Measured warnings (issue 5 §7) per indicator or per (indicator, county) in the user's scope.

    raised; verified in time (share of verified warnings verified by their deadline); outcome
    shares among handled ones; precision (share of handled warnings that were not false
    positives); median days from raised to handled.
    """
    rows = warnings_for(user).values("indicator", "county_id", "county__name", "state", "outcome", "raised_at",
                                     "verified_at", "verify_due", "handled_at")
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows.iterator(chunk_size=5000):
        key = (r["indicator"], r["county_id"] if by == "county" else "", r["county__name"] if by == "county" else "")
        groups[key].append(r)
    out = []
    for (indicator, county, county_name), items in sorted(groups.items()):
        verified = [r for r in items if r["verified_at"] is not None]
        in_time = [r for r in verified if timezone.localdate(r["verified_at"]) <= r["verify_due"]]
        handled = [r for r in items if r["handled_at"] is not None]
        outcomes: dict[str, int] = defaultdict(int)
        for r in handled:
            outcomes[r["outcome"]] += 1
        false_pos = outcomes.get(Outcome.FALSE_POSITIVE, 0)
        days = [(r["handled_at"] - r["raised_at"]).total_seconds() / 86400 for r in handled]
        ind = LABELS.get(indicator)
        out.append({
            "indicator": indicator, "label": ind.label_zh if ind else indicator,
            "label_en": ind.label_en if ind else indicator, "county": county, "county_name": county_name,
            "raised": len(items), "open": sum(1 for r in items if r["state"] in OPEN_STATES),
            "verified": len(verified), "verified_in_time": len(in_time),
            "in_time_share": (len(in_time) / len(verified)) if verified else None,
            "handled": len(handled),
            "outcomes": [(Outcome(k).label, v, v / len(handled)) for k, v in sorted(outcomes.items()) if k],
            "precision": (1 - false_pos / len(handled)) if handled else None,
            "median_days": statistics.median(days) if days else None,
        })
    return out


def reveal_person(user: Any, pk: Any, reason: str) -> dict[str, str]:
    """Name and full ID number of a warning's person (to inform them, §12): needs ``unmask``, a reason; audited.

    A registry member is read from the registry; a person the registry does not know from the
    latest department record of the indicator's feeds.  Not one transaction on purpose: a refusal
    is audited too.
    """
    w = get_scoped_or_404(Warning.objects.select_related("member"), user, "unmask", pk=pk)
    reason = normalise_text(reason or "")
    if len(reason) < 4:
        audit("pii.unmask", actor=user, object_type="warning", object_id=w.uid, outcome="denied")
        raise ValidationError({"reason": _("Give the reason for viewing the full number (at least 4 characters).")})
    ring = keyring()
    if w.member is not None:
        m = w.member
        out = {"name": m.name, "id_number": decrypt_field(ring, m.id_number_enc, table="registry_member",
                                                          column="id_number", row=str(m.uid))}
    else:
        rec = (DepartmentRecord.objects.filter(person_index=w.person_index, source__in=LABELS[w.indicator].sources)
               .order_by("-updated_at", "-id").first()) if w.person_index else None
        if rec is None:
            raise Http404
        table = DepartmentRecord._meta.db_table
        source = SOURCES[rec.source]
        pfield = "id_number" if "id_number" in source.field_names else next(
            f.name for f in source.fields if f.type == "id_number")
        name = rec.secrets_enc.get("name")
        out = {"id_number": decrypt_field(ring, rec.id_number_enc, table=table, column=pfield, row=str(rec.uid)),
               "name": decrypt_field(ring, name, table=table, column="name", row=str(rec.uid)) if name else ""}
    audit("pii.unmask", actor=user, object_type="warning", object_id=w.uid, field="id_number",
          masked=w.person_masked, reason=reason)
    return out


def unit_label(w: Warning) -> str:
    return f"{w.unit_region.name}（{w.unit_region_id}）"


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def ancestor(region_code: str, steps: int) -> Region | None:
    """The region *steps* levels above *region_code* (township → county → city)."""
    closure = RegionClosure.objects.filter(descendant_id=region_code, depth=steps).select_related("ancestor").first()
    return closure.ancestor if closure is not None else None


def overdue_level(w: Warning, today: dt.date) -> int:
    """How many of the warning's deadlines have passed unmet (0, 1 or 2)."""
    level = 0
    if w.verified_at is None and w.verify_due < today:
        level += 1
    if w.handled_at is None and w.handle_due < today:
        level += 1
    return level


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in full years (周岁) on *day*."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def visit_household(w: Warning, today: dt.date | None = None) -> dict[str, Any] | None:
    """Who the visitors are going to see, as a phone may show it (R13): the head's name masked, the
    address down to the village, the members with masked names and ID numbers, ages and relations.

    None for a person not in the registry (the warning shows the masked ID number only).
    """
    if w.household_id is None:
        return None
    today = today or timezone.localdate()
    h = w.household
    members = list(h.members.order_by("id"))
    head = next((m for m in members if m.relation == "head"), members[0] if members else None)
    regions = Region.objects.in_bulk([h.county_id, h.township_id, h.village_id])
    return {
        "code": h.code,
        "head": mask_name(head.name) if head else "",
        "place": "".join(regions[c].name for c in (h.county_id, h.township_id, h.village_id) if c in regions),
        "members": [{"name": mask_name(m.name), "id_number": m.id_number_masked, "age": age_on(m.birth_date, today),
                     "relation": m.relation, "subject": m.pk == w.member_id} for m in members],
    }


def _code_labels() -> dict[str, str]:
    """Chinese labels of the departments' coded values (disease, disaster type …); a code two feeds
    label differently is left out rather than shown with the wrong label."""
    seen: dict[str, set[str]] = defaultdict(set)
    for source in SOURCES.values():
        for f in source.fields:
            for code, zh in f.choices:
                seen[code].add(zh)
    return {code: next(iter(labels)) for code, labels in seen.items() if len(labels) == 1}


def _field_labels() -> dict[str, dict[str, str]]:
    """Per detail key: the labels of the field of that name in the feeds (a code two feeds label alike
    only: ``enterprise`` is 企业 as an entity type, 企业职工基本养老保险 as a pension type)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for source in SOURCES.values():
        for f in source.fields:
            out[f.name].update(dict(f.choices))
    return dict(out)


CODE_LABELS = _code_labels()
FIELD_LABELS = _field_labels()


def detail_value(value: Any, key: str = "") -> Any:
    """A finding's detail value as a caseworker reads it: coded values (also comma-separated) labelled by
    what the key holds (a feed's field, the trigger reasons, programmes), yes or no for a flag."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and value:
        parts = value.split(",")
        if key == "reasons":
            return "、".join(REASON_LABELS[p][0] if p in REASON_LABELS else p for p in parts)
        if key == "programmes":
            return "、".join(label(p, "programme") for p in parts)
        table = FIELD_LABELS.get(key) or CODE_LABELS
        if all(p in table for p in parts):
            return "、".join(table[p] for p in parts)
    return value
