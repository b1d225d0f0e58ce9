"""Writes to the registry.

Each service checks the actor's capability and region scope, locks the
household row, checks its version (optimistic concurrency: a stale edit gets
a conflict, never a lost update), validates everything before saving anything,
and writes one ChangeRecord per changed object — all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.apps.core.errors import ConflictError
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.pii.crypto import blind_index, encrypt_field
from jiuzhu.pii.masking import (
    mask_bank_account,
    mask_certificate_number,
    mask_id_number,
    mask_phone,
)
from jiuzhu.rules.identity import IdNumber, IdNumberError, parse_id_number

from . import choices, history
from .models import Expense, Household, IncomeItem, Member, PropertyItem, Supporter
from .validation import (
    clean_bank_account,
    clean_certificate_number,
    clean_choice,
    clean_date,
    clean_id_number,
    clean_money,
    clean_name,
    clean_phone,
    collect,
)

EDIT = "edit_registry"


def id_index(value: str) -> str:
    return blind_index(keyring(), value, purpose="id_number")


def _set_id_number(obj: Member | Supporter, parsed: IdNumber, table: str) -> None:
    obj.id_number_enc = encrypt_field(keyring(), parsed.value, table=table, column="id_number", row=str(obj.uid))
    obj.id_number_index = id_index(parsed.value)
    obj.id_number_masked = mask_id_number(parsed.value)


def _set_secret(obj: Any, field: str, value: str, table: str, masker: Any) -> None:
    if value:
        setattr(obj, f"{field}_enc", encrypt_field(keyring(), value, table=table, column=field, row=str(obj.uid)))
        setattr(obj, f"{field}_masked", masker(value))
    else:
        setattr(obj, f"{field}_enc", "")
        setattr(obj, f"{field}_masked", "")


def _check_can_edit(actor: Any, household: Household | None = None) -> None:
    if not (actor.is_authenticated and actor.has_capability(EDIT)):
        raise PermissionDenied
    if household is not None and not region_in_scope(actor, household.village_id):
        raise Http404


def _lock(household: Household, expected_version: int | None) -> Household:
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            gettext_lazy("This household was changed by someone else in the meantime; reload it and try again.")
        )
    return locked


def _bump(household: Household) -> None:
    Household.objects.filter(pk=household.pk).update(version=models.F("version") + 1)
    household.refresh_from_db(fields=["version"])


# ---------------------------------------------------------------- households

def _village(actor: Any, code: Any) -> Region:
    region = Region.objects.filter(code=str(code), level="village").first()
    if region is None:
        raise ValidationError({"village": _("Unknown village code.")})
    if region.valid_to is not None:
        raise ValidationError({"village": _("This village code is retired; choose a current one.")})
    if not region_in_scope(actor, region.code):
        raise ValidationError({"village": _("This village lies outside your region.")}, code="scope")
    return region


HOUSEHOLD_FIELDS = {
    "area_type": partial(clean_choice, choices=choices.AREA_TYPES),
    "address": clean_name,
    "phone": clean_phone,
    "registered_on": clean_date,
}


def _apply_household(actor: Any, household: Household, data: dict[str, Any]) -> None:
    clean = collect(HOUSEHOLD_FIELDS, data)
    if "village" in data:
        village = _village(actor, data["village"])
        ancestors = dict(
            RegionClosure.objects.filter(descendant_id=village.code).values_list("ancestor__level", "ancestor_id")
        )
        household.village = village
        household.township_id = ancestors["township"]
        household.county_id = ancestors["county"]
    for field in ("area_type", "address", "registered_on"):
        if field in clean:
            setattr(household, field, clean[field])
    if "phone" in clean:
        _set_secret(household, "phone", clean["phone"], "registry_household", mask_phone)


@transaction.atomic
def household_create(*, actor: Any, data: dict[str, Any], head: dict[str, Any]) -> Household:
    """Register a new household with its head (户主)."""
    _check_can_edit(actor)
    missing = [f for f in ("village", "area_type", "address") if not data.get(f)]
    if missing:
        raise ValidationError({f: _("This field is required.") for f in missing})
    household = Household(registered_on=dt.date.today())
    errors: dict[str, Any] = {}
    if head.get("relation") not in (None, "", "head"):
        # Said explicitly rather than overwritten: a client sending another relation has a bug to know about.
        errors["head.relation"] = [_("The first member of a new household is its head; leave the relation out.")]
    try:
        _apply_household(actor, household, data)
    except ValidationError as err:
        errors.update(err.message_dict)
    try:
        member = _build_member(Member(), {**head, "relation": "head"}, creating=True)
    except ValidationError as err:
        errors.update({f"head.{k}": v for k, v in err.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    household.code = _next_household_code(household.county_id)
    household.save()
    member.household = household
    _save_member(member)
    history.record(actor=actor, household=household, obj=household, action="create", before=None)
    history.record(actor=actor, household=household, obj=member, action="create", before=None)
    return household


def _next_household_code(county: str) -> str:
    """Household numbers: county code + 8-digit sequence (the generator uses HH…)."""
    prefix = f"{county}-"
    last = (
        Household.objects.filter(code__startswith=prefix).order_by("-code").values_list("code", flat=True).first()
    )
    seq = int(last.split("-")[1]) + 1 if last else 1
    return f"{prefix}{seq:08d}"


@transaction.atomic
def household_update(
    *, actor: Any, household: Household, data: dict[str, Any], expected_version: int | None = None, reason: str = ""
) -> Household:
    _check_can_edit(actor, household)
    household = _lock(household, expected_version)
    before = history.snapshot(household)
    _apply_household(actor, household, data)
    household.save()
    if history.record(actor=actor, household=household, obj=household, action="update", before=before, reason=reason):
        _bump(household)
    return household


# ------------------------------------------------------------------- members

MEMBER_FIELDS = {
    "name": clean_name,
    "relation": partial(clean_choice, choices=choices.RELATIONS),
    "work_capacity": partial(clean_choice, choices=choices.WORK_CAPACITIES),
    "work_capacity_assessed_by": partial(clean_choice, choices=[("", ""), *choices.CAPACITY_ASSESSORS]),
    "disability_type": partial(clean_choice, choices=choices.DISABILITY_TYPES),
    "disability_grade": partial(clean_choice, choices=choices.DISABILITY_GRADES),
    "school_stage": partial(clean_choice, choices=choices.SCHOOL_STAGES),
    "employment": partial(clean_choice, choices=choices.EMPLOYMENTS),
    "phone": clean_phone,
    "bank_account": clean_bank_account,
    "disability_cert_no": clean_certificate_number,
}
MEMBER_PLAIN = ["name", "relation", "work_capacity", "work_capacity_assessed_by", "disability_type", "disability_grade",
                "school_stage", "employment", "serious_illness", "hukou_code",
                "adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing"]


def _build_member(member: Member, data: dict[str, Any], *, creating: bool) -> Member:
    errors: dict[str, Any] = {}
    try:
        clean = collect(MEMBER_FIELDS, data)
    except ValidationError as err:
        clean = {}
        errors.update(err.message_dict)
    parsed = None
    if creating or "id_number" in data:
        try:
            parsed = clean_id_number(data.get("id_number", ""))
        except ValidationError as err:
            errors["id_number"] = err.messages
    if "serious_illness" in data:
        clean["serious_illness"] = str(data["serious_illness"] or "").strip()
    for field in ("adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing"):
        if field in data:
            if not isinstance(data[field], bool):
                errors[field] = [_("Must be true or false.")]
            else:
                clean[field] = data[field]
    if "hukou_code" in data:
        code = str(data["hukou_code"] or "").strip()
        if not (len(code) == 6 and code.isdigit()):
            errors["hukou_code"] = [_("A household-registration place is a 6-digit division code.")]
        clean["hukou_code"] = code
    cert_error = _certificate_mismatch(member, clean.get("disability_cert_no", ""), parsed)
    if cert_error:
        errors["disability_cert_no"] = [cert_error]
    required = ["name", "relation", "work_capacity", "employment", "hukou_code"] if creating else []
    for field in required:
        if field not in data and field not in errors:
            if field == "hukou_code" and parsed is not None:
                clean["hukou_code"] = parsed.region_code  # default: the ID's address code
                continue
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    for field in MEMBER_PLAIN:
        if field in clean:
            setattr(member, field, clean[field])
    if member.work_capacity != "none":
        member.work_capacity_assessed_by = ""  # an assessment of "no capacity" only goes with it
    if member.disability_type == "none":
        member.disability_grade = 0
    elif not member.disability_grade:
        raise ValidationError({"disability_grade": _("Give the grade of the disability.")})
    # Re-encrypt only a changed number: an unchanged one keeps its ciphertext (and history stays quiet).
    if parsed is not None and not (member.pk and member.id_number_index == id_index(parsed.value)):
        _set_id_number(member, parsed, "registry_member")
        member.id_upgraded_from_15 = parsed.upgraded_from_15
        member.sex = parsed.sex
        member.birth_date = parsed.birth_date
    for field, masker in (
        ("phone", mask_phone), ("bank_account", mask_bank_account), ("disability_cert_no", mask_certificate_number),
    ):
        if field in clean:
            _set_secret(member, field, clean[field], "registry_member", masker)
    if member.disability_type == "none":
        _set_secret(member, "disability_cert_no", "", "registry_member", mask_certificate_number)  # no certificate
    return member


def _certificate_mismatch(member: Member, cert: str, parsed: IdNumber | None) -> str:
    """A 残疾人证号 built on an ID number must be built on this member's number."""
    if len(cert) < 18:
        return ""
    try:
        embedded = parse_id_number(cert[:18]).value
    except IdNumberError:
        return ""
    own = parsed.value if parsed is not None else None
    if own is not None and embedded == own:
        return ""
    if own is None and member.id_number_index and id_index(embedded) == member.id_number_index:
        return ""
    return _("This certificate number is built on another person's ID number.")


