from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class QueryForm(forms.Form):
    """Collects the input only; the service validates it (one rule for UI and API)."""

    id_number = forms.CharField(label=_("ID number"), max_length=40,
                                help_text=_("The full number: 18 characters, or the old 15 digits."))
    purpose = forms.CharField(label=_("Purpose of the query"), max_length=200, required=False,
                              help_text=_("Required where your department's catalogue shares the query conditionally."))
