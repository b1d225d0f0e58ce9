"""Declared department feeds (部门共享数据): one :class:`Source` per file a department hands over.

Pure Python, no Django.  Issue 4 §1; docs/policy-notes.md §3.3; RELIABILITY R22, R28–R30.

A feed is *data*, not code: its fields (name, type, required, allowed codes), its natural
key, the fields that are personal identifiers (which the platform stores encrypted and
looks up by blind index, R17) and the assistance-chain programme it feeds, if any.  The
readers, the validator, the row-error report, ``jiuzhu sources`` and the Django side all
work from these declarations, so adding a feed is one declaration plus tests
(``docs/adding-a-data-source.md``).

Column names follow the synthetic generator's ``dept_*`` tables
(``jiuzhu/engine/synth/schema.py``) wherever a table exists, so a generated file imports
as-is; a test holds the two in step.  Files from real departments usually carry Chinese
headers, so each field is also recognised by its Chinese label and any listed aliases.

Why every feed also declares *optional* ``name`` and ``region_code`` columns: departments
normally send 姓名 beside the ID number (useful to spot a mistyped ID), and a region code is
what lets the platform keep an uploader inside their own scope (R30).  Neither is in the
generator's files, so both are optional.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

from jiuzhu.rules.text import normalise_text

__all__ = [
    "DEPARTMENTS",
    "IDENT_KINDS",
    "IGNORED_HEADERS",
    "IdentKind",
    "header_aliases",
    "header_key",
    "FIELD_TYPES",
    "PROGRAMMES",
    "SOURCES",
    "Field",
    "FieldType",
    "MaskKind",
    "Source",
    "get_source",
    "suggest_field",
]

FieldType = Literal[
    "text",  # free text: normalise_text (NFKC, trimmed, name dot kept), max_length
    "id_number",  # GB 11643, kept as text; 15-digit numbers upgraded and flagged
    "date",  # 2024-03-07, 2024/3/7, 2024年3月7日, 20240307, or a real date cell
    "money",  # yuan, Decimal with ≤ 2 decimals, never negative, never a float (except xlsx)
    "decimal",  # a non-money quantity with ≤ 2 decimals (floor area in m²)
    "int",  # whole number, optional min/max
    "bool",  # true/false, 1/0, 是/否, Y/N
    "code",  # one of `choices` (the code, or its Chinese label)
    "region_code",  # GB/T 2260 (6 digits) or statistical code (9/12); scope checked by caller
    "mobile",  # mainland mobile number, normalised to 11 digits
]
FIELD_TYPES: Final[frozenset[str]] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]

MaskKind = Literal["id", "name", "phone", "account", "partial", "none"]

# Identifier columns (issue 14 item 1): text made of digits and letters that a spreadsheet
# would damage if it stored them as numbers.  Every kind must arrive as text; the kind adds
# its own normal form and checks:
#   code        — a reference (settlement, contract, case, project number): kept as written;
#   certificate — a certificate number: upper-cased (an ID-based number may end in X);
#   account     — a bank account: digits only, spaces and hyphens removed;
#   bank_code   — a bank code: digits only, of a declared width (leading zeros kept);
#   credit_code — a unified social credit code: 18 characters, GB 32100 check character;
#   plate       — a number plate: upper-cased, spaces, dots and hyphens removed.
IdentKind = Literal["code", "certificate", "account", "bank_code", "credit_code", "plate"]
IDENT_KINDS: Final[frozenset[str]] = frozenset(IdentKind.__args__)  # type: ignore[attr-defined]

# Headers that every feed ignores (never stored): the row number and the remarks column of
# nearly every office template.  A department's own mapping (jiuzhu mapping set) may ignore
# more columns, or map these to a field.
IGNORED_HEADERS: Final[tuple[str, ...]] = ("序号", "序", "行号", "No.", "备注")

# The department codes of ``jiuzhu.apps.core.choices.Department`` that send feeds (a test
# checks they agree; this package must not import Django).  Chinese labels for the
# ``jiuzhu sources`` listing and the report.
DEPARTMENTS: Final[Mapping[str, str]] = MappingProxyType({
    "education": "教育部门",
    "hrss": "人力资源和社会保障部门",
    "agriculture": "农业农村部门",
    "health": "卫生健康部门",
    "medical_insurance": "医疗保障部门",
    "disabled_federation": "残疾人联合会",
    "trade_union": "总工会",
    "housing": "住房和城乡建设部门",
    "emergency": "应急管理部门",
    "justice": "司法行政部门",
    "public_security": "公安部门",
    "natural_resources": "自然资源部门",
    "market_regulation": "市场监督管理部门",
    "banks": "银行（经授权）",
})

# Assistance-chain programmes (一户（人）一条救助链, issue 4 §4; docs/policy-notes.md §4.6) that a feed
# can record.  code → (Chinese, English).  The platform's own decisions (dibao, tekun,
# temporary assistance) are added to the chain by the Django side, not by feeds.
PROGRAMMES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType({
    "education_assistance": ("教育救助", "Education assistance"),
    "unemployment_benefit": ("失业保险待遇", "Unemployment benefit"),
    "medical_assistance": ("医疗救助", "Medical assistance"),
    "disability_subsidies": ("残疾人两项补贴", "Disability living and nursing subsidies"),
    "difficult_worker_support": ("困难职工帮扶", "Support for workers in difficulty"),
    "public_rental_housing": ("公共租赁住房", "Public rental housing"),
    "rent_subsidy": ("租赁补贴", "Rent subsidy"),
    "dilapidated_house_renovation": ("农村危房改造", "Dilapidated-house renovation"),
    "disaster_relief": ("受灾人员救助", "Disaster-victim relief"),
    "legal_aid": ("法律援助", "Legal aid"),
    "poverty_return_support": ("防止返贫帮扶", "Support against falling back into poverty"),
    # Decided on this platform (civil affairs) and written to the chain by its own apps.
    "dibao": ("最低生活保障", "Minimum living guarantee (dibao)"),
    "tekun": ("特困人员救助供养", "Support for persons in extreme poverty (tekun)"),
    "temporary_assistance": ("临时救助", "Temporary assistance"),
    "medical_insurance_subsidy": ("资助参加城乡居民医保", "Subsidised residents' medical insurance"),
    "pension_contribution_subsidy": ("代缴城乡居民养老保险费", "Residents' pension contribution paid"),
    "price_subsidy": ("价格临时补贴", "Price-linked temporary subsidy"),
    # The programme matrix (jiuzhu/rules/programmes, issue 7): programmes without a feed yet.
    "dibao_individual": ("单人户纳入低保", "Dibao for one person as a single-person household"),
    "employment_assistance": ("就业救助", "Employment assistance"),
    "public_welfare_post": ("公益性岗位安置", "Public-welfare job placement"),
    "pension_contribution_loan": ("助保贷款", "Pension contribution loan"),
    "resident_pension": ("城乡居民养老保险待遇（按月）", "Residents' pension paid monthly"),
    "homeless_assistance": ("生活无着流浪乞讨人员救助", "Assistance to homeless and begging people"),
    "utility_reduction": ("水电气减免", "Water, gas and electricity reductions"),
    "funeral_fee_waiver": ("殡葬费用减免", "Funeral fee waiver"),
    "charity_assistance": ("慈善帮扶", "Charity assistance"),
    "care_service": ("服务类社会救助（访视照料）", "Service assistance (visits and care)"),
})

_ID_NUMBER_MEANING: Final = "居民身份证号码（18位，GB 11643），按文本保存"


@dataclass(frozen=True)
class Field:
    """One column of a feed.

    ``name`` is the canonical column name (as in the generator's files); a header is
    recognised by ``name``, ``label_zh`` or any of ``aliases`` after text normalisation
    and, for Latin names, case folding.  ``choices`` are ``(code, Chinese label)`` pairs;
    a cell may hold either.  ``personal`` marks a personal identifier that the platform
    stores encrypted (R17) and that row reports mask (R13).

    Issue 14 and 13 additions, each a declaration rather than code:
    ``ident`` marks an identifier column (:data:`IdentKind`) and ``widths`` its allowed
    lengths (a fixed-width code keeps its leading zeros or is refused); ``month`` makes a
    date field a month (``2024-03``, ``2024年3月``; stored as the first day); ``future`` lets a
    date lie after the upload day (lease end dates) — every other date may not;
    ``negative`` lets an amount be negative (refunds, reversals); ``spellings`` are further
    ways departments write a value of a code, bool or int field (``("肢体", "physical")``,
    ``("在读", True)``, ``("一级", 1)``).
    """

    name: str
    type: FieldType
    label_zh: str
    label_en: str
    required: bool = True
    meaning: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()
    personal: bool = False
    mask: MaskKind | None = None  # None: derived from type and `personal`
    max_length: int = 200
    min_value: int | None = None
    max_value: int | None = None
    ident: IdentKind | None = None
    widths: tuple[int, ...] = ()
    month: bool = False
    future: bool = False
    negative: bool = False
    spellings: tuple[tuple[str, object], ...] = ()

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown type {self.type!r}")
        if self.type == "code" and not self.choices:
            raise ValueError(f"field {self.name!r}: a code field needs choices")
        if self.type != "code" and self.choices:
            raise ValueError(f"field {self.name!r}: only code fields have choices")
        if len({c for c, _ in self.choices}) != len(self.choices):
            raise ValueError(f"field {self.name!r}: duplicate choice codes")
        if self.ident is not None and (self.type != "text" or self.ident not in IDENT_KINDS):
            raise ValueError(f"field {self.name!r}: ident {self.ident!r} needs a text field and a known kind")
        if self.widths and self.ident is None:
            raise ValueError(f"field {self.name!r}: widths are for identifier fields")
        if (self.month or self.future) and self.type != "date":
            raise ValueError(f"field {self.name!r}: month/future are for date fields")
        if self.negative and self.type != "money":
            raise ValueError(f"field {self.name!r}: negative is for money fields")
        self._check_spellings()

    def _check_spellings(self) -> None:
        if self.spellings and self.type not in ("code", "bool", "int"):
            raise ValueError(f"field {self.name!r}: spellings are for code, bool and int fields")
        seen: dict[str, object] = {}
        for spelling, value in self.spellings:
            ok = (value in self.codes if self.type == "code" else isinstance(value, bool)
                  if self.type == "bool" else isinstance(value, int) and not isinstance(value, bool))
            if not ok:
                raise ValueError(f"field {self.name!r}: spelling {spelling!r} maps to an invalid value")
            key = spelling_key(spelling)
            if seen.setdefault(key, value) != value:
                raise ValueError(f"field {self.name!r}: spelling {spelling!r} maps to two values")
            clash = [c for c, zh in self.choices if c != value and key in (spelling_key(c), spelling_key(zh))]
            if clash:
                raise ValueError(f"field {self.name!r}: spelling {spelling!r} is code/label of {clash[0]!r}")

    @property
    def spelling_map(self) -> Mapping[str, object]:
        """Declared spellings in :func:`spelling_key` form → value."""
        return {spelling_key(s): v for s, v in self.spellings}

    @property
    def codes(self) -> frozenset[str]:
        """The allowed codes of a ``code`` field."""
        return frozenset(c for c, _ in self.choices)

    @property
    def mask_kind(self) -> MaskKind:
        """How values of this field are masked in row reports (R13)."""
        if self.mask is not None:
            return self.mask
        if self.type == "id_number":
            return "id"
        if self.type == "mobile":
            return "phone"
        return "partial" if self.personal else "none"


@dataclass(frozen=True)
class Source:
    """A declared department feed.

    ``natural_key`` names the fields that identify one fact in the feed (two rows with the
    same key in one file are duplicates or, if they differ, a conflict: RELIABILITY U7).
    ``encrypt`` lists the personal identifiers the platform stores encrypted; ``programme``
    is the assistance-chain programme (:data:`PROGRAMMES`) the feed records, if any.
    ``expected_every_days`` is the rough interval between files (issue 4 §6); ``schedule``
    is what the freshness page checks: ``(period, grace_days)`` with period one of daily,
    weekly, monthly, quarterly, yearly — a feed is late when no file was committed within
    one period plus the grace days after the last one (a test keeps the two in step).
    ``generator_table`` is the synthetic generator's table with the same columns, if any.
    """

    key: str
    department: str
    label_zh: str
    label_en: str
    meaning: str
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    encrypt: tuple[str, ...] = ()
    programme: str | None = None
    expected_every_days: int = 31
    generator_table: str | None = None
    schedule: tuple[str, int] = ("monthly", 7)
    _by_name: Mapping[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"source {self.key!r}: duplicate field names")
        by_name = {f.name: f for f in self.fields}
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))
        if self.department not in DEPARTMENTS:
            raise ValueError(f"source {self.key!r}: unknown department {self.department!r}")
        if self.programme is not None and self.programme not in PROGRAMMES:
            raise ValueError(f"source {self.key!r}: unknown programme {self.programme!r}")
        if not self.natural_key:
            raise ValueError(f"source {self.key!r}: a natural key is required")
        for group, what in ((self.natural_key, "natural key"), (self.encrypt, "encrypt")):
            for name in group:
                if name not in by_name:
                    raise ValueError(f"source {self.key!r}: {what} field {name!r} is not declared")
        for f in self.fields:
            if f.personal and f.name not in self.encrypt:
                raise ValueError(
                    f"source {self.key!r}: personal field {f.name!r} must be listed in encrypt"
                )
        for name in self.encrypt:
            if not by_name[name].personal:
                raise ValueError(f"source {self.key!r}: encrypted field {name!r} is not personal")
        # Header aliases must be unambiguous, or a column could silently land in the
        # wrong field.
        seen: dict[str, str] = {}
        for f in self.fields:
            if header_aliases(f) & IGNORED_HEADER_KEYS:
                raise ValueError(f"source {self.key!r}: field {f.name!r} uses an ignored header")
            for alias in header_aliases(f):
                other = seen.setdefault(alias, f.name)
                if other != f.name:
                    raise ValueError(
                        f"source {self.key!r}: header {alias!r} names both {other!r} and {f.name!r}"
                    )

    def field(self, name: str) -> Field:
        """The field called *name*; :class:`KeyError` if it is not declared."""
        return self._by_name[name]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def person_field(self) -> str:
        """The field naming the person a record is about (``id_number``, or the first ID field)."""
        if "id_number" in self._by_name:
            return "id_number"
        return next(f.name for f in self.fields if f.type == "id_number")


def spelling_key(text: str) -> str:
    """The form in which cell values are compared with declared spellings and labels."""
    return normalise_text(text).casefold().replace(" ", "")


def header_key(text: str) -> str:
    """The form in which headers are compared: normalised text, case-folded, no spaces.

    A header typed with full-width letters, a BOM, NBSP, inner spaces or different case
    still matches (``"ID_Number"``, ``"身份证号 "``, ``"\ufeff身份证号"``).
    """
    return normalise_text(text).casefold().replace(" ", "")


def header_aliases(f: Field) -> frozenset[str]:
    """Every header text (in :func:`header_key` form) that names field *f*."""
    return frozenset(header_key(a) for a in (f.name, f.label_zh, *f.aliases))


IGNORED_HEADER_KEYS: Final[frozenset[str]] = frozenset(header_key(h) for h in IGNORED_HEADERS)


def suggest_field(source: Source, header: str, exclude: frozenset[str] = frozenset()) -> Field | None:
    """The field whose name, label or alias is nearest to an unknown *header*, if any is near.

    A hint for the data officer ("医疗总费用" → 总费用 total_cost, "结算时间" → 结算日期
    settle_date), never applied without their saying so.  Similarity is difflib's ratio on
    the header-key forms, raised when one text contains the other; fields in *exclude* (the
    ones other columns already supply) are not suggested.
    """
    key = header_key(header)
    if not key:
        return None
    best: tuple[float, Field] | None = None
    for f in source.fields:
        if f.name in exclude:
            continue
        # A header saying what kind of value it holds (…时间, …金额, …编号) leans towards
        # fields of that kind: 结算时间 is nearer 结算日期 than 结算编号.
        hint = 0.1 if any(w in key for w in _TYPE_HINTS.get(f.type, ())) else 0.0
        if f.ident is not None and any(w in key for w in ("号", "码")):
            hint = 0.1
        for alias in header_aliases(f):
            score = difflib.SequenceMatcher(None, key, alias).ratio()
            if len(alias) >= 2 and (alias in key or key in alias):
                score = max(score, 0.75)
            score += hint
            if best is None or score > best[0]:
                best = (score, f)
    return best[1] if best is not None and best[0] >= 0.5 else None


_TYPE_HINTS: Final[dict[str, tuple[str, ...]]] = {
    "date": ("日期", "时间", "月份", "年月", "日"),
    "money": ("金额", "费用", "支付", "额", "元", "补贴", "补助"),
    "id_number": ("身份", "证件"),
    "code": ("类别", "类型", "状态", "等级"),
    "int": ("级", "年度", "数"),
    "bool": ("是否",),
    "mobile": ("电话", "手机"),
    "region_code": ("区划", "地区"),
}


# --------------------------------------------------------------------------- field helpers
# Small constructors for the columns most feeds share, so each declaration below reads as
# a list of what is specific to it.


def _id(name: str = "id_number", label: str = "身份证号", required: bool = True,
        en: str = "ID number", meaning: str = _ID_NUMBER_MEANING) -> Field:
    aliases = ("身份证号码", "公民身份号码", "证件号码", "身份证") if name == "id_number" else ()
    return Field(name, "id_number", label, en, required=required, meaning=meaning,
                 aliases=aliases, personal=True)


def _name(required: bool = False) -> Field:
    return Field("name", "text", "姓名", "Name", required=required, personal=True, mask="name",
                 max_length=100, meaning="姓名（可选），用于核对身份证号")


def _region(label: str = "行政区划代码", meaning: str = "") -> Field:
    return Field("region_code", "region_code", label, "Region code", required=False,
                 aliases=("区划代码", "所在地区划代码"),
                 meaning=meaning or "户籍或居住地行政区划代码（6/9/12位）；上传人只能上传本辖区的数据")


def _date(name: str, zh: str, en: str, required: bool = True, meaning: str = "",
          aliases: tuple[str, ...] = (), future: bool = False) -> Field:
    return Field(name, "date", zh, en, required=required, meaning=meaning, aliases=aliases, future=future)


def _month(name: str, zh: str, en: str, required: bool = True, meaning: str = "") -> Field:
    return Field(name, "date", zh, en, required=required, month=True,
                 meaning=meaning or "月份（如 2024-03 或 2024年3月；保存为该月第一天）")


def _money(name: str, zh: str, en: str, required: bool = True, meaning: str = "",
           negative: bool = False) -> Field:
    default = "金额（元），最多两位小数" + ("；退费、冲销为负数" if negative else "")
    return Field(name, "money", zh, en, required=required, meaning=meaning or default, negative=negative)


def _code(name: str, zh: str, en: str, choices: tuple[tuple[str, str], ...],
          required: bool = True, meaning: str = "", spellings: tuple[tuple[str, object], ...] = ()) -> Field:
    return Field(name, "code", zh, en, required=required, choices=choices, meaning=meaning, spellings=spellings)


def _text(name: str, zh: str, en: str, required: bool = True, personal: bool = False,
          max_length: int = 200, meaning: str = "", mask: MaskKind | None = None) -> Field:
    return Field(name, "text", zh, en, required=required, personal=personal,
                 max_length=max_length, meaning=meaning, mask=mask)


def _bool(name: str, zh: str, en: str, required: bool = True, meaning: str = "",
          spellings: tuple[tuple[str, object], ...] = ()) -> Field:
    return Field(name, "bool", zh, en, required=required, meaning=meaning, spellings=spellings)


def _ident(name: str, zh: str, en: str, kind: IdentKind, required: bool = True, personal: bool = False,
           max_length: int = 40, meaning: str = "", mask: MaskKind | None = None,
           widths: tuple[int, ...] = ()) -> Field:
    return Field(name, "text", zh, en, required=required, personal=personal, max_length=max_length,
                 meaning=meaning, mask=mask, ident=kind, widths=widths)


def _person(*fields: Field) -> tuple[Field, ...]:
    """ID number first, then the feed's own fields, then the optional name and region."""
    return (_id(), *fields, _name(), _region())


# --------------------------------------------------------------------------- code lists
# Kept in step with the generator (jiuzhu/engine/synth/feeds.py, world.py, items.py) and
# jiuzhu.rules.vocab by tests; the generator's codes are the platform's codes.

SCHOOL_STAGES: Final = (
    ("preschool", "学前教育"), ("primary", "小学"), ("junior", "初中"), ("senior", "普通高中"),
    ("vocational", "中等职业教育"), ("higher", "高等教育"),
)
UNEMPLOYMENT_STATUS: Final = (("registered", "登记失业"), ("reemployed", "已再就业"),
                              ("cancelled", "已注销"))
PENSION_TYPES: Final = (("enterprise", "企业职工基本养老保险"),
                        ("residents_basic", "城乡居民基本养老保险"))
MONITORING_TYPES: Final = (("unstable", "脱贫不稳定户"), ("edge", "边缘易致贫户"),
                           ("sudden", "突发严重困难户"))
RISK_STATUS: Final = (("at_risk", "风险未消除"), ("eliminated", "风险已消除"))
SERIOUS_ILLNESSES: Final = (
    ("malignant_tumour", "恶性肿瘤"), ("uremia", "尿毒症"), ("leukaemia", "白血病"),
    ("severe_mental", "重性精神病"), ("congenital_heart", "先天性心脏病"),
    ("aplastic_anaemia", "再生障碍性贫血"), ("haemophilia", "血友病"),
    ("organ_transplant", "器官移植"), ("stroke_sequelae", "脑卒中后遗症"),
    ("mdr_tuberculosis", "耐多药肺结核"),
)
COMMON_DISEASES: Final = (
    ("hypertension", "高血压"), ("diabetes", "糖尿病"), ("copd", "慢性阻塞性肺病"),
    ("coronary_heart", "冠心病"), ("fracture", "骨折"), ("pneumonia", "肺炎"),
    ("gastritis", "胃炎"), ("cataract", "白内障"), ("common_outpatient", "普通门诊"),
)
DISABILITY_TYPES: Final = (
    ("visual", "视力残疾"), ("hearing", "听力残疾"), ("speech", "言语残疾"),
    ("physical", "肢体残疾"), ("intellectual", "智力残疾"), ("mental", "精神残疾"),
    ("multiple", "多重残疾"),
)
VEHICLE_TYPES: Final = (
    ("small_car", "小型汽车"), ("motor_tricycle", "三轮汽车/农用三轮车"),
    ("disabled_mobility", "残疾人机动轮椅车"), ("motorcycle", "摩托车"), ("truck", "货车"),
    ("agricultural", "拖拉机/农业机械"),
)
ENTITY_TYPES: Final = (("enterprise", "企业"), ("individual", "个体工商户"),
                       ("cooperative", "农民专业合作社"))
BUSINESS_ROLES: Final = (("legal_rep", "法定代表人"), ("shareholder", "股东/出资人"),
                         ("operator", "经营者"))
BUSINESS_STATUS: Final = (("active", "存续"), ("cancelled", "注销"), ("revoked", "吊销"))
DISASTER_TYPES: Final = (
    ("flood", "洪涝"), ("rainstorm", "暴雨"), ("drought", "干旱"), ("landslide", "山体滑坡"),
    ("hail", "冰雹"), ("fire", "火灾"), ("low_temperature_freezing", "低温冷冻"),
    ("typhoon", "台风"),
)
HOUSE_DAMAGE: Final = (("none", "无损"), ("minor", "一般损坏"), ("severe", "严重损坏"),
                       ("collapsed", "倒塌"))
HUKOU_CHANGES: Final = (
    ("death", "死亡注销"), ("moved_out", "迁出"), ("moved_in", "迁入"),
    ("imprisonment", "服刑"), ("military", "入伍"), ("restored", "恢复户口"),
)
RENOVATION_TYPES: Final = (("rebuild", "拆除重建"), ("repair", "修缮加固"))
LEGAL_AID_TYPES: Final = (("civil", "民事"), ("criminal", "刑事"), ("administrative", "行政"),
                          ("labour", "劳动争议"))

# Further spellings of coded values that departments' own systems and templates use (issue 14
# item 10).  Each maps to exactly one code; a test keeps them unambiguous.
_CN_DIGITS: Final = ("一", "二", "三", "四")
GRADE_SPELLINGS: Final = tuple(
    (f"{word}{unit}", n) for n in range(1, 5)
    for word in (str(n), _CN_DIGITS[n - 1], "壹贰叁肆"[n - 1], ("I", "II", "III", "IV")[n - 1])
    for unit in ("级", "级残疾")
)
DISABILITY_TYPE_SPELLINGS: Final = tuple((zh.removesuffix("残疾"), c) for c, zh in DISABILITY_TYPES)
SCHOOL_STAGE_SPELLINGS: Final = (
    ("幼儿园", "preschool"), ("学前", "preschool"), ("高中", "senior"), ("普高", "senior"),
    ("中职", "vocational"), ("中专", "vocational"), ("职高", "vocational"), ("技校", "vocational"),
    ("大学", "higher"), ("本科", "higher"), ("专科", "higher"), ("高职", "higher"), ("研究生", "higher"),
)
ENROLLED_SPELLINGS: Final = (("在读", True), ("在校", True), ("辍学", False), ("休学", False),
                             ("退学", False), ("离校", False))
PAID_SPELLINGS: Final = (("已缴", True), ("已缴费", True), ("足额", True), ("未缴", False),
                         ("未缴费", False), ("欠缴", False))
UNEMPLOYMENT_SPELLINGS: Final = (("失业", "registered"), ("再就业", "reemployed"), ("注销", "cancelled"))
PENSION_SPELLINGS: Final = (("企业养老", "enterprise"), ("企业职工养老保险", "enterprise"),
                            ("城乡居民养老保险", "residents_basic"), ("居民养老", "residents_basic"))
MONITORING_SPELLINGS: Final = (("脱贫不稳定", "unstable"), ("边缘易致贫", "edge"), ("突发严重困难", "sudden"))
RISK_SPELLINGS: Final = (("未消除", "at_risk"), ("已消除", "eliminated"))
HOUSE_DAMAGE_SPELLINGS: Final = (("无", "none"), ("未损坏", "none"), ("无损坏", "none"), ("一般", "minor"),
                                 ("严重", "severe"), ("全倒", "collapsed"))
VEHICLE_SPELLINGS: Final = (("小汽车", "small_car"), ("轿车", "small_car"), ("小型轿车", "small_car"),
                            ("三轮车", "motor_tricycle"), ("摩托", "motorcycle"), ("拖拉机", "agricultural"))
BUSINESS_ROLE_SPELLINGS: Final = (("法人", "legal_rep"), ("法定代表人（负责人）", "legal_rep"),
                                  ("负责人", "legal_rep"), ("股东", "shareholder"), ("出资人", "shareholder"))
BUSINESS_STATUS_SPELLINGS: Final = (("在业", "active"), ("开业", "active"), ("在营", "active"),
                                    ("存续（在营、开业、在册）", "active"))
RENOVATION_SPELLINGS: Final = (("重建", "rebuild"), ("修缮", "repair"), ("加固", "repair"))
HUKOU_SPELLINGS: Final = (("死亡", "death"),)


# --------------------------------------------------------------------------- the feeds

_DECLARED: tuple[Source, ...] = (
    Source(
        key="education_students", department="education",
        label_zh="在校学生（家庭经济困难、在读与辍学）", label_en="Students (hardship, enrolment, drop-out)",
        meaning="教育部门学籍数据：学段、是否家庭经济困难学生、是否在读；辍学的学生 enrolled=否",
        fields=_person(
            _code("school_stage", "学段", "School stage", SCHOOL_STAGES, spellings=SCHOOL_STAGE_SPELLINGS),
            _bool("hardship_flag", "家庭经济困难学生", "From a hard-up family"),
            _bool("enrolled", "在读", "Enrolled", meaning="否 = 辍学或休学", spellings=ENROLLED_SPELLINGS),
            _text("school_name", "学校名称", "School", required=False),
            _date("left_on", "辍学日期", "Drop-out date", required=False),
        ),
        natural_key=("id_number",), encrypt=("id_number", "name"),
        programme="education_assistance", expected_every_days=92, schedule=("quarterly", 15),
        generator_table="dept_students",
    ),
    Source(
        key="hrss_unemployment", department="hrss",
        label_zh="登记失业人员", label_en="Registered unemployed",
        meaning="人社部门失业登记：登记日期与状态（登记失业/已再就业/已注销）",
        fields=_person(
            _date("registered_on", "登记日期", "Registered on"),
            _code("status", "状态", "Status", UNEMPLOYMENT_STATUS, spellings=UNEMPLOYMENT_SPELLINGS),
            _money("benefit_monthly", "失业保险金（月）", "Monthly unemployment benefit",
                   required=False),
        ),
        natural_key=("id_number", "registered_on"), encrypt=("id_number", "name"),
        programme="unemployment_benefit", generator_table="dept_unemployment",
    ),
    Source(
        key="hrss_social_insurance", department="hrss",
        label_zh="社会保险缴费与工资", label_en="Social-insurance contributions and wages",
        meaning="按月的缴费基数与是否足额缴纳；缴费基数近似反映工资收入",
        fields=_person(
            _month("month", "缴费月份", "Month"),
            _money("contribution_base", "缴费基数", "Contribution base"),
            _bool("paid", "已缴费", "Paid", spellings=PAID_SPELLINGS),
            _money("wage", "工资", "Wage", required=False),
            _text("employer", "参保单位", "Employer", required=False),
        ),
        natural_key=("id_number", "month"), encrypt=("id_number", "name"),
        generator_table="dept_social_insurance",
    ),
    Source(
        key="hrss_pensions", department="hrss",
        label_zh="养老金领取", label_en="Pensions",
        meaning="企业职工或城乡居民基本养老保险待遇：月领取额与起始月份",
        fields=_person(
            _code("pension_type", "养老保险类型", "Pension type", PENSION_TYPES, spellings=PENSION_SPELLINGS),
            _money("monthly_amount", "月领取额", "Monthly amount"),
            _month("start_month", "起始月份", "Start month"),
        ),
        natural_key=("id_number", "pension_type"), encrypt=("id_number", "name"),
        generator_table="dept_pensions",
    ),
    Source(
        key="agriculture_poverty_monitoring", department="agriculture",
        label_zh="防止返贫监测对象", label_en="Households monitored against falling back into poverty",
        meaning="农业农村部门防返贫监测：监测户编号、监测类型、风险状态、识别日期",
        fields=_person(
            _ident("household_ref", "监测户编号", "Monitored household ref", "code"),
            _code("monitoring_type", "监测对象类型", "Monitoring type", MONITORING_TYPES,
                  spellings=MONITORING_SPELLINGS),
            _code("risk_status", "风险状态", "Risk status", RISK_STATUS, spellings=RISK_SPELLINGS),
            _date("identified_on", "识别日期", "Identified on"),
        ),
        natural_key=("id_number", "household_ref"), encrypt=("id_number", "name"),
        programme="poverty_return_support", generator_table="dept_poverty_monitoring",
    ),
    Source(
        key="health_serious_illness", department="health",
        label_zh="重病患者", label_en="Serious-illness patients",
        meaning="卫健部门重特大疾病患者名单：病种与确诊日期（只含病种，不含病历）",
        fields=_person(
            _code("disease_code", "病种", "Disease", SERIOUS_ILLNESSES),
            _date("diagnosed_on", "确诊日期", "Diagnosed on"),
        ),
        natural_key=("id_number", "disease_code"), encrypt=("id_number", "name"),
        generator_table="dept_serious_illness",
    ),
    Source(
        key="health_births", department="health",
        label_zh="出生登记", label_en="Births",
        meaning="出生医学证明：新生儿与父母；用于家庭人口变化",
        fields=(
            _ident("birth_cert_no", "出生医学证明编号", "Birth certificate no.", "certificate"),
            _date("birth_date", "出生日期", "Birth date"),
            _id("mother_id_number", "母亲身份证号", en="Mother's ID number"),
            _id("father_id_number", "父亲身份证号", required=False, en="Father's ID number"),
            _id("child_id_number", "新生儿身份证号", required=False, en="Child's ID number"),
            _text("child_name", "新生儿姓名", "Child's name", required=False, personal=True,
                  mask="name", max_length=100),
            _region(),
        ),
        natural_key=("birth_cert_no",),
        encrypt=("mother_id_number", "father_id_number", "child_id_number", "child_name"),
        expected_every_days=31,
    ),
    Source(
        key="health_deaths", department="health",
        label_zh="死亡登记", label_en="Deaths",
        meaning="卫健部门死亡医学证明：死亡日期；触发待遇终止核查",
        fields=_person(_date("death_date", "死亡日期", "Date of death")),
        natural_key=("id_number",), encrypt=("id_number", "name"),
        expected_every_days=31, generator_table="dept_deaths",
    ),
    Source(
        key="medical_insurance_settlements", department="medical_insurance",
        label_zh="医保结算", label_en="Medical-insurance settlements",
        meaning="每次结算的总费用、统筹支付、个人自付与病种；慢特病标识",
        fields=(
            _ident("settlement_id", "结算编号", "Settlement ID", "code"),
            _id(),
            _date("settle_date", "结算日期", "Settlement date"),
            _money("total_cost", "总费用", "Total cost", negative=True),
            _money("insurance_paid", "医保支付", "Paid by insurance", negative=True),
            _money("self_paid", "个人自付", "Self-paid", negative=True),
            _code("disease_code", "病种", "Disease", SERIOUS_ILLNESSES + COMMON_DISEASES),
            _bool("chronic_or_serious", "慢特病", "Chronic or serious disease"),
            _money("assistance_paid", "医疗救助支付", "Paid by medical assistance",
                   required=False, negative=True),
            _name(), _region(),
        ),
        natural_key=("id_number", "settle_date", "settlement_id"),
        encrypt=("id_number", "name"),
        programme="medical_assistance", expected_every_days=31,
        generator_table="dept_medical_settlements",
    ),
    Source(
        key="medical_insurance_enrolment", department="medical_insurance",
        label_zh="城乡居民医保参保（含资助参保）", label_en="Residents' medical-insurance enrolment (incl. subsidy)",
        meaning="当年城乡居民基本医疗保险参保登记；是否由医疗救助资助参保及资助金额",
        fields=_person(
            Field("year", "int", "参保年度", "Year", min_value=2000, max_value=2100, meaning="参保所属年度"),
            _date("enrolled_on", "参保登记日期", "Enrolled on"),
            _bool("subsidised", "资助参保", "Contribution subsidised"),
            _money("subsidy_amount", "资助金额", "Subsidy amount", required=False),
        ),
        natural_key=("id_number", "year"), encrypt=("id_number", "name"),
        programme="medical_insurance_subsidy", expected_every_days=92, schedule=("quarterly", 15),
        generator_table="dept_medical_enrolment",
    ),
    Source(
        key="disabled_certificates", department="disabled_federation",
        label_zh="残疾人证", label_en="Disability certificates",
        meaning="残联残疾人证：类别、等级（1级最重）、发证与注销日期、两项补贴",
        fields=_person(
            _ident("cert_no", "残疾人证号", "Certificate no.", "certificate", personal=True, mask="account",
                   max_length=30),
            _code("disability_type", "残疾类别", "Disability type", DISABILITY_TYPES,
                  spellings=DISABILITY_TYPE_SPELLINGS),
            Field("grade", "int", "残疾等级", "Grade", min_value=1, max_value=4,
                  meaning="1–4 级，1 级最重（也可写“一级”“1级”）", spellings=GRADE_SPELLINGS),
            _date("issued_on", "发证日期", "Issued on"),
            _date("cancelled_on", "注销日期", "Cancelled on", required=False),
            _money("living_subsidy_monthly", "困难残疾人生活补贴（月）",
                   "Living subsidy (monthly)", required=False),
            _money("nursing_subsidy_monthly", "重度残疾人护理补贴（月）",
                   "Nursing subsidy (monthly)", required=False),
        ),
        natural_key=("id_number", "cert_no"), encrypt=("id_number", "cert_no", "name"),
        programme="disability_subsidies", generator_table="dept_disability_certs",
    ),
    Source(
        key="trade_union_difficult_workers", department="trade_union",
        label_zh="困难职工", label_en="Workers in difficulty",
        meaning="总工会困难职工档案：建档日期、困难类型、帮扶金额",
        fields=_person(
            _date("registered_on", "建档日期", "Registered on"),
            _text("difficulty_type", "困难类型", "Kind of difficulty", required=False),
            _money("support_amount", "帮扶金额", "Support paid", required=False),
            Field("phone", "mobile", "联系电话", "Mobile", required=False, personal=True),
        ),
        natural_key=("id_number", "registered_on"), encrypt=("id_number", "name", "phone"),
        programme="difficult_worker_support", expected_every_days=92, schedule=("quarterly", 15),
        generator_table="dept_difficult_workers",
    ),
    Source(
        key="housing_public_rental", department="housing",
        label_zh="公共租赁住房", label_en="Public rental housing",
        meaning="住建部门公租房配租：合同编号、起止日期、月租金",
        fields=_person(
            _ident("contract_no", "合同编号", "Contract no.", "code"),
            _date("start_date", "起租日期", "Start date"),
            _date("end_date", "到期日期", "End date", required=False, future=True),
            _money("monthly_rent", "月租金", "Monthly rent", required=False),
        ),
        natural_key=("contract_no",), encrypt=("id_number", "name"),
        programme="public_rental_housing", expected_every_days=92, schedule=("quarterly", 15),
    ),
    Source(
        key="housing_rent_subsidy", department="housing",
        label_zh="住房租赁补贴", label_en="Rent subsidies",
        meaning="按月发放的租赁补贴",
        fields=_person(
            _month("month", "发放月份", "Month"),
            _money("amount", "补贴金额", "Amount"),
        ),
        natural_key=("id_number", "month"), encrypt=("id_number", "name"),
        programme="rent_subsidy",
    ),
    Source(
        key="housing_dilapidated_renovation", department="housing",
        label_zh="农村危房改造", label_en="Dilapidated-house renovation",
        meaning="危房改造项目：改造方式、批准与竣工日期、补助金额",
        fields=_person(
            _ident("project_no", "项目编号", "Project no.", "code"),
            _code("renovation_type", "改造方式", "Renovation type", RENOVATION_TYPES,
                  spellings=RENOVATION_SPELLINGS),
            _date("approved_on", "批准日期", "Approved on"),
            _date("completed_on", "竣工日期", "Completed on", required=False),
            _money("subsidy_amount", "补助金额", "Subsidy"),
            _text("address", "房屋地址", "Address", required=False, personal=True,
                  max_length=300),
        ),
        natural_key=("project_no",), encrypt=("id_number", "name", "address"),
        programme="dilapidated_house_renovation", expected_every_days=92, schedule=("quarterly", 15),
    ),
    Source(
        key="emergency_disaster_victims", department="emergency",
        label_zh="受灾人员", label_en="Disaster victims",
        meaning="应急管理部门受灾人员：灾害日期与类型、房屋损坏程度、已发放救助",
        fields=_person(
            _date("event_date", "受灾日期", "Event date"),
            _code("disaster_type", "灾害类型", "Disaster type", DISASTER_TYPES),
            _code("house_damage", "房屋损坏程度", "House damage", HOUSE_DAMAGE, spellings=HOUSE_DAMAGE_SPELLINGS),
            _money("relief_amount", "救助金额", "Relief given"),
        ),
        natural_key=("id_number", "event_date", "disaster_type"), encrypt=("id_number", "name"),
        programme="disaster_relief", expected_every_days=31,
        generator_table="dept_disaster_victims",
    ),
    Source(
        key="justice_legal_aid", department="justice",
        label_zh="法律援助", label_en="Legal aid",
        meaning="司法行政部门法律援助案件：受理与结案日期、案件类别",
        fields=_person(
            _ident("case_no", "案件编号", "Case no.", "code"),
            _code("case_type", "案件类别", "Case type", LEGAL_AID_TYPES),
            _date("accepted_on", "受理日期", "Accepted on"),
            _date("closed_on", "结案日期", "Closed on", required=False),
            Field("phone", "mobile", "联系电话", "Mobile", required=False, personal=True),
        ),
        natural_key=("case_no",), encrypt=("id_number", "name", "phone"),
        programme="legal_aid", expected_every_days=92, schedule=("quarterly", 15),
    ),
    Source(
        key="justice_prison_release", department="justice",
        label_zh="刑满释放人员", label_en="Released prisoners",
        meaning="刑满释放：释放日期与原服刑起始日期（不含罪名）",
        fields=_person(
            _date("released_on", "释放日期", "Released on"),
            _date("sentence_start", "服刑起始日期", "Sentence start", required=False),
        ),
        natural_key=("id_number", "released_on"), encrypt=("id_number", "name"),
    ),
    Source(
        key="public_security_hukou_changes", department="public_security",
        label_zh="户籍变动", label_en="Household-registration changes",
        meaning="公安户籍变动：死亡注销、迁出/迁入、服刑等；触发终止或重新核算",
        fields=_person(
            _code("change_type", "变动类型", "Change type", HUKOU_CHANGES, spellings=HUKOU_SPELLINGS),
            _date("change_date", "变动日期", "Change date"),
        ),
        natural_key=("id_number", "change_type", "change_date"), encrypt=("id_number", "name"),
        expected_every_days=31, generator_table="dept_hukou_changes",
    ),
    Source(
        key="public_security_vehicles", department="public_security",
        label_zh="机动车登记", label_en="Vehicle registrations",
        meaning="公安交管机动车登记：号牌、车辆类型、登记日期、估值",
        fields=_person(
            _ident("plate", "号牌号码", "Plate", "plate", personal=True, max_length=20),
            _code("vehicle_type", "车辆类型", "Vehicle type", VEHICLE_TYPES, spellings=VEHICLE_SPELLINGS),
            _date("registered_on", "登记日期", "Registered on"),
            _money("value_estimate", "估值", "Estimated value", required=False),
        ),
        natural_key=("id_number", "plate"), encrypt=("id_number", "plate", "name"),
        generator_table="dept_vehicles",
    ),
    Source(
        key="natural_resources_real_estate", department="natural_resources",
        label_zh="不动产登记", label_en="Real-estate registrations",
        meaning="不动产权证号、建筑面积（平方米）、登记日期",
        fields=_person(
            _ident("property_cert_no", "不动产权证号", "Property certificate no.", "certificate",
                   personal=True, max_length=60),
            Field("area_m2", "decimal", "建筑面积（平方米）", "Floor area (m²)"),
            _date("registered_on", "登记日期", "Registered on"),
        ),
        natural_key=("id_number", "property_cert_no"),
        encrypt=("id_number", "property_cert_no", "name"),
        generator_table="dept_real_estate",
    ),
    Source(
        key="market_regulation_businesses", department="market_regulation",
        label_zh="市场主体登记", label_en="Business registrations",
        meaning="企业、个体工商户、合作社登记；本人担任的角色（法定代表人/股东/经营者）与状态",
        fields=_person(
            _ident("credit_code", "统一社会信用代码", "Unified social credit code", "credit_code",
                   max_length=18),
            _code("entity_type", "主体类型", "Entity type", ENTITY_TYPES),
            _code("role", "角色", "Role", BUSINESS_ROLES, spellings=BUSINESS_ROLE_SPELLINGS),
            _date("registered_on", "登记日期", "Registered on"),
            _code("status", "登记状态", "Status", BUSINESS_STATUS, spellings=BUSINESS_STATUS_SPELLINGS),
        ),
        natural_key=("id_number", "credit_code", "role"), encrypt=("id_number", "name"),
        generator_table="dept_businesses",
    ),
    Source(
        key="banks_deposits", department="banks",
        label_zh="存款余额（经授权查询）", label_en="Deposit balances (under authorisation)",
        meaning="经申请人书面授权查询的存款余额：账户、余额、查询基准日、授权书编号",
        fields=_person(
            _ident("bank_code", "银行机构代码", "Bank code", "bank_code", max_length=12, widths=(8, 12),
                   meaning="银联机构代码（8位数字，如工商银行 01020000）或支付系统行号（12位数字），按文本保存"),
            _ident("account_no", "账号", "Account no.", "account", personal=True, mask="account"),
            _money("balance", "余额", "Balance"),
            _date("as_of", "余额日期", "Balance date"),
            _ident("authorisation_ref", "授权书编号", "Authorisation ref", "code", max_length=60),
        ),
        natural_key=("id_number", "account_no", "as_of"),
        encrypt=("id_number", "account_no", "name"), expected_every_days=365, schedule=("yearly", 30),
    ),
)

# A plain dict (the registry other code iterates and looks up); treat it as read-only.
SOURCES: Final[dict[str, Source]] = {s.key: s for s in _DECLARED}
if len(SOURCES) != len(_DECLARED):  # pragma: no cover - caught at import, by any test
    raise ValueError("duplicate source keys")


def get_source(key: str) -> Source:
    """The declared source *key*; :class:`KeyError` (with the known keys) otherwise."""
    try:
        return SOURCES[key]
    except KeyError:
        raise KeyError(f"unknown source {key!r}; known: {', '.join(sorted(SOURCES))}") from None
