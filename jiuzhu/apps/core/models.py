"""Core models: administrative divisions, users, the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import CAPABILITIES, Department, RegionLevel, Role


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
    """A platform user: one role, one region (or one department)."""

    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    department = models.CharField(
        _("department"), max_length=24, choices=Department.choices, blank=True
    )
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

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


class AuditEvent(models.Model):
    """Append-only audit record (RELIABILITY R10/R11).

    The application never updates or deletes these rows; on PostgreSQL a
    trigger refuses UPDATE and DELETE (migration 0002).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
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

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.event} {self.outcome}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit events are append-only")
