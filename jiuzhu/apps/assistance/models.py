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

from jiuzhu.apps.jobs.models import JobRun
from jiuzhu.rules.exchange.sources import PROGRAMMES


def programme_label(code: str) -> str:
    return PROGRAMMES.get(code, (code,))[0]


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

    @property
    def programme_label(self) -> str:
        return programme_label(self.programme)


# --- The programme matrix applied: matching runs, matches, automatic enrolment (issue 7 §2–§3) ---------


class MatchStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    MISSING = "missing", _("Missing (omission)")
    ENROLLED = "enrolled", _("Enrolled without application")
    DECLINED = "declined", _("Declined")
    DUPLICATE = "duplicate", _("Possible duplicate")
    TWO_HOUSEHOLDS = "two_households", _("Person on another household's record")


class MatchRun(JobRun):
    """One batch matching of the registry against the programme matrix (from a determination run).

    Its state, timing and starter are its job's (``jobs.Job``, kind ``assistance.matching``).
    """

    as_of = models.DateField(_("as of"))
    determination_run = models.ForeignKey("determination.DeterminationRun", null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+")
    county = models.CharField(_("county"), max_length=12, blank=True)  # "" = the whole registry
    households = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    parameter_version = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"match run {self.pk} as of {self.as_of} ({self.state})"


class Match(models.Model):
    """A person (or household) who qualifies for a programme, and whether they have it."""

    SCOPE_REGION_FIELD = "household__village"

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="matches")
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    programme = models.CharField(_("programme"), max_length=40)
    department = models.CharField(_("department"), max_length=24)
    status = models.CharField(_("status"), max_length=16, choices=MatchStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["household_id", "programme", "id"]
        indexes = [models.Index(fields=["run", "department", "status"]), models.Index(fields=["run", "household"])]

    def __str__(self) -> str:
        return f"{self.programme} {self.status}"

    @property
    def programme_label(self) -> str:
        return programme_label(self.programme)


class EnrolmentState(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    DECLINED = "declined", _("Declined")


class Enrolment(models.Model):
    """免申即享: a person put on a programme without applying, told so, free to decline.

    One per person and programme, ever: a declined enrolment is never made again by the
    automatic run (a new application is the way back).
    """

    SCOPE_REGION_FIELD = "household__village"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("programme"), max_length=40)
    department = models.CharField(_("department"), max_length=24)
    state = models.CharField(_("state"), max_length=10, choices=EnrolmentState.choices,
                             default=EnrolmentState.ENROLLED)
    enrolled_on = models.DateField(_("enrolled on"))
    reason = models.CharField(_("why eligible"), max_length=300, blank=True)
    notice_no = models.CharField(_("notice number"), max_length=40)
    notice_text = models.TextField(_("notice"))
    declined_on = models.DateField(_("declined on"), null=True, blank=True)
    decline_reason = models.CharField(_("reason for declining"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["household_id", "programme", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "programme"], name="assistance_enrol_once")]

    def __str__(self) -> str:
        return f"{self.programme} {self.state}"

    @property
    def programme_label(self) -> str:
        return programme_label(self.programme)


# --- Monthly payments (issue 7 §5) -------------------------------------------------------------------------


class PayrollState(models.TextChoices):
    GENERATED = "generated", _("Generated")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Exported to the bank")
    RECONCILED = "reconciled", _("Reconciled")


class Payroll(models.Model):
    """The payments of one county for one month (发放名册), generated from entitlements."""

    SCOPE_REGION_FIELD = "county"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    county = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    month = models.DateField(_("month"))  # first day of the month
    state = models.CharField(_("state"), max_length=10, choices=PayrollState.choices,
                             default=PayrollState.GENERATED)
    digest = models.CharField(max_length=64)  # sha256 of the canonical lines: the same inputs, the same digest
    parameter_version = models.CharField(max_length=80, blank=True)
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    total_amount = models.DecimalField(_("total to pay (yuan)"), max_digits=16, decimal_places=2, default=0)
    held_count = models.PositiveIntegerField(_("lines held"), default=0)
    ended = models.JSONField(default=list, blank=True)  # lines of the previous month not paid this month, with why
    unexplained = models.PositiveIntegerField(default=0)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("generated by"))
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    return_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-month", "county_id"]
        constraints = [models.UniqueConstraint(fields=["county", "month"], name="assistance_payroll_once")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.month:%Y-%m} ({self.state})"


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Monthly payment")
    PRICE = "price", _("Price-linked subsidy")
    CARRIED = "carried", _("Failed payment paid again")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("To pay")
    HELD = "held", _("Held")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class LineChange(models.TextChoices):
    NEW = "new", _("New")
    SAME = "same", _("Unchanged")
    CHANGED = "changed", _("Amount changed")
    CARRIED = "carried", _("Carried over")
    HELD = "held", _("Held")


class PayrollLine(models.Model):
    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="lines")
    line_ref = models.CharField(_("line reference"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=LineKind.choices)
    entitlement = models.ForeignKey(Entitlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("registry.Member", on_delete=models.PROTECT, related_name="+")  # the payee
    programme = models.CharField(_("programme"), max_length=40)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    members_covered = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(_("status"), max_length=8, choices=LineStatus.choices, default=LineStatus.PENDING)
    hold_reason = models.CharField(_("why held"), max_length=200, blank=True)
    failure_reason = models.CharField(_("why the bank failed"), max_length=200, blank=True)
    change = models.CharField(_("change"), max_length=8, choices=LineChange.choices)
    previous_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("explanation"), max_length=300, blank=True)
    carried_from = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="carried_by")

    class Meta:
        ordering = ["payroll_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="assistance_line_not_negative")]

    def __str__(self) -> str:
        return f"{self.line_ref} {self.amount}"

    @property
    def programme_label(self) -> str:
        return programme_label(self.programme)
