"""Statistics computed from a determination run, and saved what-if scenarios (issue 18 items 1–2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.jobs.models import JobRun
from jiuzhu.apps.policy.models import ParameterRevision


class StatisticsRun(models.Model):
    """One computation of the statistics from one determination run (reproducible: the run's
    stored results do not change, so the same run gives the same figures next month)."""

    run = models.OneToOneField(DeterminationRun, on_delete=models.CASCADE, related_name="statistics")
    as_of = models.DateField(_("as of"))
    created_at = models.DateTimeField(auto_now_add=True)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-as_of", "-run_id"]

    def __str__(self) -> str:
        return f"statistics of run {self.run_id} ({self.as_of})"


class StatRow(models.Model):
    """Counts and amounts of one township, area and category (or benefit), for one statistics run."""

    SCOPE_REGION_FIELD = "township"
    KINDS = [("category", _("category")), ("benefit", _("benefit"))]

    statistics = models.ForeignKey(StatisticsRun, on_delete=models.CASCADE, related_name="rows")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    area_type = models.CharField(max_length=5)
    kind = models.CharField(max_length=10, choices=KINDS)
    key = models.CharField(max_length=30)
    households = models.PositiveIntegerField(default=0)
    persons = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)  # monthly, yuan

    class Meta:
        constraints = [models.UniqueConstraint(fields=["statistics", "township", "area_type", "kind", "key"],
                                               name="stat_row_once")]
        indexes = [models.Index(fields=["statistics", "county"])]

    def __str__(self) -> str:
        return f"{self.statistics_id} {self.township_id} {self.kind}:{self.key}"


class Scenario(models.Model):
    """A what-if scenario: parameter changes run over the registry snapshot; never in force."""

    STATUSES = [("draft", _("draft")), ("queued", _("queued")), ("running", _("running")), ("done", _("done")),
                ("failed", _("failed"))]

    name = models.CharField(_("name"), max_length=120)
    as_of = models.DateField(_("as of"))
    overrides = models.JSONField(_("parameter changes"), default=list)  # [{path, value, region, area}]
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default="draft")
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class RevisionEffect(JobRun):
    """What a draft parameter revision would change on the registry as it stands: the what-if of the
    parameters in force against the same parameters with the revision added, over the households of
    the revision's region (never in force; written by the job ``reports.revision_effect``)."""

    SCOPE_REGION_FIELD = "revision__region"

    revision = models.ForeignKey(ParameterRevision, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("as of"))
    base_version = models.CharField(max_length=80)  # the parameters in force it was measured against
    result = models.JSONField(default=dict)  # engine.whatif's figures, by county (distance bands left out)
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"effect of revision {self.revision_id} as of {self.as_of}"
