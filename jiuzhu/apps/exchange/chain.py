"""How feed rows become assistance-chain entries and registry comparisons (declared once).

``CHAIN`` maps each feed with a ``programme`` to the fields giving the chain entry's dates,
amount and in-kind description, and the condition under which a row *is* assistance (a
settlement without a medical-assistance payment is not).  ``COMPARISONS`` says which feed
values are compared with which registry member fields (conflicts, trust order in
``choices.TRUST_ORDER``).  A test checks every programme feed has a mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .choices import AmountBasis

Row = dict[str, Any]


@dataclass(frozen=True)
class ChainMap:
    start: str | None
    end: str | None = None
    amounts: tuple[str, ...] = ()  # summed when several (disability living + nursing)
    basis: str = AmountBasis.TOTAL
    in_kind: str = ""
    when: Callable[[Row], bool] | None = None
    single_day: bool = False  # end = start (a settlement, a relief payment)
    period: Callable[[Row], tuple[dt.date, dt.date]] | None = None  # dates from other fields (a year)

    def applies(self, row: Row) -> bool:
        return self.when is None or bool(self.when(row))

    def entry(self, row: Row) -> dict[str, Any]:
        start = row.get(self.start) if self.start else None
        end = row.get(self.end) if self.end else (start if self.single_day else None)
        if self.period is not None:
            start, end = self.period(row)
        values = [row[a] for a in self.amounts if row.get(a) is not None]
        amount: Decimal | None = sum(values, Decimal("0")) if values else None
        return {"start_date": start, "end_date": end, "amount": amount, "amount_basis": self.basis,
                "in_kind": "" if amount is not None else self.in_kind}


def _positive(*names: str) -> Callable[[Row], bool]:
    return lambda row: any((row.get(n) or 0) > 0 for n in names)


CHAIN: dict[str, ChainMap] = {
    "education_students": ChainMap(None, end="left_on", in_kind="家庭经济困难学生资助",
                                   when=lambda r: bool(r.get("hardship_flag"))),
    "hrss_unemployment": ChainMap("registered_on", amounts=("benefit_monthly",), basis=AmountBasis.MONTHLY,
                                  in_kind="失业登记服务"),
    "agriculture_poverty_monitoring": ChainMap("identified_on", in_kind="防返贫监测帮扶"),
    "medical_insurance_enrolment": ChainMap(None, amounts=("subsidy_amount",), in_kind="资助参保",
                                            when=lambda r: bool(r.get("subsidised")),
                                            period=lambda r: (dt.date(r["year"], 1, 1), dt.date(r["year"], 12, 31))),
    "medical_insurance_settlements": ChainMap("settle_date", amounts=("assistance_paid",), single_day=True,
                                              when=_positive("assistance_paid")),
    "disabled_certificates": ChainMap("issued_on", end="cancelled_on",
                                      amounts=("living_subsidy_monthly", "nursing_subsidy_monthly"),
                                      basis=AmountBasis.MONTHLY,
                                      when=_positive("living_subsidy_monthly", "nursing_subsidy_monthly")),
    "trade_union_difficult_workers": ChainMap("registered_on", amounts=("support_amount",), in_kind="困难职工帮扶"),
    "housing_public_rental": ChainMap("start_date", end="end_date", in_kind="公租房配租"),
    "housing_rent_subsidy": ChainMap("month", amounts=("amount",), single_day=True),
    "housing_dilapidated_renovation": ChainMap("approved_on", end="completed_on", amounts=("subsidy_amount",)),
    "emergency_disaster_victims": ChainMap("event_date", amounts=("relief_amount",), single_day=True,
                                           in_kind="受灾救助"),
    "justice_legal_aid": ChainMap("accepted_on", end="closed_on", in_kind="法律援助"),
}


def _death(row: Row) -> dict[str, str]:
    return {"death_date": row["death_date"].isoformat()} if row.get("death_date") else {}


def _hukou_death(row: Row) -> dict[str, str]:
    if row.get("change_type") == "death" and row.get("change_date"):
        return {"death_date": row["change_date"].isoformat()}
    return {}


def _disability(row: Row) -> dict[str, str]:
    if row.get("cancelled_on"):
        return {}
    return {"disability_type": str(row["disability_type"]), "disability_grade": str(row["grade"])}


def _school(row: Row) -> dict[str, str]:
    return {"school_stage": str(row["school_stage"])} if row.get("enrolled") else {}


# Feed → function giving {registry field: department value (text)} for one valid row.
COMPARISONS: dict[str, Callable[[Row], dict[str, str]]] = {
    "health_deaths": _death,
    "public_security_hukou_changes": _hukou_death,
    "disabled_certificates": _disability,
    "education_students": _school,
}


def registry_value(member: dict[str, Any], field: str) -> str:
    """The registry's current value of a compared field, as text ("" = none recorded)."""
    if field == "death_date":
        return ""  # the registry records no deaths: any department death date differs
    value = member.get(field)
    if field == "disability_grade":
        return "" if not value else str(value)
    if field in ("disability_type", "school_stage") and value == "none":
        return ""
    return "" if value is None else str(value)


