from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .config import purpose_choices


class ExportRequestForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"))
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False,
                           help_text=_("E.g. the case, the inspection or the department's request it serves."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [("", "—"), *purpose_choices()]


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse"), ("withdraw", "withdraw")])
    note = forms.CharField(label=_("Reason"), max_length=200, required=False)
