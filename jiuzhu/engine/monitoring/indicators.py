"""The early-warning indicators (预警指标), declared once.

Pure Python, no Django.  Issue 5 §1; docs/policy-notes.md §3.3; 实施意见 §7, §10–§14.

Each :class:`Indicator` says which department feeds it reads (``sources``), how a feed row
meets the registry (the join key: the ID number's blind index, ``person_index`` on the
feed tables, ``person_key`` on the registry snapshot), its condition as one set-based SQL
query whose thresholds are *named parameters* (``monitoring.<key>.<name>`` in
``jiuzhu/rules/params/data/jiangxi/monitoring.yaml``, so the province tunes them per region
with dated, approved revisions), what kind of alert it is, which unit it is pushed to and
the checklist of a verification visit.  Whether an indicator is on, its severity (red /
orange / yellow) and the deadlines of each severity are parameters too; nothing here is a
CONFIG value.

The query of an indicator is a ``SELECT`` over the tables described in
:mod:`jiuzhu.engine.monitoring.tables` with two placeholders: ``$p`` (this indicator's
parameter table: one row per county code, with ``enabled`` and one column per threshold)
and ``$as_of`` (the run date, a ``DATE`` literal).  It returns :data:`FINDING_COLUMNS`:

==============  ==============================================================================
household_key   the registry household (NULL for a person not in the registry)
member_key      the registry member (NULL for a household-level finding or a non-registered person)
person_index    the person's blind index (NULL for a household-level finding)
county_code     the county whose parameters applied (routing falls back to it)
region_hint     the most precise region known (registry township, or the feed's region code)
event_date      the date of the triggering fact
facts           the facts the finding rests on, as text: same facts → same fingerprint
detail          JSON text shown to the caseworker (figures, codes; never an identifier)
==============  ==============================================================================
"""

# ruff: noqa: S608  (queries are built from declared constants and dates only, never from input)

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from jiuzhu.rules.exchange.sources import DEPARTMENTS, HOUSE_DAMAGE, SERIOUS_ILLNESSES, SOURCES
from jiuzhu.rules.params.display import show_value

__all__ = [
    "DETAIL_LABELS",
    "REASON_LABELS",
    "FINDING_COLUMNS",
    "INDICATORS",
    "KINDS",
    "SEVERITIES",
    "TARGETS",
    "Indicator",
    "Threshold",
    "get_indicator",
]

Kind = Literal["need", "eligibility_loss", "policy_not_applied", "data_quality"]
Target = Literal["township", "county", "department"]
Population = Literal["registered", "unregistered", "both"]
Subject = Literal["household", "member", "person"]
ThresholdKind = Literal["money", "count", "ratio", "choice"]

KINDS: Final[dict[str, tuple[str, str]]] = {
    "need": ("新增困难", "New need"),
    "eligibility_loss": ("可能不再符合条件", "Possible loss of eligibility"),
    "policy_not_applied": ("政策未落实", "Policy not applied"),
    "data_quality": ("数据质量", "Data quality"),
}
SEVERITIES: Final[dict[str, tuple[str, str]]] = {
    "red": ("红色", "Red"),
    "orange": ("橙色", "Orange"),
    "yellow": ("黄色", "Yellow"),
}
TARGETS: Final[dict[str, tuple[str, str]]] = {
    "township": ("乡镇（街道）", "Township"),
    "county": ("县级民政部门", "County"),
    "department": ("相关部门", "Department"),
}
# The keys of a finding's ``detail`` as shown to caseworkers (zh, en).
DETAIL_LABELS: Final[dict[str, tuple[str, str]]] = {
    "self_paid": ("统计期内个人自付（元）", "Self-paid in the window (yuan)"),
    "income_12m": ("家庭近12个月收入（元）", "Household income, last 12 months (yuan)"),
    "settlements": ("结算次数", "Settlements"),
    "diseases": ("病种", "Diseases"),
    "first_seen": ("最早记录日期", "First seen"),
    "disability_type": ("残疾类别", "Disability type"),
    "grade": ("残疾等级", "Grade"),
    "registry_grade": ("库内残疾等级", "Grade in the registry"),
    "reasons": ("触发原因", "Reasons"),
    "since": ("起始日期", "Since"),
    "death_date": ("死亡日期", "Date of death"),
    "assistance_running": ("仍有救助在发放", "Assistance still running"),
    "change_type": ("户籍变动类型", "Change"),
    "change_date": ("变动日期", "Change date"),
    "disaster_type": ("灾害类型", "Disaster"),
    "house_damage": ("房屋损坏程度", "House damage"),
    "relief_amount": ("已发救助（元）", "Relief given (yuan)"),
    "vehicle_type": ("车辆类型", "Vehicle type"),
    "value_estimate": ("车辆估值（元）", "Estimated value (yuan)"),
    "vehicles": ("车辆数", "Vehicles"),
    "area_m2": ("建筑面积（平方米）", "Floor area (m²)"),
    "registrations": ("登记数", "Registrations"),
    "household_registrations": ("家庭登记总数", "Registrations of the household"),
    "entity_type": ("主体类型", "Entity type"),
    "role": ("角色", "Role"),
    "school_stage": ("学段", "School stage"),
    "in_education_feed": ("在教育部门学籍数据中", "In education's data"),
    "monitoring_type": ("监测对象类型", "Monitoring type"),
    "identified_on": ("识别日期", "Identified on"),
    "registered_on": ("登记日期", "Registered on"),
    "last_review_on": ("上次核查日期", "Last review"),
    "unemployed_since": ("失业登记日期", "Unemployed since"),
    "programmes": ("救助项目", "Programmes"),
}
# The trigger codes the queries below write into a finding's "reasons" (zh, en).
REASON_LABELS: Final[dict[str, tuple[str, str]]] = {
    "registered": ("登记失业", "Registered unemployed"),
    "stopped": ("停止缴纳社会保险", "Contributions stopped"),
    "wage": ("工资收入稳定", "Stable wage"),
    "pension": ("领取养老金", "Pension"),
    "illness": ("确诊重特大疾病", "Serious illness diagnosed"),
    "medical_costs": ("医疗费用负担重", "Heavy medical costs"),
}
FINDING_COLUMNS: Final[tuple[str, ...]] = (
    "household_key", "member_key", "person_index", "county_code", "region_hint", "event_date", "facts", "detail",
)


