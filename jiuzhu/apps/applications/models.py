"""Applications for assistance (一次申请、分类审核认定): one application per household, assessed
against every category, moved through the declared workflow (``workflow.TRANSITIONS``).

Every state change is a ``Transition`` row (who, when, from, to, why, on which household
version and parameter version), written with the audit record in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Channel(models.TextChoices):
    DESK = "desk", _("Township desk")
    PUBLIC = "public", _("Public online form")
    HOTLINE = "hotline", _("12345 hotline")
    ON_BEHALF = "on_behalf", _("On someone's behalf")


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    CHECKED = "checked", _("Economic check done")
    VISITED = "visited", _("Home visit done")
    OPINION = "opinion", _("Township opinion given")
    NOTICE = "notice", _("Public notice")
    OBJECTION = "objection", _("Objection being handled")
    APPRAISED = "appraised", _("Ready for decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Application(models.Model):
    """申请 — one household's application, assessed against every category at once."""

    SCOPE_REGION_FIELD = "village"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("application number"), max_length=24, unique=True)
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="applications")
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # 人户分离: the village where the household lives when not where it is registered; the notice
    # is posted on both villages' pages (notices.py).
    residence_village = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("village of residence"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.SUBMITTED)
    applicant_name = models.CharField(_("applicant"), max_length=64)
    agent_name = models.CharField(_("applying on behalf: name"), max_length=64, blank=True)
    agent_relation = models.CharField(_("applying on behalf: relation or office"), max_length=64, blank=True)
    hotline_ref = models.CharField(_("12345 ticket number"), max_length=40, blank=True)
    reason = models.CharField(_("reason for applying"), max_length=500, blank=True)
    consent_next_tier = models.BooleanField(_("consents to be assessed for the next tier"), default=True)
    documents = models.JSONField(_("documents received"), default=list, blank=True)
    missing_notice_on = models.DateField(_("one-time notice of missing documents"), null=True, blank=True)
    missing_notice_items = models.JSONField(default=list, blank=True)
    authorisation_on = models.DateField(_("written authorisation for the economic check"), null=True, blank=True)
    authorisation_ref = models.CharField(_("authorisation reference"), max_length=60, blank=True)
    related_to_staff = models.BooleanField(_("close relative of staff"), default=False)
    related_detail = models.JSONField(default=list, blank=True)
    submitted_on = models.DateField(_("submitted on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    due_on = models.DateField(_("overall deadline"), null=True, blank=True)
    extended = models.BooleanField(_("deadline extended"), default=False)
    extension_reason = models.CharField(_("reason for the extension"), max_length=300, blank=True)
    visit_on = models.DateField(_("home visit on"), null=True, blank=True)
    opinion_due_on = models.DateField(_("township opinion due"), null=True, blank=True)
    opinion = models.CharField(_("township opinion"), max_length=8, blank=True)  # approve / refuse
    opinion_text = models.CharField(_("opinion reasons"), max_length=1000, blank=True)
    opinion_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    notice_start = models.DateField(_("notice from"), null=True, blank=True)
    notice_end = models.DateField(_("notice until"), null=True, blank=True)
    objection_due_on = models.DateField(_("objection to be handled by"), null=True, blank=True)
    decision_due_on = models.DateField(_("decision due"), null=True, blank=True)
    proposed_categories = models.JSONField(default=list, blank=True)
    proposed_amount = models.DecimalField(_("proposed monthly amount"), null=True, blank=True, **MONEY)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decision_categories = models.JSONField(default=list, blank=True)
    decision_amount = models.DecimalField(_("monthly amount"), null=True, blank=True, **MONEY)
    decision_reasons = models.JSONField(default=list, blank=True)
    # What the letter is printed from (letters.decision_basis): categories, amount, start month,
    # review date and the determination's criteria that carry the decision, as on the decision day.
    decision_basis = models.JSONField(default=dict, blank=True)
    letter_due_on = models.DateField(_("written notice due"), null=True, blank=True)
    letter_sent_on = models.DateField(_("written notice sent"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_on", "-id"]
        indexes = [models.Index(fields=["village", "state"]), models.Index(fields=["state", "due_on"])]

    def __str__(self) -> str:
        return self.number


class Transition(models.Model):
    """One step of the workflow: who decided what, on what (seed (12))."""

    SCOPE_REGION_FIELD = "application__village"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="transitions")
    at = models.DateTimeField(auto_now_add=True)
    on = models.DateField()
    action = models.CharField(max_length=24)
    from_state = models.CharField(max_length=10)
    to_state = models.CharField(max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    household_version = models.PositiveIntegerField()
    parameter_version = models.CharField(max_length=40)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"


class EconomicCheck(models.Model):
    """核对报告 — declared (registry) vs found (department data), differences highlighted."""

    SCOPE_REGION_FIELD = "application__village"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="checks")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    household_version = models.PositiveIntegerField()
    report = models.JSONField(default=dict)
    differences = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"check {self.application_id} {self.created_at:%Y-%m-%d}"


class HomeVisit(models.Model):
    """入户调查 — two (or more) staff, the applicant's signature, findings."""

    SCOPE_REGION_FIELD = "application__village"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField()
    staff_1 = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staff_1_signed_at = models.DateTimeField()
    staff_2 = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    staff_2_signed_at = models.DateTimeField()
    applicant_signed = models.BooleanField(default=False)
    county_level = models.BooleanField(default=False)
    living_conditions = models.CharField(max_length=1000, blank=True)
    findings = models.CharField(max_length=2000, blank=True)
    household_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"visit {self.application_id} {self.visited_on}"


class Objection(models.Model):
    """公示异议 — and how it was resolved (re-investigation or democratic appraisal)."""

    SCOPE_REGION_FIELD = "application__village"

    CHANNELS = [("in_person", _("In person")), ("phone", _("By phone")), ("letter", _("In writing")),
                ("hotline", _("12345 hotline")), ("board", _("Notice-board box"))]
    WHERE = [("registered", _("Village of registration")), ("residence", _("Village of residence"))]

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=CHANNELS, default="in_person")
    received_in = models.CharField(max_length=10, choices=WHERE, default="registered")
    summary = models.CharField(max_length=1000)
    substantiated = models.BooleanField(default=False)
    resolution = models.CharField(max_length=1000, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"objection {self.application_id} {self.received_on}"


class Appeal(models.Model):
    """An applicant's objection to a decision or request for review (复核/行政复议)."""

    SCOPE_REGION_FIELD = "application__village"
    KINDS = [("review", _("Request for review")), ("administrative", _("Administrative reconsideration"))]

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    kind = models.CharField(max_length=16, choices=KINDS)
    received_on = models.DateField()
    grounds = models.CharField(max_length=2000)
    decision_snapshot = models.JSONField(default=dict)  # the decision and its reasons appealed against
    outcome = models.CharField(max_length=16, blank=True)  # upheld / overturned
    outcome_text = models.CharField(max_length=2000, blank=True)
    concluded_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    def __str__(self) -> str:
        return f"appeal {self.application_id} {self.received_on}"


class ReviewTask(models.Model):
    """定期核查 — a periodic review of a recipient household, scheduled by type."""

    SCOPE_REGION_FIELD = "household__village"
    KINDS = [("stable", _("Stable finances (annual)")), ("irregular", _("Irregular income, able to work"))]

    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, null=True, on_delete=models.SET_NULL, related_name="reviews")
    kind = models.CharField(max_length=10, choices=KINDS)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"review {self.household_id} {self.due_on}"


class StaffRelative(models.Model):
    """近亲属备案 — a close relative of a caseworker or a village-committee member."""

    SCOPE_REGION_FIELD = "region"
    KINDS = [("caseworker", _("Social-assistance caseworker")), ("village_cadre", _("Village committee member"))]

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    staff_kind = models.CharField(max_length=16, choices=KINDS)
    staff_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    staff_name = models.CharField(max_length=64)
    relative_name = models.CharField(max_length=64)
    relative_id_enc = models.TextField()
    relative_id_index = models.CharField(max_length=64, db_index=True)
    relative_id_masked = models.CharField(max_length=18)
    relation = models.CharField(max_length=32)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.staff_name} / {self.relative_id_masked}"


class PublicIntake(models.Model):
    """A resident's online application: pending until the township accepts it (never the registry)."""

    SCOPE_REGION_FIELD = "village"
    STATES = [("pending", _("Pending")), ("accepted", _("Accepted")), ("rejected", _("Rejected"))]
    # Why an online application was not taken in, as the resident reads it on the status page
    # (the caseworker's free-text note stays internal: it may name people).
    REJECT_REASONS = [
        ("duplicate", _("The household already has an application in progress")),
        ("unreachable", _("The applicant could not be reached")),
        ("jurisdiction", _("The household is registered in another township")),
        ("withdrawn", _("Withdrawn by the applicant")),
        ("invalid", _("The application was not a genuine request")),
        ("other", _("Other reasons: ask the township office")),
    ]

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # 受理回执号 SQ-<year>-<seq>-<check> (jiuzhu.rules.receipt); year + sequence are unique.
    receipt = models.CharField(_("receipt number"), max_length=24, unique=True, null=True, blank=True)
    receipt_year = models.PositiveSmallIntegerField(null=True, blank=True)
    receipt_seq = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField(max_length=64)
    id_number_enc = models.TextField()
    id_number_index = models.CharField(max_length=64, db_index=True)
    id_number_masked = models.CharField(max_length=18)
    phone_enc = models.TextField()
    phone_masked = models.CharField(max_length=16)
    address = models.CharField(max_length=200)
    household_size = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    declared_relation = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=STATES, default="pending")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    handled_note = models.CharField(max_length=300, blank=True)
    reject_reason = models.CharField(max_length=12, choices=REJECT_REASONS, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["receipt_year", "receipt_seq"], name="intake_receipt_seq")]

    def __str__(self) -> str:
        return f"intake {self.id_number_masked} {self.state}"


class PublicAttempt(models.Model):
    """A use of the public pages from one network address (hashed): the rate limits.

    ``outcome``: submitted (an intake was created: the resident's quota), refused (a refused
    submission: a separate, larger allowance), throttled, status_ok / status_miss (status
    look-ups; ``key_hash`` is then the hashed receipt, so misses on one receipt are counted
    whatever the address)."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=16)

    def __str__(self) -> str:
        return f"attempt {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class PublicFormToken(models.Model):
    """A form token already used for a submission: each token is accepted once (a replay is refused).

    Only a hash of the token's random part is kept, and only as long as the token could be valid."""

    nonce_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"token {self.nonce_hash[:8]}"
