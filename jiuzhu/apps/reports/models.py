"""Statistics computed from a determination run, and saved what-if scenarios (issue 18 items 1–2)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.assistance.models import MatchRun
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.jobs.models import JobRun
from jiuzhu.apps.policy.models import ParameterRevision

# What a statistics run holds: 1 = categories and benefits per township only (wave 2); 2 = also those
# summed to every region, the people in the registry, money, applications and refusal reasons, warnings
# and the assistance chain (FigureRow).
FIGURES_VERSION = 2


class StatisticsRun(models.Model):
    """One computation of the statistics from one determination run (reproducible: the run's
    stored results do not change, so the same run gives the same figures next month)."""

    run = models.OneToOneField(DeterminationRun, on_delete=models.CASCADE, related_name="statistics")
    as_of = models.DateField(_("as of"))
    created_at = models.DateTimeField(auto_now_add=True)
    households = models.PositiveIntegerField(default=0)
    version = models.PositiveSmallIntegerField(default=1)  # FIGURES_VERSION when computed

    class Meta:
        ordering = ["-as_of", "-run_id"]

    def __str__(self) -> str:
        return f"statistics of run {self.run_id} ({self.as_of})"


class StatRow(models.Model):
    """Counts and amounts of one township, area and category (or benefit), for one statistics run."""

    SCOPE_REGION_FIELD = "township"
    KINDS = [("category", _("category")), ("benefit", _("benefit")), ("registry", _("registry"))]

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


class FigureRow(models.Model):
    """A figure of a statistics run beyond the categories, for one region at any level (province, city,
    county, township: rolled up by the engine, so a page reads its own region's rows and its children's).

    Sections (``engine.stats``): ``overview`` (the categories and benefits of ``StatRow`` summed: key
    ``kind:key``, detail the area: persons, households, monthly amount), ``money`` (key programme, detail payroll / department, per month: persons,
    households, amount), ``chain`` (key programme or all: persons, households), ``applications`` (key a
    measure: count), ``refusals`` (key criterion, detail category: applications), ``warnings`` (key
    indicator, detail a measure: count).
    """

    SCOPE_REGION_FIELD = "region"
    SECTIONS = [("overview", _("categories and benefits")), ("money", _("money")), ("chain", _("assistance chain")), ("applications", _("applications")),
                ("refusals", _("refusal reasons")), ("warnings", _("warnings"))]

    statistics = models.ForeignKey(StatisticsRun, on_delete=models.CASCADE, related_name="figures")
    section = models.CharField(max_length=12, choices=SECTIONS)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(null=True, blank=True)  # first day of the month (money)
    key = models.CharField(max_length=60)
    detail = models.CharField(max_length=40, blank=True)
    count = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)  # yuan

    class Meta:
        indexes = [models.Index(fields=["statistics", "section", "region"])]

    def __str__(self) -> str:
        return f"{self.statistics_id} {self.section} {self.region_id} {self.key}:{self.detail}"


class CoverageRun(models.Model):
    """The coverage of the programme matrix from one province-wide matching run, kept (the matching's
    own rows are replaced by its next run): per region, programme and status, as the run found them."""

    match_run = models.OneToOneField(MatchRun, on_delete=models.CASCADE, related_name="+")
    determination_run = models.ForeignKey(DeterminationRun, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("as of"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-match_run_id"]

    def __str__(self) -> str:
        return f"coverage of match run {self.match_run_id}"


class CoverageRow(models.Model):
    """Subjects (persons, or households for a household-level programme) and households of one region,
    programme and matching status (given, missing = 应享未享, enrolled, declined, duplicate, two_households)."""

    SCOPE_REGION_FIELD = "region"

    coverage = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="rows")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(max_length=40)
    status = models.CharField(max_length=16)
    subjects = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coverage", "region", "programme", "status"],
                                               name="coverage_row_once")]

    def __str__(self) -> str:
        return f"{self.coverage_id} {self.region_id} {self.programme}:{self.status}"


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
