"""The programme matrix: every assistance of 实施意见 §15–§26, declared once.

A :class:`Programme` says which department gives it, who qualifies (low-income categories,
urban/rural, conditions on the person), what is given, how the amount is set (a parameter
or the determination), what triggers it (the registry alone, an event such as a disaster
or a hospital stay, the price index, or the determination) and its legal basis.

What the province edits with dated, approved revisions (parameters in
``assistance.yaml``): which programmes are granted without application
(``assistance.auto_enrol_programmes``), which are switched off
(``assistance.disabled_programmes``), every age, stage, category list and amount a
condition names (``param=``).  The structure (which conditions a programme has) is code,
reviewed like code (docs/decisions/0010-assistance-and-payments.md).

The determination's categories and their labels: ``jiuzhu.rules.determination.categories``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any, Final, Literal

from jiuzhu.rules.determination.categories import CATEGORIES
from jiuzhu.rules.exchange.sources import DEPARTMENTS
from jiuzhu.rules.exchange.sources import PROGRAMMES as CHAIN_PROGRAMMES
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.vocab import DisabilityType, SchoolStage, WorkCapacity, code_label_zh

Lookup = Callable[[str], Any]

Gives = Literal["cash", "in_kind", "service", "fee_waiver", "insurance", "loan"]
Trigger = Literal["determination", "registry", "event", "price_index"]
Unit = Literal["household", "member"]
Op = Literal["in", "not_in", ">=", "<", "true", "false", "retirement_window"]

# category code → Chinese label (a view of the one definition)
CATEGORIES_ZH: Final[Mapping[str, str]] = MappingProxyType({c.code: c.label_zh for c in CATEGORIES.values()})
LOW_INCOME: Final = ("tekun", "dibao", "dibao_individual", "marginal", "rigid", "other", "poverty_monitoring")
CORE: Final = ("tekun", "dibao", "dibao_individual", "marginal", "rigid")

DEPARTMENT_ZH: Final[Mapping[str, str]] = MappingProxyType({
    "civil_affairs": "民政部门", "development_reform": "发展改革部门", **DEPARTMENTS,
})
GIVES_ZH: Final[Mapping[str, str]] = MappingProxyType({
    "cash": "现金", "in_kind": "实物", "service": "服务", "fee_waiver": "费用减免", "insurance": "资助参保",
    "loan": "贷款贴息",
})
TRIGGER_ZH: Final[Mapping[str, str]] = MappingProxyType({
    "determination": "认定结果", "registry": "数据比对", "event": "发生事由时", "price_index": "物价指数达到启动条件",
})


@dataclass(frozen=True)
class Cond:
    """One condition on a person: ``field op values`` (or the value of parameter ``param``).

    Fields: age, sex, area, disability_grade, school_stage, work_capacity, employment,
    serious_illness, self_care.  ``retirement_window``: within ``param`` years (inclusive)
    before the statutory retirement age (parameters by sex).
    """

    field: str
    op: Op
    values: tuple[Any, ...] = ()
    param: str | None = None
    label_zh: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Programme:
    key: str  # a code of jiuzhu.rules.exchange.sources.PROGRAMMES (the assistance chain)
    department: str
    clause: str  # 实施意见 §
    legal_ref: str
    gives: Gives
    unit: Unit
    trigger: Trigger
    amount_zh: str
    amount_en: str
    categories: tuple[str, ...] | None = CORE  # None: anyone (no category, no 户籍 restriction)
    categories_param: str | None = None  # the categories come from this parameter instead
    area: Literal["urban", "rural"] | None = None
    conds: tuple[Cond, ...] = ()
    amount_params: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()  # given when any of these is given (same need)
    not_with: tuple[str, ...] = ()  # a duplicate when given together with one of these
    note_zh: str = ""

    @property
    def label_zh(self) -> str:
        return CHAIN_PROGRAMMES[self.key][0]

    @property
    def label_en(self) -> str:
        return CHAIN_PROGRAMMES[self.key][1]

    @property
    def department_zh(self) -> str:
        return DEPARTMENT_ZH.get(self.department, self.department)

    @property
    def matchable(self) -> bool:
        """Whether the registry alone can say the person is owed it now (else: only on an event)."""
        return self.trigger in ("determination", "registry")


_WORKING = (
    Cond("work_capacity", "in", ("full", "partial"), label_zh="有劳动能力或部分丧失劳动能力",
         label_en="able or partly able to work"),
    Cond("employment", "in", ("unemployed", "not_working"), label_zh="失业或无业", label_en="unemployed or not working"),
    Cond("age", ">=", param="assistance.working_age.min", label_zh="年龄不低于", label_en="aged at least"),
    Cond("age", "<", param="assistance.retirement_age.male", label_zh="未到法定退休年龄",
         label_en="below retirement age"),
)

PROGRAMMES: Final[tuple[Programme, ...]] = (
    Programme("dibao", "civil_affairs", "§15", "《社会救助暂行办法》第九条；江西省最低生活保障操作规程", "cash", "household",
              "determination", "补差：（低保标准−人均收入）×保障人数，另加特殊人员增发（认定结果）",
              "Top-up to the standard × members, plus supplements (the determination)",
              categories=("dibao",), amount_params=("dibao.standard", "dibao.supplement_rate.elderly")),
    Programme("tekun", "civil_affairs", "§15", "《社会救助暂行办法》第十四条；民发〔2021〕43号", "cash", "member",
              "determination", "基本生活标准（≥1.3×低保标准）＋按护理等级的照料护理补贴（认定结果）",
              "Basic living (≥ 1.3 × dibao standard) + care allowance by level (the determination)",
              categories=("tekun",), amount_params=("tekun.basic_living_multiplier", "tekun.care.partial_rate")),
    Programme("dibao_individual", "civil_affairs", "§15", "实施意见 第15条；民发〔2021〕57号", "cash", "member",
              "determination", "按单人户计算的低保金（认定结果）", "Dibao computed as a one-person household (the determination)",
              categories=("dibao_individual",), amount_params=("dibao.standard",)),
    Programme("medical_insurance_subsidy", "medical_insurance", "§16", "实施意见 第16条；医保发〔2021〕42号", "insurance",
              "member", "registry", "按类别资助参加城乡居民医保（医保部门标准）",
              "Residents' medical insurance contribution subsidised by category (medical insurance's rates)",
              categories=(*CORE, "poverty_monitoring")),
    Programme("medical_assistance", "medical_insurance", "§16", "实施意见 第16条；国办发〔2021〕42号", "cash", "member",
              "registry", "住院、慢性病长期门诊、重特大疾病费用按比例救助（医保部门标准）",
              "In-patient, chronic and serious-disease costs covered by a share (medical insurance's rates)",
              conds=(Cond("serious_illness", "true", label_zh="患重特大疾病或慢性病", label_en="serious or chronic illness"),),
              note_zh="住院费用救助在发生住院时由医保部门结算（事由触发）。"),
    Programme("education_assistance", "education", "§17", "实施意见 第17条", "cash", "member", "registry",
              "按学段发放助学金、生活补助，减免相关费用（教育部门标准）",
              "Grants, living allowances and fee waivers by school stage (education's rates)",
              categories=LOW_INCOME,
              conds=(Cond("school_stage", "in", param="assistance.education_stages", label_zh="在园在校",
                          label_en="in school"),)),
    Programme("public_rental_housing", "housing", "§18", "实施意见 第18条", "in_kind", "household", "event",
              "配租公共租赁住房（符合当地住房保障条件时）", "A public rental flat (when the local housing conditions are met)",
              area="urban", alternatives=("rent_subsidy",)),
    Programme("rent_subsidy", "housing", "§18", "实施意见 第18条", "cash", "household", "event",
              "发放租赁补贴（住建部门标准）", "Rent subsidy (housing's rates)", area="urban",
              alternatives=("public_rental_housing",)),
    Programme("dilapidated_house_renovation", "housing", "§18", "实施意见 第18条", "cash", "household", "event",
              "农村危房改造补助（住房安全鉴定后）", "Renovation grant (after a housing-safety assessment)", area="rural",
              categories=(*CORE, "poverty_monitoring"), not_with=("disaster_relief",),
              note_zh="已纳入因灾倒损农房恢复重建补助的，不再重复享受。"),
    Programme("employment_assistance", "hrss", "§19", "实施意见 第19条", "service", "member", "registry",
              "贷款贴息、税费减免、培训补贴、社保补贴（人社部门标准）",
              "Loan interest, tax relief, training and social-insurance subsidies (HRSS's rates)",
              categories=("dibao", "dibao_individual", "marginal", "rigid"), conds=_WORKING),
    Programme("public_welfare_post", "hrss", "§19", "实施意见 第19条", "service", "member", "event",
              "公益性岗位安置（岗位开发时）", "A public-welfare job (when posts are available)",
              categories=("dibao", "dibao_individual", "marginal", "rigid"), conds=_WORKING),
    Programme("disaster_relief", "emergency", "§20", "实施意见 第20条", "cash", "household", "event",
              "应急救助、过渡期救助、旱灾临时生活困难救助、冬春临时生活困难救助、遇难人员家庭抚慰、因灾倒损民房恢复重建",
              "Emergency, transition, drought, winter-spring relief, bereavement comfort, rebuilding (five kinds)",
              not_with=("dilapidated_house_renovation",)),
    Programme("pension_contribution_subsidy", "hrss", "§21", "实施意见 第21条", "insurance", "member", "registry",
              "县级政府按档次代缴城乡居民养老保险费", "The county pays the residents' pension contribution at the set level",
              conds=(Cond("age", ">=", param="assistance.contribution_min_age", label_zh="年龄不低于",
                          label_en="aged at least"),
                     Cond("age", "<", param="assistance.pension_age", label_zh="未到领取年龄", label_en="below pension age"),
                     Cond("employment", "not_in", ("student", "retired"), label_zh="非在校学生、未退休",
                          label_en="not a student, not retired")),
              amount_params=("assistance.pension_contribution_base",)),
    Programme("pension_contribution_loan", "hrss", "§21", "实施意见 第21条", "loan", "member", "registry",
              "助保贷款续保缴费，领取养老金前利息由参保地财政补贴", "A loan for contributions; interest paid locally until the pension",
              conds=(Cond("age", "retirement_window", param="assistance.contribution_loan_years",
                          label_zh="距法定退休年龄（含）年数不超过", label_en="years before retirement, at most"),),
              note_zh="以个体身份参加企业职工养老保险、无力续缴由人社部门核实。"),
    Programme("resident_pension", "hrss", "§21", "实施意见 第21条", "cash", "member", "registry",
              "按月发放城乡居民基本养老保险待遇（基础养老金不计入家庭收入）",
              "Residents' pension paid monthly (the basic pension is not counted as income)",
              conds=(Cond("age", ">=", param="assistance.pension_age", label_zh="年满", label_en="aged at least"),
                     Cond("employment", "not_in", ("retired",), label_zh="未领取基本养老保险待遇",
                          label_en="no statutory pension"))),
    Programme("temporary_assistance", "civil_affairs", "§22", "实施意见 第22条；江西省临时救助操作规程（2017）", "cash",
              "household", "event", "急难型≤6倍、支出型≤12倍月低保标准；≤1,000元由乡镇先行救助",
              "Urgent ≤ 6 ×, expenditure ≤ 12 × the monthly standard; ≤ 1,000 yuan paid first by the township",
              categories=None,
              amount_params=("assistance.temporary.small_amount_cap", "assistance.temporary.urgent_multiplier"),
              note_zh="取消户籍地、居住地申请限制。"),
    Programme("homeless_assistance", "civil_affairs", "§23", "实施意见 第23条", "service", "member", "event",
              "生活救助、返乡救助等临时性救助服务", "Food, shelter and return-home help", categories=None),
    Programme("charity_assistance", "civil_affairs", "§24", "实施意见 第24条", "in_kind", "household", "event",
              "救助需求与慈善资源匹配对接", "Needs matched with charity resources", categories=LOW_INCOME),
    Programme("care_service", "civil_affairs", "§25", "实施意见 第25条", "service", "member", "registry",
              "政府购买服务：访视、照料、社会工作服务", "Visits, care and social work bought by the government",
              categories=LOW_INCOME,
              conds=(Cond("self_care", "false", label_zh="生活不能自理", label_en="cannot look after themselves"),)),
    Programme("price_subsidy", "civil_affairs", "§26", "实施意见 第26条；发改价格〔2021〕1553号", "cash", "member",
              "price_index", "月低保标准×CPI（或食品CPI）同比涨幅，启动当月发放",
              "Monthly dibao standard × the CPI (or food CPI) increase, paid in the month triggered",
              categories=None, categories_param="assistance.price_subsidy.categories",
              amount_params=("assistance.price_subsidy.cpi_trigger", "assistance.price_subsidy.food_trigger")),
    Programme("utility_reduction", "development_reform", "§26", "实施意见 第26条", "fee_waiver", "household", "registry",
              "减免一定数额的用水、用气、用电量", "A set quantity of water, gas and electricity free or reduced",
              categories=CORE),
    Programme("funeral_fee_waiver", "civil_affairs", "§26", "实施意见 第26条", "fee_waiver", "member", "event",
              "减免基本殡葬服务费用（去世时）", "Basic funeral services free (on death)", categories=CORE),
    Programme("disability_subsidies", "disabled_federation", "§26", "实施意见 第26条", "cash", "member", "registry",
              "困难残疾人生活补贴（延伸至低保边缘家庭成员）", "Living subsidy for disabled people in hardship (extended to marginal)",
              categories=None, categories_param="assistance.disability_subsidy_categories",
              conds=(Cond("disability_grade", "in", (1, 2, 3, 4), label_zh="持残疾人证（一至四级）",
                          label_en="certified disability (grade 1–4)"),)),
    Programme("legal_aid", "justice", "§26", "实施意见 第26条；《法律援助法》", "service", "member", "event",
              "法律援助，免予核查经济状况", "Legal aid without an economic check", categories=CORE),
    Programme("difficult_worker_support", "trade_union", "§26", "实施意见 第26条", "cash", "member", "event",
              "困难职工帮扶救助和技能培训", "Support and training for workers in difficulty", categories=CORE),
    Programme("poverty_return_support", "agriculture", "§10", "实施意见 第10条", "service", "household", "registry",
              "防止返贫动态监测帮扶措施", "Support against falling back into poverty",
              categories=("poverty_monitoring",)),
)

_BY_KEY: Final[Mapping[str, Programme]] = MappingProxyType({p.key: p for p in PROGRAMMES})
if len(_BY_KEY) != len(PROGRAMMES):  # pragma: no cover - declaration error
    raise ValueError("duplicate programme keys")
for _p in PROGRAMMES:
    if _p.key not in CHAIN_PROGRAMMES:  # pragma: no cover - declaration error
        raise ValueError(f"programme {_p.key!r} is not an assistance-chain programme")
    if _p.department not in DEPARTMENT_ZH:  # pragma: no cover - declaration error
        raise ValueError(f"programme {_p.key!r}: unknown department {_p.department!r}")


def as_codes(value: Any) -> list[str]:
    """A list parameter: comma-separated text (revisable on the parameter screen) or a list."""
    if isinstance(value, str):
        return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]
    return [str(c) for c in value]


def by_key(key: str) -> Programme:
    return _BY_KEY[key]


CODED_FIELDS: dict[str, Any] = {"school_stage": SchoolStage, "disability_type": DisabilityType,
                                  "work_capacity": WorkCapacity}


def value_zh(field: str, value: Any) -> str:
    """A coded value of a person's field as words (school stage, disability type, work capacity)."""
    enum = CODED_FIELDS.get(field)
    return code_label_zh(enum, str(value)) if enum else str(value)


