"""Forms of the monitoring screens: they only collect input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.registry import choices as reg_choices
from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS, SEVERITIES

from .models import Outcome, State


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("open", _("Open")), ("all", _("All")), *State.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", "—"), *[(k, v[0]) for k, v in SEVERITIES.items()]])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", "—"), *[(k, v[0]) for k, v in KINDS.items()]])
    indicator = forms.ChoiceField(label=_("Indicator"), required=False,
                                  choices=[("", "—"), *[(i.key, i.label_zh) for i in INDICATORS]])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class TransferForm(forms.Form):
    to_region = forms.CharField(label=_("To unit (township or county code)"), max_length=12)
    reason = forms.CharField(label=_("Reason"), max_length=300)


class HandleForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"),
                                choices=[c for c in Outcome.choices if c[0] != Outcome.COUNTY_DECISION])
    reason = forms.CharField(label=_("Reason or note"), max_length=300, required=False)
    ref = forms.CharField(label=_("Application or assistance reference"), max_length=80, required=False)


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("Why the county must decide"), max_length=300)


class DecideForm(forms.Form):
    meeting_date = forms.DateField(label=_("Meeting date"), widget=forms.DateInput(attrs={"type": "date"}))
    members = forms.CharField(label=_("Members present (one per line)"), widget=forms.Textarea(attrs={"rows": 3}))
    approved = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "1",
                                      choices=[("1", _("Hardship confirmed")), ("0", _("Not confirmed"))])
    decision = forms.CharField(label=_("Decision and reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Feedback note"), max_length=300, required=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or document (JPEG, PNG, PDF; at most 5 MB)"))


def member_field_choices() -> dict[str, list[tuple[Any, str]]]:
    """Choices of the member facts a visit may correct."""
    return {
        "employment": [("", "—"), *reg_choices.EMPLOYMENTS],
        "work_capacity": [("", "—"), *reg_choices.WORK_CAPACITIES],
        "disability_type": [("", "—"), *reg_choices.DISABILITY_TYPES],
        "disability_grade": [("", "—"), *[(str(k), v) for k, v in reg_choices.DISABILITY_GRADES]],
        "school_stage": [("", "—"), *reg_choices.SCHOOL_STAGES],
    }
