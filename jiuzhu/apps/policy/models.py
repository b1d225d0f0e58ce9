"""Parameter revisions entered in the UI: draft → approved by a different user → in force from its date.

The shipped YAML (jiuzhu/rules/params/data) is the base; approved revisions
are added to it as further dated values.  An approved revision is never
edited: a correction is a new revision that supersedes it from its own date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region


class RevisionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ParameterRevision(models.Model):
    SCOPE_REGION_FIELD = "region"

    path = models.CharField(_("parameter"), max_length=80)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    area = models.CharField(_("urban or rural"), max_length=5, default="all")
    effective_from = models.DateField(_("effective from"))
    value = models.CharField(_("value"), max_length=200)
    reference = models.CharField(_("legal reference"), max_length=200)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The four-eyes rule, also in the database.
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True) | ~models.Q(decided_by=models.F("created_by")),
                name="revision_decided_by_other",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.region_id} {self.area} {self.effective_from} = {self.value} ({self.status})"

    def as_entry(self) -> dict[str, object]:
        return {
            "path": self.path, "region": self.region_id, "area": self.area,
            "from": self.effective_from.isoformat(), "value": self.value, "ref": self.reference,
        }
