"""Determination runs over the registry and their per-household results."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.jobs.models import JobRun
from jiuzhu.apps.registry.models import Household


class DeterminationRun(JobRun):
    """One batch run of the determination over the registry (as of a date, one parameter version).

    Its state, timing and starter are its job's (``jobs.Job``, kind ``determination.run``).
    """

    as_of = models.DateField(_("as of"))
    households = models.PositiveIntegerField(default=0)
    parameter_version = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run {self.pk} as of {self.as_of} ({self.state})"


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
    # each member's one category ({member id: code}; mixed households: the tekun members and what
    # the others are — issue 15 item 5)
    member_categories = models.JSONField(default=dict)
    parameter_version = models.CharField(max_length=80)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-as_of", "-id"]
        constraints = [models.UniqueConstraint(fields=["run", "household"], name="result_once_per_run")]
        indexes = [models.Index(fields=["household", "-as_of"])]

    def __str__(self) -> str:
        return f"{self.household_id} {self.as_of} {self.main_category}"


class DeterminationTotal(models.Model):
    """Persons by category, for one run and one township: statistics count each person once.

    Written with the run's results (a small table: townships × categories), so a statistics
    page sums persons in a user's region without reading every result.  ``category`` is a
    person's one category (``categories.PERSON_PRECEDENCE``) or ``none``.
    """

    SCOPE_REGION_FIELD = "township"

    run = models.ForeignKey(DeterminationRun, on_delete=models.CASCADE, related_name="totals")
    township = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20)
    persons = models.PositiveIntegerField(default=0)
    households = models.PositiveIntegerField(default=0)  # households with at least one such person

    class Meta:
        ordering = ["run", "township", "category"]
        constraints = [models.UniqueConstraint(fields=["run", "township", "category"], name="determination_total_once")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.township_id} {self.category} {self.persons}"


class CaseFact(models.Model):
    """A dated fact the determination needs that is decided outside the registry form.

    Written by the modules that establish it — a refusal (applications), leaving assistance
    (assistance / monitoring), the county's case-by-case confirmation 一事一议 (monitoring),
    a department's flag (agriculture's poverty-return monitoring, imprisonment, a worker in
    difficulty) — and read by the one registry → interchange mapping (services._rows), so the
    single and the batch path see the same facts.  Facts are never edited: a correction is a
    new fact; ``until`` ends one (e.g. released from prison).
    """

    FACTS = [
        ("refused", _("Application refused")),
        ("left_assistance", _("Left assistance")),
        ("county_confirmed_hardship", _("County confirmed hardship (case by case)")),
        ("poverty_monitoring", _("In agriculture's poverty-return monitoring")),
        ("in_prison", _("Serving a prison sentence")),
        ("difficult_worker", _("Registered worker in difficulty")),
        ("receiving_tekun", _("Receiving tekun support")),
    ]
    MEMBER_FACTS = frozenset({"in_prison", "difficult_worker", "receiving_tekun"})

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="facts")
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fact = models.CharField(_("fact"), max_length=32, choices=FACTS)
    on = models.DateField(_("from"))
    until = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ref = models.CharField(_("reference"), max_length=80, blank=True)  # e.g. "application:<uuid>"
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household_id", "on", "id"]
        constraints = [models.UniqueConstraint(fields=["household", "member", "fact", "on", "ref"],
                                               name="determination_fact_once")]

    def __str__(self) -> str:
        return f"{self.fact} {self.on}"
