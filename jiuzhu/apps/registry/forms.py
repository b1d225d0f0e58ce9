"""Forms collect raw input; the services validate it (one validation path for UI, API and imports)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region, RegionClosure

from . import choices

DATE = forms.DateInput(attrs={"type": "date"})


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class HouseholdForm(VersionedForm):
    village = forms.ChoiceField(label=_("Village"))
    area_type = forms.ChoiceField(label=_("Urban or rural"), choices=choices.AREA_TYPES)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False)

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["phone"].help_text = _("Leave empty to keep the stored number.")
        villages = Region.objects.filter(level="village", valid_to__isnull=True)
        if user.region_id and user.region.level != "province":
            villages = villages.filter(
                code__in=RegionClosure.objects.filter(ancestor_id=user.region_id).values("descendant_id")
            )
        self.fields["village"].choices = [
            (v.code, f"{v.parent.name if v.parent else ''} {v.name}") for v in villages.select_related("parent")[:3000]
        ]


class MemberForm(VersionedForm):
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=64)
    relation = forms.ChoiceField(label=_("Relation to the head"), choices=choices.RELATIONS)
    hukou_code = forms.CharField(label=_("Household registration place (division code)"), max_length=6, required=False)
    work_capacity = forms.ChoiceField(label=_("Capacity to work"), choices=choices.WORK_CAPACITIES)
    work_capacity_assessed_by = forms.ChoiceField(
        label=_("No capacity to work assessed by"), choices=[("", "—"), *choices.CAPACITY_ASSESSORS], required=False,
        help_text=_("Only with “no capacity to work”: which body assessed it. Which bodies count is set by the province."),
    )
    disability_type = forms.ChoiceField(label=_("Disability type"), choices=choices.DISABILITY_TYPES)
    disability_grade = forms.TypedChoiceField(label=_("Disability grade"), choices=choices.DISABILITY_GRADES, coerce=int)
    disability_cert_no = forms.CharField(label=_("Disability certificate number"), required=False)
    serious_illness = forms.CharField(label=_("Serious illness"), required=False)
    school_stage = forms.ChoiceField(label=_("School stage"), choices=choices.SCHOOL_STAGES)
    employment = forms.ChoiceField(label=_("Employment"), choices=choices.EMPLOYMENTS)
    adl_eating = forms.BooleanField(label=_("Eats unaided"), required=False, initial=True)
    adl_dressing = forms.BooleanField(label=_("Dresses unaided"), required=False, initial=True)
    adl_transfer = forms.BooleanField(label=_("Gets in and out of bed unaided"), required=False, initial=True)
    adl_toileting = forms.BooleanField(label=_("Uses the toilet unaided"), required=False, initial=True)
    adl_walking = forms.BooleanField(label=_("Walks indoors unaided"), required=False, initial=True)
    adl_bathing = forms.BooleanField(label=_("Bathes unaided"), required=False, initial=True)
    phone = forms.CharField(label=_("Phone"), required=False)
    bank_account = forms.CharField(label=_("Bank account"), required=False)

    # Identifiers: never pre-filled, never sent back to the browser (ADR 0024).
    IDENTIFIERS = ("id_number", "disability_cert_no", "phone", "bank_account")

    def __init__(self, *args: Any, editing: bool = False, member: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.IDENTIFIERS:
            # A browser must not offer to remember or autofill someone's ID or account number.
            self.fields[name].widget.attrs["autocomplete"] = "off"
        if editing:
            # The stored number is never sent back to the browser; a new one replaces it.
            self.fields["id_number"].required = False
            masked = {
                "id_number": getattr(member, "id_number_masked", ""),
                "disability_cert_no": getattr(member, "disability_cert_no_masked", ""),
                "phone": getattr(member, "phone_masked", ""),
                "bank_account": getattr(member, "bank_account_masked", ""),
            }
            for name in self.IDENTIFIERS:
                if masked[name]:
                    self.fields[name].widget.attrs["placeholder"] = masked[name]
                    self.fields[name].help_text = _("Stored: %(masked)s. Leave empty to keep it.") % {
                        "masked": masked[name]}
                else:
                    self.fields[name].help_text = _("Leave empty to keep the stored number.")


def _member_field(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False)


class IncomeForm(VersionedForm):
    member = _member_field(_("Member"))
    income_type = forms.ChoiceField(label=_("Income type"), choices=choices.INCOME_TYPES)
    subtype = forms.CharField(label=_("Detail"), required=False)
    amount = forms.CharField(label=_("Amount (yuan)"))
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    counted = forms.BooleanField(label=_("Counted as income"), required=False, initial=True)
    exclusion_reason = forms.CharField(label=_("Reason not counted"), required=False)


class PropertyForm(VersionedForm):
    member = _member_field(_("Member"))
    property_type = forms.ChoiceField(label=_("Property type"), choices=choices.PROPERTY_TYPES)
    description = forms.CharField(label=_("Description"), required=False)
    value = forms.CharField(label=_("Value (yuan)"))
    exempt = forms.BooleanField(label=_("Exempt"), required=False)
    exempt_reason = forms.CharField(label=_("Reason exempt"), required=False)


class ExpenseForm(VersionedForm):
    member = _member_field(_("Member"))
    expense_type = forms.ChoiceField(label=_("Expense type"), choices=choices.EXPENSE_TYPES)
    amount = forms.CharField(label=_("Amount (yuan)"))
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)


class SupporterForm(VersionedForm):
    supported_members = forms.MultipleChoiceField(
        label=_("Obliged to support"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("The member(s) this person must support (a son: his parents). None ticked: read as every member's supporter."),
    )
    name = forms.CharField(label=_("Name"))
    id_number = forms.CharField(label=_("ID number"), required=False)
    relation = forms.CharField(label=_("Relation"))
    able_to_support = forms.BooleanField(label=_("Able to support"), required=False)
    reason = forms.CharField(label=_("Why (not) able"), required=False)


ITEM_FORMS: dict[str, type[VersionedForm]] = {
    "income": IncomeForm,
    "property": PropertyForm,
    "expense": ExpenseForm,
    "supporter": SupporterForm,
}
ITEM_TITLES = {
    "income": _("Income item"),
    "property": _("Property item"),
    "expense": _("Necessary expense"),
    "supporter": _("Legal supporter"),
}


def with_members(form: forms.Form, household: Any) -> forms.Form:
    members = [(str(m.pk), f"{m.name} {m.id_number_masked}") for m in household.members.all()]
    if "member" in form.fields:
        form.fields["member"].choices = [("", "—"), *members]  # type: ignore[attr-defined]
    if "supported_members" in form.fields:
        form.fields["supported_members"].choices = members  # type: ignore[attr-defined]
    return form


UNMASK_FIELDS = [
    ("id_number", _("ID number")),
    ("disability_cert_no", _("Disability certificate number")),
    ("phone", _("Phone")),
    ("bank_account", _("Bank account")),
]


class UnmaskForm(forms.Form):
    """One identifier of one member: which one, and why (查看完整号码)."""

    field = forms.ChoiceField(label=_("Number to show"), choices=UNMASK_FIELDS)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, member: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if member is not None:
            # Only numbers this member has: asking for an empty one would just be refused.
            stored = {"id_number": True, "disability_cert_no": bool(member.disability_cert_no_enc),
                      "phone": bool(member.phone_enc), "bank_account": bool(member.bank_account_enc)}
            self.fields["field"].choices = [(k, v) for k, v in UNMASK_FIELDS if stored[k]]
