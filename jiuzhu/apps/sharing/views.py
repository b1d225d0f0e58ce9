"""Department screens: the catalogue's people (list, one person, CSV) and the exact-ID query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.privacy.config import purpose_choices, purposes
from jiuzhu.apps.privacy.volume import DailyVolumeExceeded, charge
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.text import normalise_text

from . import selectors, services
from .catalogue import CATALOGUE, FIELDS, MEMBER_RULES, MODE_LABELS, entry_for
from .forms import QueryForm

VIEW, QUERY = selectors.VIEW, services.QUERY


def filters(request: HttpRequest) -> dict[str, str]:
    """county / category / purpose from the query string (unknown values are ignored, not searched)."""
    county = request.GET.get("county", "").strip()
    category = request.GET.get("category", "").strip()
    entry = selectors.entry_of(request.user)
    return {
        "county": county if county.isdigit() and len(county) == 6 else "",
        "category": category if category in entry.categories else "",
        "purpose": normalise_text(request.GET.get("purpose", ""))[:40],
    }


def _cell(row: dict[str, Any], key: str) -> Any:
    if key == "id_number_masked" and key not in row:
        return mask_id_number(row.get("id_number") or "")
    return row.get("category_label") if key == "category" else row[key]


def _purpose_ok(purpose: str) -> bool:
    """A purpose from the configured list (ADR 0025), not any four characters."""
    return purpose in purposes()


def _list_fields(fields: list[str]) -> list[str]:
    """A list page never shows full ID numbers: fifty on a screen, page after page, is a bulk read.

    The full number stays where it serves one person (the person page, with a purpose) or is an
    approved bulk disclosure (an export, the API for matching): ADR 0025.
    """
    if "id_number" not in fields:
        return fields
    masked = [] if "id_number_masked" in fields else ["id_number_masked"]
    return [f for f in fields if f != "id_number"] + masked


def _headers(fields: list[str]) -> list[tuple[str, Any]]:
    return [(key, FIELDS[key][0]) for key in fields]


@login_required
def people(request: HttpRequest) -> HttpResponse:
    entry = selectors.entry_of(request.user)
    f = filters(request)
    purpose = f["purpose"] if _purpose_ok(f["purpose"]) else ""
    qs = selectors.people_for(request.user, county=f["county"], category=f["category"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    if purpose:
        # With a purpose the page shows the conditionally shared items (full ID numbers): such pages
        # count against the user's daily volume like the API's (ADR 0025).
        try:
            charge(request.user, endpoint="sharing_people", rows=len(page.object_list), purpose=purpose)
        except DailyVolumeExceeded as err:
            response = render(request, "sharing/limit.html", {"error": err.payload["detail"]}, status=429)
            response["Retry-After"] = str(err.retry_after)
            return response
    page_rows = list(selectors.rows(request.user, page.object_list, purpose=purpose, display=True))
    services.audit_people_access(request.user, action="people", rows=len(page_rows), purpose=purpose,
                                 page=page.number, county=f["county"], category=f["category"])
    fields = _list_fields(entry.fields(purpose=bool(purpose)))
    table = [(row["ref"], [(k, _cell(row, k)) for k in fields]) for row in page_rows]
    context = {
        "entry": entry, "page": page, "table": table, "headers": _headers(fields), "filters": f,
        "purpose_short": bool(f["purpose"]) and not purpose,
        "counties": Region.objects.filter(level="county", valid_to__isnull=True).order_by("code"),
        "categories": [(c, selectors.category_label(c)) for c in sorted(entry.categories)],
        "has_conditional": len(entry.fields(purpose=True)) > len(entry.fields(purpose=False)),
        "purposes": purpose_choices(),
        "query": urlencode({k: v for k, v in f.items() if v}),
    }
    template = "sharing/_people_rows.html" if getattr(request, "htmx", False) else "sharing/people.html"
    return render(request, template, context)


@login_required
def person(request: HttpRequest, uid: str) -> HttpResponse:
    entry = selectors.entry_of(request.user)
    member = selectors.person_get(request.user, uid)
    purpose = normalise_text(request.GET.get("purpose", ""))[:200]
    purpose = purpose if _purpose_ok(purpose) else ""
    row = next(selectors.rows(request.user, [member], purpose=purpose, display=True))
    services.audit_people_access(request.user, action="person", rows=1, purpose=purpose, person=row["ref"])
    items = [(FIELDS[k][0], _cell(row, k))
             for k in entry.fields(purpose=bool(purpose))]
    return render(request, "sharing/person.html", {"entry": entry, "items": items, "row": row, "purpose": purpose})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The catalogue's people as CSV: asked for with a purpose, approved above the cap (ADR 0025)."""
    selectors.entry_of(request.user)
    f = filters(request)
    params = {k: f[k] for k in ("county", "category") if f[k]}
    if _purpose_ok(f["purpose"]):
        params["conditional"] = "1"  # the list showed the conditionally shared items: so may the file
    target = reverse("privacy_export_new", kwargs={"kind": "sharing.people"})
    return redirect(f"{target}?{urlencode(params)}" if params else target)


@login_required
@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    require(request.user, QUERY)
    entry = entry_for(request.user.department or "")  # type: ignore[union-attr]
    form = QueryForm(request.POST or None)
    answer, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            answer = services.low_income_query(actor=request.user, id_number=form.cleaned_data["id_number"],
                                               purpose=form.cleaned_data["purpose"])
        except services.RateLimited as err:
            form.add_error(None, err.message)
            response = render(request, "sharing/query.html", {"form": form, "entry": entry}, status=429)
            response["Retry-After"] = str(err.retry_after)
            return response
        except ValidationError as err:
            for field, msgs in err.message_dict.items():
                form.add_error(field if field in form.fields else None, msgs)
            status = 400
    elif request.method == "POST":
        status = 400
    county = ""
    if answer and answer.get("county"):
        county = Region.objects.filter(code=answer["county"]).values_list("name", flat=True).first() or ""
    return render(request, "sharing/query.html",
                  {"form": form, "entry": entry, "answer": answer, "county_name": county}, status=status)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The user's department's catalogue: who, which items (and how), the query, the purpose."""
    if not (request.user.has_capability(VIEW) or request.user.has_capability(QUERY)):  # type: ignore[union-attr]
        raise PermissionDenied(VIEW)
    entry = entry_for(request.user.department or "")  # type: ignore[union-attr]
    items = [(FIELDS[k][0], MODE_LABELS[entry.mode(k)], entry.mode(k)) for k in FIELDS]
    return render(request, "sharing/catalogue.html", {
        "entry": entry, "items": items, "members_rule": MEMBER_RULES[entry.members],
        "categories": [selectors.category_label(c) for c in sorted(entry.categories)],
        "query_mode": MODE_LABELS[entry.query], "known": entry.department in CATALOGUE,
    })
