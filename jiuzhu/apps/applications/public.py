"""The public application form (no login): anti-abuse that works offline, and the pending intake.

Guards, all without a captcha or any outside service:
- a signed, time-stamped form token (``django.core.signing``): a POST without a token issued
  by this server, or with one older than CONFIG hours, is refused;
- a minimum fill time (CONFIG seconds between issuing the form and submitting it);
- a honeypot field hidden from people (``website``): bots fill it;
- a rate limit per network address (CONFIG submissions per hour), counted in the database
  (hashed address, so it holds across worker processes).
A submission creates a ``PublicIntake`` the township must accept; it never writes the registry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Member
from jiuzhu.apps.registry.validation import clean_id_number, clean_name, clean_phone
from jiuzhu.pii.crypto import blind_index, decrypt_field, encrypt_field
from jiuzhu.pii.masking import mask_id_number, mask_phone

from . import services
from .models import Application, PublicAttempt, PublicIntake
from .workflow import PROCESS

SALT = "jiuzhu.applications.public-form"
HONEYPOT = "website"


class Refused(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _param(name: str) -> Any:
    return current_parameters().resolve(f"applications.{name}", "360000", "rural", timezone.localdate()).value


def issue_token() -> str:
    return signing.TimestampSigner(salt=SALT).sign(get_random_string(12))


def ip_hash(ip: str) -> str:
    return blind_index(keyring(), ip or "unknown", purpose="applications.ip")


def check_guards(*, ip: str, token: str, honeypot: str) -> None:
    """Raise Refused (and count the attempt) unless the submission passes every guard."""
    digest = ip_hash(ip)
    since = timezone.now() - dt.timedelta(hours=1)
    if PublicAttempt.objects.filter(ip_hash=digest, at__gte=since).count() >= int(_param("public_form_per_hour")):
        PublicAttempt.objects.create(ip_hash=digest, outcome="throttled")
        raise Refused("throttled", _("Too many applications from this network address; please try again later "
                                     "or apply at the township office."), 429)
    PublicAttempt.objects.create(ip_hash=digest, outcome="submitted")
    PublicAttempt.objects.filter(at__lt=since - dt.timedelta(days=1)).delete()  # keep the table small
    if honeypot:
        raise Refused("honeypot", _("The form could not be accepted."))
    signer = signing.TimestampSigner(salt=SALT)
    try:
        signer.unsign(token, max_age=dt.timedelta(hours=int(_param("public_form_max_hours"))))
    except signing.SignatureExpired:
        raise Refused("expired", _("The form has expired; reload the page and fill it in again.")) from None
    except signing.BadSignature:
        raise Refused("token", _("The form could not be accepted; reload the page and fill it in again.")) from None
    issued = signing.b62_decode(token.split(":")[1]) if token.count(":") == 2 else 0
    if timezone.now().timestamp() - issued < int(_param("public_form_min_seconds")):
        raise Refused("too_fast", _("The form was sent too quickly; check your answers and send it again."))


def submit(*, ip: str, token: str, honeypot: str, data: dict[str, Any]) -> PublicIntake:
    """One public application → a pending intake (guards first; the attempt is counted either way)."""
    try:
        check_guards(ip=ip, token=token, honeypot=honeypot)
    except Refused as err:
        audit("applications.public_submit", outcome="refused", code=err.code)
        raise
    errors: dict[str, Any] = {}
    village = Region.objects.filter(code=str(data.get("village", "")), level="village", valid_to__isnull=True).first()
    if village is None:
        errors["village"] = [_("Unknown village code.")]
    clean: dict[str, Any] = {}
    for field, fn in (("applicant_name", clean_name), ("id_number", clean_id_number), ("phone", clean_phone),
                      ("address", clean_name)):
        try:
            clean[field] = fn(data.get(field, ""))
        except ValidationError as err:
            errors[field] = err.messages
    if not clean.get("phone") and "phone" not in errors:
        errors["phone"] = [_("This field is required.")]
    try:
        size = int(data.get("household_size") or 0)
        if not 1 <= size <= 30:
            raise ValueError
    except (TypeError, ValueError):
        errors["household_size"] = [_("Give the number of people in the household (1–30).")]
        size = 0
    reason = str(data.get("reason", "")).strip()
    if not reason:
        errors["reason"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    intake = PublicIntake(village=village, applicant_name=clean["applicant_name"], address=clean["address"][:200],
                          household_size=size, reason=reason[:500],
                          declared_relation=str(data.get("declared_relation", "")).strip()[:200])
    parsed = clean["id_number"]
    intake.id_number_enc = encrypt_field(keyring(), parsed.value, table="applications_publicintake",
                                         column="id_number", row=str(intake.uid))
    intake.id_number_index = blind_index(keyring(), parsed.value, purpose="id_number")
    intake.id_number_masked = mask_id_number(parsed.value)
    intake.phone_enc = encrypt_field(keyring(), clean["phone"], table="applications_publicintake", column="phone",
                                     row=str(intake.uid))
    intake.phone_masked = mask_phone(clean["phone"])
    intake.save()
    audit("applications.public_submit", object_type="public_intake", object_id=intake.pk, village=village.code)
    return intake


def _check(actor: Any, intake: PublicIntake) -> None:
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied(PROCESS)
    if not region_in_scope(actor, intake.village_id):
        raise Http404


@transaction.atomic
def accept(*, actor: Any, intake: PublicIntake, household_data: dict[str, Any] | None = None,
           head: dict[str, Any] | None = None, on: dt.date | None = None) -> Application:
    """The township accepts a pending intake: the existing household of the applicant, or a new one
    registered through the registry's services with the caseworker's completed head data."""
    _check(actor, intake)
    intake = PublicIntake.objects.select_for_update().get(pk=intake.pk)
    if intake.state != "pending":
        raise services.ApplicationError("handled", _("This online application was already handled."))
    member = Member.objects.filter(id_number_index=intake.id_number_index).select_related("household").first()
    common = {"channel": "public", "applicant_name": intake.applicant_name, "reason": intake.reason,
              "declared_relation": intake.declared_relation, "on": on}
    if member is not None:
        app = services.create_application(actor=actor, household=member.household, **common)
    else:
        id_number = decrypt_field(keyring(), intake.id_number_enc, table="applications_publicintake",
                                  column="id_number", row=str(intake.uid))
        phone = decrypt_field(keyring(), intake.phone_enc, table="applications_publicintake", column="phone",
                              row=str(intake.uid))
        hh = {"village": intake.village_id, "area_type": "rural", "address": intake.address, "phone": phone,
              **(household_data or {})}
        head_data = {"name": intake.applicant_name, "id_number": id_number, "work_capacity": "full",
                     "employment": "farming", **(head or {})}
        app = services.create_with_new_household(actor=actor, household_data=hh, head=head_data, **common)
    intake.state, intake.application, intake.handled_by = "accepted", app, actor
    intake.save(update_fields=["state", "application", "handled_by"])
    audit("applications.public_accept", actor=actor, object_type="public_intake", object_id=intake.pk,
          application=app.pk)
    return app


@transaction.atomic
def reject(*, actor: Any, intake: PublicIntake, note: str) -> PublicIntake:
    _check(actor, intake)
    intake = PublicIntake.objects.select_for_update().get(pk=intake.pk)
    if intake.state != "pending":
        raise services.ApplicationError("handled", _("This online application was already handled."))
    if not note.strip():
        raise services.ApplicationError("reason", _("Give the reason for this step."))
    intake.state, intake.handled_by, intake.handled_note = "rejected", actor, note.strip()[:300]
    intake.save(update_fields=["state", "handled_by", "handled_note"])
    audit("applications.public_reject", actor=actor, object_type="public_intake", object_id=intake.pk)
    return intake
