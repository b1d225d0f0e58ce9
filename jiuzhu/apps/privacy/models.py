"""Bulk disclosure records: export requests (with their approval) and API listings of personal data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region


class ExportState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Ready to download")
    REFUSED = "refused", _("Refused")
    PRODUCED = "produced", _("Downloaded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ExportRequest(models.Model):
    """One bulk export of personal data: what, for which purpose, how many rows, who approved it.

    Within the cap (CONFIG) a request is approved when it is made; above it, it waits for a second
    person.  The file is produced once, for the requester, when they download it; its row count and
    SM3 hash are recorded here and in the audit log (ADR 0025).
    """

    SCOPE_REGION_FIELD = "region"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("export"), max_length=40)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40)
    note = models.CharField(_("note"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("rows when requested"))
    cap = models.PositiveIntegerField(_("rows allowed without approval"))
    state = models.CharField(_("state"), max_length=10, choices=ExportState.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"))
    # The requester's region (None for a department account): who may approve, who may see it.
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(max_length=24, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("reason"), max_length=200, blank=True)
    produced_at = models.DateTimeField(_("downloaded at"), null=True, blank=True)
    produced_rows = models.PositiveIntegerField(_("rows in the file"), null=True, blank=True)
    sm3 = models.CharField(_("SM3 of the file"), max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["state", "requested_at"]), models.Index(fields=["requested_by", "requested_at"])]
        constraints = [
            # Four eyes: nobody approves their own request (the service checks it too).
            models.CheckConstraint(condition=~models.Q(decided_by=models.F("requested_by")), name="export_other_decider"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.rows} {self.state}"


class ApiListing(models.Model):
    """One page of personal data listed by API: who, when, which endpoint, how many records, why.

    The sum of ``rows`` per user and day is the daily volume cap's counter: it lives in the
    database, so it holds across processes and servers (like the exact-ID query's counter).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    endpoint = models.CharField(max_length=60)
    rows = models.PositiveIntegerField()
    purpose = models.CharField(max_length=40)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.endpoint} {self.rows}"