def who_zh(p: Programme, lookup: Callable[[str], Any]) -> str:
    """Who qualifies, in Chinese, with the parameter values in force."""
    parts: list[str] = []
    cats = as_codes(lookup(p.categories_param)) if p.categories_param else p.categories
    parts.append("不限类别、不限户籍" if cats is None else "、".join(CATEGORIES_ZH.get(c, c) for c in cats))
    if p.area:
        parts.append("城镇" if p.area == "urban" else "农村")
    for c in p.conds:
        value = lookup(c.param) if c.param else (c.values[0] if c.op in (">=", "<") and c.values else "")
        if c.op in ("in", "not_in") and c.param:
            value = "、".join(value_zh(c.field, v) for v in as_codes(value))  # labels, never raw codes
        parts.append(f"{c.label_zh}{value}" if value != "" else c.label_zh)
    return "；".join(parts)


def lookup_for(params: ParameterSet, county: str, area: str, on: date) -> Lookup:
    """A cached parameter look-up for one county (or city), area and date."""
    cache: dict[str, Any] = {}

    def get(path: str) -> Any:
        if path not in cache:
            cache[path] = params.resolve(path, county, area, on).value
        return cache[path]
    return get


def matrix_lines(lookup: Callable[[str], Any]) -> list[str]:
    """One line per programme for ``jiuzhu programmes``: key, department, who, amount, application."""
    auto = set(as_codes(lookup("assistance.auto_enrol_programmes")))
    off = set(as_codes(lookup("assistance.disabled_programmes")))
    out = []
    for p in PROGRAMMES:
        how = "免申即享" if p.key in auto else ("自动随月发放" if p.trigger == "price_index" else "依申请")
        state = " [已暂停]" if p.key in off else ""
        out.append(f"{p.key}\t{p.department_zh}\t{who_zh(p, lookup)}\t{p.amount_zh}\t{how}{state}")
    return out


def matrix_markdown(lookup: Callable[[str], Any]) -> str:
    """The programme matrix as a Markdown table (docs/assistance.md holds it; a test keeps it in step)."""
    auto = set(as_codes(lookup("assistance.auto_enrol_programmes")))
    head = ("| 代码 key | 项目 | 责任部门 | 条款 | 谁符合条件（参数取值为省级现行值） | 给予 | 金额/标准 | 办理 | 依据 |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = []
    for p in PROGRAMMES:
        how = "免申即享" if p.key in auto else ("自动随月发放" if p.trigger == "price_index" else
                                                  ("依申请（发生事由时）" if p.trigger == "event" else "依申请"))
        cells = (f"`{p.key}`", p.label_zh, p.department_zh, p.clause, who_zh(p, lookup), GIVES_ZH[p.gives],
                 p.amount_zh, how, p.legal_ref)
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join([head, *rows])
