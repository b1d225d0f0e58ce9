"""Double-random inspections (双随机一公开, issue 18 item 3): draws, drawn cases, findings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region


class InspectionDraw(models.Model):
    """One draw: the pool of cases (approvals of a county in a period, by category), the pool of
    inspectors, how many; the seed and both pools' SM3 hashes recorded so anyone can redo it."""

    SCOPE_REGION_FIELD = "county"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    period_from = models.DateField(_("approved from"))
    period_to = models.DateField(_("approved until"))
    category = models.CharField(_("category"), max_length=20, blank=True)  # blank: every category
    count = models.PositiveIntegerField(_("cases to draw"))
    public_input = models.CharField(_("public input"), max_length=200)
    moment = models.CharField(max_length=40)  # ISO timestamp of the draw, part of the seed
    seed = models.CharField(max_length=64)
    cases_hash = models.CharField(max_length=64)
    inspectors_hash = models.CharField(max_length=64)
    case_ids = models.JSONField(default=list)  # the pool as drawn from (application numbers), for redoing it
    inspector_ids = models.JSONField(default=list)  # usernames
    conflicts = models.JSONField(default=list)  # [[application number, username, reason]]
    published_until = models.DateField(_("published until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class InspectionCase(models.Model):
    """A drawn case: its inspector and the finding; a problem is followed up by a correction."""

    SCOPE_REGION_FIELD = "township"

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("To inspect")
        COMPLIANT = "compliant", _("Inspected: compliant")
        PROBLEM = "problem", _("Inspected: problem found")
        CORRECTED = "corrected", _("Corrected")

    draw = models.ForeignKey(InspectionDraw, on_delete=models.CASCADE, related_name="cases")
    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("inspector"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ASSIGNED)
    finding = models.TextField(_("finding"), blank=True)
    correction = models.TextField(_("correction"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["draw", "id"]

    def __str__(self) -> str:
        return f"{self.draw_id}:{self.application_id}"


class InspectionEvent(models.Model):
    """One step of an inspection (its history)."""

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"
