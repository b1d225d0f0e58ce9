"""Random households in the interchange format, for parity tests and demos.

Deliberately varied (every branch of the rules is reached: tekun, partial tekun, dibao,
marginal, rigid, other, excluded members, exempt property, pro-rated items, retired and
unknown-free county codes) — not realistic statistics; the synthetic province generator
(``jiuzhu.engine.synth``) is the realistic one.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from jiuzhu.rules.params.regions import regions
from jiuzhu.rules.vocab import ADL_ITEMS

__all__ = ["random_households"]

_SUBTYPES = (
    ("wages", "salary"), ("wages", "odd_jobs"), ("business", "farming"), ("business", "small_business"),
    ("property", "rent"), ("transfer", "alimony"), ("transfer", "basic_pension"),
    ("transfer", "elderly_allowance"), ("transfer", "pension_enterprise"),
)


def _money(rng: random.Random, lo: int, hi: int) -> str:
    fen = rng.randint(lo * 100, hi * 100)
    return f"{fen // 100}.{fen % 100:02d}"


def random_households(n: int, seed: int, as_of: date) -> list[dict[str, Any]]:
    """*n* random valid households (deterministic for a seed)."""
    rng = random.Random(seed)
    # a second stream for the per-person data (relations, assessments, whom supporters support,
    # own property): the households drawn from the first stream stay what they were
    extra = random.Random(seed * 7919 + 1)
    counties = [r.code for r in regions().values() if r.level == "county"]
    out: list[dict[str, Any]] = []
    for h in range(n):
        hid = f"T{seed:03d}{h:06d}"
        size = rng.choice([1, 1, 1, 2, 2, 3, 3, 4, 5])
        members = []
        for k in range(size):
            age_days = rng.randint(0, 95 * 366)
            if rng.random() < 0.05:  # around the 60th / 16th / 18th birthday
                years = rng.choice([16, 18, 60])
                birth = date(as_of.year - years, as_of.month, min(as_of.day, 28)) + timedelta(days=rng.randint(-2, 2))
            else:
                birth = as_of - timedelta(days=age_days)
            grade = rng.choice([None, None, None, 1, 2, 3, 4])
            m: dict[str, Any] = {
                "member_id": f"{hid}-{k}",
                "birth_date": birth.isoformat(),
                "relation": "head" if k == 0 else rng.choice(["spouse", "child", "parent", "grandchild"]),
                "work_capacity": rng.choice(["full", "full", "partial", "none"]),
                "disability_type": rng.choice(["physical", "intellectual", "mental", "visual", "hearing", "multiple"]) if grade else "none",
                "disability_grade": grade,
                "serious_illness": rng.random() < 0.1,
                "school_stage": rng.choice(["none", "none", "primary", "junior", "senior", "vocational", "higher"]),
                "employment": rng.choice(["employed", "self_employed", "farming", "unemployed", "retired", "not_working"]),
                "receiving_tekun": rng.random() < 0.1,
                "orphan": rng.random() < 0.03,
                "difficult_worker": rng.random() < 0.05,
                "in_prison": rng.random() < 0.03,
            }
            for item in ADL_ITEMS:
                m[item] = rng.random() > 0.2
            if k > 0:
                r = extra.random()
                if r < 0.12:
                    del m["relation"]  # not recorded
                elif r < 0.3:
                    m["relation"] = extra.choice(["other", "sibling", "child_in_law", "grandparent"])
            if m["work_capacity"] == "none" and extra.random() < 0.6:
                m["work_capacity_assessed_by"] = extra.choice(["labour_appraisal", "labour_appraisal", "hospital", "civil_affairs"])
            members.append(m)
        window_start = date(as_of.year - 1, as_of.month, 1)
        income = []
        level = rng.choice([0, 0, 300, 600, 800, 1000, 1300, 1800, 3000])
        for _ in range(rng.randint(0, 4)):
            itype, sub = rng.choice(_SUBTYPES)
            start = window_start + timedelta(days=rng.randint(-200, 300))
            end = start + timedelta(days=rng.randint(0, 400))
            income.append({
                "member_id": rng.choice(members)["member_id"] if rng.random() < 0.9 else None,
                "income_type": itype, "subtype": sub,
                "amount": _money(rng, -200 if itype == "business" and rng.random() < 0.1 else 0, max(level, 1) * 12 * size),
                "period_start": start.isoformat(), "period_end": end.isoformat(),
            })
            if extra.random() < 0.06:
                income[-1].update(counted=False, exclusion_reason="经办人员核定不计入")
        props = []
        for _ in range(rng.randint(0, 3)):
            ptype = rng.choice(["deposit", "securities", "insurance", "vehicle", "real_estate", "business"])
            props.append({
                "member_id": None, "property_type": ptype,
                "value": _money(rng, 0, rng.choice([5000, 30000, 80000])), "exempt": rng.random() < 0.3,
            })
            if extra.random() < 0.6:
                props[-1]["member_id"] = extra.choice(members)["member_id"]
        expenses = []
        for _ in range(rng.randint(0, 3)):
            start = window_start + timedelta(days=rng.randint(-100, 300))
            expenses.append({
                "member_id": rng.choice(members)["member_id"],
                "expense_type": rng.choice(["medical", "education", "rehabilitation"]),
                "amount": _money(rng, 0, rng.choice([2000, 10000, 40000])),
                "period_start": start.isoformat(), "period_end": (start + timedelta(days=rng.randint(0, 200))).isoformat(),
            })
        supporters: list[dict[str, Any]] = [
            {"relation": rng.choice(["child", "sibling"]), "able_to_support": rng.random() < 0.5, "reason": None}
            for _ in range(rng.choice([0, 0, 0, 1, 2]))
        ]
        for n, sup in enumerate(supporters):
            if extra.random() < 0.7:  # the member(s) this supporter is obliged to support
                sup["supported_member_ids"] = [m["member_id"] for m in extra.sample(members, extra.randint(1, len(members)))]
            if extra.random() < 0.5:
                sup["supporter_id"] = f"{hid}-sup{n}"
        hh: dict[str, Any] = {
            "household_id": hid,
            "county_code": rng.choice(counties),
            "area_type": rng.choice(["urban", "rural"]),
            "members": members,
            "income_items": income,
            "property_items": props,
            "expenses": expenses,
            "supporters": supporters,
            "county_confirmed_hardship": rng.random() < 0.05,
            "poverty_monitoring": rng.random() < 0.05,
        }
        if rng.random() < 0.15:
            hh["refused_on"] = (as_of - timedelta(days=rng.randint(300, 400))).isoformat()
        if rng.random() < 0.15:
            hh["left_assistance_on"] = (as_of - timedelta(days=rng.randint(650, 800))).isoformat()
            hh["left_assistance_reason"] = rng.choice(["improved", "improved", "other"])
        out.append(hh)
    return out