# --------------------------------------------------------------------------- rules over the chain

@dataclass(frozen=True)
class ChainRule:
    """A rule over the assistance chain, declared once (listed in docs/exchange.md, tested).

    ``duplicate`` rules flag assistance given twice for one need; ``omission`` rules flag a
    person owed an assistance that no department has recorded giving.  ``categories`` are
    the household categories (determination tiers) an omission rule applies to.
    """

    key: str
    kind: str  # "duplicate" | "omission"
    label_zh: str
    label_en: str
    clause: str
    programme: str = ""  # the programme an omission rule looks for
    categories: tuple[str, ...] = ()
    applies: Callable[[dict[str, Any]], bool] | None = None  # to a member (registry values)


def _severely_disabled(m: dict[str, Any]) -> bool:
    return m.get("disability_grade") in (1, 2)


def _in_school(m: dict[str, Any]) -> bool:
    return m.get("school_stage") not in (None, "", "none")


CHAIN_RULES: tuple[ChainRule, ...] = (
    ChainRule("same_programme_two_sources", "duplicate", "同一救助项目由两个来源重叠发放",
              "The same programme from two sources over overlapping dates", "实施意见 (10)"),
    ChainRule("renovation_and_disaster_rebuild", "duplicate", "危房改造与灾后重建针对同一住房需求（一年内）",
              "Dilapidated-house renovation and disaster rebuilding for the same house within a year",
              "实施意见 §18"),
    ChainRule("after_death", "duplicate", "死亡后仍在发放", "Assistance continuing after death", "实施意见 (10)"),
    ChainRule("no_medical_insurance_subsidy", "omission", "低保、特困、低保边缘家庭成员未资助参加城乡居民医保",
              "Member of a dibao, tekun or marginal household not enrolled with subsidised medical insurance",
              "实施意见 §16", programme="medical_insurance_subsidy", categories=("tekun", "dibao", "marginal")),
    ChainRule("pupil_without_education_assistance", "omission", "低保、特困家庭在校学生未享受教育救助",
              "Pupil or student of a dibao or tekun household without education assistance", "实施意见 §17",
              programme="education_assistance", categories=("tekun", "dibao"), applies=_in_school),
    ChainRule("severe_disability_without_subsidy", "omission", "低保、低保边缘家庭重度残疾人未享受残疾人两项补贴",
              "Severely disabled member (grade 1–2) of a dibao or marginal household without disability subsidies",
              "实施意见 §24；困难残疾人生活补贴和重度残疾人护理补贴制度", programme="disability_subsidies",
              categories=("dibao", "marginal"), applies=_severely_disabled),
)
RULES_BY_KEY: dict[str, ChainRule] = {r.key: r for r in CHAIN_RULES}
OMISSION_RULES: tuple[ChainRule, ...] = tuple(r for r in CHAIN_RULES if r.kind == "omission")


def _covers(entry: dict[str, Any], day: dt.date) -> bool:
    start, end = entry.get("start_date"), entry.get("end_date")
    return (start is None or start <= day) and (end is None or end >= day)


def omissions(members: list[dict[str, Any]], categories: set[str], entries: list[dict[str, Any]],
              as_of: dt.date) -> list[dict[str, Any]]:
    """Omission findings for one household: (rule, member) pairs with no covering chain entry.

    ``members`` are registry values (``person_index``, ``name``, ``disability_grade``,
    ``school_stage``); ``entries`` the chain entries (``person_index``, ``programme``, dates).
    """
    given = {(e["person_index"], e["programme"]) for e in entries if _covers(e, as_of)}
    out = []
    for rule in OMISSION_RULES:
        if not categories & set(rule.categories):
            continue
        for m in members:
            if rule.applies is not None and not rule.applies(m):
                continue
            if (m["person_index"], rule.programme) not in given:
                out.append({"rule": rule.key, "kind": rule.kind, "label_zh": rule.label_zh,
                            "label_en": rule.label_en, "clause": rule.clause, "member_name": m["name"],
                            "programme": rule.programme})
    return out
