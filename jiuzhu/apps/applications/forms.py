"""Forms collect raw input; the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.registry import choices as rchoices

from .models import Appeal, Channel, Objection, PublicIntake, StaffRelative
from .services import DOCUMENTS

DATE = forms.DateInput(attrs={"type": "date"})
DOC_CHOICES = [(k, v[0]) for k, v in DOCUMENTS.items()]


class ApplicationForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=[c for c in Channel.choices if c[0] != "public"])
    applicant_name = forms.CharField(label=_("Applicant"), max_length=64, required=False,
                                     help_text=_("Leave empty for the head of household."))
    agent_name = forms.CharField(label=_("Applying on behalf: name"), max_length=64, required=False)
    agent_relation = forms.CharField(label=_("Applying on behalf: relation or office"), max_length=64, required=False)
    hotline_ref = forms.CharField(label=_("12345 ticket number"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason for applying"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    consent_next_tier = forms.BooleanField(label=_("Consents to be assessed for the next tier"), required=False,
                                           initial=True)
    documents = forms.MultipleChoiceField(label=_("Documents received"), choices=DOC_CHOICES, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    authorisation_ref = forms.CharField(label=_("Authorisation reference"), max_length=60, required=False,
                                        help_text=_("The number of the signed authorisation for the economic check."))
    declared_relation = forms.CharField(label=_("Declared relation to staff or village cadres"), max_length=200,
                                        required=False)


class NewHouseholdForm(forms.Form):
    village = forms.ChoiceField(label=_("Village"))
    area_type = forms.ChoiceField(label=_("Urban or rural"), choices=rchoices.AREA_TYPES)
    address = forms.CharField(label=_("Address"), max_length=200)
    phone = forms.CharField(label=_("Phone"), required=False)
    head_name = forms.CharField(label=_("Name of the head"), max_length=64)
    head_id_number = forms.CharField(label=_("ID number of the head"), max_length=40)
    work_capacity = forms.ChoiceField(label=_("Capacity to work"), choices=rchoices.WORK_CAPACITIES)
    employment = forms.ChoiceField(label=_("Employment"), choices=rchoices.EMPLOYMENTS)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = village_choices(user)  # type: ignore[attr-defined]  # a ChoiceField


def village_choices(user: Any = None) -> list[tuple[str, str]]:
    villages = Region.objects.filter(level="village", valid_to__isnull=True)
    if user is not None and user.region_id and user.region.level != "province":
        villages = villages.filter(
            code__in=RegionClosure.objects.filter(ancestor_id=user.region_id).values("descendant_id"))
    return [(v.code, f"{v.parent.name if v.parent else ''} {v.name}") for v in villages.select_related("parent")[:3000]]


class StepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason / remarks"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, action: str, application: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if action in ("accept", "notify_missing"):
            self.fields["documents"] = forms.MultipleChoiceField(
                label=_("Documents received"), choices=DOC_CHOICES, required=False,
                widget=forms.CheckboxSelectMultiple, initial=application.documents)
            self.fields["authorisation_ref"] = forms.CharField(label=_("Authorisation reference"), max_length=60,
                                                               required=False)
        if action == "visit":
            User = get_user_model()
            # Caseworkers of the application's county (its townships included).
            county = RegionClosure.objects.filter(ancestor_id=application.county_id).values("descendant_id")
            others = list(User.objects.filter(is_active=True, role__in=("township", "county"), region__in=county)
                          .order_by("username")[:500])
            self.fields["staff_2"] = forms.ChoiceField(
                label=_("Second staff member"), choices=[(u.pk, f"{u.first_name or u.username} ({u.username})")
                                                         for u in others])
            self.fields["visited_on"] = forms.DateField(label=_("Visited on"), widget=DATE)
            self.fields["applicant_signed"] = forms.BooleanField(label=_("The applicant signed the form"),
                                                                 required=False)
            self.fields["living_conditions"] = forms.CharField(label=_("Living conditions"), required=False,
                                                               widget=forms.Textarea(attrs={"rows": 2}))
            self.fields["findings"] = forms.CharField(label=_("Findings"), required=False,
                                                      widget=forms.Textarea(attrs={"rows": 3}))
        if action == "opinion":
            self.fields["proposal"] = forms.ChoiceField(
                label=_("Proposal"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
        if action == "object":
            self.fields["substantiated"] = forms.BooleanField(label=_("Backed by evidence"), required=False)


    def data_for_service(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "reason")}


class PublicForm(forms.Form):
    """The resident's form.  The village is chosen county → township → village on the page
    (``regions``: 14,000 villages are never one select) and checked by ``public.submit``."""

    token = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(required=False, label=_("Leave this field empty"),
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    village = forms.CharField(label=_("Village or community of your household registration"), required=False)
    applicant_name = forms.CharField(label=_("Your name"), max_length=64)
    id_number = forms.CharField(label=_("Your ID number"), max_length=18)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20)
    address = forms.CharField(label=_("Address"), max_length=200)
    household_size = forms.IntegerField(label=_("People in the household"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("Why you apply"), max_length=500, widget=forms.Textarea(attrs={"rows": 4}))
    declared_relation = forms.CharField(
        label=_("Is anyone in your household a close relative of a caseworker or village cadre? Who?"),
        max_length=200, required=False)


class ObjectionForm(forms.Form):
    """An objection received during the public notice (who records it: the logged-in caseworker)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(label=_("Content of the objection"), max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    received_on = forms.DateField(label=_("Day the objection was received"),
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    channel = forms.ChoiceField(label=_("How it was received"), choices=Objection.CHANNELS)
    received_in = forms.ChoiceField(label=_("Received in"), choices=Objection.WHERE, required=False)
    substantiated = forms.BooleanField(
        label=_("Backed by facts or evidence (goes to democratic appraisal)"), required=False)

    def __init__(self, *args: Any, app: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not app.residence_village_id:  # registered and living in the same village
            del self.fields["received_in"]


class StatusForm(forms.Form):
    """Status check: the receipt number and the last four characters of the applicant's ID number."""

    receipt = forms.CharField(label=_("Receipt number"), max_length=40,
                              widget=forms.TextInput(attrs={"placeholder": "SQ-2026-000123-5", "autocomplete": "off"}))
    id_last4 = forms.CharField(label=_("Last four characters of the applicant's ID number"), max_length=8,
                               widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))


class RelativeForm(forms.Form):
    region = forms.ChoiceField(label=_("Region"))
    staff_kind = forms.ChoiceField(label=_("Staff"), choices=StaffRelative.KINDS)
    staff_name = forms.CharField(label=_("Staff member's name"), max_length=64)
    relative_name = forms.CharField(label=_("Relative's name"), max_length=64)
    relative_id = forms.CharField(label=_("Relative's ID number"), max_length=40)
    relation = forms.CharField(label=_("Relation"), max_length=32)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(valid_to__isnull=True, level__in=("county", "township", "village"))
        if user.region_id and user.region.level != "province":
            regions = regions.filter(
                code__in=RegionClosure.objects.filter(ancestor_id=user.region_id).values("descendant_id"))
        self.fields["region"].choices = [(r.code, f"{r.code} {r.name}") for r in regions.order_by("code")[:3000]]  # type: ignore[attr-defined]  # a ChoiceField


class AppealForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Appeal.KINDS)
    grounds = forms.CharField(label=_("Grounds"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class IntakeForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    reject_reason = forms.ChoiceField(label=_("Reason shown to the applicant"), choices=PublicIntake.REJECT_REASONS,
                                      required=False, initial="other")
    note = forms.CharField(label=_("Remarks"), max_length=300, required=False)
