"""The assistance chain on pages (the household page's section, its CSV, the person-level page)
and deciding registry conflicts (issue 4 §3–§4)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.exports import csv_line
from jiuzhu.apps.core.scoping import require, scoped
from jiuzhu.apps.determination.selectors import determination_for_page
from jiuzhu.apps.privacy.exports import sm3_hex
from jiuzhu.apps.registry import selectors as registry

from .choices import ConflictStatus
from .conflicts import DECIDE, ConflictDecisionError, conflict_decide, conflict_get
from .models import RegistryConflict
from .selectors import CHAIN_FIELDS, household_chain, person_chain


def household_section(request: HttpRequest, household: Any) -> dict[str, Any]:
    """The household page's chain (core.hooks), judged on the categories the page determined now."""
    det, _error = determination_for_page(request, household)
    return {"chain": household_chain(household, categories=det["categories"] if det else None)}


@login_required
def household_chain_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's assistance chain as CSV (UTF-8 with BOM), audited."""
    household = registry.household_get(request.user, pk, "export_registry")
    entries = household_chain(household)["entries"]
    lines = ["\ufeff", csv_line(list(CHAIN_FIELDS))]
    lines += [csv_line([",".join(e[k]) if k == "flags" else ("" if e.get(k) is None else e[k]) for k in CHAIN_FIELDS]) for e in entries]
    content = "".join(lines).encode("utf-8")
    # One household's chain, not a bulk export; audited with what left the platform (rows, SM3, ADR 0025).
    audit("exchange.chain_export", actor=request.user, object_type="household", object_id=household.pk,
          rows=len(entries), sm3=sm3_hex(content))
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chain-{household.code}.csv"'
    return response


@login_required
def member_chain(request: HttpRequest, pk: int) -> HttpResponse:
    member = registry.member_get(request.user, pk)
    chain = person_chain(member)
    return render(request, "exchange/member_chain.html",
                  {"member": member, "household": member.household, "chain": chain})


@login_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Open differences between department data and the registry in the user's region."""
    require(request.user, DECIDE)
    status = request.GET.get("status", ConflictStatus.OPEN)
    if status not in ConflictStatus.values:
        status = ConflictStatus.OPEN
    qs = scoped(RegistryConflict.objects.select_related("member__household", "decided_by"), request.user, DECIDE)
    page = Paginator(qs.filter(status=status).order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "exchange/conflict_list.html",
                  {"page": page, "status": status, "statuses": ConflictStatus.choices})


@login_required
@require_POST
def conflict_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = conflict_get(request.user, pk)
    try:
        conflict_decide(actor=request.user, conflict=conflict, decision=request.POST.get("decision", ""),
                        reason=request.POST.get("reason", ""))
    except ConflictDecisionError as err:
        messages.error(request, err.message_en if (get_language() or "").startswith("en") else err.message_zh)
        return render(request, "exchange/conflict_error.html", {"conflict": conflict, "error": err}, status=400)
    messages.success(request, _("Decided."))
    nxt = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(nxt if nxt and safe else "exchange_conflict_list")