def _save_member(member: Member) -> None:
    other = (
        Member.objects.filter(id_number_index=member.id_number_index)
        .exclude(pk=member.pk)
        .select_related("household")
        .first()
    )
    if other is not None:
        raise ValidationError(
            {"id_number": _("This person is already a member of household %(code)s.") % {"code": other.household.code}},
            code="duplicate",
        )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as err:  # a concurrent insert of the same person
        raise ValidationError({"id_number": _("This person is already registered.")}) from err


@transaction.atomic
def member_add(*, actor: Any, household: Household, data: dict[str, Any], expected_version: int | None = None) -> Member:
    _check_can_edit(actor, household)
    household = _lock(household, expected_version)
    if data.get("relation") == "head" and household.members.filter(relation="head").exists():
        raise ValidationError({"relation": _("This household already has a head.")})
    member = _build_member(Member(household=household), data, creating=True)
    _save_member(member)
    history.record(actor=actor, household=household, obj=member, action="create", before=None)
    _bump(household)
    return member


@transaction.atomic
def member_update(
    *, actor: Any, member: Member, data: dict[str, Any], expected_version: int | None = None, reason: str = ""
) -> Member:
    household = member.household
    _check_can_edit(actor, household)
    household = _lock(household, expected_version)
    member = Member.objects.get(pk=member.pk)
    before = history.snapshot(member)
    if data.get("relation") == "head" and household.members.filter(relation="head").exclude(pk=member.pk).exists():
        raise ValidationError({"relation": _("This household already has a head.")})
    _build_member(member, data, creating=False)
    _save_member(member)
    if history.record(actor=actor, household=household, obj=member, action="update", before=before, reason=reason):
        _bump(household)
    return member


