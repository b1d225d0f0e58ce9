"""Writes for the core app: regions, accounts and roles.  Each runs in one transaction with its audit record."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit
from .choices import ADMIN_ROLES, LEVEL_DEPTH, ROLE_REGION_LEVEL, Role
from .models import Region, RegionClosure, User


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


@transaction.atomic
def regions_load(rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert or update divisions, then rebuild the closure table.  Idempotent.

    Rows are ordered parent-first by level so foreign keys resolve.
    """
    rows = sorted(rows, key=lambda r: (LEVEL_DEPTH[r["level"]], r["code"]))
    existing = set(Region.objects.values_list("code", flat=True))
    new, changed = [], []
    for r in rows:
        obj = Region(
            code=str(r["code"]),
            name=r["name"],
            level=r["level"],
            parent_id=r.get("parent_code") or None,
            valid_from=r.get("valid_from"),
            valid_to=r.get("valid_to"),
            note=r.get("note") or "",
        )
        (changed if obj.code in existing else new).append(obj)
    # Parent-first order matters for SQLite's immediate FK checks.
    for level in sorted({LEVEL_DEPTH[o.level] for o in new}):
        Region.objects.bulk_create([o for o in new if LEVEL_DEPTH[o.level] == level], batch_size=2000)
    if changed:
        Region.objects.bulk_update(
            changed, ["name", "level", "parent", "valid_from", "valid_to", "note"], batch_size=2000
        )
    region_closure_rebuild()
    return len(new)


def region_closure_rebuild() -> int:
    """Recompute the ancestor/descendant table from parent links."""
    parents = dict(Region.objects.values_list("code", "parent_id"))
    rows = []
    for code in parents:
        depth, node = 0, code
        seen = set()
        while node is not None and node not in seen:
            seen.add(node)
            rows.append(RegionClosure(ancestor_id=node, descendant_id=code, depth=depth))
            node, depth = parents.get(node), depth + 1
    RegionClosure.objects.all().delete()
    RegionClosure.objects.bulk_create(rows, batch_size=5000)
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


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    region: Region | None = None,
    department: str = "",
    full_name: str = "",
) -> User:
    """Create an account.  Only a system administrator may (actor=None: installation scripts)."""
    if actor is not None and not actor.has_capability("manage_accounts"):
        audit("user.create", actor=actor, outcome="denied", username=username)
        raise PermissionDenied
    _check_role_region(role, region, department)
    user = User(
        username=username, role=role, region=region, department=department, first_name=full_name
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit("user.create", actor=actor, object_type="user", object_id=user.pk, role_assigned=role)
    return user


@transaction.atomic
def user_set_role(
    *, actor: User, target: User, role: str, region: Region | None = None, department: str = ""
) -> User:
    """Assign a role (security administrator only; never to oneself; one role per person).

    Changing a role ends the target's sessions (RELIABILITY R3).
    """
    if not actor.has_capability("manage_roles") or actor.pk == target.pk:
        audit(
            "user.set_role", actor=actor, object_type="user", object_id=target.pk,
            outcome="denied", role_requested=role,
        )
        raise PermissionDenied(_("You may not assign this role."))
    _check_role_region(role, region, department)
    old = target.role
    target.role, target.region, target.department = role, region, department
    target.save(update_fields=["role", "region", "department"])
    user_end_sessions(target)
    audit(
        "user.set_role", actor=actor, object_type="user", object_id=target.pk,
        old_role=old, new_role=role, admin_role=role in ADMIN_ROLES,
    )
    return target


def user_end_sessions(user: User) -> int:
    """Delete every session of a user (after a role change or deactivation)."""
    from django.contrib.sessions.models import Session

    ended = 0
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_set_active(*, actor: User, target: User, active: bool) -> User:
    if not actor.has_capability("manage_accounts") or actor.pk == target.pk:
        audit("user.set_active", actor=actor, object_type="user", object_id=target.pk, outcome="denied")
        raise PermissionDenied
    target.is_active = active
    target.save(update_fields=["is_active"])
    if not active:
        user_end_sessions(target)
    audit("user.set_active", actor=actor, object_type="user", object_id=target.pk, active=active)
    return target
