"""Coded values of the exchange app, and the per-field trust order (one place)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BatchState(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALIDATED = "validated", _("Validated")
    COMMITTED = "committed", _("Committed")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed (retryable)")


# A batch in one of these states is final: the same file again returns it unchanged.
TERMINAL_STATES = frozenset({BatchState.COMMITTED, BatchState.REJECTED})


class Channel(models.TextChoices):
    UI = "ui", _("Upload page")
    API = "api", _("API")
    CLI = "cli", _("Command line")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class OutboxState(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    DELIVERED = "delivered", _("Delivered, not yet acknowledged")
    ACKED = "acked", _("Acknowledged")
    DEAD = "dead", _("Gave up (needs an operator)")


class AmountBasis(models.TextChoices):
    TOTAL = "total", _("Total")
    MONTHLY = "monthly", _("Monthly")


PLATFORM = "platform"  # the source of assistance decided on this platform itself
REGISTRY = "registry"  # the registry's own value, in the trust order

# Per registry field: which sources are trusted, most trusted first (issue 4 §3).  The
# registry *shows* the value of the most trusted source that has one (and whose conflict
# was not rejected by a caseworker); nothing here ever overwrites the registry.
TRUST_ORDER: dict[str, tuple[str, ...]] = {
    "disability_type": ("disabled_federation", REGISTRY),
    "disability_grade": ("disabled_federation", REGISTRY),
    "death_date": ("health", "public_security", REGISTRY),
    "school_stage": ("education", REGISTRY),
}
