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
from jiuzhu.apps.core.scoping import get_scoped_or_404, scoped
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS, SEVERITIES
from jiuzhu.pii.crypto import decrypt_field
from jiuzhu.rules.exchange.sources import SOURCES
from jiuzhu.rules.text import normalise_text

from .lifecycle import OPEN_STATES
from .models import Outcome, State, Warning

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


def workbench(user: Any, filters: dict[str, str]) -> models.QuerySet[Warning]:
    """The user's warnings by severity then deadline, filtered (state, severity, indicator, kind, overdue)."""
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
