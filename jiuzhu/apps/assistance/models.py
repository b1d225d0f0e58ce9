"""Entitlements: what a household is owed each month, from a decision, until it ends.

An entitlement starts the month after its approval and stops after termination or death
(issue 7 §5).  It is the payroll's input.  Written only through ``services``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EntitlementState(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Entitlement(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="entitlements")
    # The member an individual programme is for (tekun, single-person inclusion); null = the household.
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("programme"), max_length=40)  # jiuzhu.rules.exchange.sources.PROGRAMMES
    category = models.CharField(_("category"), max_length=16, blank=True)  # dibao, tekun, … (rules.vocab)
    monthly_amount = models.DecimalField(_("monthly amount (yuan)"), max_digits=12, decimal_places=2)
    members_covered = models.PositiveSmallIntegerField(_("members covered"), default=1)
    approved_on = models.DateField(_("approved on"))
    start_month = models.DateField(_("first month paid"))  # first day of the month
    end_month = models.DateField(_("last month paid"), null=True, blank=True)  # first day of the month
    state = models.CharField(_("state"), max_length=8, choices=EntitlementState.choices,
                             default=EntitlementState.ACTIVE)
    end_reason = models.CharField(_("why it ended"), max_length=200, blank=True)
    decision_ref = models.CharField(_("decision"), max_length=80)  # e.g. "application:<uuid>"
    parameter_version = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "start_month", "id"]
        constraints = [
            # One active entitlement per household (and member) and programme: nothing paid twice.
            models.UniqueConstraint(fields=["household", "programme"], condition=Q(state="active", member__isnull=True),
                                    name="assistance_one_active_household_entitlement"),
            models.UniqueConstraint(fields=["member", "programme"], condition=Q(state="active", member__isnull=False),
                                    name="assistance_one_active_member_entitlement"),
            models.UniqueConstraint(fields=["decision_ref", "programme", "member"], name="assistance_decision_once"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="assistance_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.monthly_amount} from {self.start_month:%Y-%m}"
