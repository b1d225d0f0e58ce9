"""Shared vocabulary of the registry: the coded values every layer uses.

Pure Python (no Django): the registry models, the synthetic generator, the
interchange format and the determination rules all import these, so a code
means one thing everywhere.  Labels are Chinese first; English for the switch.
"""

from __future__ import annotations

from enum import StrEnum


class AreaType(StrEnum):
    """城乡属性 — which dibao standard applies (urban or rural)."""

    URBAN = "urban"
    RURAL = "rural"


class Relation(StrEnum):
    """与户主关系."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    CHILD_IN_LAW = "child_in_law"
    OTHER = "other"


class WorkCapacity(StrEnum):
    """劳动能力."""

    FULL = "full"  # 有劳动能力
    PARTIAL = "partial"  # 部分丧失劳动能力
    NONE = "none"  # 无劳动能力


class CapacityAssessor(StrEnum):
    """Who assessed a member as unable to work (劳动能力评定机构).

    Which of these count for the determination is a dated province parameter
    (``tekun.no_capacity_assessed_by``; docs/decisions/0016).
    """

    LABOUR_APPRAISAL = "labour_appraisal"  # 劳动能力鉴定委员会鉴定（人力资源社会保障部门）
    HOSPITAL = "hospital"  # 二级以上医疗机构诊断证明
    CIVIL_AFFAIRS = "civil_affairs"  # 县级民政部门组织认定


class DisabilityType(StrEnum):
    """残疾类别 (残疾人证)."""

    NONE = "none"
    VISUAL = "visual"  # 视力
    HEARING = "hearing"  # 听力
    SPEECH = "speech"  # 言语
    PHYSICAL = "physical"  # 肢体
    INTELLECTUAL = "intellectual"  # 智力
    MENTAL = "mental"  # 精神
    MULTIPLE = "multiple"  # 多重


class SchoolStage(StrEnum):
    """在读学段."""

    NONE = "none"
    PRESCHOOL = "preschool"  # 学前
    PRIMARY = "primary"  # 小学
    JUNIOR = "junior"  # 初中
    SENIOR = "senior"  # 普通高中
    VOCATIONAL = "vocational"  # 中职
    HIGHER = "higher"  # 高等教育（全日制本科及以下）


class Employment(StrEnum):
    """就业状况."""

    EMPLOYED = "employed"  # 受雇就业
    SELF_EMPLOYED = "self_employed"  # 个体经营
    FARMING = "farming"  # 务农
    UNEMPLOYED = "unemployed"  # 失业
    RETIRED = "retired"  # 退休
    STUDENT = "student"  # 在校
    NOT_WORKING = "not_working"  # 无业/不具备就业条件


class IncomeType(StrEnum):
    """家庭收入四类 (民发〔2021〕57号)."""

    WAGES = "wages"  # 工资性收入
    BUSINESS = "business"  # 经营净收入
    PROPERTY = "property"  # 财产净收入
    TRANSFER = "transfer"  # 转移净收入


class PropertyType(StrEnum):
    """家庭财产."""

    DEPOSIT = "deposit"  # 存款
    SECURITIES = "securities"  # 证券、基金
    INSURANCE = "insurance"  # 商业保险（现金价值）
    VEHICLE = "vehicle"  # 机动车、船舶、大型农机具
    REAL_ESTATE = "real_estate"  # 不动产
    BUSINESS = "business"  # 市场主体登记


class ExpenseType(StrEnum):
    """必要支出 (刚性支出)."""

    MEDICAL = "medical"  # 医疗自付（医保、救助后）
    EDUCATION = "education"  # 教育
    REHABILITATION = "rehabilitation"  # 残疾康复


# The six self-care items (生活自理能力评估, 六项).  A member record holds one
# boolean per item: True = can do it unaided.
ADL_ITEMS: tuple[str, ...] = (
    "adl_eating",  # 自主吃饭
    "adl_dressing",  # 自主穿衣
    "adl_transfer",  # 自主上下床
    "adl_toileting",  # 自主如厕
    "adl_walking",  # 室内自主行走
    "adl_bathing",  # 自主洗澡
)

_ZH: dict[type[StrEnum], dict[str, str]] = {
    AreaType: {"urban": "城镇", "rural": "农村"},
    Relation: {
        "head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母",
        "grandparent": "祖父母/外祖父母", "grandchild": "孙子女/外孙子女",
        "sibling": "兄弟姐妹", "child_in_law": "儿媳/女婿", "other": "其他",
    },
    WorkCapacity: {"full": "有劳动能力", "partial": "部分丧失劳动能力", "none": "无劳动能力"},
    CapacityAssessor: {
        "labour_appraisal": "劳动能力鉴定委员会", "hospital": "二级以上医疗机构",
        "civil_affairs": "县级民政部门",
    },
    DisabilityType: {
        "none": "无", "visual": "视力残疾", "hearing": "听力残疾", "speech": "言语残疾",
        "physical": "肢体残疾", "intellectual": "智力残疾", "mental": "精神残疾",
        "multiple": "多重残疾",
    },
    SchoolStage: {
        "none": "不在读", "preschool": "学前教育", "primary": "小学", "junior": "初中",
        "senior": "普通高中", "vocational": "中等职业教育", "higher": "高等教育",
    },
    Employment: {
        "employed": "受雇就业", "self_employed": "个体经营", "farming": "务农",
        "unemployed": "失业", "retired": "退休", "student": "在校学生", "not_working": "无业",
    },
    IncomeType: {
        "wages": "工资性收入", "business": "经营净收入", "property": "财产净收入",
        "transfer": "转移净收入",
    },
    PropertyType: {
        "deposit": "存款", "securities": "证券/基金", "insurance": "商业保险现金价值",
        "vehicle": "车辆/船舶/大型农机具", "real_estate": "不动产", "business": "市场主体",
    },
    ExpenseType: {"medical": "医疗自付支出", "education": "教育支出", "rehabilitation": "残疾康复支出"},
}

# Income details (subtype) the data commonly carries, as words; other details are free text.
INCOME_SUBTYPE_LABELS_ZH: dict[str, str] = {
    "salary": "工资", "odd_jobs": "零工收入", "small_business": "个体经营收入", "farming": "农业经营收入",
    "rent": "租金", "interest": "利息", "pension_enterprise": "企业职工基本养老金", "alimony": "赡养（抚养、扶养）费",
    "basic_pension": "城乡居民基本养老保险基础养老金", "disability_subsidy": "残疾人两项补贴",
    "elderly_allowance": "高龄津贴", "social_assistance": "社会救助款物", "special_care": "优待抚恤金",
    "family_planning_award": "计划生育奖励与扶助金", "scholarship": "奖学金", "heroism_award": "见义勇为奖励",
}

ADL_LABELS_ZH: dict[str, str] = {
    "adl_eating": "自主吃饭", "adl_dressing": "自主穿衣", "adl_transfer": "自主上下床",
    "adl_toileting": "自主如厕", "adl_walking": "室内自主行走", "adl_bathing": "自主洗澡",
}


def label_zh(member: StrEnum) -> str:
    """The Chinese label of a coded value."""
    return _ZH[type(member)][member.value]


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, Chinese label) pairs, for forms and model fields."""
    return [(m.value, _ZH[enum][m.value]) for m in enum]