# --------------------------------------------------------------------- items

ITEM_MODELS: dict[str, type[models.Model]] = {
    "income": IncomeItem,
    "property": PropertyItem,
    "expense": Expense,
    "supporter": Supporter,
}
ITEM_FIELDS: dict[str, dict[str, Any]] = {
    "income": {
        "income_type": partial(clean_choice, choices=choices.INCOME_TYPES),
        "amount": clean_money,
        "period_start": clean_date,
        "period_end": clean_date,
    },
    "property": {
        "property_type": partial(clean_choice, choices=choices.PROPERTY_TYPES),
        "value": clean_money,
    },
    "expense": {
        "expense_type": partial(clean_choice, choices=choices.EXPENSE_TYPES),
        "amount": clean_money,
        "period_start": clean_date,
        "period_end": clean_date,
    },
    "supporter": {"name": clean_name, "relation": clean_name},
}
ITEM_TEXT = {
    "income": ["subtype", "exclusion_reason"],
    "property": ["description", "exempt_reason"],
    "expense": [],
    "supporter": ["reason"],
}
ITEM_BOOL = {"income": ["counted"], "property": ["exempt"], "expense": [], "supporter": ["able_to_support"]}
ITEM_REQUIRED = {
    "income": ["income_type", "amount", "period_start", "period_end"],
    "property": ["property_type", "value"],
    "expense": ["expense_type", "amount", "period_start", "period_end"],
    "supporter": ["name", "relation", "able_to_support"],
}


