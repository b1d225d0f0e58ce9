"""The people a department has to serve (应享未享, 免申即享) as a bulk export (ADR 0025; jiuzhu.apps.privacy)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiuzhu.apps.core.choices import Department, Role
from jiuzhu.apps.privacy.exports import ExportKind, register_export
from jiuzhu.pii.masking import mask_name
from jiuzhu.rules.programmes import PROGRAMMES

from . import selectors
from .models import MatchStatus

LISTS = ("view_assistance", "view_share")
_PROGRAMMES = {p.key: p.label_zh for p in PROGRAMMES}


def _filters(user: Any, query: Mapping[str, str]) -> dict[str, str]:
    status = str(query.get("status", "") or "missing")
    department = str(query.get("department", ""))
    programme = str(query.get("programme", ""))
    out = {"status": status if status in MatchStatus.values else MatchStatus.MISSING}
    if department in Department.values and user.role != Role.DEPARTMENT:
        out["department"] = department
    if programme in _PROGRAMMES:
        out["programme"] = programme
    return out


def _queryset(user: Any, params: dict[str, str]) -> Any:
    qs = selectors.matches_for(user).filter(status=params.get("status", MatchStatus.MISSING))
    if params.get("department"):
        qs = qs.filter(department=params["department"])
    if params.get("programme"):
        qs = qs.filter(programme=params["programme"])
    return qs


def _describe(params: dict[str, str]) -> str:
    parts = [_("Status: %(s)s") % {"s": MatchStatus(params.get("status", MatchStatus.MISSING)).label}]
    if params.get("department"):
        parts.append(_("Department: %(d)s") % {"d": Department(params["department"]).label})
    if params.get("programme"):
        parts.append(_("Programme: %(p)s") % {"p": _PROGRAMMES[params["programme"]]})
    return "；".join(str(p) for p in parts)


def _table(user: Any, params: dict[str, str], purpose: str) -> tuple[list[str], Iterator[list[Any]]]:
    masked = user.role == Role.DEPARTMENT
    qs = _queryset(user, params).select_related("household", "member").order_by("household__code", "programme", "id")
    header = ["户编号", "姓名", "身份证号（脱敏）", "救助项目", "责任部门", "状态", "原因"]

    def rows() -> Iterator[list[Any]]:
        for m in qs.iterator(chunk_size=5000):
            name = m.member.name if m.member else ""
            yield [m.household.code, mask_name(name) if masked and name else name,
                   m.member.id_number_masked if m.member else "", _PROGRAMMES.get(m.programme, m.programme),
                   m.department, m.get_status_display(), m.reason]

    return header, rows()


PEOPLE_TO_SERVE = ExportKind(
    key="assistance.people", label=gettext_lazy("People to serve"), capabilities=LISTS, filters=_filters,
    describe=_describe, count=lambda user, params: _queryset(user, params).count(), table=_table,
    filename="assistance-people.csv", back=reverse_lazy("assistance_department_list"),
)


def register() -> None:
    register_export(PEOPLE_TO_SERVE)
