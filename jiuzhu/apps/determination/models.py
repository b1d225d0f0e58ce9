"""Determination runs over the registry and their per-household results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.registry.models import Household


class DeterminationRun(models.Model):
    """One batch run of the determination over the registry (as of a date, one parameter version)."""

    as_of = models.DateField(_("as of"))
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, default="running")  # running / done / failed
    households = models.PositiveIntegerField(default=0)
    parameter_version = models.CharField(max_length=80, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    error = models.TextField(blank=True)
    seconds = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} as of {self.as_of} ({self.status})"


class DeterminationResult(models.Model):
    """The categories and monthly benefits of one household from one run."""

    SCOPE_REGION_FIELD = "household__village"

    run = models.ForeignKey(DeterminationRun, on_delete=models.CASCADE, related_name="results")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="determinations")
    as_of = models.DateField()
    main_category = models.CharField(max_length=20, blank=True)
    categories = models.JSONField(default=list)
    benefits = models.JSONField(default=dict)  # yuan as strings
    total_benefit = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    parameter_version = models.CharField(max_length=80)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="result_once_per_run")]
        indexes = [models.Index(fields=["household", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.as_of} {self.main_category}"
