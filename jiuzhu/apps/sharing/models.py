"""The department query register: one row per exact-ID query (also the rate limiter's counter)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ShareQuery(models.Model):
    """One "is this person in the low-income population" query by a department user.

    Counting these rows per user over a sliding window is the rate limit (ADR 0007): it lives in the
    database, so it holds across processes and servers.  The ID number is kept masked only.
    """

    OUTCOMES = [
        ("in", _("In the low-income population")),
        ("out", _("Not in the low-income population")),
        ("invalid", _("Invalid ID number")),
    ]

    at = models.DateTimeField(_("at"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    department = models.CharField(_("department"), max_length=24, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=OUTCOMES)
    category = models.CharField(_("category"), max_length=20, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.department} {self.id_number_masked} {self.outcome}"
