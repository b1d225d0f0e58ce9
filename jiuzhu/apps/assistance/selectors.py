"""Reads of the assistance app: the programme matrix, the departments' lists, a household's
programmes and entitlements, payrolls and their totals.  Every queryset of a user starts from
``core.scoping`` (a department sees its own programmes, a caseworker their region)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import get_scoped_or_404, region_filter, require, scoped
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.rules.exchange.sources import PROGRAMMES as PROGRAMME_LABELS
from jiuzhu.rules.programmes import PROGRAMMES, as_codes
from jiuzhu.rules.programmes.matrix import GIVES_ZH, TRIGGER_ZH, who_zh

from .matching import lookup_for
from .models import (
    Adjustment,
    Enrolment,
    Entitlement,
    EntitlementState,
    LineStatus,
    Match,
    MatchStatus,
    Payroll,
    PayrollLine,
)

VIEW = "view_assistance"
PAY = "manage_payroll"
LISTS = (VIEW, "view_share")


def require_any(user: Any, caps: tuple[str, ...]) -> None:
    """403 unless the user holds one of *caps*."""
    if not (user.is_authenticated and any(user.has_capability(c) for c in caps)):
        raise PermissionDenied(caps[0])


def matrix_rows(on: dt.date | None = None) -> list[dict[str, Any]]:
    """The programme matrix with the parameter values in force (province level)."""
    on = on or timezone.localdate()
    lookup = lookup_for(current_parameters(), "360000", "rural", on)
    auto = set(as_codes(lookup("assistance.auto_enrol_programmes")))
    off = set(as_codes(lookup("assistance.disabled_programmes")))
    return [{"p": p, "who": who_zh(p, lookup), "gives": GIVES_ZH[p.gives], "trigger": TRIGGER_ZH[p.trigger],
             "auto": p.key in auto, "off": p.key in off} for p in PROGRAMMES]


def matches_for(user: Any) -> QuerySet[Match]:
    """Department users: their department's programmes; caseworkers: their region."""
    if user.role == Role.DEPARTMENT:
        require(user, "view_share")
        return Match.objects.filter(department=user.department)
    require(user, VIEW)
    return scoped(Match.objects.all(), user, VIEW)


def match_list(user: Any, *, status: str, department: str = "", programme: str = "") -> QuerySet[Match]:
    """The people a department has to serve, filtered (status: missing by default)."""
    qs = matches_for(user).select_related("household", "member")
    qs = qs.filter(status=status if status in MatchStatus.values else MatchStatus.MISSING)
    if department and user.role != Role.DEPARTMENT:
        qs = qs.filter(department=department)
    if programme:
        qs = qs.filter(programme=programme)
    return qs


def active_entitlements(household: Any) -> list[Entitlement]:
    return list(Entitlement.objects.filter(household=household, state=EntitlementState.ACTIVE))


def enrolments(household: Any) -> list[Enrolment]:
    return list(Enrolment.objects.filter(household=household).select_related("member"))


def counties_for(user: Any) -> list[Region]:
    """The current counties inside the user's region (where a payroll may be generated)."""
    qs = Region.objects.filter(level="county", valid_to__isnull=True)
    q = region_filter(user, "code")
    return list((qs if q is None else qs.filter(q)).order_by("code"))


def payrolls_for(user: Any) -> QuerySet[Payroll]:
    return scoped(Payroll.objects.select_related("county", "generated_by", "approved_by"), user, VIEW)


def payroll_get(user: Any, pk: Any, capability: str = VIEW) -> Payroll:
    return get_scoped_or_404(Payroll.objects.select_related("county", "generated_by", "approved_by"),
                             user, capability, pk=pk)


def payroll_lines(payroll: Payroll, show: str = "changes") -> QuerySet[PayrollLine]:
    """A payroll's lines; ``changes`` hides the ones unchanged since last month, ``held`` shows only held ones."""
    lines = payroll.lines.select_related("member", "household").order_by("id")
    if show == "held":
        return lines.filter(status=LineStatus.HELD)
    return lines.exclude(change="same") if show == "changes" else lines


def totals(payrolls: Any) -> list[dict[str, Any]]:
    """Totals by county, month and programme (to pay, paid, failed, held)."""
    rows = (PayrollLine.objects.filter(payroll__in=payrolls)
            .values("payroll__county_id", "payroll__county__name", "payroll__month", "programme")
            .annotate(lines=Count("id"),
                      to_pay=Sum("amount", filter=~Q(status=LineStatus.HELD)),
                      paid=Sum("amount", filter=Q(status=LineStatus.PAID)),
                      failed=Sum("amount", filter=Q(status=LineStatus.FAILED)),
                      held=Sum("amount", filter=Q(status=LineStatus.HELD)))
            .order_by("-payroll__month", "payroll__county_id", "programme"))
    out = []
    for r in rows:
        r["programme_label"] = PROGRAMME_LABELS.get(r["programme"], (r["programme"],))[0]
        for k in ("to_pay", "paid", "failed", "held"):
            r[k] = r[k] or Decimal("0.00")
        out.append(r)
    return out


def entitlement_categories(household: Any) -> list[str]:
    """The categories of the household's active entitlements (registered with
    ``core.hooks.register_held_categories``: the chain's omission rules count them)."""
    return list(Entitlement.objects.filter(household=household, state=EntitlementState.ACTIVE)
                .exclude(category="").values_list("category", flat=True))


def adjustments_for(user: Any) -> QuerySet[Any]:
    """The 调标 runs of the user's region, newest first."""
    return scoped(Adjustment.objects.select_related("county", "job", "job__started_by", "decided_by"), user, VIEW)


def adjustment_get(user: Any, pk: Any, capability: str = VIEW) -> Adjustment:
    adj: Adjustment = get_scoped_or_404(
        Adjustment.objects.select_related("county", "job", "job__started_by", "decided_by"), user, capability, pk=pk)
    return adj


def adjustment_lines(adj: Adjustment) -> QuerySet[Any]:
    return adj.lines.select_related("household", "member").order_by("household__code", "id")
