"""The sharing catalogue (共享目录): what each department may see of the low-income population.

Declared once, as data (ADR 0007).  Under the 政务数据共享条例 (RELIABILITY A6) data is shared
through a catalogue of data items, each shared unconditionally (无条件共享), conditionally
(有条件共享: only for a stated purpose) or not at all (不予共享).  For every department this module
says:

- **people**: which households' categories (the latest determination) and which of their members
  the department serves (e.g. education: school-age members; housing: the household head);
- **items**: which fields it may see, and how (unconditional / conditional / not shared); a field not
  listed is not shared;
- **query**: whether it may ask "is this person in the low-income population" by exact ID number,
  and what the answer may contain;
- the legal **purpose** and the seed paragraph it rests on.

Nothing here touches the database; `selectors` applies it and `docs/sharing.md` is generated from it
(a test checks the document lists every entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from django.utils.translation import gettext_lazy as _

from jiuzhu.apps.core.choices import Department
from jiuzhu.rules.determination.codes import CATEGORY_LABELS

UNCONDITIONAL: Final = "unconditional"
CONDITIONAL: Final = "conditional"
NOT_SHARED: Final = "not_shared"
MODES: Final = (UNCONDITIONAL, CONDITIONAL, NOT_SHARED)
MODE_LABELS_ZH: Final = {UNCONDITIONAL: "无条件共享", CONDITIONAL: "有条件共享", NOT_SHARED: "不予共享"}
MODE_LABELS = {UNCONDITIONAL: _("Shared unconditionally"), CONDITIONAL: _("Shared for a stated purpose"),
               NOT_SHARED: _("Not shared")}

# The data items a catalogue may name.  key → (label, Chinese label for the generated document).
FIELDS: Final = {
    "name": (_("Name"), "姓名"),
    "id_number_masked": (_("ID number (masked)"), "身份证号（脱敏）"),
    "id_number": (_("Full ID number"), "完整身份证号"),
    "sex": (_("Sex"), "性别"),
    "relation": (_("Relation to the head"), "与户主关系"),
    "category": (_("Low-income category"), "低收入人口类别"),
    "since": (_("In the category since"), "认定起始日期"),
    "county": (_("County"), "县（市、区）"),
    "township": (_("Township"), "乡镇（街道）"),
    "village": (_("Village"), "村（社区）"),
    "area_type": (_("Urban or rural"), "城乡类别"),
    "household_size": (_("Household size"), "家庭人口数"),
    "address": (_("Address"), "住址"),
    "school_stage": (_("School stage"), "就学阶段"),
    "work_capacity": (_("Capacity to work"), "劳动能力"),
    "employment": (_("Employment"), "就业状况"),
    "disability_type": (_("Disability type"), "残疾类别"),
    "disability_grade": (_("Disability grade"), "残疾等级"),
    "serious_illness": (_("Serious illness"), "重病情况"),
    "phone": (_("Phone"), "联系电话"),
    "bank_account": (_("Bank account"), "银行账号"),
    "income_property": (_("Income and property"), "家庭收入和财产"),
}
# Never shared with any department: contact and payment data, the means test's figures, health.
ALWAYS_WITHHELD: Final = frozenset({"phone", "bank_account", "income_property", "serious_illness"})

# Which members of a selected household the department serves.
MEMBER_RULES: Final = {
    "all": ("全部家庭成员", "every member"),
    "head": ("户主（以户为单位）", "the household head (one row per household)"),
    "school_age": ("在园在校成员（就学阶段不为“无”）", "members in preschool or school"),
    "working_age_able": ("劳动年龄内有（部分）劳动能力的成员", "working-age members able to work"),
    "disabled": ("持证残疾成员", "members with a disability"),
    "employed": ("受雇就业的成员", "members in employment"),
    "none": ("不提供名单（仅可精确查询）", "no list (the exact-ID query only)"),
}
# The exact-ID query may answer these keys, always; "name" only where a catalogue allows it.
QUERY_KEYS: Final = ("in_low_income_population", "category", "category_label", "since", "county")
QUERY_OPTIONAL: Final = frozenset({"name"})


@dataclass(frozen=True)
class Entry:
    department: str
    basis: str  # the seed paragraph(s) the sharing rests on
    purpose_zh: str
    purpose_en: str
    categories: frozenset[str] = frozenset()
    members: str = "none"
    rural_only: bool = False
    # Working age (劳动年龄) for "working_age_able": 16 to below the statutory retirement age; 60 is
    # the retirement age for men before the 2025 gradual reform, used as the upper bound for all.
    min_age: int = 16
    max_age: int = 59
    items: dict[str, str] = field(default_factory=dict)  # field → mode; unlisted fields are not shared
    query: str = NOT_SHARED
    query_fields: frozenset[str] = frozenset()

    def mode(self, key: str) -> str:
        return self.items.get(key, NOT_SHARED)

    def fields(self, *, purpose: bool) -> list[str]:
        """The items this department sees, in declaration order (conditional ones only with a purpose)."""
        allowed = {UNCONDITIONAL, CONDITIONAL} if purpose else {UNCONDITIONAL}
        return [k for k in FIELDS if self.mode(k) in allowed]

    @property
    def lists_people(self) -> bool:
        return self.members != "none" and bool(self.categories)


U, C, N = UNCONDITIONAL, CONDITIONAL, NOT_SHARED
_BASIC = {"name": U, "id_number_masked": U, "id_number": C, "category": U, "since": U, "county": U, "township": U}
_LOW_INCOME = frozenset({"tekun", "dibao", "marginal", "rigid"})

CATALOGUE: Final[dict[str, Entry]] = {e.department: e for e in (
    Entry(
        Department.MEDICAL_INSURANCE, "实施意见 §16",
        "医疗救助（含疾病应急救助）和分类资助参保：核定资助参保对象、医疗救助对象",
        "Medical assistance and subsidised enrolment in medical insurance",
        categories=_LOW_INCOME | {"poverty_monitoring", "dibao_individual"}, members="all",
        items={**_BASIC, "sex": U, "disability_grade": N}, query=U,
    ),
    Entry(
        Department.HEALTH, "实施意见 §16",
        "疾病应急救助、家庭医生签约服务：识别低收入人口患者",
        "Emergency medical assistance and family-doctor services for low-income patients",
        categories=_LOW_INCOME, members="all", items={**_BASIC, "sex": U}, query=U,
    ),
    Entry(
        Department.EDUCATION, "实施意见 §17",
        "教育救助：在园幼儿、在校学生的助学金、生活补助、费用减免",
        "Education assistance for children and students of low-income families",
        categories=_LOW_INCOME | {"dibao_individual", "other"}, members="school_age",
        items={**_BASIC, "sex": U, "school_stage": U}, query=U,
    ),
    Entry(
        Department.HRSS, "实施意见 §19、§21",
        "就业救助（贷款贴息、培训补贴、公益岗位）和社保资助参保",
        "Employment assistance and subsidised pension insurance",
        categories=frozenset({"dibao", "marginal", "rigid"}), members="working_age_able",
        items={**_BASIC, "sex": U, "work_capacity": U, "employment": U}, query=U,
    ),
    Entry(
        Department.HOUSING, "实施意见 §18",
        "住房救助：公租房配租、租赁补贴、农村危房改造（以户为单位）",
        "Housing assistance: public rental housing, rent subsidies, dilapidated-house renovation (per household)",
        categories=_LOW_INCOME | {"poverty_monitoring"}, members="head",
        items={**_BASIC, "village": U, "area_type": U, "household_size": U, "address": C}, query=U,
    ),
    Entry(
        Department.DISABLED_FEDERATION, "实施意见 §15、§26",
        "困难残疾人生活补贴、重度残疾人护理补贴、残疾儿童康复救助",
        "Living and care subsidies for disabled people, rehabilitation of disabled children",
        categories=frozenset({"dibao", "marginal", "dibao_individual"}), members="disabled",
        items={**_BASIC, "disability_type": U, "disability_grade": U}, query=U,
    ),
    Entry(
        Department.EMERGENCY, "实施意见 §20",
        "受灾人员救助：应急救助、过渡期救助、倒损民房恢复重建",
        "Relief for disaster victims among the low-income population",
        categories=_LOW_INCOME, members="all",
        items={**_BASIC, "village": U, "address": C}, query=U,
    ),
    Entry(
        Department.AGRICULTURE, "实施意见 §4、§18、§19",
        "防止返贫动态监测和帮扶与农村低收入人口常态化帮扶的衔接",
        "Linking poverty-return monitoring with support for the rural low-income population",
        categories=frozenset({"poverty_monitoring", "tekun", "dibao", "marginal"}), members="all", rural_only=True,
        items={**_BASIC, "village": U, "relation": U}, query=U,
    ),
    Entry(
        Department.TRADE_UNION, "实施意见 §6、§26",
        "困难职工帮扶救助与技能培训",
        "Support and training for workers in difficulty",
        categories=frozenset({"dibao", "marginal", "rigid", "other"}), members="employed",
        items={**_BASIC, "employment": U}, query=U,
    ),
    Entry(
        Department.JUSTICE, "实施意见 §26",
        "法律援助：低保边缘家庭和刚性支出困难家庭人员申请法律援助免予核查经济状况（逐案查询，不提供名单）",
        "Legal aid without an economic check (case by case: the query only, no list)",
        query=C,
    ),
    Entry(
        Department.SERVICE_OFFICE, "实施意见 §8",
        "政务服务“免申即享”、一网通办中核验低收入人口身份（逐人查询，不提供名单）",
        "Checking low-income status for services granted without application (query only)",
        query=U,
    ),
    *(Entry(d, "实施意见 §8；政务数据共享条例", "提供家庭经济状况核对数据；履职无需低收入人口数据，不予共享",
            "Provides data for the means test; needs no low-income data for its duties: nothing shared")
      for d in (Department.PUBLIC_SECURITY, Department.NATURAL_RESOURCES, Department.MARKET_REGULATION,
                Department.BANKS)),
)}


def entry_for(department: str) -> Entry:
    """The catalogue entry of a department; an unknown department shares nothing."""
    return CATALOGUE.get(department) or Entry(department, "", "", "")


def check(catalogue: dict[str, Entry] = CATALOGUE) -> list[str]:
    """Problems with a catalogue (empty = consistent).  Run by the tests and at start-up."""
    problems = []
    for d in Department.values:
        if d not in catalogue:
            problems.append(f"{d}: no catalogue entry")
    for d, e in catalogue.items():
        if e.department != d:
            problems.append(f"{d}: entry declares {e.department}")
        unknown = set(e.items) - set(FIELDS)
        if unknown:
            problems.append(f"{d}: unknown items {sorted(unknown)}")
        if any(m not in MODES for m in e.items.values()) or e.query not in MODES:
            problems.append(f"{d}: unknown sharing mode")
        if e.mode("id_number") == UNCONDITIONAL:
            problems.append(f"{d}: the full ID number may only be shared conditionally")
        shared = {k for k, m in e.items.items() if m != NOT_SHARED}
        if shared & ALWAYS_WITHHELD:
            problems.append(f"{d}: shares withheld items {sorted(shared & ALWAYS_WITHHELD)}")
        if set(e.categories) - set(CATEGORY_LABELS):
            problems.append(f"{d}: unknown categories {sorted(set(e.categories) - set(CATEGORY_LABELS))}")
        if e.members not in MEMBER_RULES:
            problems.append(f"{d}: unknown member rule {e.members}")
        if e.lists_people and not {"category", "since"} <= shared:
            problems.append(f"{d}: a list must carry the category and since")
        if e.query_fields - QUERY_OPTIONAL:
            problems.append(f"{d}: query may not answer {sorted(e.query_fields - QUERY_OPTIONAL)}")
        if not e.purpose_zh or not e.basis:
            problems.append(f"{d}: no legal purpose")
    return problems


def markdown() -> str:
    """The catalogue as Markdown tables (the generated part of docs/sharing.md)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        zh_names = {k: str(v) for k, v in Department.choices}
    with translation.override("en"):
        en_names = {k: str(v) for k, v in Department.choices}
    lines: list[str] = []
    for d in Department.values:
        e = CATALOGUE[d]
        people = "、".join(CATEGORY_LABELS[c][0] for c in sorted(e.categories)) or "—"
        lines += [
            f"### {zh_names[d]} {en_names[d]} (`{d}`)",
            "",
            f"- 依据 Basis: {e.basis}",
            f"- 用途 Purpose: {e.purpose_zh} / {e.purpose_en}",
            f"- 人员 People: {people}" + ("（仅农村 rural only）" if e.rural_only else "")
            + f" — {MEMBER_RULES[e.members][0]} / {MEMBER_RULES[e.members][1]}"
            + (f"（{e.min_age}–{e.max_age} 周岁）" if e.members == "working_age_able" else ""),
            f"- 精确查询 Exact-ID query: {MODE_LABELS_ZH[e.query]} ({e.query})"
            + (f"; 答复另含 also answers: {', '.join(sorted(e.query_fields))}" if e.query_fields else ""),
            "",
        ]
        if not any(m != NOT_SHARED for m in e.items.values()):
            lines += ["不予共享任何数据项 / No data item is shared.", ""]
            continue
        lines += ["| 数据项 Item | 共享方式 Sharing |", "|---|---|"]
        for key, (_label, zh) in FIELDS.items():
            mode = e.mode(key)
            lines.append(f"| {zh} `{key}` | {MODE_LABELS_ZH[mode]} ({mode}) |")
        lines.append("")
    return "\n".join(lines)
