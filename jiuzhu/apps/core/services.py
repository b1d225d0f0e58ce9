"""Writes for the core app: regions, accounts and roles.  Each runs in one transaction with its audit record."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import bulkwrite
from .audit import AuditedRefusal, audit, refusals_audited
from .choices import ADMIN_ROLES, LEVEL_DEPTH, ROLE_REGION_LEVEL, Role
from .models import Region, RegionClosure, User
from .otp import otp_devices_remove, otp_required, totp_device


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def shipped_region_rows() -> list[dict[str, Any]]:
    """The GB/T 2260 divisions of Jiangxi shipped with the code (province, cities, counties)."""
    text = resources.files("jiuzhu.rules").joinpath("data/regions_jiangxi.csv").read_text("utf-8")
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "level": r["level"],
            "parent_code": r["parent_code"] or None,
            "valid_from": _date(r["valid_from"]),
            "valid_to": _date(r["valid_to"]),
            "note": r["note"],
        }
        for r in csv.DictReader(text.splitlines())
    ]


_REGION_COLUMNS = ("code", "name", "level", "parent_id", "valid_from", "valid_to", "note")


@transaction.atomic
def regions_load(rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update divisions, then rebuild the closure table.  Idempotent.

    Rows are ordered parent-first by level so foreign keys resolve. Set-based (``bulkwrite``):
    new divisions inserted per level, changed ones updated, unchanged ones left alone.
    """
    rows = sorted(rows, key=lambda r: (LEVEL_DEPTH[r["level"]], r["code"]))
    existing = {r[0]: r for r in Region.objects.values_list(*(c.removesuffix("_id") for c in _REGION_COLUMNS))}
    new: dict[int, list[tuple[Any, ...]]] = {}
    changed = []
    for r in rows:
        row = (str(r["code"]), r["name"], r["level"], r.get("parent_code") or None, r.get("valid_from"),
               r.get("valid_to"), r.get("note") or "")
        old = existing.get(row[0])
        if old is None:
            new.setdefault(LEVEL_DEPTH[row[2]], []).append(row)
        elif old != row:
            changed.append((*row[1:], row[0]))
    # Parent-first order matters for SQLite's immediate FK checks.
    for level in sorted(new):
        bulkwrite.insert_rows(Region, new[level], _REGION_COLUMNS)
    bulkwrite.update_rows(Region, _REGION_COLUMNS[1:], changed)
    region_closure_rebuild()
    return sum(len(v) for v in new.values())


