"""Dynamic monitoring: comparison runs, early warnings, their history, visits and county decisions.

A warning (预警) is one finding of one declared indicator (jiuzhu.engine.monitoring.indicators)
about one household or person.  Its life is the state table in ``lifecycle``; every step is
a ``WarningEvent`` and an audit record.  Identifiers are never stored in clear: a person is
the blind index of their ID number plus its masked form.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region
from jiuzhu.apps.jobs.models import JobRun


class RunMode(models.TextChoices):
    FULL = "full", _("Monthly full run")
    DAILY = "daily", _("Daily incremental run")


class ComparisonRun(JobRun):
    """One comparison run (大数据比对) over the registry and the department data.

    Its state, timing and starter are its job's (``jobs.Job``, kind ``monitoring.comparison``).
    """

    mode = models.CharField(_("mode"), max_length=5, choices=RunMode.choices)
    as_of = models.DateField(_("as of"))
    since = models.DateTimeField(_("department data loaded after"), null=True, blank=True)
    records_until = models.DateTimeField(_("department data loaded up to"), null=True, blank=True)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    raised = models.PositiveIntegerField(_("warnings raised"), default=0)
    already_open = models.PositiveIntegerField(_("already open"), default=0)
    already_seen = models.PositiveIntegerField(_("same facts seen before"), default=0)
    escalated = models.PositiveIntegerField(_("overdue escalated"), default=0)
    counts = models.JSONField(default=dict, blank=True)
    parameter_version = models.CharField(_("parameter version"), max_length=80, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"comparison {self.pk} {self.mode} {self.as_of} ({self.state})"


class State(models.TextChoices):
    RAISED = "raised", _("Raised")
    PUSHED = "pushed", _("Pushed")
    TRANSFERRED = "transferred", _("Transferred")
    VERIFYING = "verifying", _("Being verified")
    VERIFIED = "verified", _("Verified")
    ESCALATED = "escalated", _("Escalated to the county")
    HANDLED = "handled", _("Handled")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    POLICY_APPLIED = "policy_applied", _("Policy applied")
    EXPLAINED_APPLIED = "explained_applied", _("Policy explained, the person applied")
    EXPLAINED_DECLINED = "explained_declined", _("Policy explained, the person declined")
    RECALCULATED = "recalculated", _("Benefits recalculated")
    ASSISTANCE_ENDED = "assistance_ended", _("Assistance ended")
    FALSE_POSITIVE = "false_positive", _("False positive")
    COUNTY_DECISION = "county_decision", _("Decided by the county (case by case)")


class Warning(models.Model):  # noqa: A001 - the domain's word (预警)
    """One early warning (see the module docstring)."""

    SCOPE_REGION_FIELD = "unit_region"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    indicator = models.CharField(_("indicator"), max_length=40, db_index=True)
    severity = models.CharField(_("severity"), max_length=6)
    kind = models.CharField(_("kind"), max_length=20)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RAISED)
    subject = models.CharField(max_length=80)
    fingerprint = models.CharField(max_length=64, unique=True)
    facts = models.CharField(_("facts"), max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    household = models.ForeignKey("registry.Household", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("household"))
    member = models.ForeignKey("registry.Member", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("member"))
    person_index = models.CharField(max_length=64, blank=True, db_index=True)
    person_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    unit_region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("responsible unit"))
    department = models.CharField(_("department"), max_length=24, blank=True)
    supervisor = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("supervised by"))
    supervision_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    event_date = models.DateField(_("event date"), null=True, blank=True)
    run = models.ForeignKey(ComparisonRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="warnings")
    raised_at = models.DateTimeField(_("raised at"))
    verify_due = models.DateField(_("verify by"))
    handle_due = models.DateField(_("handle by"))
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(_("reason"), max_length=300, blank=True)
    outcome_ref = models.CharField(_("reference"), max_length=80, blank=True)
    stays_monitored = models.BooleanField(_("stays monitored"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # A finding that is still open is not raised twice (issue 5 §2).
            models.UniqueConstraint(fields=["indicator", "subject"], condition=~Q(state="closed"),
                                    name="monitoring_one_open_warning"),
        ]
        indexes = [models.Index(fields=["unit_region", "state"]), models.Index(fields=["state", "handle_due"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.subject} ({self.state})"


class WarningEvent(models.Model):
    """One step in a warning's life (its history)."""

    SCOPE_REGION_FIELD = "warning__unit_region"

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class Visit(models.Model):
    """A verification visit (铁脚板摸排): a draft saved as it is typed, then submitted once."""

    SCOPE_REGION_FIELD = "warning__unit_region"

    warning = models.OneToOneField(Warning, on_delete=models.CASCADE, related_name="visit")
    submitted = models.BooleanField(default=False)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    staff_1 = models.CharField(_("first visitor"), max_length=64, blank=True)  # the submitter's name
    staff_2 = models.CharField(_("second visitor"), max_length=64, blank=True)  # the colleague's name
    # The second visitor's own account (a colleague of the unit), required where the kind needs two staff.
    staff_2_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("second visitor (account)"))
    checklist = models.JSONField(default=dict, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    member_updates = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    def __str__(self) -> str:
        return f"visit {self.warning_id}"


class Attachment(models.Model):
    """A photo or document of a visit, stored under JIUZHU_VAR_DIR/monitoring/attachments/."""

    SCOPE_REGION_FIELD = "visit__warning__unit_region"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class CountyDecision(models.Model):
    """The county's case-by-case collective decision (一事一议, 实施意见 §14)."""

    SCOPE_REGION_FIELD = "warning__unit_region"

    warning = models.OneToOneField(Warning, on_delete=models.CASCADE, related_name="county_decision")
    meeting_date = models.DateField(_("meeting date"))
    members = models.TextField(_("members present"))
    approved = models.BooleanField(_("hardship confirmed"))
    decision = models.TextField(_("decision"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"decision {self.warning_id} {self.meeting_date}"
