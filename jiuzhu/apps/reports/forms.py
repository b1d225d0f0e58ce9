"""The scenario form: parameter changes chosen, not typed (docs/decisions/0039).

A change is a row — a parameter chosen by its title, where it applies (the province, a city or a
county, by name; urban, rural or both) and the new value, or a relative change such as +5% — and the
form turns its rows into the engine's change lines (``PATH[@REGION[/AREA]]=VALUE``, engine.whatif),
which the scenario stores and the command line (``jiuzhu whatif --set``) takes as they are.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.models import Region
from jiuzhu.rules.determination.formulas import PARAMS
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.params.display import parameter_choices
from jiuzhu.rules.params.regions import PROVINCE

ROWS = 5  # changes per scenario on the form


def _regions() -> list[tuple[str, Any]]:
    """The province, then each city and its counties, by name (grouped by city)."""
    places = Region.objects.filter(level__in=("city", "county"), valid_to__isnull=True).order_by("code")
    cities: dict[str, list[tuple[str, str]]] = {}
    names: dict[str, str] = {}
    for r in places:
        if r.level == "city":
            names[r.code] = r.name
            cities.setdefault(r.code, []).insert(0, (r.code, str(_("%(city)s (the whole city)") % {"city": r.name})))
        elif r.parent_id:
            cities.setdefault(str(r.parent_id), []).append((r.code, r.name))
    return [("", _("The whole province")),
            *((names.get(code, code), rows) for code, rows in cities.items())]


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    as_of = forms.DateField(label=_("As of"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 70}))

    def __init__(self, *args: Any, params: ParameterSet, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"as_of": timezone.localdate()})
        super().__init__(*args, **kwargs)
        # The parameters the determination's formulas read (rules.determination.formulas.PARAMS):
        # the ones a scenario over the registry can move.
        paths = {spec.path for spec in PARAMS.values()} & set(params.nodes)
        choices = [("", "—"), *parameter_choices(params.nodes, paths, en=(get_language() or "").startswith("en"))]
        regions = _regions()
        areas = [("", _("urban and rural")), ("urban", _("urban")), ("rural", _("rural"))]
        for i in range(ROWS):
            self.fields[f"path_{i}"] = forms.ChoiceField(label=_("Parameter"), choices=choices, required=False)
            self.fields[f"region_{i}"] = forms.ChoiceField(label=_("Region"), choices=regions, required=False)
            self.fields[f"area_{i}"] = forms.ChoiceField(label=_("Urban or rural"), choices=areas, required=False)
            self.fields[f"value_{i}"] = forms.CharField(label=_("New value"), max_length=40, required=False)

    def rows(self) -> list[tuple[forms.BoundField, ...]]:
        return [(self[f"path_{i}"], self[f"region_{i}"], self[f"area_{i}"], self[f"value_{i}"]) for i in range(ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        changes: list[str] = []
        for i in range(ROWS):
            path, value = data.get(f"path_{i}") or "", (data.get(f"value_{i}") or "").strip()
            region, area = data.get(f"region_{i}") or "", data.get(f"area_{i}") or ""
            if not path and not value:
                continue
            if not path:
                self.add_error(f"path_{i}", _("Choose the parameter this value is for."))
            elif not value:
                self.add_error(f"value_{i}", _("Give the new value, or a change such as +5%."))
            else:
                where = f"@{region or PROVINCE}" + (f"/{area}" if area else "") if region or area else ""
                changes.append(f"{path}{where}={value}")
        if not changes and not self.errors:
            raise forms.ValidationError(_("Give the scenario at least one parameter change."))
        data["changes"] = changes
        return data