def region_closure_rebuild() -> int:
    """Recompute the ancestor/descendant table from parent links (set-based: one delete, one COPY)."""
    parents = dict(Region.objects.values_list("code", "parent_id"))
    rows = []
    for code in parents:
        depth, node = 0, code
        seen = set()
        while node is not None and node not in seen:
            seen.add(node)
            rows.append((node, code, depth))
            node, depth = parents.get(node), depth + 1
    RegionClosure.objects.all().delete()
    ids = bulkwrite.allocate_ids(RegionClosure, len(rows))
    bulkwrite.insert_rows(RegionClosure, [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
                          ("id", "ancestor_id", "descendant_id", "depth"))
    if connection.vendor == "postgresql":
        # Fresh statistics after a bulk load: with none, the planner joins regions to their closure
        # row by row (minutes for one county's villages); ANALYZE also counts this transaction's rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_region")
            cursor.execute("ANALYZE core_regionclosure")
    return len(rows)


def _check_role_region(role: str, region: Region | None, department: str) -> None:
    if role in ROLE_REGION_LEVEL:
        if region is None or region.level != ROLE_REGION_LEVEL[Role(role)]:
            raise ValidationError(
                {"region": _("A %(role)s must belong to a region of level %(level)s.")
                 % {"role": Role(role).label, "level": ROLE_REGION_LEVEL[Role(role)]}}
            )
    if role == Role.DEPARTMENT and not department:
        raise ValidationError({"department": _("A department user must name a department.")})
    if role in (Role.AUDITOR, *ADMIN_ROLES) and region is None:
        # Every account belongs to a region or a department; administrators and auditors to a region.
        raise ValidationError({"region": _("Auditors and administrators must belong to a region.")})


def _password_errors(password: str, user: User) -> None:
    """The password rules (RELIABILITY R1) as a field error on ``password``."""
    try:
        validate_password(password, user)
    except ValidationError as err:
        raise ValidationError({"password": err.messages}) from None


@refusals_audited
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str = "",
    region: Region | None = None,
    department: str = "",
    full_name: str = "",
) -> User:
    """Create an account (三权分立, docs/operators.md).

    The system administrator creates accounts *without a role*: the security administrator
    assigns one.  The initial password follows the rules and must be changed at the first
    login.  ``actor=None`` is the installation path (the demo, `jiuzhu manage create_account`),
    which may give a role directly.
    """
    if actor is not None:
        if not actor.has_capability("manage_accounts"):
            raise AuditedRefusal("user.create", reason="not_system_admin", username=username[:150])
        if role or region is not None or department:
            raise AuditedRefusal("user.create", reason="role_by_system_admin", username=username[:150],
                                 role_requested=role, message=_("The system administrator creates accounts without a role; the security administrator assigns roles."))
    if role:
        _check_role_region(role, region, department)
    user = User(
        username=username, role=role, region=region, department=department, first_name=full_name,
        created_by=actor, must_change_password=actor is not None,
    )
    _password_errors(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit("user.create", actor=actor, object_type="user", object_id=user.pk, role_assigned=role)
    return user


def _first_login_done(user: User) -> bool:
    if user.must_change_password:
        return False
    return totp_device(user) is not None or not otp_required(user)


@refusals_audited
def user_set_role(
    *, actor: User, target: User, role: str, region: Region | None = None, department: str = ""
) -> User:
    """Assign a role (or none).  Only the security administrator, and (三权分立):

    - never to itself;
    - never an administrator role to the account that created its own (the system
      administrator could otherwise hold two of the three powers through it);
    - only to an account whose holder has logged in once (own password, two-factor), so
      the system administrator, who knew the initial password, cannot have prepared it.

    An administrator role needs a 12-character password: the holder changes it at the
    next login.  Changing a role ends the target's sessions (RELIABILITY R3).
    """
    detail = {"role_requested": role}
    if not actor.has_capability("manage_roles"):
        raise AuditedRefusal("user.set_role", target=target, reason="not_security_admin", **detail)
    if actor.pk == target.pk:
        raise AuditedRefusal("user.set_role", target=target, reason="self", **detail,
                             message=_("You may not change your own role."))
    if role in ADMIN_ROLES and actor.created_by_id == target.pk:
        raise AuditedRefusal("user.set_role", target=target, reason="admin_role_to_own_creator", **detail,
                             message=_("You may not give an administrator role to the account that created yours."))
    if role and not target.role and not _first_login_done(target):
        raise AuditedRefusal("user.set_role", target=target, reason="first_login_pending", **detail,
                             message=_("The holder must first log in once (own password and two-factor enrolment) before a role is given."))
    if role:
        _check_role_region(role, region, department)
    else:
        region, department = None, ""
    old = target.role
    target.role, target.region, target.department = role, region, department
    fields = ["role", "region", "department"]
    if role in ADMIN_ROLES and old != role:
        target.must_change_password = True
        fields.append("must_change_password")
    target.full_clean(exclude=["password"])
    target.save(update_fields=fields)
    user_end_sessions(target)
    audit(
        "user.set_role", actor=actor, object_type="user", object_id=target.pk,
        old_role=old, new_role=role, admin_role=role in ADMIN_ROLES,
    )
    return target


def user_end_sessions(user: User) -> int:
    """Delete every session of a user (after a role change, deactivation or reset)."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@refusals_audited
def user_set_active(*, actor: User, target: User, active: bool) -> User:
    """Enable or disable an account (system administrator; never itself, never an administrator:
    the security administrator first takes the administrator role away)."""
    if not actor.has_capability("manage_accounts"):
        raise AuditedRefusal("user.set_active", target=target, reason="not_system_admin")
    if actor.pk == target.pk or target.role in ADMIN_ROLES:
        raise AuditedRefusal("user.set_active", target=target, reason="self_or_admin",
                             message=_("Administrator accounts cannot be disabled here."))
    target.is_active = active
    target.save(update_fields=["is_active"])
    if not active:
        user_end_sessions(target)
    audit("user.set_active", actor=actor, object_type="user", object_id=target.pk, active=active)
    return target


@refusals_audited
def user_reset_password(*, actor: User, target: User, password: str) -> User:
    """A new initial password set by the system administrator (to be changed at the next login).

    Not for administrators, nor for oneself (the change-password page is for that).
    """
    if not actor.has_capability("manage_accounts"):
        raise AuditedRefusal("user.reset_password", target=target, reason="not_system_admin")
    if actor.pk == target.pk or target.role in ADMIN_ROLES:
        raise AuditedRefusal("user.reset_password", target=target, reason="self_or_admin",
                             message=_("Administrator passwords cannot be reset here."))
    _password_errors(password, target)
    target.set_password(password)
    target.must_change_password = True
    target.failed_logins, target.locked_until = 0, None
    target.save(update_fields=["password", "must_change_password", "password_changed_at",
                               "failed_logins", "locked_until"])
    user_end_sessions(target)
    audit("user.reset_password", actor=actor, object_type="user", object_id=target.pk)
    return target


@transaction.atomic
def user_change_password(*, user: User, password: str) -> User:
    """The holder's own new password (already validated by the form)."""
    _password_errors(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit("user.password_change", actor=user, object_type="user", object_id=user.pk)
    return user


@refusals_audited
def user_otp_reset(*, actor: User, target: User) -> User:
    """Remove a user's two-factor devices (lost phone): the security administrator, never for itself.

    The holder enrols again at the next login; their sessions end now.
    """
    if not actor.has_capability("manage_roles"):
        raise AuditedRefusal("user.otp_reset", target=target, reason="not_security_admin")
    if actor.pk == target.pk:
        raise AuditedRefusal("user.otp_reset", target=target, reason="self",
                             message=_("You may not reset your own two-factor login."))
    removed = otp_devices_remove(target)
    user_end_sessions(target)
    audit("user.otp_reset", actor=actor, object_type="user", object_id=target.pk, devices=removed)
    return target


def password_expired(user: User) -> bool:
    changed = user.password_changed_at or user.date_joined
    return changed + dt.timedelta(days=settings.JIUZHU_PASSWORD_MAX_AGE_DAYS) < timezone.now()