@dataclass(frozen=True)
class Threshold:
    """A named, tunable threshold of an indicator (parameter ``monitoring.<key>.<name>``).

    ``count`` is a whole number (days, months, a grade); it is stored as a parameter of
    kind ``ratio`` so the revision form (which enters text) can change it, and checked to be
    whole when read.  ``choice`` is a code among ``choices``, given as (code, Chinese label)
    pairs so that a screen shows the label.
    """

    name: str
    kind: ThresholdKind
    label_zh: str
    label_en: str
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()

    def shown(self, value: object) -> str:
        """The value as a caseworker reads it: a choice's label, a number or amount with its unit."""
        if self.kind == "choice":
            return dict(self.choices).get(str(value), str(value))
        # one way to read a parameter (rules.params.display), as |param_shown does on the other screens
        text = show_value(value, "money" if self.kind == "money" else "", self.unit, {})
        return text if self.unit in ("", "比例") else f"{text} {self.unit}"


@dataclass(frozen=True)
class Indicator:
    """One early-warning indicator (see the module docstring)."""

    key: str
    label_zh: str
    label_en: str
    kind: Kind
    population: Population
    subject: Subject
    sources: tuple[str, ...]
    sql: str
    target: Target
    checklist: tuple[tuple[str, str], ...]
    thresholds: tuple[Threshold, ...] = ()
    department: str | None = None  # pushed to this department (required when target == "department")
    registry_only: bool = False  # reads no feed: runs in the monthly full run only
    join_key: str = "身份证号（盲索引 person_index = person_key）"
    policy: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"indicator {self.key}: unknown kind {self.kind!r}")
        if self.target not in TARGETS:
            raise ValueError(f"indicator {self.key}: unknown target {self.target!r}")
        for s in self.sources:
            if s not in SOURCES:
                raise ValueError(f"indicator {self.key}: unknown source {s!r}")
        if not self.sources and not self.registry_only:
            raise ValueError(f"indicator {self.key}: no sources; mark it registry_only")
        if self.target == "department" and self.department is None:
            raise ValueError(f"indicator {self.key}: a department target needs a department")
        if self.department is not None and self.department not in DEPARTMENTS:
            raise ValueError(f"indicator {self.key}: unknown department {self.department!r}")
        names = [t.name for t in self.thresholds]
        if len(set(names)) != len(names) or {"enabled", "severity"} & set(names):
            raise ValueError(f"indicator {self.key}: duplicate or reserved threshold names")
        for t in self.thresholds:
            if f"p.{t.name}" not in self.sql:
                raise ValueError(f"indicator {self.key}: threshold {t.name} is not used by its query")
        if "$p" not in self.sql or "p.enabled" not in self.sql:
            raise ValueError(f"indicator {self.key}: the query must join $p and test p.enabled")
        if not self.checklist:
            raise ValueError(f"indicator {self.key}: a verification checklist is required")

    def param(self, name: str) -> str:
        """The parameter path of threshold *name* (or ``enabled`` / ``severity``)."""
        return f"monitoring.{self.key}.{name}"

    @property
    def param_paths(self) -> tuple[str, ...]:
        return (self.param("enabled"), self.param("severity"), *(self.param(t.name) for t in self.thresholds))


def _days(name: str = "lookback_days", zh: str = "回溯天数", en: str = "Look-back (days)") -> Threshold:
    return Threshold(name, "count", zh, en, "天")


_SERIOUS: Final = ", ".join(f"'{code}'" for code, _ in SERIOUS_ILLNESSES)

# Registered member, one row per finding: the usual leading columns.
_MEMBER_COLS: Final = ("g.household_key, g.member_key, g.person_key AS person_index, g.county_code, "
                       "g.township_code AS region_hint")
# A person the registry does not know: routed by the feed's region code (or the ID's area code).
_PERSON_COLS: Final = ("NULL::BIGINT AS household_key, NULL::BIGINT AS member_key, r.person_index, "
                       "r.county_hint AS county_code, r.region_hint")
