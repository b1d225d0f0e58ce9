"""Change records and reading a household as it was on a past date."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import ChangeRecord, Expense, Household, IncomeItem, Member, PropertyItem, Supporter

# object_type in ChangeRecord -> model
TRACKED: dict[str, type[models.Model]] = {
    "household": Household,
    "member": Member,
    "income": IncomeItem,
    "property": PropertyItem,
    "expense": Expense,
    "supporter": Supporter,
}
OBJECT_TYPE = {model: name for name, model in TRACKED.items()}
# Never copied into change records: ciphertexts, blind indexes, bookkeeping.
_SKIP_SUFFIXES = ("_enc", "_index")
_SKIP_FIELDS = {"uid", "version", "created_at", "updated_at", "household"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


@functools.cache
def member_lists(model: type[models.Model]) -> list[str]:
    """Many-to-many fields to members (a supporter's supported members): kept as sorted uid lists."""
    return [f.name for f in model._meta.many_to_many if f.related_model is Member]


@functools.cache
def snapshot_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields a change record keeps (masked, displayable; no ciphertext or index)."""
    return [
        f for f in model._meta.concrete_fields
        if f.name not in _SKIP_FIELDS and not f.name.endswith(_SKIP_SUFFIXES)
    ]


def snapshot_from_values(
    model: type[models.Model], values: dict[str, Any], member_uid: Any = None
) -> dict[str, Any]:
    """Build a snapshot from attribute values (attname -> value), as bulk loading does.

    `member_uid` maps a member pk to its uid; foreign keys to members are kept
    as uids so the history stays readable after members are renumbered.
    """
    out: dict[str, Any] = {}
    for field in snapshot_fields(model):
        value = values.get(field.attname)
        if value is None or isinstance(value, str | bool | int):
            out[field.name] = value
            if value is not None and field.is_relation and field.related_model is Member and member_uid:
                out[field.name] = member_uid(value)
            continue
        out[field.name] = _jsonable(value)
    for name in member_lists(model):
        pks = values.get(name) or []
        out[name] = sorted(str(member_uid(pk)) if member_uid else str(pk) for pk in pks)
    out["uid"] = str(values["uid"])
    return out


def _member_uid(pk: Any) -> str | None:
    uid = Member.objects.filter(pk=pk).values_list("uid", flat=True).first()
    return str(uid) if uid else None


def _values(obj: models.Model) -> dict[str, Any]:
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for name in member_lists(type(obj)):
        values[name] = [m.pk for m in getattr(obj, name).all()] if obj.pk else []
    return values


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The displayable (masked) state of a registry object as a JSON-friendly dict."""
    return snapshot_from_values(type(obj), _values(obj), _member_uid)


def record(
    *,
    actor: Any,
    household: Household,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> ChangeRecord | None:
    """Write one change record; an update that changed nothing writes nothing."""
    after = None if action == "delete" else snapshot(obj)
    changed = sorted(
        k for k in set(before or {}) | set(after or {}) if (before or {}).get(k) != (after or {}).get(k)
    )
    if action == "update" and not changed:
        return None
    return ChangeRecord.objects.create(
        household=household,
        object_type=OBJECT_TYPE[type(obj)],
        object_uid=obj.uid,  # type: ignore[attr-defined]
        action=action,
        at=at or timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        before=before,
        after=after,
        changed_fields=changed,
        reason=reason,
    )


def end_of_day(day: dt.date) -> dt.datetime:
    """The last instant of a calendar day in the platform's time zone."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def household_state_as_of(household: Household, day: dt.date) -> dict[str, Any] | None:
    """The household as it stood at the end of `day`: {'household': {...}, 'member': [...], ...}.

    None if the household did not exist yet.  Built purely from change
    records, so it shows exactly what the registry held then.
    """
    latest: dict[str, ChangeRecord] = {}
    for rec in household.changes.filter(at__lt=end_of_day(day)).order_by("at", "id"):
        latest[str(rec.object_uid)] = rec
    state: dict[str, Any] = {name: [] for name in TRACKED if name != "household"}
    state["household"] = None
    for rec in latest.values():
        if rec.action == "delete" or rec.after is None:
            continue
        if rec.object_type == "household":
            state["household"] = rec.after
        else:
            state[rec.object_type].append(rec.after)
    if state["household"] is None:
        return None
    return state


def household_state_now(household: Household) -> dict[str, Any]:
    """The current state in the same shape as `household_state_as_of` (one query per table)."""
    members = list(household.members.all())
    uids = {m.pk: str(m.uid) for m in members}

    def snap(obj: models.Model) -> dict[str, Any]:
        return snapshot_from_values(type(obj), _values(obj), uids.get)

    return {
        "household": snap(household),
        "member": [snap(m) for m in members],
        "income": [snap(i) for i in household.incomeitems.all()],
        "property": [snap(p) for p in household.propertyitems.all()],
        "expense": [snap(e) for e in household.expenses.all()],
        "supporter": [snap(s) for s in household.supporters.prefetch_related("supported_members")],
    }
