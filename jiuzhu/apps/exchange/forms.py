"""Forms of the exchange screens: the upload, and a department's column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jiuzhu.rules.exchange.sources import Source

from .scope import allowed_sources

IGNORE = "-"  # the mapping form's value for "ignore this column"


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Data source"))
    file = forms.FileField(label=_("File (CSV, XLSX, JSON lines or Parquet)"))
    period_end = forms.DateField(
        label=_("Data up to (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day the file covers: a later date in it is refused where a date cannot be in "
                    "the future."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.key, s.label_zh) for s in allowed_sources(user)]  # type: ignore[attr-defined]  # a ChoiceField


class MappingRowForm(forms.Form):
    header = forms.CharField(label=_("Column name in the file"), max_length=100, required=False)
    target = forms.ChoiceField(label=_("Field"), required=False)

    def __init__(self, *args: Any, source: Source, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            ("", "—"), (IGNORE, _("Ignore this column (not imported)")),
            *((f.name, f.label_zh) for f in source.fields)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("header", "").strip() and not data.get("target"):
            self.add_error("target", _("Choose the field this column feeds, or ignore it."))
        return data


class _MappingRows(forms.BaseFormSet):  # type: ignore[type-arg]
    # Django's own message names its hidden fields (form-TOTAL_FORMS …); say what happened instead.
    default_error_messages = {**forms.BaseFormSet.default_error_messages,
                              "missing_management_form": _("The form is incomplete or has expired: open the page again.")}


MappingFormSet = forms.formset_factory(MappingRowForm, formset=_MappingRows, extra=0, max_num=200, absolute_max=200)
