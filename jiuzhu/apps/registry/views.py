"""Registry screens: list and search, household page (now or as of a date), edit forms, export."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.hooks import household_sections
from jiuzhu.apps.core.scoping import get_scoped_or_404, require

from . import history, selectors, services
from .forms import ITEM_FORMS, ITEM_TITLES, HouseholdForm, MemberForm, UnmaskForm, with_members
from .models import Member
from .validation import clean_as_of

EDIT = "edit_registry"


def home_section(request: HttpRequest) -> dict[str, Any] | None:
    """The home page's counts: households in the user's region, by county (core.hooks)."""
    user: Any = request.user
    if not user.has_capability(selectors.VIEW):
        return None
    qs = selectors.households_for(user)
    return {
        "household_count": qs.count(),
        "by_county": qs.values("county__code", "county__name").annotate(n=Count("id")).order_by("county__code")[:120],
    }


def _apply_errors(form: Any, err: ValidationError) -> None:
    if hasattr(err, "error_dict"):
        for field, msgs in err.message_dict.items():
            field = field.removeprefix("head.")
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, err.messages)


def _run(form: Any, fn: Any) -> tuple[Any, int]:
    """Call a service; map its errors onto the form.  Returns (result, HTTP status)."""
    try:
        return fn(), 200
    except ValidationError as err:
        _apply_errors(form, err)
        return None, 400
    except services.ConflictError as err:
        form.add_error(None, str(err))
        return None, 409


def _edit_view(
    request: HttpRequest, form: Any, household: Any, template: str, save: Any, **context: Any
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save(data, version)` and returns to the household page."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = form.cleaned_data.get("version")
            _, status = _run(form, lambda: save(version))
            if status == 200:
                return redirect("household_detail", pk=household.pk)
    return render(
        request, template, {"form": form, "household": household, **context}, status=status
    )


def _data(form: Any, drop_empty: tuple[str, ...] = ()) -> dict[str, Any]:
    data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    for key in drop_empty:
        if not data.get(key):
            data.pop(key, None)
    return data


@login_required
@require_http_methods(["GET", "POST"])
def household_list(request: HttpRequest) -> HttpResponse:
    """The households in scope; searching is a POST so that an ID number never lands in a URL.

    URLs end up in browser histories, proxy and server logs and Referer headers; a search
    by the full ID number (the only way to find a person by number) is therefore sent in
    the request body, and a search in the query string is not run.
    """
    require(request.user, selectors.VIEW)
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    error = ""
    if request.method == "GET" and request.GET.get("q", "").strip():
        error = _("For privacy a search is not taken from the address bar: type it in the search box.")
    try:
        qs = (
            selectors.household_search(request.user, query)
            if query
            else selectors.households_for(request.user)
        )
    except ValidationError as err:
        qs, error = selectors.households_for(request.user).none(), " ".join(err.messages)
    number = request.POST.get("page") if request.method == "POST" else request.GET.get("page")
    page = Paginator(qs.order_by("code"), 50).get_page(number)
    template = "registry/_household_rows.html" if request.htmx else "registry/household_list.html"  # type: ignore[attr-defined]
    response = render(request, template, {"page": page, "query": query, "error": error})
    if query:
        response["Cache-Control"] = "no-store"  # a search result is not kept in caches either
    return response


@login_required
def household_export(request: HttpRequest) -> HttpResponse:
    """The CSV of the households in scope: asked for with a purpose, approved above the cap (ADR 0025)."""
    require(request.user, "export_registry")
    return redirect("privacy_export_new", kind="registry.households")


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    as_of_raw = request.GET.get("as_of", "")
    as_of = None
    error = ""
    if as_of_raw:
        try:
            as_of = clean_as_of(as_of_raw, today=timezone.localdate())
        except ValidationError as err:
            error = " ".join(err.messages)
    state = (
        history.household_state_as_of(household, as_of)
        if as_of
        else history.household_state_now(household)
    )
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "state": state,
            "as_of": as_of,
            "error": error,
            "members_by_uid": {m["uid"]: m for m in (state or {}).get("member", [])},
            # Ages (周岁), never birth dates, beside masked ID numbers (ADR 0024).
            "ages_on": as_of or timezone.localdate(),
            "can_edit": request.user.has_capability(EDIT) and as_of is None,  # type: ignore[attr-defined]
            "can_unmask": request.user.has_capability("unmask"),  # type: ignore[attr-defined]
            # The apps built on the registry add their sections through core.hooks: the determination
            # under the facts; the assistance chain, warnings, applications and programmes after the
            # records.  They describe the household now, so a past date shows none of them.
            "summary_sections": [] if as_of else household_sections(request, household, "summary"),
            "sections": [] if as_of else household_sections(request, household),
        },
    )


@login_required
def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    changes = household.changes.order_by("-at", "-id")[:500]
    return render(
        request, "registry/household_history.html", {"household": household, "changes": changes}
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    require(request.user, EDIT)
    form = HouseholdForm(request.POST or None, user=request.user)
    head = MemberForm(request.POST or None, prefix="head")
    head.fields.pop("relation")
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and head.is_valid():
            try:
                household = services.household_create(
                    actor=request.user,
                    data=_data(form),
                    head=_data(head, ("hukou_code", "phone", "bank_account", "disability_cert_no")),
                )
                return redirect("household_detail", pk=household.pk)
            except ValidationError as err:
                for key, msgs in err.message_dict.items():
                    target, name = (head, key[5:]) if key.startswith("head.") else (form, key)
                    target.add_error(name if name in target.fields else None, msgs)
    return render(
        request, "registry/household_form.html", {"form": form, "head": head}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(selectors.Household.objects.all(), request.user, EDIT, pk=pk)
    initial = {
        "village": household.village_id,
        "area_type": household.area_type,
        "address": household.address,
        "version": household.version,
    }
    form = HouseholdForm(request.POST or None, user=request.user, initial=initial, editing=True)
    return _edit_view(
        request,
        form,
        household,
        "registry/household_form.html",
        lambda version: services.household_update(
            actor=request.user,
            household=household,
            data=_data(form, ("phone",)),
            expected_version=version,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_scoped_or_404(selectors.Household.objects.all(), request.user, EDIT, pk=pk)
    form = MemberForm(request.POST or None, initial={"version": household.version})
    return _edit_view(
        request,
        form,
        household,
        "registry/member_form.html",
        lambda version: services.member_add(
            actor=request.user,
            household=household,
            data=_data(form, ("hukou_code", "disability_cert_no", "phone", "bank_account")),
            expected_version=version,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_scoped_or_404(
        Member.objects.select_related("household"), request.user, EDIT, pk=pk
    )
    household = member.household
    # Identifiers are never pre-filled: the form shows their masked value, an empty input keeps it.
    fields = [f for f in MemberForm.base_fields if f not in (*MemberForm.IDENTIFIERS, "version")]
    initial = {f: getattr(member, f) for f in fields} | {"version": household.version}
    form = MemberForm(request.POST or None, initial=initial, editing=True, member=member)
    return _edit_view(
        request,
        form,
        household,
        "registry/member_form.html",
        lambda version: services.member_update(
            actor=request.user,
            member=member,
            data=_data(form, (*MemberForm.IDENTIFIERS, "hukou_code")),
            expected_version=version,
        ),
        member=member,
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """查看完整号码: one identifier of one member, with a reason; the only way to see it (audited)."""
    member = get_scoped_or_404(
        Member.objects.select_related("household"), request.user, "unmask", pk=pk
    )
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data.setdefault("field", "id_number")  # the ID number unless another number is chosen
    form = UnmaskForm(data, member=member, initial={"field": request.GET.get("field", "id_number")})
    value = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                value = selectors.member_reveal(
                    request.user, member.pk, form.cleaned_data["field"], form.cleaned_data["reason"]
                )
                status = 200
            except ValidationError as err:
                _apply_errors(form, err)
        else:  # no reason given: a refused attempt is audited like one with too short a reason
            audit("pii.unmask", actor=request.user, object_type="member", object_id=member.pk, outcome="denied",
                  field=str(request.POST.get("field", ""))[:32])
    response = render(
        request,
        "registry/member_unmask.html",
        {"form": form, "member": member, "value": value,
         "field_label": dict(form.fields["field"].choices).get(form.data.get("field") or "id_number", "")},  # type: ignore[attr-defined]
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _item_model(kind: str) -> Any:
    if kind not in services.ITEM_MODELS:

        raise Http404
    return services.ITEM_MODELS[kind]


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    _item_model(kind)
    household = get_scoped_or_404(selectors.Household.objects.all(), request.user, EDIT, pk=pk)
    form = with_members(
        ITEM_FORMS[kind](request.POST or None, initial={"version": household.version}), household
    )
    return _edit_view(
        request,
        form,
        household,
        "registry/item_form.html",
        lambda version: services.item_add(
            actor=request.user,
            household=household,
            kind=kind,
            data=_data(form),
            expected_version=version,
        ),
        title=ITEM_TITLES[kind],
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _item_model(kind)
    item = get_scoped_or_404(model.objects.select_related("household"), request.user, EDIT, pk=pk)
    household = item.household
    initial = {
        f: getattr(item, f, None)
        for f in ITEM_FORMS[kind].base_fields
        if f not in ("version", "id_number")
    }
    if "member" in initial:
        initial["member"] = item.member_id or ""
    if "supported_members" in initial:
        initial["supported_members"] = [str(pk) for pk in item.supported_members.values_list("pk", flat=True)]
    initial["version"] = household.version
    form = with_members(ITEM_FORMS[kind](request.POST or None, initial=initial), household)
    return _edit_view(
        request,
        form,
        household,
        "registry/item_form.html",
        lambda version: services.item_update(
            actor=request.user,
            item=item,
            data=_data(form, ("id_number",)),
            expected_version=version,
        ),
        title=ITEM_TITLES[kind],
        item=item,
        kind=kind,
    )


@login_required
@require_POST
def item_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = _item_model(kind)
    item = get_scoped_or_404(model.objects.select_related("household"), request.user, EDIT, pk=pk)
    household_pk = item.household_id
    try:
        services.item_delete(
            actor=request.user,
            item=item,
            expected_version=int(request.POST.get("version") or 0) or None,
        )
    except services.ConflictError as err:
        return HttpResponse(str(err), status=409)
    except PermissionDenied:
        raise
    return redirect("household_detail", pk=household_pk)
