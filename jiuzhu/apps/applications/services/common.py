"""What the applications' writes share: documents, dates, parameters, scope checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import region_in_scope
from jiuzhu.apps.registry.models import Household
from jiuzhu.rules.calendar import default_calendar
from jiuzhu.rules.params import ParameterSet

from ..models import State
from ..selectors import today
from ..workflow import PROCESS, ApplicationError

__all__ = ["DOCUMENTS", "calendar", "param", "state_label", "today"]

DOCUMENTS = {
    "id_card": ("身份证件", "Identity document"),
    "income_declaration": ("家庭收入和财产申报", "Declaration of income and property"),
    "authorisation": ("家庭经济状况核对授权书", "Written authorisation for the economic check"),
    "relationship_proof": ("家庭关系证明", "Proof of family relationships"),
    "disability_certificate": ("残疾证", "Disability certificate"),
    "medical_records": ("疾病诊断证明", "Medical diagnosis"),
}


def calendar() -> Any:
    return default_calendar()


def param(params: ParameterSet, name: str, household: Household, on: dt.date) -> Any:
    return params.resolve(f"applications.{name}", household.county_id, household.area_type, on).value


def state_label(state: str) -> str:
    return str(State(state).label)


def _check_scope(actor: User, village_id: str, capability: str = PROCESS) -> None:
    if not (actor.is_authenticated and actor.has_capability(capability)):
        raise PermissionDenied(capability)
    if not region_in_scope(actor, village_id):
        raise Http404


def _clean_documents(documents: Any) -> list[str]:
    if documents in (None, ""):
        return []
    if isinstance(documents, str):
        documents = [documents]
    out = []
    for d in documents:
        if d not in DOCUMENTS:
            raise ApplicationError("documents", _("Unknown document: %(d)s") % {"d": str(d)[:40]})
        if d not in out:
            out.append(d)
    return out
