"""Core models: administrative divisions, users, the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from .choices import ADMIN_ROLES, CAPABILITIES, Department, RegionLevel, Role


class Region(models.Model):
    """An administrative division (GB/T 2260; 9/12-digit statistical codes below county).

    Codes are text.  Retired codes stay, with `valid_to`, because old ID
    numbers and old records still carry them.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class RegionClosure(models.Model):
    """Closure table: one row per (ancestor, descendant) pair, self included (depth 0).

    Scoping asks "which regions lie under X" through this table, never by
    string prefix: statistical codes are not guaranteed to nest by prefix
    after re-zoning (e.g. 360105 湾里区 merged elsewhere).
    """

    ancestor = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ancestor", "descendant"], name="region_closure_unique")
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.descendant_id}"


class User(AbstractUser):
    """A platform user: one role (or none yet), one region (or one department).

    Accounts are created by the system administrator without a role; the security
    administrator assigns one (三权分立, docs/operators.md).
    """

    role = models.CharField(_("role"), max_length=12, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField(
        _("department"), max_length=24, choices=Department.choices, blank=True
    )
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Who created the account (None: installation); the security administrator never gives an
    # administrator role to the account that created its own.
    created_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Password life (RELIABILITY R1): an administrator-set password must be changed at the next
    # login; every password expires after JIUZHU_PASSWORD_MAX_AGE_DAYS.
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="department") | ~models.Q(department=""),
                name="department_user_has_department",
            )
        ]

    def has_capability(self, capability: str) -> bool:
        if not self.is_active:
            return False
        return capability in CAPABILITIES.get(self.role, frozenset())

    @property
    def is_admin_role(self) -> bool:
        return self.role in ADMIN_ROLES

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class PasswordHistory(models.Model):
    """The hashes of a user's previous passwords (RELIABILITY R1: the last five are not reused)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d}"


class AuditEvent(models.Model):
    """Append-only audit record (RELIABILITY R10/R11).

    The application never updates or deletes these rows; triggers refuse UPDATE
    and DELETE on PostgreSQL and SQLite.  ``chain_hash`` is HMAC-SM3 over the
    previous row's chain hash and this row's canonical form (core/chain.py), so
    an edit, deletion or insertion made directly in the database shows up in
    `jiuzhu audit verify`.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=12, blank=True)
    region_code = models.CharField(max_length=12, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    event = models.CharField(max_length=48, db_index=True)
    object_type = models.CharField(max_length=48, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=12, default="ok")
    detail = models.JSONField(default=dict, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # "Who looked at this household": reads are filtered by object.
        indexes = [models.Index(fields=["object_type", "object_id", "event"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.event} {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit events are append-only")


class AuditAnchor(models.Model):
    """A signed statement of the chain's head (or of an archive's end), see core/chain.py.

    ``kind`` is "anchor" (periodic, `jiuzhu audit anchor`) or "archive" (rows up to
    ``last_id`` moved to the signed file ``archive_file`` and removed).  Each anchor is
    also appended to a file outside the database, so deleting anchors shows too.
    """

    at = models.DateTimeField()
    kind = models.CharField(max_length=8)
    last_id = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    archive_file = models.CharField(max_length=200, blank=True)
    archive_sm3 = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.last_id} {self.last_hash[:12]}"


class RefusalWindow(models.Model):
    """Refused requests (403/404) of one user in one time window, counted for burst detection."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    refused = models.PositiveIntegerField(default=0)
    alerted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "window_start"], name="refusal_window_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.window_start:%Y-%m-%d %H:%M} {self.refused}"


class RecoveryCodeDevice(Device):
    """One-time recovery codes for two-factor login (shown once; stored as keyed hashes only)."""

    def verify_token(self, token: str) -> bool:
        from .otp import recovery_code_hash  # deferred: otp's devices are models of this module

        digest = recovery_code_hash(token)
        return bool(self.codes.filter(code_hash=digest, used_at__isnull=True).update(used_at=timezone.now()))


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.device_id} {'used' if self.used_at else 'unused'}"