def _apply_item(kind: str, item: Any, household: Household, data: dict[str, Any], creating: bool) -> None:
    errors: dict[str, Any] = {}
    try:
        clean = collect(ITEM_FIELDS[kind], data)
    except ValidationError as err:
        clean = {}
        errors.update(err.message_dict)
    for field in ITEM_TEXT[kind]:
        if field in data:
            clean[field] = str(data[field] or "").strip()[:200]
    for field in ITEM_BOOL[kind]:
        if field in data:
            if isinstance(data[field], bool):
                clean[field] = data[field]
            else:
                errors[field] = [_("Must be true or false.")]
    if kind != "supporter" and "member" in data:
        ref = data["member"]
        if ref in (None, ""):
            clean["member"] = None
        else:
            found = household.members.filter(pk=ref).first() if str(ref).isdigit() else None
            if found is None:
                errors["member"] = [_("Choose a member of this household.")]
            clean["member"] = found
    supported: list[Member] | None = None
    if kind == "supporter" and "supported_members" in data:
        # whom this supporter is obliged to support (issue 15): members of this household only
        refs = data["supported_members"] or []
        if not isinstance(refs, list | tuple):
            refs = [refs]
        wanted = {str(r) for r in refs if r not in (None, "")}
        found_members = list(household.members.filter(pk__in=[int(r) for r in wanted if r.isdigit()]))
        if len(found_members) != len(wanted):
            errors["supported_members"] = [_("Choose members of this household.")]
        supported = found_members
    if kind == "supporter" and data.get("id_number"):
        try:
            parsed = clean_id_number(data["id_number"])
            _set_id_number(item, parsed, "registry_supporter")
        except ValidationError as err:
            errors["id_number"] = err.messages
    if creating:
        for field in ITEM_REQUIRED[kind]:
            if field not in data and field not in errors:
                errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    for field, value in clean.items():
        setattr(item, field, value)
    item.household = household
    # Cross-field rules, stated once here (the database also enforces them).
    if kind in ("income", "expense") and item.period_end < item.period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    if kind == "income" and not item.counted and not item.exclusion_reason:
        raise ValidationError({"exclusion_reason": _("Say why this income is not counted.")})
    if kind == "income" and item.counted:
        item.exclusion_reason = ""
    if kind == "property" and item.exempt and not item.exempt_reason:
        raise ValidationError({"exempt_reason": _("Say why this property is exempt.")})
    if kind == "property" and not item.exempt:
        item.exempt_reason = ""
    if kind == "supporter" and not item.able_to_support and not item.reason:
        raise ValidationError({"reason": _("Say why this supporter is unable to support.")})
    if supported is not None:
        item._supported_members = supported  # set after the row is saved (a many-to-many needs its key)


def _save_supported(item: Any) -> None:
    members = getattr(item, "_supported_members", None)
    if members is not None:
        item.supported_members.set(members)
        del item._supported_members


@transaction.atomic
def item_add(*, actor: Any, household: Household, kind: str, data: dict[str, Any], expected_version: int | None = None) -> Any:
    _check_can_edit(actor, household)
    household = _lock(household, expected_version)
    item = ITEM_MODELS[kind]()
    _apply_item(kind, item, household, data, creating=True)
    item.save()
    _save_supported(item)
    history.record(actor=actor, household=household, obj=item, action="create", before=None)
    _bump(household)
    return item


@transaction.atomic
def item_update(*, actor: Any, item: Any, data: dict[str, Any], expected_version: int | None = None, reason: str = "") -> Any:
    kind = history.OBJECT_TYPE[type(item)]
    _check_can_edit(actor, item.household)
    household = _lock(item.household, expected_version)
    item = type(item).objects.get(pk=item.pk)
    before = history.snapshot(item)
    _apply_item(kind, item, household, data, creating=False)
    item.save()
    _save_supported(item)
    if history.record(actor=actor, household=household, obj=item, action="update", before=before, reason=reason):
        _bump(household)
    return item


@transaction.atomic
def item_delete(*, actor: Any, item: Any, expected_version: int | None = None, reason: str = "") -> None:
    _check_can_edit(actor, item.household)
    household = _lock(item.household, expected_version)
    before = history.snapshot(item)
    history.record(actor=actor, household=household, obj=item, action="delete", before=before, reason=reason)
    item.delete()
    _bump(household)
