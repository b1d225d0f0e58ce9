"""The upload form: a source the user may upload, and a file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import allowed_sources


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("Data source"))
    file = forms.FileField(label=_("File (CSV, XLSX, JSON lines or Parquet)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.key, f"{s.label_zh}（{s.key}）") for s in allowed_sources(user)]  # type: ignore[attr-defined]  # a ChoiceField