_NOT_REGISTERED: Final = "NOT EXISTS (SELECT 1 FROM members m WHERE m.person_key = r.person_index)"
# A recent fact: inside the look-back window, not in the future.
def _recent(col: str, name: str = "lookback_days") -> str:
    return f"{col} > $as_of - to_days(p.{name}::INTEGER) AND {col} <= $as_of"


def _hukou(key: str, change: str, zh: str, en: str, checklist: tuple[tuple[str, str], ...], policy: str) -> Indicator:
    return Indicator(
        key=key, label_zh=zh, label_en=en, kind="eligibility_loss", population="registered", subject="member",
        sources=("public_security_hukou_changes",), target="township", thresholds=(_days(),),
        sql=f"""
SELECT {_MEMBER_COLS}, max(r.change_date) AS event_date,
       string_agg(DISTINCT r.change_date::VARCHAR, ',' ORDER BY r.change_date::VARCHAR) AS facts,
       json_object('change_type', '{change}', 'change_date', max(r.change_date)::VARCHAR)::VARCHAR AS detail
FROM d_public_security_hukou_changes r
JOIN reg g ON g.person_key = r.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND r.change_type = '{change}' AND {_recent('r.change_date')}
GROUP BY ALL""",
        checklist=checklist, policy=policy,
    )


INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        key="medical_self_paid", label_zh="大额自付医疗费用", label_en="Large self-paid medical costs",
        kind="need", population="registered", subject="household",
        sources=("medical_insurance_settlements",), target="township",
        thresholds=(
            Threshold("window_months", "count", "统计期（月）", "Window (months)", "月"),
            Threshold("min_amount", "money", "自付金额下限", "Self-paid amount at least", "元"),
            Threshold("income_share", "ratio", "占家庭年收入比例下限", "Share of household yearly income at least",
                      "比例"),
        ),
        sql="""
WITH s AS (
  SELECT g.household_key, sum(r.self_paid) AS self_paid, count(*) AS n, max(r.settle_date) AS last_date
  FROM d_medical_insurance_settlements r
  JOIN reg g ON g.person_key = r.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND r.settle_date > $as_of - to_months(p.window_months::INTEGER) AND r.settle_date <= $as_of
  GROUP BY g.household_key
), inc AS (
  SELECT household_key, sum(amount) AS income FROM income_items
  WHERE period_end > $as_of - INTERVAL 12 MONTH AND period_start <= $as_of GROUP BY household_key
)
SELECT h.household_key, NULL::BIGINT AS member_key, NULL::VARCHAR AS person_index, h.county_code,
       h.township_code AS region_hint, s.last_date AS event_date,
       concat_ws('|', s.n, s.self_paid, s.last_date) AS facts,
       json_object('self_paid', s.self_paid::VARCHAR, 'income_12m', coalesce(i.income, 0)::VARCHAR,
                   'settlements', s.n)::VARCHAR AS detail
FROM s JOIN mon_households h ON h.household_key = s.household_key
JOIN $p p ON p.county_code = h.county_code
LEFT JOIN inc i ON i.household_key = s.household_key
WHERE p.enabled AND (s.self_paid >= p.min_amount
      OR (coalesce(i.income, 0) > 0 AND s.self_paid >= p.income_share * i.income))""",
        checklist=(
            ("核实医疗费用票据与医保结算单", "Check the bills and the settlement statements"),
            ("核实家庭近12个月收入", "Check the household's income over the last 12 months"),
            ("了解是否已获医疗救助", "Ask whether medical assistance was received"),
            ("评估是否符合支出型困难或临时救助条件", "Assess rigid-expenditure hardship or temporary assistance"),
        ),
        policy="实施意见 §7；docs/policy-notes.md §3.3 医保",
    ),
    Indicator(
        key="serious_illness", label_zh="新确诊重特大疾病", label_en="Newly diagnosed serious illness",
        kind="need", population="registered", subject="member",
        sources=("health_serious_illness", "medical_insurance_settlements"), target="township",
        thresholds=(_days(),),
        sql=f"""
WITH x AS (
  SELECT person_index, disease_code, diagnosed_on AS d FROM d_health_serious_illness
  UNION ALL
  SELECT person_index, disease_code, settle_date FROM d_medical_insurance_settlements
  WHERE disease_code IN ({_SERIOUS})
)
SELECT {_MEMBER_COLS}, max(x.d) AS event_date,
       string_agg(DISTINCT x.disease_code, ',' ORDER BY x.disease_code) AS facts,
       json_object('diseases', string_agg(DISTINCT x.disease_code, ',' ORDER BY x.disease_code),
                   'first_seen', min(x.d)::VARCHAR)::VARCHAR AS detail
FROM x JOIN reg g ON g.person_key = x.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND NOT g.serious_illness AND {_recent('x.d')}
GROUP BY ALL""",
        checklist=(
            ("核实诊断证明（病种、日期）", "Check the diagnosis (disease, date)"),
            ("更新家庭成员的重病情况", "Record the member's serious illness in the registry"),
            ("评估医疗救助与单人户纳入条件", "Assess medical assistance and single-person inclusion"),
        ),
        policy="docs/policy-notes.md §3.3 卫健/医保",
    ),
    Indicator(
        key="severe_disability", label_zh="新增重度残疾", label_en="New severe disability",
        kind="need", population="registered", subject="member",
        sources=("disabled_certificates",), target="township",
        thresholds=(
            _days(),
            Threshold("max_grade", "count", "残疾等级上限（含）", "Grade at most (any type)", "级"),
            Threshold("max_grade_mental", "count", "智力/精神残疾等级上限（含）", "Grade at most (intellectual, mental)",
                      "级"),
        ),
        sql=f"""
SELECT {_MEMBER_COLS}, max(r.issued_on) AS event_date,
       string_agg(DISTINCT r.disability_type || ':' || r.grade, ',' ORDER BY r.disability_type || ':' || r.grade)
         AS facts,
       json_object('disability_type', min(r.disability_type), 'grade', min(r.grade),
                   'registry_grade', coalesce(min(g.disability_grade), 0))::VARCHAR AS detail
FROM d_disabled_certificates r
JOIN reg g ON g.person_key = r.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND {_recent('r.issued_on')}
  AND (r.cancelled_on IS NULL OR r.cancelled_on > $as_of)
  AND (r.grade <= p.max_grade OR (r.disability_type IN ('intellectual', 'mental') AND r.grade <= p.max_grade_mental))
  AND (g.disability_grade IS NULL OR g.disability_grade > r.grade)
GROUP BY ALL""",
        checklist=(
            ("核实残疾人证（类别、等级）", "Check the disability certificate (type, grade)"),
            ("更新家庭成员残疾信息", "Record the disability in the registry"),
            ("评估单人户纳入低保、特困及两项补贴", "Assess single-person dibao, tekun and the two subsidies"),
        ),
        policy="docs/policy-notes.md §3.3 残联",
    ),
    Indicator(
        key="unemployment", label_zh="登记失业或断缴社保", label_en="Registered unemployment or stopped contributions",
        kind="need", population="registered", subject="member",
        sources=("hrss_unemployment", "hrss_social_insurance"), target="township",
        thresholds=(
            _days(),
            Threshold("stopped_months", "count", "连续未缴费月数", "Months without a paid contribution", "月"),
        ),
        sql=f"""
WITH u AS (
  SELECT g.person_key, r.registered_on AS d, 'registered' AS why
  FROM d_hrss_unemployment r JOIN reg g ON g.person_key = r.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND r.status = 'registered' AND {_recent('r.registered_on')}
  UNION ALL
  SELECT g.person_key, max(r.month) AS d, 'stopped' AS why
  FROM d_hrss_social_insurance r JOIN reg g ON g.person_key = r.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND r.paid
  GROUP BY g.person_key, p.stopped_months
  HAVING max(r.month) < $as_of - to_months(p.stopped_months::INTEGER)
     AND max(r.month) >= $as_of - to_months(p.stopped_months::INTEGER + 12)
)
SELECT {_MEMBER_COLS}, max(u.d) AS event_date,
       string_agg(u.why || ':' || u.d::VARCHAR, ',' ORDER BY u.why || ':' || u.d::VARCHAR) AS facts,
       json_object('reasons', string_agg(DISTINCT u.why, ',' ORDER BY u.why),
                   'since', max(u.d)::VARCHAR)::VARCHAR AS detail
FROM u JOIN reg g ON g.person_key = u.person_key
GROUP BY ALL""",
        checklist=(
            ("核实失业登记或停缴原因", "Check the unemployment registration or why contributions stopped"),
            ("核实家庭收入变化", "Check how the household's income changed"),
            ("告知就业救助与失业保险政策", "Explain employment assistance and unemployment insurance"),
        ),
        policy="docs/policy-notes.md §3.3 人社",
    ),
    Indicator(
        key="member_death", label_zh="家庭成员死亡", label_en="Death of a member",
        kind="eligibility_loss", population="registered", subject="member",
        sources=("health_deaths", "public_security_hukou_changes"), target="township",
        sql=f"""
WITH d AS (
  SELECT person_index, death_date AS d FROM d_health_deaths
  UNION ALL
  SELECT person_index, change_date FROM d_public_security_hukou_changes WHERE change_type = 'death'
)
SELECT {_MEMBER_COLS}, min(d.d) AS event_date, min(d.d)::VARCHAR AS facts,
       json_object('death_date', min(d.d)::VARCHAR,
                   'assistance_running', bool_or(EXISTS (
                       SELECT 1 FROM assistance a
                       WHERE (a.person_index = g.person_key OR a.household_key = g.household_key)
                         AND coalesce(a.end_date, DATE '9999-12-31') > d.d)))::VARCHAR AS detail
FROM d JOIN reg g ON g.person_key = d.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND d.d <= $as_of
GROUP BY ALL""",
        checklist=(
            ("核实死亡证明或户籍注销", "Check the death certificate or the deregistration"),
            ("停发或重新核算该户待遇", "Stop or recalculate the household's benefits"),
            ("核对是否仍在发放（追回多发资金）", "Check whether payments still run (recover overpayments)"),
        ),
        policy="docs/policy-notes.md §3.3 卫健/公安；实施意见 §13",
    ),
    _hukou(
        "imprisonment", "imprisonment", "家庭成员服刑", "Member imprisoned",
        (("核实服刑信息（起止日期）", "Check the sentence (start, end)"),
         ("将该成员按服刑排除出家庭人口", "Exclude the member from the household count"),
         ("重新核算家庭待遇", "Recalculate the household's benefits")),
        "docs/policy-notes.md §3.3 公安",
    ),
    _hukou(
        "moved_out", "moved_out", "家庭成员户籍迁出", "Member moved away",
        (("核实迁出地与是否仍共同生活", "Check where to and whether still living together"),
         ("更新家庭成员与户籍信息", "Update the members and household registration"),
         ("重新核算或转移救助关系", "Recalculate or transfer the assistance")),
        "docs/policy-notes.md §3.3 公安",
    ),
    Indicator(
        key="disaster", label_zh="受灾或房屋损毁", label_en="Disaster victim or damaged house",
        kind="need", population="registered", subject="household",
        sources=("emergency_disaster_victims",), target="township",
        thresholds=(
            _days(),
            Threshold("min_damage", "choice", "房屋损坏程度下限", "House damage at least", "", HOUSE_DAMAGE),
        ),
        sql="""
SELECT h.household_key, NULL::BIGINT AS member_key, NULL::VARCHAR AS person_index, h.county_code,
       h.township_code AS region_hint, max(r.event_date) AS event_date,
       string_agg(DISTINCT r.event_date::VARCHAR || ':' || r.disaster_type, ','
                  ORDER BY r.event_date::VARCHAR || ':' || r.disaster_type) AS facts,
       json_object('disaster_type', max(r.disaster_type), 'house_damage', max(r.house_damage),
                   'relief_amount', sum(r.relief_amount)::VARCHAR)::VARCHAR AS detail
FROM d_emergency_disaster_victims r
JOIN reg g ON g.person_key = r.person_index
JOIN mon_households h ON h.household_key = g.household_key
JOIN $p p ON p.county_code = h.county_code
WHERE p.enabled AND r.event_date > $as_of - to_days(p.lookback_days::INTEGER) AND r.event_date <= $as_of
  AND list_position(['none', 'minor', 'severe', 'collapsed'], r.house_damage)
      >= list_position(['none', 'minor', 'severe', 'collapsed'], p.min_damage)
GROUP BY ALL""",
        checklist=(
            ("核实受灾情况与房屋损坏程度", "Check the disaster and the damage to the house"),
            ("评估临时救助（可先行救助）", "Assess temporary assistance (may be paid first)"),
            ("对接住建部门危房改造", "Refer to housing for renovation"),
        ),
        policy="docs/policy-notes.md §3.3 应急管理；实施意见 §7",
    ),
    Indicator(
        key="new_vehicle", label_zh="新增机动车", label_en="New vehicle",
        kind="eligibility_loss", population="registered", subject="member",
        sources=("public_security_vehicles",), target="township",
        thresholds=(_days(), Threshold("min_value", "money", "车辆估值下限", "Estimated value at least", "元")),
        sql=f"""
SELECT {_MEMBER_COLS}, max(r.registered_on) AS event_date,
       string_agg(r.vehicle_type || ':' || r.registered_on::VARCHAR, ','
                  ORDER BY r.vehicle_type || ':' || r.registered_on::VARCHAR) AS facts,
       json_object('vehicle_type', max(r.vehicle_type), 'value_estimate', max(r.value_estimate)::VARCHAR,
                   'vehicles', count(*))::VARCHAR AS detail
FROM d_public_security_vehicles r
JOIN reg g ON g.person_key = r.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND {_recent('r.registered_on')}
  AND r.vehicle_type NOT IN ('disabled_mobility', 'agricultural')
  AND (r.value_estimate IS NULL OR r.value_estimate >= p.min_value)
GROUP BY ALL""",
        checklist=(
            ("核实车辆登记（类型、估值、用途）", "Check the registration (type, value, use)"),
            ("确认是否属生产经营或残疾人代步等豁免", "Check exemptions (work vehicle, disability mobility)"),
            ("按财产规定重新核定", "Reassess against the property rules"),
        ),
        policy="docs/policy-notes.md §3.3 公安；§1.1 财产",
    ),
    Indicator(
        key="new_real_estate", label_zh="新增不动产", label_en="New real estate",
        kind="eligibility_loss", population="registered", subject="member",
        sources=("natural_resources_real_estate",), target="township",
        thresholds=(
            _days(),
            Threshold("max_count", "count", "家庭不动产登记数上限（不含）", "Registrations per household above", "处"),
            Threshold("min_area_m2", "ratio", "单处建筑面积下限", "Or one registration's floor area at least",
                      "平方米"),
        ),
        sql=f"""
WITH hh AS (
  SELECT g.household_key, count(*) AS n
  FROM d_natural_resources_real_estate r JOIN reg g ON g.person_key = r.person_index
  WHERE r.registered_on <= $as_of GROUP BY g.household_key
)
SELECT {_MEMBER_COLS}, max(r.registered_on) AS event_date,
       string_agg(r.registered_on::VARCHAR || ':' || r.area_m2::VARCHAR, ','
                  ORDER BY r.registered_on::VARCHAR || ':' || r.area_m2::VARCHAR) AS facts,
       json_object('area_m2', sum(r.area_m2)::VARCHAR, 'registrations', count(*),
                   'household_registrations', max(hh.n))::VARCHAR AS detail
FROM d_natural_resources_real_estate r
JOIN reg g ON g.person_key = r.person_index
JOIN hh ON hh.household_key = g.household_key
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND {_recent('r.registered_on')} AND (hh.n > p.max_count OR r.area_m2 >= p.min_area_m2)
GROUP BY ALL""",
        checklist=(
            ("核实不动产登记（面积、取得方式）", "Check the registration (area, how acquired)"),
            ("确认是否为唯一住房或拆迁安置", "Check whether it is the only home or a resettlement"),
            ("按财产规定重新核定", "Reassess against the property rules"),
        ),
        policy="docs/policy-notes.md §3.3 自然资源/住建",
    ),
    Indicator(
        key="new_business", label_zh="新办企业或担任法定代表人", label_en="New business or legal-representative role",
        kind="eligibility_loss", population="registered", subject="member",
        sources=("market_regulation_businesses",), target="township",
        thresholds=(_days(),),
        sql=f"""
SELECT {_MEMBER_COLS}, max(r.registered_on) AS event_date,
       string_agg(r.credit_code || ':' || r.role, ',' ORDER BY r.credit_code || ':' || r.role) AS facts,
       json_object('entity_type', max(r.entity_type), 'role', max(r.role), 'registrations', count(*))::VARCHAR
         AS detail
FROM d_market_regulation_businesses r
JOIN reg g ON g.person_key = r.person_index
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND {_recent('r.registered_on')} AND r.status = 'active'
  AND (r.role IN ('legal_rep', 'shareholder') OR r.entity_type = 'enterprise')
GROUP BY ALL""",
        checklist=(
            ("核实市场主体登记（类型、角色、经营状况）", "Check the registration (type, role, trading)"),
            ("核实经营收入", "Check the business income"),
            ("按收入与财产规定重新核定", "Reassess against the income and property rules"),
        ),
        policy="docs/policy-notes.md §3.3 市场监管",
    ),
    Indicator(
        key="income_above_line", label_zh="稳定工资或养老金超过标准",
        label_en="Stable new wages or pension above the line",
        kind="eligibility_loss", population="registered", subject="member",
        sources=("hrss_social_insurance", "hrss_pensions"), target="township",
        thresholds=(
            Threshold("stable_months", "count", "连续足额缴费月数", "Consecutive paid months", "月"),
            Threshold("min_monthly_wage", "money", "月工资（缴费基数）下限", "Monthly wage (base) at least", "元"),
            Threshold("min_monthly_pension", "money", "月养老金下限", "Monthly pension at least", "元"),
        ),
        sql=f"""
WITH w AS (
  SELECT g.person_key, 'wage' AS why, min(r.month) AS d
  FROM d_hrss_social_insurance r JOIN reg g ON g.person_key = r.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND r.paid AND r.month > $as_of - to_months(p.stable_months::INTEGER) AND r.month <= $as_of
    AND coalesce(r.wage, r.contribution_base) >= p.min_monthly_wage
  GROUP BY g.person_key, p.stable_months
  HAVING count(DISTINCT r.month) >= p.stable_months
  UNION ALL
  SELECT g.person_key, 'pension', r.start_month
  FROM d_hrss_pensions r JOIN reg g ON g.person_key = r.person_index
  JOIN $p p ON p.county_code = g.county_code
  WHERE p.enabled AND r.pension_type = 'enterprise' AND r.monthly_amount >= p.min_monthly_pension
    AND r.start_month > $as_of - INTERVAL 12 MONTH AND r.start_month <= $as_of
)
SELECT {_MEMBER_COLS}, max(w.d) AS event_date,
       string_agg(w.why || ':' || w.d::VARCHAR, ',' ORDER BY w.why || ':' || w.d::VARCHAR) AS facts,
       json_object('reasons', string_agg(DISTINCT w.why, ',' ORDER BY w.why))::VARCHAR AS detail
FROM w JOIN reg g ON g.person_key = w.person_key
GROUP BY ALL""",
        checklist=(
            ("核实工资或养老金收入", "Check the wages or the pension"),
            ("重新计算家庭人均收入", "Recalculate the household's per-capita income"),
            ("符合条件的给予渐退期", "Grant the gradual exit period where it applies"),
        ),
        policy="docs/policy-notes.md §3.3 人社；§2.3 渐退期",
    ),
    Indicator(
        key="student_no_education_aid", label_zh="困难家庭学生未获教育救助",
        label_en="Student from a hard-up family with no education assistance",
        kind="policy_not_applied", population="registered", subject="member",
        sources=("education_students",), target="department", department="education",
        thresholds=(Threshold("window_months", "count", "教育救助回溯月数", "Education assistance look-back (months)",
                              "月"),),
        sql=f"""
SELECT {_MEMBER_COLS}, NULL::DATE AS event_date, g.school_stage AS facts,
       json_object('school_stage', g.school_stage,
                   'in_education_feed', EXISTS (SELECT 1 FROM d_education_students e
                                                WHERE e.person_index = g.person_key))::VARCHAR AS detail
FROM reg g
JOIN $p p ON p.county_code = g.county_code
WHERE p.enabled AND g.recipient AND g.school_stage IN ('primary', 'junior', 'senior', 'vocational', 'higher')
  AND NOT EXISTS (
    SELECT 1 FROM assistance a WHERE a.person_index = g.person_key AND a.programme = 'education_assistance'
      AND coalesce(a.end_date, DATE '9999-12-31') > $as_of - to_months(p.window_months::INTEGER))
  AND NOT EXISTS (SELECT 1 FROM d_education_students e WHERE e.person_index = g.person_key AND e.hardship_flag)""",
        checklist=(
            ("核实在读学校与学段", "Check the school and stage"),
            ("告知教育资助政策并协助申请", "Explain education assistance and help apply"),
            ("推送教育部门认定家庭经济困难学生", "Ask education to register the student as hard-up"),
        ),
        policy="docs/policy-notes.md §3.3 教育；实施意见 §10",
    ),
    Indicator(
        key="poverty_monitoring_unknown", label_zh="防返贫监测对象未纳入本平台",
        label_en="In agriculture's poverty-return monitoring, not known here",
        kind="policy_not_applied", population="unregistered", subject="person",
        sources=("agriculture_poverty_monitoring",), target="township",
        sql=f"""
SELECT {_PERSON_COLS}, max(r.identified_on) AS event_date,
       string_agg(DISTINCT r.household_ref || ':' || r.monitoring_type, ','
                  ORDER BY r.household_ref || ':' || r.monitoring_type) AS facts,
       json_object('monitoring_type', max(r.monitoring_type), 'identified_on', max(r.identified_on)::VARCHAR,
                   'masked_id', max(r.masked_id))::VARCHAR AS detail
FROM d_agriculture_poverty_monitoring r
JOIN $p p ON p.county_code = r.county_hint
WHERE p.enabled AND r.risk_status = 'at_risk' AND r.identified_on <= $as_of AND {_NOT_REGISTERED}
GROUP BY ALL""",
        checklist=(
            ("入户了解家庭经济状况", "Visit and learn the household's situation"),
            ("告知社会救助政策（经本人申请方可启动）", "Explain the policies (only an application starts a case)"),
            ("记录是否申请", "Record whether the person applies"),
        ),
        policy="docs/policy-notes.md §3.1 告知政策、不自动纳入；§1.5",
    ),
    Indicator(
        key="difficult_worker_unmonitored", label_zh="困难职工未纳入监测", label_en="Worker in difficulty not monitored",
        kind="policy_not_applied", population="unregistered", subject="person",
        sources=("trade_union_difficult_workers",), target="township",
        sql=f"""
SELECT {_PERSON_COLS}, max(r.registered_on) AS event_date,
       string_agg(DISTINCT r.registered_on::VARCHAR, ',' ORDER BY r.registered_on::VARCHAR) AS facts,
       json_object('registered_on', max(r.registered_on)::VARCHAR, 'masked_id', max(r.masked_id))::VARCHAR
         AS detail
FROM d_trade_union_difficult_workers r
JOIN $p p ON p.county_code = r.county_hint
WHERE p.enabled AND r.registered_on <= $as_of AND {_NOT_REGISTERED}
GROUP BY ALL""",
        checklist=(
            ("入户了解家庭经济状况", "Visit and learn the household's situation"),
            ("告知可纳入其他困难人员监测及救助政策", "Explain monitoring as another person in hardship"),
            ("记录是否申请", "Record whether the person applies"),
        ),
        policy="实施意见 §6；docs/policy-notes.md §3.3 总工会",
    ),
    Indicator(
        key="review_overdue", label_zh="定期核查逾期", label_en="Periodic review overdue",
        kind="data_quality", population="registered", subject="household",
        sources=(), registry_only=True, target="township",
        thresholds=(Threshold("review_months", "count", "核查周期（月）", "Review every (months)", "月"),),
        sql="""
SELECT h.household_key, NULL::BIGINT AS member_key, NULL::VARCHAR AS person_index, h.county_code,
       h.township_code AS region_hint, h.last_review_on AS event_date, h.last_review_on::VARCHAR AS facts,
       json_object('last_review_on', h.last_review_on::VARCHAR)::VARCHAR AS detail
FROM mon_households h
JOIN $p p ON p.county_code = h.county_code
WHERE p.enabled AND h.recipient AND h.last_review_on < $as_of - to_months(p.review_months::INTEGER)""",
        checklist=(
            ("入户核查家庭人口、收入、财产变化", "Visit: check members, income and property"),
            ("更新家庭信息并重新认定", "Update the registry and re-determine"),
        ),
        policy="docs/policy-notes.md §2.3 定期核查",
    ),
    Indicator(
        key="unregistered_hardship", label_zh="未纳入救助的失业重病低收入人员",
        label_en="Unemployed, seriously ill, low income, not assisted",
        kind="need", population="unregistered", subject="person",
        sources=("hrss_unemployment", "health_serious_illness", "medical_insurance_settlements",
                 "hrss_social_insurance"),
        target="township",
        thresholds=(
            _days(),
            Threshold("min_self_paid", "money", "近期自付医疗费用下限", "Recent self-paid medical costs at least", "元"),
            Threshold("max_monthly_wage", "money", "近6个月月工资上限", "Monthly wage over the last 6 months below",
                      "元"),
        ),
        sql=f"""
WITH ill AS (
  SELECT person_index, 'illness' AS why FROM d_health_serious_illness r
  JOIN $p p ON p.county_code = r.county_hint WHERE {_recent('r.diagnosed_on')}
  UNION ALL
  SELECT r.person_index, 'medical_costs' FROM d_medical_insurance_settlements r
  JOIN $p p ON p.county_code = r.county_hint
  WHERE {_recent('r.settle_date')}
  GROUP BY r.person_index, p.min_self_paid HAVING sum(r.self_paid) >= p.min_self_paid
)
SELECT {_PERSON_COLS}, max(r.registered_on) AS event_date,
       max(r.registered_on)::VARCHAR || '|' || string_agg(DISTINCT ill.why, ',' ORDER BY ill.why) AS facts,
       json_object('unemployed_since', max(r.registered_on)::VARCHAR,
                   'reasons', string_agg(DISTINCT ill.why, ',' ORDER BY ill.why),
                   'masked_id', max(r.masked_id))::VARCHAR AS detail
FROM d_hrss_unemployment r
JOIN ill ON ill.person_index = r.person_index
JOIN $p p ON p.county_code = r.county_hint
WHERE p.enabled AND r.status = 'registered' AND r.registered_on <= $as_of AND {_NOT_REGISTERED}
  AND NOT EXISTS (
    SELECT 1 FROM d_hrss_social_insurance s
    WHERE s.person_index = r.person_index AND s.paid AND s.month > $as_of - INTERVAL 6 MONTH
      AND coalesce(s.wage, s.contribution_base) >= p.max_monthly_wage)
GROUP BY ALL""",
        checklist=(
            ("入户了解家庭经济状况", "Visit and learn the household's situation"),
            ("告知低保、临时救助、医疗救助政策（经本人申请方可启动）",
             "Explain dibao, temporary and medical assistance (only an application starts a case)"),
            ("记录是否申请", "Record whether the person applies"),
        ),
        policy="issue 5 §3；docs/policy-notes.md §3.1 告知政策、不自动纳入",
    ),
    Indicator(
        key="assistance_after_death", label_zh="死亡后仍在发放救助", label_en="Assistance still paid after death",
        kind="data_quality", population="both", subject="person",
        sources=("health_deaths", "public_security_hukou_changes"), target="county",
        thresholds=(Threshold("grace_days", "count", "宽限天数", "Grace period (days)", "天"),),
        sql="""
WITH d AS (
  SELECT person_index, min(death_date) AS d, min(county_hint) AS county_hint, min(region_hint) AS region_hint
  FROM d_health_deaths GROUP BY person_index
  UNION ALL
  SELECT person_index, min(change_date), min(county_hint), min(region_hint) FROM d_public_security_hukou_changes
  WHERE change_type = 'death' GROUP BY person_index
)
SELECT g.household_key, g.member_key, d.person_index, coalesce(g.county_code, min(d.county_hint)) AS county_code,
       coalesce(g.township_code, min(d.region_hint)) AS region_hint, min(d.d) AS event_date,
       string_agg(DISTINCT a.programme || ':' || coalesce(a.start_date::VARCHAR, ''), ','
                  ORDER BY a.programme || ':' || coalesce(a.start_date::VARCHAR, '')) AS facts,
       json_object('death_date', min(d.d)::VARCHAR,
                   'programmes', string_agg(DISTINCT a.programme, ',' ORDER BY a.programme))::VARCHAR AS detail
FROM d
JOIN assistance a ON a.person_index = d.person_index
LEFT JOIN reg g ON g.person_key = d.person_index
JOIN $p p ON p.county_code = coalesce(g.county_code, d.county_hint)
-- A warning only once the grace period is over: an open-ended record (no end date) is not yet
-- "paid after death" while the department still has its grace days to stop it.
WHERE p.enabled AND d.d + to_days(p.grace_days::INTEGER) < $as_of
  AND coalesce(a.end_date, DATE '9999-12-31') > d.d + to_days(p.grace_days::INTEGER)
  AND coalesce(a.start_date, a.end_date) IS NOT NULL
GROUP BY g.household_key, g.member_key, d.person_index, g.county_code, g.township_code""",
        checklist=(
            ("核实死亡日期", "Check the date of death"),
            ("核对各部门发放记录并停发", "Check every department's payments and stop them"),
            ("追回死亡后多发资金", "Recover payments made after death"),
        ),
        policy="docs/policy-notes.md §3.3 民政（殡葬）/ 重复发放；实施意见 §10",
    ),
)

_BY_KEY: Final[dict[str, Indicator]] = {i.key: i for i in INDICATORS}
if len(_BY_KEY) != len(INDICATORS):  # pragma: no cover - caught at import, by any test
    raise ValueError("duplicate indicator keys")


def get_indicator(key: str) -> Indicator:
    """The declared indicator *key*; :class:`KeyError` (with the known keys) otherwise."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown indicator {key!r}; known: {', '.join(sorted(_BY_KEY))}") from None
