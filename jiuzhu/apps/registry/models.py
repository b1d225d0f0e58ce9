"""The registry: households, members, their income, property, necessary expenses and supporters.

Personal identifiers (ID numbers, disability certificate numbers, phones, bank
accounts) are stored only as SM4-GCM ciphertext bound to (table, column, row uid,
key version), plus an HMAC-SM3 blind index where look-up or uniqueness is needed,
plus a masked form for display.  Every change goes through `services` and leaves a ChangeRecord, from
which a household can be read as it was on any past date.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region

from . import choices

MONEY = {"max_digits": 14, "decimal_places": 2}


class Household(models.Model):
    """共同生活的家庭 — one household, registered in a village of one county."""

    SCOPE_REGION_FIELD = "village"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("household number"), max_length=20, unique=True)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("township"))
    village = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("village"))
    area_type = models.CharField(_("urban or rural"), max_length=5, choices=choices.AREA_TYPES)
    address = models.CharField(_("address"), max_length=200)
    phone_enc = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True)
    registered_on = models.DateField(_("registered on"))
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["village", "code"]), models.Index(fields=["county", "code"])]

    def __str__(self) -> str:
        return self.code


class Member(models.Model):
    """A member of a household (家庭成员)."""

    SCOPE_REGION_FIELD = "household__village"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    id_number_enc = models.TextField()
    id_number_index = models.CharField(max_length=64, unique=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    id_upgraded_from_15 = models.BooleanField(_("upgraded from a 15-digit number"), default=False)
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=choices.SEXES)
    birth_date = models.DateField(_("birth date"))
    relation = models.CharField(_("relation to the head"), max_length=16, choices=choices.RELATIONS)
    hukou_code = models.CharField(_("household registration place"), max_length=6)
    work_capacity = models.CharField(_("capacity to work"), max_length=8, choices=choices.WORK_CAPACITIES)
    # Who assessed "no capacity to work"; which bodies count is a province parameter (docs/decisions/0016).
    work_capacity_assessed_by = models.CharField(
        _("no capacity to work assessed by"), max_length=20, choices=choices.CAPACITY_ASSESSORS, blank=True,
    )
    disability_type = models.CharField(_("disability type"), max_length=14, choices=choices.DISABILITY_TYPES, default="none")
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), choices=choices.DISABILITY_GRADES, default=0)
    # 残疾人证号 = the ID number + two digits: an identifier like the ID itself (ADR 0024).
    disability_cert_no_enc = models.TextField(blank=True)
    disability_cert_no_masked = models.CharField(_("disability certificate number"), max_length=40, blank=True)
    serious_illness = models.CharField(_("serious illness"), max_length=64, blank=True)
    school_stage = models.CharField(_("school stage"), max_length=12, choices=choices.SCHOOL_STAGES, default="none")
    employment = models.CharField(_("employment"), max_length=14, choices=choices.EMPLOYMENTS)
    adl_eating = models.BooleanField(_("eats unaided"), default=True)
    adl_dressing = models.BooleanField(_("dresses unaided"), default=True)
    adl_transfer = models.BooleanField(_("gets in and out of bed unaided"), default=True)
    adl_toileting = models.BooleanField(_("uses the toilet unaided"), default=True)
    adl_walking = models.BooleanField(_("walks indoors unaided"), default=True)
    adl_bathing = models.BooleanField(_("bathes unaided"), default=True)
    phone_enc = models.TextField(blank=True)
    phone_masked = models.CharField(_("phone"), max_length=16, blank=True)
    bank_account_enc = models.TextField(blank=True)
    bank_account_masked = models.CharField(_("bank account"), max_length=32, blank=True)

    class Meta:
        ordering = ["household", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(disability_grade__lte=4), name="member_grade_range"),
            models.CheckConstraint(
                condition=Q(disability_type="none", disability_grade=0)
                | (~Q(disability_type="none") & Q(disability_grade__gte=1)),
                name="member_disability_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"


class HouseholdItem(models.Model):
    """Common shape of the per-household facts (income, property, expenses, supporters)."""

    SCOPE_REGION_FIELD = "household__village"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="%(class)ss")

    class Meta:
        abstract = True
        ordering = ["id"]


class IncomeItem(HouseholdItem):
    """家庭收入 — one income item of a member over a period."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    income_type = models.CharField(_("income type"), max_length=10, choices=choices.INCOME_TYPES)
    subtype = models.CharField(_("detail"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    counted = models.BooleanField(_("counted as income"), default=True)
    exclusion_reason = models.CharField(_("reason not counted"), max_length=200, blank=True)

    class Meta(HouseholdItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="income_amount_nonneg"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="income_period_order"),
            models.CheckConstraint(condition=Q(counted=True) | ~Q(exclusion_reason=""), name="income_exclusion_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_income_type_display()} {self.amount}"


class PropertyItem(HouseholdItem):
    """家庭财产 — deposits, securities, insurance, vehicles, real estate, businesses."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    property_type = models.CharField(_("property type"), max_length=12, choices=choices.PROPERTY_TYPES)
    description = models.CharField(_("description"), max_length=200, blank=True)
    value = models.DecimalField(_("value (yuan)"), **MONEY)
    exempt = models.BooleanField(_("exempt"), default=False)
    exempt_reason = models.CharField(_("reason exempt"), max_length=200, blank=True)

    class Meta(HouseholdItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="property_value_nonneg"),
            models.CheckConstraint(condition=Q(exempt=False) | ~Q(exempt_reason=""), name="property_exempt_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_property_type_display()} {self.value}"


class Expense(HouseholdItem):
    """必要支出 — medical (self-paid after insurance), education, disability rehabilitation."""

    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("member"))
    expense_type = models.CharField(_("expense type"), max_length=16, choices=choices.EXPENSE_TYPES)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta(HouseholdItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="expense_amount_nonneg"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="expense_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_expense_type_display()} {self.amount}"


class Supporter(HouseholdItem):
    """法定赡养/抚养/扶养义务人 living outside the household.

    ``supported_members``: the member(s) this person is obliged to support (a son supports his
    parents, not his orphaned nephew).  None recorded: read as every member's supporter
    (docs/decisions/0016).
    """

    supported_members = models.ManyToManyField(
        Member, blank=True, related_name="legal_supporters", verbose_name=_("supported members"),
    )
    name = models.CharField(_("name"), max_length=64)
    id_number_enc = models.TextField(blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    relation = models.CharField(_("relation"), max_length=32)
    able_to_support = models.BooleanField(_("able to support"))
    reason = models.CharField(_("why (not) able"), max_length=200, blank=True)

    class Meta(HouseholdItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(able_to_support=True) | ~Q(reason=""), name="supporter_unable_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"


class ChangeRecord(models.Model):
    """One change to a registry record: who, when, old → new (masked values only).

    `after` holds the full (masked) state after the change, so the state of a
    household on any date is the last record per object up to that date.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="changes")
    object_type = models.CharField(max_length=16)
    object_uid = models.UUIDField()
    action = models.CharField(max_length=8)  # create / update / delete
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_username = models.CharField(max_length=150, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    changed_fields = models.JSONField(default=list)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["household", "at"])]

    def __str__(self) -> str:
        return f"{self.object_type} {self.action} {self.at:%Y-%m-%d}"
