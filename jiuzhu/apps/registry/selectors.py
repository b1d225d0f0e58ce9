"""Reads from the registry.  Every read starts from the scoping layer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.scoping import get_scoped_or_404, scoped
from jiuzhu.pii.crypto import decrypt_field
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.identity import IdNumberError, parse_id_number
from jiuzhu.rules.text import normalise_text

from .models import Household, Member
from .services import id_index

VIEW = "view_registry"


def households_for(user: Any, capability: str = VIEW) -> models.QuerySet[Household]:
    return scoped(Household.objects.all(), user, capability).select_related("county", "township", "village")


def household_get(user: Any, pk: Any, capability: str = VIEW) -> Household:
    return get_scoped_or_404(Household.objects.select_related("county", "township", "village"), user, capability, pk=pk)


def member_get(user: Any, pk: Any, capability: str = VIEW) -> Member:
    return get_scoped_or_404(Member.objects.select_related("household"), user, capability, pk=pk)


def household_search(user: Any, query: str, capability: str = VIEW) -> models.QuerySet[Household]:
    """Search by exact ID number (blind index), household number, member name or village.

    ID numbers are matched exactly, never by part (RELIABILITY A5).  The
    search is audited with the query masked.
    """
    qs = households_for(user, capability)
    query = normalise_text(query or "")
    if not query:
        return qs
    kind = "text"
    try:
        parsed = parse_id_number(query)
    except IdNumberError:
        parsed = None
    if parsed is not None:
        kind = "id_number"
        ids = Member.objects.filter(id_number_index=id_index(parsed.value)).values("household_id")
        qs = qs.filter(pk__in=ids)
        logged = mask_id_number(parsed.value)
    elif query.isdigit() and len(query) >= 15:
        # Looks like an ID number but is not valid: say so rather than search names.
        raise ValidationError(_("This ID number is not valid; search needs the full, valid number."))
    else:
        logged = query[:1] + "*" * (len(query) - 1) if len(query) > 1 else "*"
        qs = qs.filter(
            models.Q(code=query)
            | models.Q(village__name__contains=query)
            | models.Q(village__code=query)
            | models.Q(pk__in=Member.objects.filter(name__contains=query).values("household_id"))
        )
    audit("registry.search", actor=user, kind=kind, query=logged)
    return qs


REVEALABLE = ("id_number", "disability_cert_no", "phone", "bank_account")


def member_reveal(user: Any, member_pk: Any, field: str, reason: str) -> str:
    """Show one identifier of one member in full: needs the permission and a reason; audited (R13).

    The only way to see a full ID, certificate, phone or bank account number on the platform.
    Not atomic on purpose: a refused attempt is audited too, and that record must stay."""
    member = get_scoped_or_404(Member.objects.all(), user, "unmask", pk=member_pk)
    reason = normalise_text(reason or "")
    token = getattr(member, f"{field}_enc", "") if field in REVEALABLE else ""
    if len(reason) < 4 or not token:
        audit("pii.unmask", actor=user, object_type="member", object_id=member.pk, outcome="denied",
              field=str(field)[:32])
        if not token:
            raise ValidationError({"field": _("This member has no such number on record.")})
        raise ValidationError({"reason": _("Give the reason for viewing the full number (at least 4 characters).")})
    value = decrypt_field(keyring(), token, table="registry_member", column=field, row=str(member.uid))
    audit(
        "pii.unmask", actor=user, object_type="member", object_id=member.pk,
        field=field, masked=getattr(member, f"{field}_masked"), reason=reason,
    )
    return value


def member_reveal_id_number(user: Any, member_pk: Any, reason: str) -> str:
    return member_reveal(user, member_pk, "id_number", reason)


def require_view(user: Any) -> None:
    if not (user.is_authenticated and user.has_capability(VIEW)):
        raise PermissionDenied
