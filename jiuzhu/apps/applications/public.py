"""The public application form and status check (no login): anti-abuse that works offline,
the pending intake, the receipt number, and what a resident may learn about it.

Guards of the form, all without a captcha or any outside service:
- a signed, time-stamped form token (``django.core.signing``): a POST without a token issued
  by this server, or with one older than CONFIG hours, is refused; a token is accepted for
  **one** submission only (a replay — a double click, a resent request — is refused with a
  clear message; only a hash of its random part is kept, for as long as it could be valid);
- a minimum fill time (CONFIG seconds between issuing the form and submitting it);
- a honeypot field hidden from people (``website``): bots fill it;
- rate limits per client address (``core.clientip``: behind a proxy, the configured header),
  counted in the database (hashed address, so they hold across worker processes):
  CONFIG successful submissions per hour (the resident's quota: a refused attempt — a
  mistyped ID number, an expired form — never consumes it) and a larger CONFIG allowance of
  refused attempts per hour (so a script hammering the form is stopped too).
A submission creates a ``PublicIntake`` with a receipt number the township must accept; it
never writes the registry.

The status check takes the receipt number and the last four characters of the ID number and
answers with the stage and the next step only — never a name, an amount or a category.
Look-ups are limited per address (all and failed ones) and per receipt (failed ones, whatever
the address), so the four digits cannot be guessed from many addresses either.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Any

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext as _

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Member
from jiuzhu.apps.registry.validation import clean_id_number, clean_name, clean_phone
from jiuzhu.pii.crypto import blind_index, decrypt_field, encrypt_field
from jiuzhu.pii.masking import mask_id_number, mask_phone
from jiuzhu.rules.receipt import format_receipt, parse_receipt

from . import services
from .models import Application, PublicAttempt, PublicFormToken, PublicIntake, State
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


def _nonce_hash(token: str) -> str:
    # The random part is not personal data: a plain hash is enough to recognise a replay.
    return hashlib.sha256(token.split(":", 1)[0].encode("utf-8")).hexdigest()


def _counts(digest: str, since: dt.datetime) -> dict[str, int]:
    return dict(PublicAttempt.objects.filter(ip_hash=digest, at__gte=since).values("outcome")
                .annotate(n=Count("id")).values_list("outcome", "n"))


def _throttle_form(digest: str) -> None:
    counts = _counts(digest, timezone.now() - dt.timedelta(hours=1))
    if (counts.get("submitted", 0) >= int(_param("public_form_per_hour"))
            or counts.get("refused", 0) >= int(_param("public_form_refused_per_hour"))):
        PublicAttempt.objects.create(ip_hash=digest, outcome="throttled")
        raise Refused("throttled", _("Too many applications from this network address; please try again later "
                                     "or apply at the township office."), 429)


def _check_token(token: str, honeypot: str) -> str:
    """The token's replay key, once the honeypot, signature, age and fill time pass."""
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
    key = _nonce_hash(token)
    if PublicFormToken.objects.filter(nonce_hash=key).exists():
        raise _replayed()
    return key


def _replayed() -> Refused:
    return Refused("replayed", _("This form has already been submitted; your receipt number was shown on the page "
                                 "after sending. To apply again, reload the page and fill in a new form."), 409)


def current_village(code: Any) -> Region | None:
    """A current village (村/社区) by its 12-digit code, or None."""
    code = str(code or "").strip()
    if not re.fullmatch(r"\d{12}", code):
        return None
    return Region.objects.filter(code=code, level="village", valid_to__isnull=True).select_related("parent").first()


def _validate(data: dict[str, Any]) -> tuple[Region, dict[str, Any], int, str]:
    errors: dict[str, Any] = {}
    village = current_village(data.get("village"))
    if village is None:
        errors["village"] = [_("Choose your county, township and village (or community).")]
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
    assert village is not None
    return village, clean, size, reason


def _assign_receipt(intake: PublicIntake) -> None:
    """The next sequence number of the year; a concurrent submission that took it → try the next."""
    year = timezone.localdate().year
    for _attempt in range(8):
        seq = (PublicIntake.objects.filter(receipt_year=year).aggregate(m=Max("receipt_seq"))["m"] or 0) + 1
        intake.receipt_year, intake.receipt_seq, intake.receipt = year, seq, format_receipt(year, seq)
        try:
            with transaction.atomic():
                intake.save()
            return
        except IntegrityError:
            intake.pk = None
            continue
    raise Refused("busy", _("The service is busy; please send the form again in a moment."), 503)


