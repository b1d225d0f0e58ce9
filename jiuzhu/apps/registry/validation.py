"""Field validation shared by the forms, the API and bulk loading.

Each function takes raw user input and returns the normalised value or raises
a Django ValidationError whose message is Chinese or English by the active
language (messages come from the pure rules modules, in both languages).
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiuzhu.rules.contact import (
    ContactError,  # noqa: F811
    normalise_mobile,
)
from jiuzhu.rules.identity import IdNumber, IdNumberError, parse_id_number
from jiuzhu.rules.money import MoneyError, parse_money
from jiuzhu.rules.text import normalise_text


def _msg(err: Any) -> str:
    lang = (get_language() or "zh-hans").lower()
    return err.message_en if lang.startswith("en") else err.message_zh


def clean_id_number(raw: Any) -> IdNumber:
    if not isinstance(raw, str):
        raise ValidationError(_("The ID number must be text (18 characters)."), code="format")
    try:
        return parse_id_number(raw)
    except IdNumberError as err:
        raise ValidationError(_msg(err), code=err.code) from err


def clean_money(raw: Any) -> decimal.Decimal:
    try:
        return parse_money(raw)
    except MoneyError as err:
        raise ValidationError(_msg(err), code=err.code) from err


def clean_phone(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    try:
        return normalise_mobile(str(raw))
    except ContactError as err:
        raise ValidationError(_msg(err), code=err.code) from err


def clean_bank_account(raw: Any) -> str:
    if raw in (None, ""):
        return ""
    value = normalise_text(str(raw)).replace(" ", "")
    if not value.isdigit() or not 12 <= len(value) <= 30:
        raise ValidationError(_("A bank account number has 12 to 30 digits."), code="bank_account")
    return value


def clean_certificate_number(raw: Any) -> str:
    """A certificate number (e.g. 残疾人证号): text, spaces removed, upper case, at most 32 characters."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str):
        raise ValidationError(_("A certificate number must be text."), code="format")
    value = "".join(normalise_text(raw).split()).upper()
    if len(value) > 32 or not value.replace("-", "").isalnum() or not value.isascii():
        raise ValidationError(_("A certificate number has at most 32 letters and digits."), code="format")
    return value


def clean_name(raw: Any) -> str:
    value = normalise_text(str(raw or ""))
    if not value:
        raise ValidationError(_("This field is required."), code="required")
    if len(value) > 64:
        raise ValidationError(_("At most 64 characters."), code="max_length")
    return value


def clean_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ValidationError(_("Enter a date, not a time."), code="date")
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as err:
        raise ValidationError(_("Enter a valid date (YYYY-MM-DD)."), code="date") from err


# The registry's history starts with the platform; a date before this cannot be "as recorded".
EARLIEST_AS_OF = dt.date(1949, 10, 1)


def clean_as_of(raw: Any, *, today: dt.date) -> dt.date:
    """A past date to read the registry as of: YYYY-MM-DD, not after today (a clear error, never a 500)."""
    try:
        day = dt.date.fromisoformat(str(raw).strip())
    except ValueError as err:
        raise ValidationError(_("Enter a valid date (YYYY-MM-DD)."), code="date") from err
    if day > today:
        raise ValidationError(_("The registry can be shown as of today or an earlier date, not a future one."),
                              code="future")
    if day < EARLIEST_AS_OF:
        raise ValidationError(_("Enter a date from 1949-10-01 on."), code="too_early")
    return day


def clean_choice(raw: Any, choices: list[tuple[Any, str]]) -> Any:
    allowed = {c[0] for c in choices}
    if raw not in allowed:
        raise ValidationError(
            _("“%(value)s” is not one of the allowed values.") % {"value": raw}, code="choice"
        )
    return raw


def collect(cleaners: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """Run field cleaners over data; raise one ValidationError naming every bad field."""
    out: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for field, cleaner in cleaners.items():
        if field not in data:
            continue
        try:
            out[field] = cleaner(data[field])
        except ValidationError as err:
            errors.setdefault(field, []).append(err)
    if errors:
        raise ValidationError(errors)
    return out