def submit(*, ip: str, token: str, honeypot: str, data: dict[str, Any]) -> PublicIntake:
    """One public application → a pending intake with a receipt number.

    Only a successful submission counts against the address's quota; a refused one is counted
    apart (its own, larger allowance) and audited."""
    digest = ip_hash(ip)
    try:
        _throttle_form(digest)
    except Refused as err:
        audit("applications.public_submit", outcome="refused", code=err.code)
        raise
    try:
        key = _check_token(token, honeypot)
        village, clean, size, reason = _validate(data)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    PublicFormToken.objects.create(nonce_hash=key)
            except IntegrityError:  # the same token sent twice at the same moment
                raise _replayed() from None
            intake = _build(village, clean, size, reason, data)
            _assign_receipt(intake)
            PublicAttempt.objects.create(ip_hash=digest, outcome="submitted")
    except (Refused, ValidationError) as err:
        PublicAttempt.objects.create(ip_hash=digest, outcome="refused")
        audit("applications.public_submit", outcome="refused", code=getattr(err, "code", None) or "invalid")
        raise
    _purge()
    audit("applications.public_submit", object_type="public_intake", object_id=intake.pk, village=village.code,
          receipt=intake.receipt)
    return intake


def _build(village: Region, clean: dict[str, Any], size: int, reason: str, data: dict[str, Any]) -> PublicIntake:
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
    return intake


def _purge() -> None:
    """Keep the guard tables small: attempts older than a day, tokens that can no longer be valid."""
    now = timezone.now()
    PublicAttempt.objects.filter(at__lt=now - dt.timedelta(days=2)).delete()
    PublicFormToken.objects.filter(
        used_at__lt=now - dt.timedelta(hours=int(_param("public_form_max_hours")) + 1)).delete()


# ------------------------------------------------------------------ status check (no login)

def _last4(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw or "").strip().upper()
    if not re.fullmatch(r"\d{3}[\dX]", text):
        raise ValidationError({"id_last4": [_("Enter the last four characters of the ID number (digits, or X at "
                                              "the end).")]})
    return text


def _throttle_status(digest: str) -> None:
    counts = _counts(digest, timezone.now() - dt.timedelta(hours=1))
    total = counts.get("status_ok", 0) + counts.get("status_miss", 0)
    if (total >= int(_param("public_status_per_hour"))
            or counts.get("status_miss", 0) >= int(_param("public_status_misses_per_hour"))):
        raise Refused("throttled", _("Too many look-ups from this network address; please try again in an hour "
                                     "or ask the township office."), 429)


def status(*, ip: str, receipt: str, id_last4: str) -> dict[str, Any]:
    """The stage and next step of the application with this receipt (receipt + last four of the ID)."""
    digest = ip_hash(ip)
    try:
        _throttle_status(digest)
        errors: dict[str, Any] = {}
        parsed = parse_receipt(receipt)
        if parsed is None:
            errors["receipt"] = [_("Enter the receipt number as shown after sending the form, e.g. "
                                   "SQ-2026-000123-5.")]
        try:
            last4 = _last4(id_last4)
        except ValidationError as err:
            errors.update(err.message_dict)
        if errors:
            raise ValidationError(errors)
        assert parsed is not None
        canonical = format_receipt(*parsed)
        key = blind_index(keyring(), canonical, purpose="applications.receipt")
        since = timezone.now() - dt.timedelta(days=1)
        if PublicAttempt.objects.filter(key_hash=key, outcome="status_miss", at__gte=since).count() >= int(
                _param("public_status_receipt_misses_per_day")):
            raise Refused("locked", _("This receipt number was entered wrongly too often today; try again tomorrow "
                                      "or ask the township office."), 429)
        intake = PublicIntake.objects.filter(receipt=canonical).select_related("village__parent").first()
        if intake is None or not constant_time_compare(_id_number(intake)[-4:], last4):
            PublicAttempt.objects.create(ip_hash=digest, key_hash=key, outcome="status_miss")
            raise Refused("not_found", _("No application matches this receipt number and these four characters. "
                                         "Check both and try again."), 404)
    except (Refused, ValidationError) as err:
        audit("applications.public_status", outcome="refused", code=getattr(err, "code", None) or "invalid")
        raise
    PublicAttempt.objects.create(ip_hash=digest, key_hash=key, outcome="status_ok")
    audit("applications.public_status", object_type="public_intake", object_id=intake.pk)
    return resident_status(intake)


def _id_number(intake: PublicIntake) -> str:
    return decrypt_field(keyring(), intake.id_number_enc, table="applications_publicintake", column="id_number",
                         row=str(intake.uid))


def resident_status(intake: PublicIntake) -> dict[str, Any]:
    """What a resident may read about an application: stage, next step, dates, the office. Nothing personal."""
    township = intake.village.parent
    office = (township.name if township else "") + _("People's Government (sub-district office)")
    out: dict[str, Any] = {"receipt": intake.receipt, "received_on": timezone.localdate(intake.received_at),
                           "office": office, "due_on": None, "notice_end": None}
    if intake.state == "pending":
        out.update(stage=_("Received; waiting for the township office to take it in"),
                   next=_("A caseworker of the township office will contact you by phone. Have ready: identity "
                          "documents, a declaration of income and property, a signed authorisation for the economic "
                          "check, and proof of family relationships."))
        return out
    if intake.state == "rejected":
        reason = dict(PublicIntake.REJECT_REASONS).get(intake.reject_reason or "other")
        out.update(stage=_("Not taken in"), reason=reason,
                   next=_("If you have questions, contact the township office, or apply there in person."))
        return out
    app = intake.application
    if app is None:
        out.update(stage=_("Taken in"), next=_("Contact the township office for details."))
        return out
    out.update(_application_stage(app))
    return out


def _application_stage(app: Application) -> dict[str, Any]:
    s = app.state
    if s == State.SUBMITTED:
        nxt = (_("Hand in the missing documents listed in the township's one-time notice.") if app.missing_notice_on
               else _("The township office is checking your documents."))
        return {"stage": _("Registered; the documents are being checked"), "next": nxt}
    if s in (State.ACCEPTED, State.CHECKED, State.VISITED, State.OPINION):
        nxt = {
            State.ACCEPTED: _("Your household's finances are being checked with the departments' data."),
            State.CHECKED: _("Caseworkers will visit your home; please be present and sign the visit form."),
            State.VISITED: _("The township office is preparing its opinion."),
            State.OPINION: _("The township office has given its opinion; the case goes to public notice or to the "
                             "county."),
        }[s]
        return {"stage": _("Being examined"), "next": nxt, "due_on": app.due_on}
    if s == State.NOTICE:
        return {"stage": _("In public notice"), "notice_end": app.notice_end, "due_on": app.due_on,
                "next": _("After the notice period the county civil-affairs bureau decides.")}
    if s in (State.OBJECTION, State.APPRAISED):
        return {"stage": _("Being checked after the public notice"), "due_on": app.due_on,
                "next": _("An objection received during the notice is being verified; the decision follows.")}
    if s == State.APPROVED:
        return {"stage": _("Decided: approved"), "next": _("You receive a written decision; payments, where the decision "
                                                  "grants them, start in the month after the decision.")}
    if s == State.REFUSED:
        return {"stage": _("Not approved"), "next": _("You receive a written notice with the reasons and how to "
                                                      "appeal (administrative reconsideration or a lawsuit).")}
    return {"stage": _("Application withdrawn"), "next": _("You may apply again at any time.")}


# ------------------------------------------------------------------ the township's side

def _check(actor: User, intake: PublicIntake) -> None:
    if not (actor.is_authenticated and actor.has_capability(PROCESS)):
        raise PermissionDenied(PROCESS)
    if not region_in_scope(actor, intake.village_id):
        raise Http404


@transaction.atomic
def accept(*, actor: User, intake: PublicIntake, household_data: dict[str, Any] | None = None,
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
        id_number = _id_number(intake)
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
def reject(*, actor: User, intake: PublicIntake, note: str, reason: str = "other") -> PublicIntake:
    """Not taken in: a reason the resident reads on the status page, and an internal note."""
    _check(actor, intake)
    intake = PublicIntake.objects.select_for_update().get(pk=intake.pk)
    if intake.state != "pending":
        raise services.ApplicationError("handled", _("This online application was already handled."))
    if not note.strip():
        raise services.ApplicationError("reason", _("Give the reason for this step."))
    if reason not in dict(PublicIntake.REJECT_REASONS):
        raise services.ApplicationError("reason", _("Choose a valid option."))
    intake.state, intake.handled_by, intake.handled_note = "rejected", actor, note.strip()[:300]
    intake.reject_reason = reason
    intake.save(update_fields=["state", "handled_by", "handled_note", "reject_reason"])
    audit("applications.public_reject", actor=actor, object_type="public_intake", object_id=intake.pk, reason=reason)
    return intake
