"""The determination rules as small vectorised formulas (认定规则：向量化公式).

Every formula is a function of named arrays; it computes one named intermediate for every
household (or every member) at once.  One household is simply arrays of length one, so the
single-household path and the batch over the whole registry run *these same functions*.
All money is integer fen (``int64``); ratios are integers scaled by ``RATIO_SCALE``;
comparisons are exact integer comparisons — no float anywhere.

Inputs (built by the engine from the snapshot features):

* household level, length H: ``n_members``, ``n_excluded``, ``income_counted_fen`` …
* member level, length M, members of household ``i`` at ``offsets[i]:offsets[i+1]``:
  ``m_age``, ``m_disability_type`` …
* parameters gathered per household, length H: ``p_std_fen`` … (see ``paramtable``).

:func:`compute` evaluates every registered formula in order and returns all of them.  A
formula that is a criterion of a category declares, next to itself, how it explains itself
(:class:`~jiuzhu.rules.determination.sentences.Says`: its sentence in Chinese and English,
the parameters it rests on, its figures and margin); :data:`SECTIONS` says which criteria
make up each category.  The explanation is generated from these declarations and the trace
(``explain.explain_row``), never re-computed or re-typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from jiuzhu.rules.determination.categories import CATEGORIES, PERSON_PRECEDENCE
from jiuzhu.rules.determination.codes import (
    EMP_NO_WORK,
    EMP_WORKING,
    RATIO_SCALE,
    TIER_DIBAO,
    TIER_MARGINAL,
    TIER_NONE,
    TIER_RIGID,
    TIER_TEKUN,
    WC_NONE,
)
from jiuzhu.rules.determination.obligations import CHILD, PARENT, SPOUSE, UNKNOWN, obligation_matrix
from jiuzhu.rules.determination.sentences import Says

__all__ = [
    "BENEFIT_FORMULAS", "FORMULAS", "PARAMS", "SECTIONS", "FormulaSpec", "MemberPart", "ParamSpec", "Section", "compute",
    "formula", "param", "round_div", "round_unit",
]

Array = npt.NDArray[Any]
I64 = npt.NDArray[np.int64]
Vars = dict[str, Array]

_MIN_DAY: Final = -(2**31)


@dataclass(frozen=True, slots=True)
class FormulaSpec:
    """Metadata of one formula: its name, Chinese and English label, the clause, its sentence."""

    name: str
    label_zh: str
    label_en: str
    clause: str
    level: str  # "household" | "member"
    unit: str  # "fen" | "bool" | "int" | "code"
    says: Says | None = None


FORMULAS: list[tuple[FormulaSpec, Callable[[Vars], Array]]] = []
SPECS: dict[str, FormulaSpec] = {}


def formula(
    name: str, label_zh: str, label_en: str, clause: str, *, level: str = "household", unit: str = "fen",
    says: Says | None = None,
) -> Callable[[Callable[[Vars], Array]], Callable[[Vars], Array]]:
    """Register a formula (evaluated in definition order), with its sentence if it has one."""

    def deco(fn: Callable[[Vars], Array]) -> Callable[[Vars], Array]:
        spec = FormulaSpec(name, label_zh, label_en, clause, level, unit, says)
        fn.__doc__ = f"{name}: {label_zh} / {label_en}. 依据 / clause: {clause}."
        FORMULAS.append((spec, fn))
        SPECS[name] = spec
        return fn

    return deco


# --- integer helpers --------------------------------------------------------------------


def round_div(num: I64, den: I64 | int) -> I64:
    """num / den rounded half away from zero, in integers (四舍五入); den > 0."""
    d = np.asarray(den, dtype=np.int64)
    a = np.abs(num)
    q = (2 * a + d) // (2 * d)
    return np.where(num < 0, -q, q).astype(np.int64)


def scale_ratio(amount_fen: I64, ratio_scaled: I64) -> I64:
    """amount × ratio, rounded half up to the fen."""
    return round_div(amount_fen * ratio_scaled, RATIO_SCALE)


def round_unit(fen: I64, unit: I64, mode: I64) -> I64:
    """Round a non-negative amount in fen to the configured unit (元/角/分) and mode.

    mode 0 = HALF_UP (四舍五入), 1 = DOWN (舍去), 2 = UP (进位)."""
    half = (fen + unit // 2) // unit * unit
    down = fen // unit * unit
    up = -((-fen) // unit) * unit
    return np.where(mode == 0, half, np.where(mode == 1, down, up)).astype(np.int64)


def round_unit_ratio(num: I64, den: I64, unit: I64, mode: I64) -> I64:
    """Round the exact non-negative amount num / den (fen) to the unit and mode, rounding once.

    Amounts paid are rounded from the exact figure, never from an already rounded one."""
    d = np.maximum(den, 1) * unit
    half = (2 * num + d) // (2 * d) * unit
    down = num // d * unit
    up = -((-num) // d) * unit
    return np.where(mode == 0, half, np.where(mode == 1, down, up)).astype(np.int64)


def seg_sum(values: Array, offsets: I64) -> I64:
    """Sum of member values per household (members are contiguous per household)."""
    cs = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(values.astype(np.int64))])
    return np.asarray(cs[offsets[1:]] - cs[offsets[:-1]], dtype=np.int64)


def _b(x: Any) -> Array:
    """A boolean array (numpy's stubs type comparisons of untyped arrays as Any)."""
    return np.asarray(x, dtype=np.bool_)


def _m(v: Vars, name: str) -> Array:
    """A household-level array broadcast to members."""
    return v[name][v["m_hh"]]


def _grade_ok(v: Vars, table: str) -> Array:
    """Member's disability grade qualifies under a per-type max-grade table."""
    t = v["m_disability_type"]
    g = v["m_disability_grade"]
    tt = np.clip(t, 0, v[table].shape[1] - 1)
    max_grade = v[table][v["m_hh"], tt]
    return _b((t >= 0) & (g >= 1) & (g <= max_grade))


# --- the parameters the formulas read ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """A parameter a formula reads: the array name (``p_…``), its path in the YAML and kind.

    ``money`` arrives in integer fen, ``ratio`` as an integer × ``RATIO_SCALE``, ``int`` as is.
    ``paramtable`` resolves every declared parameter once per (county, area); a few derived
    ones (disability grade tables, school stages, rounding, look-back days, the minimum wage
    of the county's zone) are built there.
    """

    name: str
    path: str
    kind: str


PARAMS: dict[str, ParamSpec] = {}


def param(name: str, path: str, kind: str) -> None:
    """Declare that the formulas read parameter *path* as the array *name*."""
    if kind not in ("money", "ratio", "int"):
        raise ValueError(f"parameter kind {kind!r}")
    PARAMS[name] = ParamSpec(name, path, kind)


# === 0. validity ============================================================================


@formula("valid", "可认定（参数、成员及出生日期齐全）", "Determinable (parameters, members and birth dates present)", "—", unit="bool")
def _valid(v: Vars) -> Array:
    return _b(v["param_ok"] & (v["n_members"] > 0) & (v["n_no_birth"] == 0))


param("p_std_fen", "dibao.standard", "money")


@formula("dibao_standard_fen", "低保标准（月）", "Dibao standard (monthly)", "实施意见 §1（设区市人民政府确定）")
def _dibao_standard(v: Vars) -> Array:
    return v["p_std_fen"]


# === 1. household income (家庭收入) ===========================================================

param("p_window_months", "income.window_months", "int")
param("p_emp_rate", "income.employment_cost_rate", "ratio")


@formula("window_months", "计算期月数", "Months in the counting window", "CONFIG 计算期", unit="int")
def _window_months(v: Vars) -> Array:
    return np.maximum(v["p_window_months"], 1).astype(np.int64)


@formula(
    "m_employed", "就业成员", "Member in work (employed or self-employed)",
    "CONFIG 就业成本扣减", level="member", unit="bool",
)
def _m_employed(v: Vars) -> Array:
    e = v["m_employment"]
    return _b((e == EMP_WORKING[0]) | (e == EMP_WORKING[1]))


@formula("n_employed", "就业成员人数", "Members in work", "CONFIG 就业成本扣减", unit="int")
def _n_employed(v: Vars) -> Array:
    return seg_sum(v["m_employed"], v["offsets"])


@formula(
    "deduction_per_month_fen", "每名就业成员每月就业成本扣减（最低工资标准×比例）",
    "Employment-cost deduction per working member and month (minimum wage × rate)", "CONFIG 就业成本扣减（本地选择）",
)
def _deduction_per_month(v: Vars) -> Array:
    return scale_ratio(v["p_min_wage_fen"], v["p_emp_rate"])


@formula(
    "employment_deduction_fen", "就业成本扣减额", "Employment-cost deduction",
    "CONFIG：每名就业成员每月 最低工资标准×比例，不超过工资与经营收入",
)
def _employment_deduction(v: Vars) -> Array:
    full = v["n_employed"] * v["p_window_months"] * v["deduction_per_month_fen"]
    return np.asarray(np.minimum(full, np.maximum(v["earned_fen"], 0)), dtype=np.int64)


@formula(
    "household_income_fen", "计算期内家庭收入", "Household income in the window",
    "民发〔2021〕57号 家庭收入；实施意见 §21（基础养老金不计入）",
)
def _household_income(v: Vars) -> Array:
    return np.asarray(v["income_counted_fen"] - v["employment_deduction_fen"], dtype=np.int64)


@formula(
    "income_divisor", "月人均收入的除数（计算期月数 × 共同生活家庭成员人数）", "Divisor of the per-capita income (months × members)",
    "家庭收入 ÷ 计算期月数 ÷ 家庭成员人数", unit="int",
)
def _income_divisor(v: Vars) -> Array:
    # "低于" compares exact amounts: per-capita income < line  ⇔  income < line × months × members
    return np.asarray(np.maximum(v["p_window_months"] * v["n_members"], 1), dtype=np.int64)


@formula(
    "per_capita_income_fen", "家庭月人均收入", "Per-capita monthly income",
    "家庭收入 ÷ 计算期月数 ÷ 共同生活家庭成员人数（四舍五入到分）",
    says=Says(
        id="income", label_zh="家庭收入", label_en="Household income",
        zh="共同生活家庭成员 {n_members} 人（另有 {n_excluded} 人按规定不计入）。计算期 {p[income.window_months]} 个月内计入收入 "
           "{income_counted_fen:yuan} 元（不计入收入 {income_excluded_fen:yuan} 元，见收入明细），"
           "扣减就业成本 {employment_deduction_fen:yuan} 元，家庭收入 {household_income_fen:yuan} 元；"
           "月人均收入 = {household_income_fen:yuan} ÷ {p[income.window_months]} ÷ {n_members} = "
           "{household_income_fen/income_divisor:yuan} 元（分以下不舍入，比较按精确金额）。",
        en="{n_members} household member(s) counted ({n_excluded} excluded by rule). Income counted over "
           "{p[income.window_months]} months: {income_counted_fen:yuan} yuan (not counted: {income_excluded_fen:yuan} yuan, "
           "see the items), less employment costs {employment_deduction_fen:yuan} yuan = {household_income_fen:yuan} "
           "yuan; per-capita monthly income = {household_income_fen/income_divisor:yuan} yuan (exact; compared unrounded).",
        params=("income.window_months", "income.excluded_subtypes", "income.employment_cost_rate"),
        figures=(
            ("members_counted", "{n_members}"), ("members_excluded", "{n_excluded}"),
            ("window_months", "{p[income.window_months]}"), ("income_counted", "{income_counted_fen:yuan}"),
            ("income_not_counted", "{income_excluded_fen:yuan}"),
            ("employment_deduction", "{employment_deduction_fen:yuan}"),
            ("household_income", "{household_income_fen:yuan}"),
            ("per_capita_monthly_income", "{per_capita_income_fen:yuan}"),
            ("per_capita_monthly_income_exact", "{household_income_fen/income_divisor:yuan}"),
        ),
    ),
)
def _per_capita_income(v: Vars) -> Array:
    return round_div(v["household_income_fen"], v["income_divisor"])


@formula(
    "per_capita_before_deduction_fen", "扣减就业成本前的月人均收入（显示值）", "Per-capita monthly income before the employment-cost deduction (display)",
    "CONFIG 就业成本扣减（本地选择）",
)
def _per_capita_before(v: Vars) -> Array:
    return round_div(v["income_counted_fen"], v["income_divisor"])


# === 2. property (家庭财产) ====================================================================


def _property_tests(tier: str) -> None:
    zh = CATEGORIES[tier].short_zh
    months = f"property.{tier}.financial_assets_months"
    param(f"p_{tier}_fin_months", months, "int")
    param(f"p_{tier}_vehicle_max_fen", f"property.{tier}.vehicle_max_value", "money")
    param(f"p_{tier}_re_max", f"property.{tier}.real_estate_max_count", "int")
    param(f"p_{tier}_biz_max", f"property.{tier}.business_max_count", "int")

    @formula(
        f"{tier}_fin_limit_fen", f"{zh}金融资产上限（家庭）", f"{tier}: financial-asset limit (household)",
        "CONFIG 人均金融资产 ≤ 月数 × 低保标准",
    )
    def _limit(v: Vars) -> Array:
        return v[f"p_{tier}_fin_months"] * v["p_std_fen"] * v["n_members"]

    @formula(
        f"{tier}_fin_ok", f"{zh}金融资产在规定以内", f"{tier}: financial assets within limit", "CONFIG", unit="bool",
        says=Says(
            id=f"{tier}.property.financial", label_zh=f"{zh}：金融资产", label_en=f"{tier}: financial assets",
            zh=f"存款、证券、商业保险等金融资产（不含豁免）{{financial_fen:yuan}} 元，{{ok:?不超过|超过}}上限 "
               f"{{{tier}_fin_limit_fen:yuan}} 元（{{n_members}} 人 × {{p[{months}]}} 个月 × 低保标准），{{ok:?符合|不符合}}。",
            en=f"Financial assets (non-exempt) {{financial_fen:yuan}} yuan {{ok:?within|above}} the limit "
               f"{{{tier}_fin_limit_fen:yuan}} yuan: {{ok:?met|not met}}.",
            params=(months, "dibao.standard"),
            figures=(("financial_assets", "{financial_fen:yuan}"), ("limit", f"{{{tier}_fin_limit_fen:yuan}}")),
            margin=(f"{tier}_fin_limit_fen", "financial_fen", f"{tier}_fin_limit_fen"),
        ),
    )
    def _fin(v: Vars) -> Array:
        return v["financial_fen"] <= v[f"{tier}_fin_limit_fen"]

    @formula(
        f"{tier}_vehicle_ok", f"{zh}车辆在规定以内", f"{tier}: vehicles within the rules", "CONFIG", unit="bool",
        says=Says(
            id=f"{tier}.property.vehicle", label_zh=f"{zh}：车辆", label_en=f"{tier}: vehicles",
            zh=f"非豁免车辆 {{vehicle_count}} 辆，最高价值 {{vehicle_max_fen:yuan}} 元，"
               f"上限 {{p[property.{tier}.vehicle_max_value]}} 元，{{ok:?符合|不符合}}。",
            en=f"{{vehicle_count}} non-exempt vehicle(s), highest value {{vehicle_max_fen:yuan}} yuan, "
               f"limit {{p[property.{tier}.vehicle_max_value]}} yuan: {{ok:?met|not met}}.",
            params=(f"property.{tier}.vehicle_max_value",),
            figures=(("vehicle_count", "{vehicle_count}"), ("vehicle_max_value", "{vehicle_max_fen:yuan}")),
        ),
    )
    def _veh(v: Vars) -> Array:
        return _b((v["vehicle_count"] == 0) | (v["vehicle_max_fen"] <= v[f"p_{tier}_vehicle_max_fen"]))

    @formula(
        f"{tier}_real_estate_ok", f"{zh}不动产在规定以内", f"{tier}: real estate within the rules", "CONFIG", unit="bool",
        says=Says(
            id=f"{tier}.property.real_estate", label_zh=f"{zh}：不动产", label_en=f"{tier}: real estate",
            zh=f"非豁免不动产 {{real_estate_count}} 处，上限 {{p[property.{tier}.real_estate_max_count]}} 处，{{ok:?符合|不符合}}。",
            en=f"{{real_estate_count}} non-exempt real-estate item(s), limit "
               f"{{p[property.{tier}.real_estate_max_count]}}: {{ok:?met|not met}}.",
            params=(f"property.{tier}.real_estate_max_count",),
            figures=(("real_estate_count", "{real_estate_count}"),),
        ),
    )
    def _re(v: Vars) -> Array:
        return v["real_estate_count"] <= v[f"p_{tier}_re_max"]

    @formula(
        f"{tier}_business_ok", f"{zh}市场主体在规定以内", f"{tier}: business registrations within the rules", "CONFIG",
        unit="bool",
        says=Says(
            id=f"{tier}.property.business", label_zh=f"{zh}：市场主体", label_en=f"{tier}: business registrations",
            zh=f"非豁免市场主体登记 {{business_count}} 个，上限 {{p[property.{tier}.business_max_count]}} 个，{{ok:?符合|不符合}}。",
            en=f"{{business_count}} non-exempt business registration(s), limit "
               f"{{p[property.{tier}.business_max_count]}}: {{ok:?met|not met}}.",
            params=(f"property.{tier}.business_max_count",),
            figures=(("business_count", "{business_count}"),),
        ),
    )
    def _biz(v: Vars) -> Array:
        return v["business_count"] <= v[f"p_{tier}_biz_max"]

    @formula(
        f"{tier}_property_ok", f"符合{zh}家庭财产状况规定", f"{tier}: property within the rules", "实施意见 §1/§2/§3/§5",
        unit="bool",
        says=Says(
            id=f"{tier}.property", label_zh=f"家庭财产符合{zh}家庭财产标准", label_en=f"Property within the {tier} rules",
            zh=f"财产{{ok:?符合|不符合}}{zh}家庭财产标准。",
            en=f"Property {{ok:?within|outside}} the {tier} rules.",
        ),
    )
    def _all(v: Vars) -> Array:
        return v[f"{tier}_fin_ok"] & v[f"{tier}_vehicle_ok"] & v[f"{tier}_real_estate_ok"] & v[f"{tier}_business_ok"]


for _tier in ("dibao", "marginal", "tekun"):
    _property_tests(_tier)


# === 3. dibao (最低生活保障, §1) ===============================================================


@formula(
    "dibao_line_total_fen", "低保标准 × 计算期月数 × 家庭成员人数", "Dibao standard × months × members",
    "实施意见 §1（精确比较）",
)
def _dibao_line_total(v: Vars) -> Array:
    return v["p_std_fen"] * v["income_divisor"]


@formula(
    "dibao_income_ok", "月人均收入低于低保标准", "Per-capita income below the dibao standard",
    "实施意见 §1 \"低于\"（不含本数，按精确金额比较）", unit="bool",
    says=Says(
        id="dibao.income", label_zh="月人均收入低于当地低保标准", label_en="Per-capita income below the local dibao standard",
        zh="月人均收入 {household_income_fen/income_divisor:yuan} 元{ok:?低于|不低于}低保标准 {dibao_standard_fen:yuan} 元"
           "（{gap:zh}），{ok:?符合|不符合}。",
        en="per-capita monthly income {household_income_fen/income_divisor:yuan} yuan {ok:?is below|is not below} dibao "
           "standard {dibao_standard_fen:yuan} yuan ({gap:en}): {ok:?met|not met}.",
        params=("dibao.standard",),
        figures=(("per-capita monthly income", "{household_income_fen/income_divisor:yuan}"),
                 ("dibao standard", "{dibao_standard_fen:yuan}")),
        margin=("dibao_standard_fen", "household_income_fen/income_divisor", "dibao_standard_fen"),
    ),
)
def _dibao_income_ok(v: Vars) -> Array:
    return v["household_income_fen"] < v["dibao_line_total_fen"]


@formula(
    "dibao_income_ok_without_deduction", "不扣减就业成本时月人均收入低于低保标准", "Below the standard without the employment-cost deduction",
    "CONFIG 就业成本扣减（本地选择）的影响", unit="bool",
)
def _dibao_income_ok_without(v: Vars) -> Array:
    return v["income_counted_fen"] < v["dibao_line_total_fen"]


@formula("dibao_eligible", "符合低保条件", "Meets the dibao conditions", "实施意见 §1", unit="bool")
def _dibao_eligible(v: Vars) -> Array:
    return v["valid"] & v["dibao_income_ok"] & v["dibao_property_ok"]


# === 4. tekun (特困, §2) ========================================================================

param("p_elderly_age", "tekun.elderly_age", "int")
param("p_minor_age", "tekun.minor_age", "int")
param("p_keep_age", "tekun.keep_until_age", "int")
param("p_adult_age", "dibao.minor_age", "int")


@formula(
    "m_elderly", "年满60周岁（含生日当天）", "Aged 60 or over (from the birthday)", "民发〔2021〕43号 第六条",
    level="member", unit="bool",
    says=Says(zh="年满{p[tekun.elderly_age]}周岁（{m_age}岁）", en="aged {m_age} (≥ {p[tekun.elderly_age]})"),
)
def _m_elderly(v: Vars) -> Array:
    return v["m_age"] >= _m(v, "p_elderly_age")


@formula(
    "m_under_16", "未满16周岁", "Under 16", "实施意见 §2", level="member", unit="bool",
    says=Says(zh="未满{p[tekun.minor_age]}周岁（{m_age}岁）", en="aged {m_age} (< {p[tekun.minor_age]})"),
)
def _m_under_16(v: Vars) -> Array:
    return v["m_age"] < _m(v, "p_minor_age")


@formula(
    "m_disability_no_capacity", "残疾类别等级属无劳动能力", "Disability type and grade mean no capacity to work",
    "民发〔2021〕43号 第六条（CONFIG 名单）", level="member", unit="bool",
    says=Says(zh="残疾类别和等级属无劳动能力", en="disability type and grade on the no-capacity list"),
)
def _m_disability_nc(v: Vars) -> Array:
    return _grade_ok(v, "p_tekun_grade")


@formula(
    "m_kept_minor", "特困未成年人延续供养（满18周岁前或在读）", "Tekun minor kept on (until 18, or while in school)",
    "民发〔2021〕43号 第四条", level="member", unit="bool",
    says=Says(zh="特困未成年人延续供养（未满{p[tekun.keep_until_age]}周岁或仍在读）",
              en="tekun minor kept on (under {p[tekun.keep_until_age]} or still in school)"),
)
def _m_kept_minor(v: Vars) -> Array:
    stage = v["m_school_stage"]
    keep_stage = _m(v, "p_keep_stage")
    in_school = np.zeros(len(stage), dtype=np.bool_)
    ok = stage >= 0
    if keep_stage.ndim == 2 and len(stage):
        in_school[ok] = keep_stage[np.nonzero(ok)[0], stage[ok]]
    return v["m_receiving_tekun"] & ((v["m_age"] < _m(v, "p_keep_age")) | in_school)


@formula(
    "m_assessed_no_capacity", "经认可的机构评定为无劳动能力", "Assessed as unable to work by a recognised body",
    "民发〔2021〕43号 第六条（四）省级规定的其他情形（CONFIG，本地选择）", level="member", unit="bool",
    says=Says(zh="经{m_assessed_by:assessor}评定无劳动能力", en="assessed as unable to work ({m_assessed_by:assessor_en})",
              params=("tekun.no_capacity_assessed_by",)),
)
def _m_assessed_no_capacity(v: Vars) -> Array:
    # One reading of work capacity (docs/decisions/0016): a recorded "no capacity to work" counts —
    # for the member's own tekun test and when he is someone's supporter alike — when a body the
    # province recognises assessed it; an assessment by no recognised body counts for neither.
    code = v["m_assessed_by"]
    table = _m(v, "p_assessed_by")
    ok = np.zeros(len(code), dtype=np.bool_)
    known = code >= 0
    if table.ndim == 2 and len(code):
        ok[known] = table[np.nonzero(known)[0], code[known]]
    return _b((v["m_work_capacity"] == WC_NONE) & ok)


@formula(
    "m_no_capacity", "无劳动能力", "No capacity to work", "实施意见 §2；民发〔2021〕43号 第六条", level="member", unit="bool",
    says=Says(
        id="tekun.no_capacity",
        zh="{ok:?无劳动能力：{because_zh}。|{m_age}岁，不属于无劳动能力情形。}",
        en="{ok:?No capacity to work: {because_en}.|Aged {m_age}: not in a no-capacity case.}",
        because=("m_elderly", "m_under_16", "m_disability_no_capacity", "m_kept_minor", "m_assessed_no_capacity"),
        params=("tekun.elderly_age", "tekun.minor_age", "tekun.disability_no_capacity", "tekun.keep_until_age",
                "tekun.keep_school_stages", "tekun.no_capacity_assessed_by"),
        figures=(("age", "{m_age}"),),
    ),
)
def _m_no_capacity(v: Vars) -> Array:
    return v["m_elderly"] | v["m_under_16"] | v["m_disability_no_capacity"] | v["m_kept_minor"] | v["m_assessed_no_capacity"]


@formula(
    "m_able_adult", "有劳动能力的成年家庭成员", "Adult member with capacity to work", "docs/policy-notes.md §4.1（无收入且无劳动能力按标准全额）",
    level="member", unit="bool",
)
def _m_able_adult(v: Vars) -> Array:
    return _b((v["m_age"] >= _m(v, "p_adult_age")) & ~v["m_no_capacity"])


@formula("n_able_adults", "有劳动能力的成年成员人数", "Adult members with capacity to work", "—", unit="int")
def _n_able_adults(v: Vars) -> Array:
    return seg_sum(v["m_able_adult"], v["offsets"])


# --- no means of living: the person's own (issue 15 item 1) ---------------------------------
# A member's own means are his own counted income and property plus an equal share of what the
# household holds without a member recorded (a family business, a joint deposit); unattributed
# vehicles, houses and businesses count against every member.  Compared exactly: own share < line
# ⇔ own × members + unattributed < line × members.


@formula(
    "m_income_share_scaled", "本人计算期收入（含户内未分到个人收入的均摊）× 家庭人数",
    "Own income in the window, with an equal share of unattributed income, × members", "实施意见 §2 无生活来源（本人）",
    level="member",
)
def _m_income_share(v: Vars) -> Array:
    return v["m_own_counted_fen"] * _m(v, "n_members") + _m(v, "unattr_income_fen")


@formula(
    "m_income_below_standard", "本人收入低于当地低保标准", "Own income below the local dibao standard",
    "民发〔2021〕43号 第七条 \"低于\"（精确比较）", level="member", unit="bool",
)
def _m_income_below_standard(v: Vars) -> Array:
    return v["m_income_share_scaled"] < _m(v, "dibao_line_total_fen")


@formula(
    "m_own_fin_ok", "本人金融资产（含均摊）符合特困财产规定", "Own financial assets (with share) within the tekun rules",
    "CONFIG 特困财产规定", level="member", unit="bool",
)
def _m_own_fin_ok(v: Vars) -> Array:
    share = v["m_own_fin_fen"] * _m(v, "n_members") + _m(v, "unattr_fin_fen")
    return share <= _m(v, "tekun_fin_limit_fen")


@formula(
    "m_own_vehicle_ok", "本人（含未登记到个人的）车辆符合特困财产规定", "Own vehicles (and unattributed ones) within the tekun rules",
    "CONFIG 特困财产规定", level="member", unit="bool",
)
def _m_own_vehicle_ok(v: Vars) -> Array:
    count = v["m_own_vehicles"] + _m(v, "unattr_vehicle_count")
    highest = np.maximum(v["m_own_vehicle_max_fen"], _m(v, "unattr_vehicle_max_fen"))
    return _b((count == 0) | (highest <= _m(v, "p_tekun_vehicle_max_fen")))


@formula(
    "m_own_real_estate_ok", "本人（含未登记到个人的）不动产符合特困财产规定", "Own real estate (and unattributed) within the tekun rules",
    "CONFIG 特困财产规定", level="member", unit="bool",
)
def _m_own_re_ok(v: Vars) -> Array:
    return v["m_own_real_estate"] + _m(v, "unattr_re_count") <= _m(v, "p_tekun_re_max")


@formula(
    "m_own_business_ok", "本人（含未登记到个人的）市场主体符合特困财产规定", "Own business registrations (and unattributed) within the tekun rules",
    "CONFIG 特困财产规定", level="member", unit="bool",
)
def _m_own_biz_ok(v: Vars) -> Array:
    return v["m_own_business"] + _m(v, "unattr_biz_count") <= _m(v, "p_tekun_biz_max")


@formula(
    "m_own_property_ok", "本人财产符合特困财产规定", "Own property within the tekun rules", "实施意见 §2；CONFIG 特困财产规定",
    level="member", unit="bool",
)
def _m_own_property_ok(v: Vars) -> Array:
    return v["m_own_fin_ok"] & v["m_own_vehicle_ok"] & v["m_own_real_estate_ok"] & v["m_own_business_ok"]


@formula(
    "m_no_means", "无生活来源（本人收入低于低保标准且本人财产符合特困规定）",
    "No means of living (own income below the standard, own property within the tekun rules)",
    "实施意见 §2；民发〔2021〕43号 第七条", level="member", unit="bool",
    says=Says(
        id="tekun.no_means", label_zh="无生活来源（本人）", label_en="No means of living (own)",
        zh="本人月均收入 {m_income_share_scaled/means_divisor:yuan} 元（本人收入，含户内未分到个人收入的均摊）"
           "{m_income_below_standard:?低于|不低于}低保标准 {dibao_standard_fen:yuan} 元（{gap:zh}）；本人名下（含均摊）"
           "金融资产、车辆、不动产、市场主体{m_own_property_ok:?符合|不符合}特困财产规定"
           "{m_own_fin_ok:?|（金融资产超出）}{m_own_vehicle_ok:?|（有车辆）}{m_own_real_estate_ok:?|（不动产超出）}"
           "{m_own_business_ok:?|（有市场主体）}。",
        en="Own monthly income {m_income_share_scaled/means_divisor:yuan} yuan (own, with a share of unattributed "
           "income) {m_income_below_standard:?below|not below} the dibao standard {dibao_standard_fen:yuan} yuan "
           "({gap:en}); own property {m_own_property_ok:?within|outside} the tekun rules.",
        params=("dibao.standard", "property.tekun.financial_assets_months", "property.tekun.vehicle_max_value",
                "property.tekun.real_estate_max_count", "property.tekun.business_max_count"),
        figures=(("own monthly income", "{m_income_share_scaled/means_divisor:yuan}"),
                 ("dibao standard", "{dibao_standard_fen:yuan}")),
        margin=("dibao_standard_fen", "m_income_share_scaled/means_divisor", "dibao_standard_fen"),
    ),
)
def _m_no_means(v: Vars) -> Array:
    return v["m_income_below_standard"] & v["m_own_property_ok"]


@formula(
    "means_divisor", "本人月均收入的除数（计算期月数 × 家庭人数）", "Divisor of the own monthly income (months × members)",
    "本人收入 ÷ 计算期月数（均摊部分 ÷ 家庭人数）", unit="int",
)
def _means_divisor(v: Vars) -> Array:
    return v["income_divisor"]


# --- who can support whom (issue 15 item 2): legal supporters are someone's supporters ---------

param("p_obligor_old_age", "tekun.obligor_unable.elderly_age", "int")


@formula(
    "m_severe_disability", "重度残疾（一、二级或三级智力、精神）", "Severe disability (grade 1–2, or grade 3 intellectual/mental)",
    "民发〔2021〕57号 第十条；民发〔2021〕43号 第八条（四）", level="member", unit="bool",
)
def _m_severe(v: Vars) -> Array:
    return _grade_ok(v, "p_severe_grade")


@formula(
    "m_income_below_disposable", "本人收入低于上年度当地居民人均可支配收入", "Own income below last year's per-capita disposable income",
    "民发〔2021〕43号 第八条（三）（四）\"低于\"（精确比较）", level="member", unit="bool",
)
def _m_income_below_disposable(v: Vars) -> Array:
    return v["m_income_share_scaled"] * 12 < _m(v, "p_disp_annual_fen") * _m(v, "income_divisor")


@formula(
    "m_obligor_minor", "未成年", "A minor", "民法典 第一千零六十七条（成年子女）", level="member", unit="bool",
    says=Says(zh="未成年（{m_age}岁）", en="a minor ({m_age})"),
)
def _m_obligor_minor(v: Vars) -> Array:
    return v["m_age"] < _m(v, "p_adult_age")


@formula(
    "m_obligor_tekun", "本人正在享受特困人员救助供养", "Receiving tekun support", "民发〔2021〕43号 第八条（一）",
    level="member", unit="bool",
    says=Says(zh="本人为特困人员", en="receives tekun support"),
)
def _m_obligor_tekun(v: Vars) -> Array:
    return v["m_receiving_tekun"]


@formula(
    "m_obligor_without_means", "本人无劳动能力且无生活来源", "No capacity to work and no means of living",
    "民发〔2021〕43号 第八条（一）（二）", level="member", unit="bool",
    says=Says(zh="本人无劳动能力且无生活来源", en="no capacity to work and no means of living"),
)
def _m_obligor_without_means(v: Vars) -> Array:
    return v["m_no_capacity"] & v["m_no_means"]


@formula(
    "m_obligor_elderly_dibao", "年满60周岁的低保对象", "A dibao recipient aged 60 or over", "民发〔2021〕43号 第八条（二）",
    level="member", unit="bool",
    says=Says(zh="年满{p[tekun.elderly_age]}周岁的低保家庭成员", en="aged {m_age}, in a household meeting the dibao conditions"),
)
def _m_obligor_elderly_dibao(v: Vars) -> Array:
    # the household meeting the dibao conditions is not circular (it does not depend on tekun)
    return v["m_elderly"] & _m(v, "dibao_eligible")


@formula(
    "m_obligor_old_low_income", "年满70周岁、本人收入低于上年度人均可支配收入且财产符合特困规定",
    "Aged 70 or over, own income below disposable income, property within the tekun rules", "民发〔2021〕43号 第八条（三）",
    level="member", unit="bool",
    says=Says(zh="年满{p[tekun.obligor_unable.elderly_age]}周岁、本人收入低于上年度人均可支配收入且财产符合特困规定",
              en="aged {m_age} (≥ {p[tekun.obligor_unable.elderly_age]}), own income below disposable income, property within the rules"),
)
def _m_obligor_old_low_income(v: Vars) -> Array:
    return (v["m_age"] >= _m(v, "p_obligor_old_age")) & v["m_income_below_disposable"] & v["m_own_property_ok"]


@formula(
    "m_obligor_severe_low_income", "重度残疾、本人收入低于上年度人均可支配收入且财产符合特困规定",
    "Severely disabled, own income below disposable income, property within the tekun rules", "民发〔2021〕43号 第八条（四）",
    level="member", unit="bool",
    says=Says(zh="重度残疾、本人收入低于上年度人均可支配收入且财产符合特困规定",
              en="severely disabled, own income below disposable income, property within the rules"),
)
def _m_obligor_severe_low_income(v: Vars) -> Array:
    return v["m_severe_disability"] & v["m_income_below_disposable"] & v["m_own_property_ok"]


@formula(
    "m_able_obligor", "作为法定义务人有履行能力", "Able to support as a legal supporter",
    "民发〔2021〕43号 第八条（义务人无履行义务能力的情形）", level="member", unit="bool",
    says=Says(
        id="tekun.able_obligor", label_zh="作为他人的法定义务人", label_en="As a legal supporter of others",
        zh="{ok:?有履行能力（不属于义务人无履行能力的情形）。|无履行能力：{because_zh}。}",
        en="{ok:?Able to support (none of the cases of inability).|Unable to support: {because_en}.}",
        because=("m_obligor_minor", "m_obligor_tekun", "m_obligor_without_means", "m_obligor_elderly_dibao",
                 "m_obligor_old_low_income", "m_obligor_severe_low_income"),
        params=("tekun.obligor_unable.elderly_age", "single.severe_disability", "benchmark.disposable_income"),
    ),
)
def _m_able_obligor(v: Vars) -> Array:
    return ~(
        v["m_obligor_minor"] | v["m_obligor_tekun"] | v["m_obligor_without_means"] | v["m_obligor_elderly_dibao"]
        | v["m_obligor_old_low_income"] | v["m_obligor_severe_low_income"]
    )


@formula(
    "m_dependent", "未成年或不能独立生活的子女", "A minor, or a child who cannot live independently",
    "民法典 第一千零六十七条；婚姻家庭编解释（一）第四十一条", level="member", unit="bool",
)
def _m_dependent(v: Vars) -> Array:
    stage = v["m_school_stage"]
    table = _m(v, "p_dependent_stage")
    in_school = np.zeros(len(stage), dtype=np.bool_)
    ok = stage >= 0
    if table.ndim == 2 and len(stage):
        in_school[ok] = table[np.nonzero(ok)[0], stage[ok]]
    return (v["m_age"] < _m(v, "p_adult_age")) | v["m_no_capacity"] | in_school


def _pairs(v: Vars) -> tuple[I64, I64]:
    """Every ordered pair (i, j), i ≠ j, of members of the same household (vectorised)."""
    offsets, hh = v["offsets"], v["m_hh"]
    reps = np.diff(offsets)[hh]
    i = np.repeat(np.arange(len(hh), dtype=np.int64), reps)
    first = np.repeat(offsets[hh], reps)
    pos = np.arange(len(i), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    j = first + pos
    keep = i != j
    return i[keep], j[keep]


_OBLIGATIONS: Final = obligation_matrix()


@formula(
    "m_member_supporters", "户内对其负有法定义务且有履行能力的成员人数", "Household members owing him support and able to",
    "民法典 第一千零五十九条、第一千零六十七条", level="member", unit="int",
)
def _m_member_supporters(v: Vars) -> Array:
    i, j = _pairs(v)
    kind = _OBLIGATIONS[v["m_relation"][i] + 1, v["m_relation"][j] + 1]
    adult = v["m_age"][i] >= _m(v, "p_adult_age")[i]
    owes = (
        (kind == SPOUSE) | ((kind == PARENT) & v["m_dependent"][j])
        | (((kind == CHILD) | (kind == UNKNOWN)) & adult)
    )
    able = owes & v["m_able_obligor"][i]
    return np.bincount(j[able], minlength=len(v["m_hh"])).astype(np.int64)


@formula(
    "m_no_able_supporter", "无法定义务人或义务人无履行能力", "No legal supporter able to support",
    "实施意见 §2；民发〔2021〕43号 第八条", level="member", unit="bool",
    says=Says(
        id="tekun.no_supporter",
        zh="{ok:?没有|有}具备履行能力的法定义务人：登记为其义务人且有能力的 {m_able_links} 人，"
           "未登记扶养对象、有能力的义务人 {able_unlinked} 人（按全户成员的义务人计），"
           "户内对其负有法定义务且有能力的成员 {m_member_supporters} 人。",
        en="{ok:?No|A} legal supporter able to support: {m_able_links} recorded for this member, {able_unlinked} "
           "without recorded members (read as every member's), {m_member_supporters} household member(s) owing support.",
    ),
)
def _m_no_able_supporter(v: Vars) -> Array:
    return _b((v["m_able_links"] == 0) & (_m(v, "able_unlinked") == 0) & (v["m_member_supporters"] == 0))


@formula(
    "m_not_orphan_child", "不属未满16周岁的孤儿", "Not an orphan under 16", "民发〔2021〕43号 第九条（孤儿纳入孤儿保障）",
    level="member", unit="bool",
    says=Says(
        id="tekun.not_orphan",
        zh="{ok:?不属未满16周岁的孤儿。|未满16周岁的孤儿纳入孤儿保障，不认定为特困人员。}",
        en="{ok:?Not an orphan under 16.|An orphan under 16 is supported as an orphan, not as tekun.}",
    ),
)
def _m_not_orphan_child(v: Vars) -> Array:
    return ~(v["m_orphan"] & v["m_under_16"])


@formula("m_tekun", CATEGORIES["tekun"].label_zh, CATEGORIES["tekun"].label_en, "实施意见 §2", level="member", unit="bool")
def _m_tekun(v: Vars) -> Array:
    return _m(v, "valid") & v["m_no_capacity"] & v["m_no_means"] & v["m_no_able_supporter"] & v["m_not_orphan_child"]


@formula("n_tekun", "特困人员人数", "Tekun members", "实施意见 §2", unit="int")
def _n_tekun(v: Vars) -> Array:
    return seg_sum(v["m_tekun"], v["offsets"])


@formula("tekun_household", "全户均为特困人员", "Every member is tekun", "实施意见 §2（按人认定）", unit="bool")
def _tekun_household(v: Vars) -> Array:
    return _b(v["valid"] & (v["n_tekun"] == v["n_members"]))


@formula(
    "has_tekun", "有特困人员", "A member is tekun", "实施意见 §2（按人认定）", unit="bool",
    says=Says(
        zh="特困人员 {n_tekun} 人{tekun_household:?（全户均为特困人员）|}。",
        en="{n_tekun} tekun person(s){tekun_household:? (every member)|}.",
    ),
)
def _has_tekun(v: Vars) -> Array:
    return v["n_tekun"] > 0


# === 5. dibao-marginal (低保边缘, §3) ===========================================================

param("p_marginal_mult", "dibao.marginal_multiplier", "ratio")


@formula("marginal_line_fen", "低保边缘收入线（1.5倍标准，显示值）", "Marginal income line (display, rounded to fen)", "实施意见 §3")
def _marginal_line(v: Vars) -> Array:
    return scale_ratio(v["p_std_fen"], v["p_marginal_mult"])


@formula(
    "marginal_income_ok", "月人均收入低于低保标准的1.5倍", "Per-capita income below 1.5 × the standard",
    "实施意见 §3 \"低于\"（不含，精确比较）", unit="bool",
    says=Says(
        id="marginal.income",
        zh="月人均收入 {household_income_fen/income_divisor:yuan} 元{ok:?低于|不低于}{p[dibao.marginal_multiplier]}倍低保标准 "
           "{marginal_line_exact_scaled/1000000:yuan} 元（{gap:zh}），{ok:?符合|不符合}。",
        en="per-capita monthly income {household_income_fen/income_divisor:yuan} yuan {ok:?is below|is not below} "
           "{p[dibao.marginal_multiplier]} × standard {marginal_line_exact_scaled/1000000:yuan} yuan ({gap:en}): {ok:?met|not met}.",
        params=("dibao.standard", "dibao.marginal_multiplier"),
        figures=(("per-capita monthly income", "{household_income_fen/income_divisor:yuan}"),
                 ("{p[dibao.marginal_multiplier]} × standard", "{marginal_line_exact_scaled/1000000:yuan}")),
        margin=("marginal_line_exact_scaled/1000000", "household_income_fen/income_divisor", "marginal_line_exact_scaled/1000000"),
    ),
)
def _marginal_income_ok(v: Vars) -> Array:
    return v["household_income_fen"] * RATIO_SCALE < v["p_marginal_mult"] * v["dibao_line_total_fen"]


@formula(
    "marginal_income_ok_without_deduction", "不扣减就业成本时月人均收入低于低保标准的1.5倍",
    "Below 1.5 × the standard without the employment-cost deduction", "CONFIG 就业成本扣减（本地选择）的影响", unit="bool",
)
def _marginal_income_ok_without(v: Vars) -> Array:
    return v["income_counted_fen"] * RATIO_SCALE < v["p_marginal_mult"] * v["dibao_line_total_fen"]


@formula(
    "deduction_decisive", "就业成本扣减改变了收入条件的结果", "The employment-cost deduction changes an income test",
    "CONFIG 就业成本扣减（本地选择）的影响", unit="bool",
    says=Says(
        id="income.employment_deduction", label_zh="就业成本扣减（本地选择）", label_en="Employment-cost deduction (local choice)",
        zh="就业成员 {n_employed} 人 × 每月 {deduction_per_month_fen:yuan} 元（最低工资标准 × {p[income.employment_cost_rate]:pct}%）"
           "× {window_months} 个月，不超过工资和经营收入 {earned_fen:yuan} 元，扣减 {employment_deduction_fen:yuan} 元；"
           "月人均收入由 {income_counted_fen/income_divisor:yuan} 元降为 {household_income_fen/income_divisor:yuan} 元。"
           "{ok:?这一本地选择改变了认定：不扣减时{dibao_income_ok_without_deduction:?|不}低于低保标准、"
           "{marginal_income_ok_without_deduction:?|不}低于低保边缘收入线。|这一扣减未改变收入条件的结果。}",
        en="{n_employed} working member(s) × {deduction_per_month_fen:yuan} yuan a month (minimum wage × "
           "{p[income.employment_cost_rate]:pct} %) × {window_months} months, at most the wages and business income "
           "{earned_fen:yuan} yuan: {employment_deduction_fen:yuan} yuan deducted; per-capita income "
           "{income_counted_fen/income_divisor:yuan} → {household_income_fen/income_divisor:yuan} yuan. "
           "{ok:?This local choice changes the result.|It does not change the income tests.}",
        params=("income.employment_cost_rate", "wage.minimum_zone"),
        figures=(("deduction", "{employment_deduction_fen:yuan}"),
                 ("per-capita income before the deduction", "{income_counted_fen/income_divisor:yuan}")),
    ),
)
def _deduction_decisive(v: Vars) -> Array:
    return _b(v["valid"] & (
        (v["dibao_income_ok"] != v["dibao_income_ok_without_deduction"])
        | (v["marginal_income_ok"] != v["marginal_income_ok_without_deduction"])
    ))


@formula(
    "marginal_line_exact_scaled", "低保边缘收入线 × 10⁶（精确）", "Marginal line × 10⁶ (exact)", "实施意见 §3",
)
def _marginal_line_exact(v: Vars) -> Array:
    return v["p_marginal_mult"] * v["p_std_fen"]


# === 6. rigid expenditure (刚性支出困难, §5) ===================================================

param("p_rigid_ratio", "rigid.expense_ratio", "ratio")
param("p_rigid_mult", "rigid.after_expense_multiplier", "ratio")


@formula("rigid_expense_fen", "医疗、教育、残疾康复必需支出", "Medical + education + rehabilitation spending", "实施意见 §5")
def _rigid_expense(v: Vars) -> Array:
    return v["exp_medical_fen"] + v["exp_education_fen"] + v["exp_rehab_fen"]


@formula("disposable_monthly_fen", "上年度人均可支配收入（折月，显示值）", "Last year's disposable income per month (display)", "实施意见 §5/§6")
def _disp_monthly(v: Vars) -> Array:
    return round_div(v["p_disp_annual_fen"], 12)


@formula(
    "below_disposable_income", "月人均收入低于上年度人均可支配收入", "Per-capita income below last year's disposable income",
    "实施意见 §5/§6 \"低于\"（年化精确比较）", unit="bool",
    says=Says(
        id="rigid.disposable", label_zh="月人均收入低于上年度当地居民人均可支配收入",
        zh="月人均收入 {household_income_fen/income_divisor:yuan} 元{ok:?低于|不低于}上年度人均可支配收入（月均） "
           "{disposable_annual_fen/12:yuan} 元（{gap:zh}），{ok:?符合|不符合}。",
        en="per-capita monthly income {household_income_fen/income_divisor:yuan} yuan {ok:?is below|is not below} last year's "
           "disposable income per month {disposable_annual_fen/12:yuan} yuan ({gap:en}): {ok:?met|not met}.",
        params=("benchmark.disposable_income_basis", "benchmark.disposable_income_all", "benchmark.disposable_income"),
        figures=(("per-capita monthly income", "{household_income_fen/income_divisor:yuan}"),
                 ("last year's disposable income per month", "{disposable_annual_fen/12:yuan}")),
        margin=("disposable_annual_fen/12", "household_income_fen/income_divisor", "disposable_annual_fen/12"),
    ),
)
def _below_disp(v: Vars) -> Array:
    return v["household_income_fen"] * 12 < v["p_disp_annual_fen"] * v["income_divisor"]


@formula("disposable_annual_fen", "上年度人均可支配收入（年）", "Last year's per-capita disposable income (annual)", "实施意见 §5/§6")
def _disp_annual(v: Vars) -> Array:
    return v["p_disp_annual_fen"]


@formula("rigid_ratio_line_fen", "家庭总收入的60%（显示值）", "60 % of household income (display)", "实施意见 §5")
def _rigid_ratio_line(v: Vars) -> Array:
    return scale_ratio(v["household_income_fen"], v["p_rigid_ratio"])


@formula(
    "rigid_ratio_line_exact_scaled", "家庭总收入的60% × 10⁶（精确）", "60 % of household income × 10⁶ (exact)", "实施意见 §5",
)
def _rigid_ratio_line_exact(v: Vars) -> Array:
    return v["p_rigid_ratio"] * v["household_income_fen"]


@formula(
    "rigid_route_ratio", "必需支出超过家庭总收入的60%", "Spending over 60 % of household income", "实施意见 §5 \"超过\"（不含）",
    unit="bool",
    says=Says(
        id="rigid.route_ratio", label_zh="医疗、教育、残疾康复必需支出超过家庭总收入60%",
        label_en="Rigid spending over 60 % of household income",
        zh="必需支出 {rigid_expense_fen:yuan} 元，家庭总收入 {household_income_fen:yuan} 元，占比 "
           "{rigid_expense_fen:share/household_income_fen}%，{ok:?超过|未超过}家庭总收入的 {p[rigid.expense_ratio]:pct}%"
           "（{rigid_ratio_line_fen:yuan} 元）。",
        en="Rigid spending {rigid_expense_fen:yuan} yuan, household income {household_income_fen:yuan} yuan, share "
           "{rigid_expense_fen:share/household_income_fen} %: {ok:?over|not over} {p[rigid.expense_ratio]:pct} %.",
        params=("rigid.expense_ratio",),
        figures=(("rigid_expense", "{rigid_expense_fen:yuan}"), ("household_income", "{household_income_fen:yuan}"),
                 ("share_percent", "{rigid_expense_fen:share/household_income_fen}")),
        margin=("rigid_expense_fen", "rigid_ratio_line_exact_scaled/1000000", "rigid_ratio_line_exact_scaled/1000000"),
        any_of="rigid.routes",
    ),
)
def _rigid_route_ratio(v: Vars) -> Array:
    return v["rigid_expense_fen"] * RATIO_SCALE > v["p_rigid_ratio"] * v["household_income_fen"]


@formula("income_after_expense_fen", "扣减必需支出后的家庭收入", "Household income after rigid spending", "实施意见 §5")
def _income_after(v: Vars) -> Array:
    return v["household_income_fen"] - v["rigid_expense_fen"]


@formula("per_capita_after_expense_fen", "扣减必需支出后月人均收入", "Per-capita monthly income after rigid spending", "实施意见 §5")
def _pc_after(v: Vars) -> Array:
    return round_div(v["income_after_expense_fen"], v["income_divisor"])


@formula("rigid_line_exact_scaled", "扣减后收入线 × 10⁶（精确）", "After-spending line × 10⁶ (exact)", "实施意见 §5")
def _rigid_line_exact(v: Vars) -> Array:
    return v["p_rigid_mult"] * v["p_std_fen"]


@formula("rigid_line_fen", "扣减后收入线（1.5倍标准，显示值）", "After-spending income line (display)", "实施意见 §5")
def _rigid_line(v: Vars) -> Array:
    return scale_ratio(v["p_std_fen"], v["p_rigid_mult"])


@formula(
    "rigid_route_after", "扣减必需支出后月人均收入低于低保标准1.5倍", "Per-capita income after spending below 1.5 × the standard",
    "实施意见 §5 \"低于\"（不含）", unit="bool",
    says=Says(
        id="rigid.route_after",
        zh="扣减必需支出后月人均收入 {income_after_expense_fen/income_divisor:yuan} 元{ok:?低于|不低于}"
           "{p[rigid.after_expense_multiplier]}倍低保标准 {rigid_line_exact_scaled/1000000:yuan} 元（{gap:zh}），{ok:?符合|不符合}。",
        en="per-capita income after rigid spending {income_after_expense_fen/income_divisor:yuan} yuan "
           "{ok:?is below|is not below} {p[rigid.after_expense_multiplier]} × standard {rigid_line_exact_scaled/1000000:yuan} "
           "yuan ({gap:en}): {ok:?met|not met}.",
        params=("dibao.standard", "rigid.after_expense_multiplier"),
        figures=(("per-capita income after rigid spending", "{income_after_expense_fen/income_divisor:yuan}"),
                 ("{p[rigid.after_expense_multiplier]} × standard", "{rigid_line_exact_scaled/1000000:yuan}")),
        margin=("rigid_line_exact_scaled/1000000", "income_after_expense_fen/income_divisor", "rigid_line_exact_scaled/1000000"),
        any_of="rigid.routes",
    ),
)
def _rigid_route_after(v: Vars) -> Array:
    return v["income_after_expense_fen"] * RATIO_SCALE < v["p_rigid_mult"] * v["dibao_line_total_fen"]


# === 7. main tier (主认定类别): 特困 > 低保 > 边缘 > 刚性 ========================================


@formula(
    "not_tekun_household", "未全户认定为特困", "Not a household whose members are all tekun", "实施意见 §1、§2（层级）",
    unit="bool",
    says=Says(
        id="dibao.not_tekun",
        zh="{ok:?并非全户成员均为特困人员。|全户成员均为特困人员，按特困供养，不再认定低保。}",
        en="{ok:?Not every member is tekun.|Every member is tekun: supported as tekun, not dibao.}",
    ),
)
def _not_tekun_household(v: Vars) -> Array:
    return ~v["tekun_household"]


@formula("is_dibao", CATEGORIES["dibao"].label_zh, CATEGORIES["dibao"].label_en, "实施意见 §1", unit="bool")
def _is_dibao(v: Vars) -> Array:
    return ~v["tekun_household"] & v["dibao_eligible"]


@formula(
    "not_dibao_or_tekun", "未纳入低保、特困", "Not already dibao or tekun", "实施意见 §3", unit="bool",
    says=Says(
        id="marginal.not_higher",
        zh="{ok:?未被认定为低保或特困。|已属更高层级（低保或特困）。}",
        en="{ok:?Not dibao or tekun.|Already in a higher tier (dibao or tekun).}",
    ),
)
def _not_dibao_or_tekun(v: Vars) -> Array:
    return ~(v["is_dibao"] | v["tekun_household"])


@formula("is_marginal", CATEGORIES["marginal"].label_zh, CATEGORIES["marginal"].label_en, "实施意见 §3（未纳入低保、特困）", unit="bool")
def _is_marginal(v: Vars) -> Array:
    return v["valid"] & ~v["tekun_household"] & ~v["is_dibao"] & v["marginal_income_ok"] & v["marginal_property_ok"]


@formula(
    "not_dibao_tekun_or_marginal", "未纳入低保、特困、低保边缘", "Not dibao, tekun or marginal", "实施意见 §5", unit="bool",
    says=Says(
        id="rigid.not_higher",
        zh="{ok:?未被认定为更高层级。|已属更高层级。}",
        en="{ok:?Not in a higher tier.|Already in a higher tier.}",
    ),
)
def _not_dibao_tekun_or_marginal(v: Vars) -> Array:
    return ~(v["is_dibao"] | v["tekun_household"] | v["is_marginal"])


@formula("is_rigid", CATEGORIES["rigid"].label_zh, CATEGORIES["rigid"].label_en, "实施意见 §5（未纳入低保、特困、边缘）", unit="bool")
def _is_rigid(v: Vars) -> Array:
    return (
        v["valid"] & ~v["tekun_household"] & ~v["is_dibao"] & ~v["is_marginal"]
        & v["below_disposable_income"] & (v["rigid_route_ratio"] | v["rigid_route_after"])
        & v["marginal_property_ok"]
    )


@formula("main_tier", "主认定类别", "Main tier", "特困 > 低保 > 边缘 > 刚性", unit="code")
def _main_tier(v: Vars) -> Array:
    return np.select(
        [v["tekun_household"], v["is_dibao"], v["is_marginal"], v["is_rigid"]],
        [TIER_TEKUN, TIER_DIBAO, TIER_MARGINAL, TIER_RIGID],
        default=TIER_NONE,
    ).astype(np.int64)


# === 8. single-person inclusion (单独纳入低保, §15) ============================================

param("p_single_floor", "single.floor_rate", "ratio")


@formula("m_own_income_fen", "本人月均收入（显示值）", "Member's own monthly income (display)", "实施意见 §15（单人户收入）", level="member")
def _m_own_income(v: Vars) -> Array:
    return round_div(v["m_own_counted_fen"], np.maximum(_m(v, "p_window_months"), 1))


@formula("m_single_basis_household", "重残/重病成员且家庭属边缘或刚性", "Severely disabled / seriously ill member of a marginal or rigid household", "实施意见 §15 第二句", level="member", unit="bool")
def _m_single_hh(v: Vars) -> Array:
    tier = _m(v, "main_tier")
    in_scope = ((tier == TIER_MARGINAL) & _m(v, "p_single_scope_marginal")) | ((tier == TIER_RIGID) & _m(v, "p_single_scope_rigid"))
    return _b(in_scope & (v["m_severe_disability"] | v["m_serious_illness"]))


@formula("m_single_basis_adult", "成年无业重度残疾人参照单人户", "Adult without work with a severe disability (as a single-person household)", "实施意见 §15 第三句", level="member", unit="bool")
def _m_single_adult(v: Vars) -> Array:
    tier = _m(v, "main_tier")
    e = v["m_employment"]
    no_work = (e == EMP_NO_WORK[0]) | (e == EMP_NO_WORK[1])
    return _b(
        _m(v, "p_single_adult_clause") & ((tier == TIER_NONE) | (tier == TIER_MARGINAL) | (tier == TIER_RIGID))
        & (v["m_age"] >= _m(v, "p_adult_age")) & no_work & v["m_severe_disability"]
    )


@formula(
    "m_single_basis", "重残、重病人员（边缘/刚性家庭）或成年无业重度残疾人",
    "Severely disabled / seriously ill, or adult without work with severe disability", "实施意见 §15",
    level="member", unit="bool",
    says=Says(
        id="single.basis",
        zh="{m_single_basis_household:?属边缘或刚性支出困难家庭中的重残/重病人员。|属成年无业重度残疾人，参照单人户。}",
        en="{m_single_basis_household:?Member of a marginal/rigid household with severe disability or serious illness."
           "|Adult without work with a severe disability (as a single-person household).}",
        params=("single.scope", "single.severe_disability", "single.adult_unemployed_severe_disability"),
    ),
)
def _m_single_basis(v: Vars) -> Array:
    return v["m_single_basis_household"] | v["m_single_basis_adult"]


@formula(
    "m_single_income_ok", "本人月均收入低于低保标准", "Own income below the dibao standard", "实施意见 §15", level="member",
    unit="bool",
    says=Says(
        id="single.income", label_zh="本人月均收入低于低保标准", label_en="Own monthly income below the standard",
        zh="本人月均收入 {m_own_counted_fen/window_months:yuan} 元{ok:?低于|不低于}低保标准 {dibao_standard_fen:yuan} 元"
           "（{gap:zh}），{ok:?符合|不符合}。",
        en="own monthly income {m_own_counted_fen/window_months:yuan} yuan {ok:?is below|is not below} dibao standard "
           "{dibao_standard_fen:yuan} yuan ({gap:en}): {ok:?met|not met}.",
        params=("dibao.standard", "single.floor_rate"),
        figures=(("own monthly income", "{m_own_counted_fen/window_months:yuan}"),
                 ("dibao standard", "{dibao_standard_fen:yuan}")),
        margin=("dibao_standard_fen", "m_own_counted_fen/window_months", "dibao_standard_fen"),
    ),
)
def _m_single_income_ok(v: Vars) -> Array:
    return v["m_own_counted_fen"] < _m(v, "p_std_fen") * _m(v, "window_months")


@formula(
    "m_not_tekun", "不属特困人员", "Not tekun", "实施意见 §15（特困人员已按特困供养）", level="member", unit="bool",
    says=Says(
        id="single.not_tekun",
        zh="{ok:?不属特困人员。|已认定为特困人员，按特困供养，不再单独纳入低保。}",
        en="{ok:?Not tekun.|Tekun: supported as tekun, not included in dibao individually.}",
    ),
)
def _m_not_tekun(v: Vars) -> Array:
    return ~v["m_tekun"]


@formula(
    "m_single", CATEGORIES["dibao_individual"].label_zh, CATEGORIES["dibao_individual"].label_en, "实施意见 §15",
    level="member", unit="bool",
)
def _m_single(v: Vars) -> Array:
    return _m(v, "valid") & ~v["m_tekun"] & v["m_single_basis"] & v["m_single_income_ok"]


@formula("m_single_amount_fen", "单独纳入人员救助金", "Individual dibao amount", "CONFIG：补差，且不低于标准×下限比例", level="member")
def _m_single_amount(v: Vars) -> Array:
    std = _m(v, "p_std_fen")
    w = _m(v, "window_months")
    topup_num = std * w - np.maximum(v["m_own_counted_fen"], 0)  # (standard − own monthly income) × months
    floor = scale_ratio(std, _m(v, "p_single_floor"))
    use_floor = topup_num < floor * w
    unit, mode = _m(v, "p_round_unit"), _m(v, "p_round_mode")
    amount = np.where(use_floor, round_unit(floor, unit, mode), round_unit_ratio(np.maximum(topup_num, 0), w, unit, mode))
    return np.where(v["m_single"], amount, 0).astype(np.int64)


@formula("n_single", "单独纳入人数", "Members included individually", "实施意见 §15", unit="int")
def _n_single(v: Vars) -> Array:
    return seg_sum(v["m_single"], v["offsets"])


@formula("has_single", "有单独纳入低保的成员", "A member is included in dibao individually", "实施意见 §15", unit="bool")
def _has_single(v: Vars) -> Array:
    return v["n_single"] > 0


@formula(
    "has_single_basis", "有重残、重病成员（边缘/刚性家庭）或成年无业重度残疾人",
    "A severely disabled or seriously ill member (marginal/rigid household), or an adult without work with a severe disability",
    "实施意见 §15", unit="bool",
    says=Says(
        id="single.any_basis",
        zh="{ok:?有符合单独纳入情形的成员（见下）。|无符合单独纳入情形的成员：边缘或刚性支出困难家庭中的重残、重病人员，或成年无业重度残疾人。}",
        en="{ok:?A member may be included individually (below).|No member in a case of individual inclusion (severely "
           "disabled or seriously ill in a marginal/rigid household, or an adult without work with a severe disability).}",
        params=("single.scope",),
    ),
)
def _has_single_basis(v: Vars) -> Array:
    return seg_sum(v["m_single_basis"], v["offsets"]) > 0


# === 9. other people in difficulty (其他困难人员, §6) ==========================================


@formula("refused_recent", "一年内申请社会救助未通过", "Application refused within the look-back", "实施意见 §6（含当日）", unit="bool")
def _refused_recent(v: Vars) -> Array:
    d = v["refused_day"]
    return _b((d != _MIN_DAY) & (d >= v["p_refused_cutoff_day"]) & (d <= v["p_asof_day"]))


@formula("left_recent", "两年内因家庭经济条件好转退出救助", "Left assistance (situation improved) within the look-back", "实施意见 §6（含当日）", unit="bool")
def _left_recent(v: Vars) -> Array:
    d = v["left_day"]
    return _b(v["left_improved"] & (d != _MIN_DAY) & (d >= v["p_left_cutoff_day"]) & (d <= v["p_asof_day"]))


@formula("has_difficult_worker", "有困难职工成员", "A member is a worker in difficulty", "实施意见 §6（总工会数据）", unit="bool")
def _has_dw(v: Vars) -> Array:
    return seg_sum(v["m_difficult_worker"], v["offsets"]) > 0


@formula(
    "not_in_five", "不属于前五类", "Not in the five categories above", "实施意见 §6", unit="bool",
    says=Says(
        id="other.not_in_five",
        zh="{ok:?未纳入特困、低保、边缘、刚性支出，也非防返贫监测对象。|已属其他类别。}",
        en="{ok:?Not in any of the five categories.|Already in another category.}",
    ),
)
def _not_in_five(v: Vars) -> Array:
    return _b((v["main_tier"] == TIER_NONE) & ~v["poverty_monitoring"])


@formula(
    "other_confirmed", "经县级以上人民政府认定确有困难", "Confirmed in difficulty by a county-level government",
    "实施意见 §6 第一句", unit="bool",
    says=Says(
        id="other.county_confirmed",
        zh="县级认定：{ok:?是|否}。",
        en="County confirmation: {ok:?yes|no}.",
        any_of="other.routes",
    ),
)
def _other_confirmed(v: Vars) -> Array:
    return _b(v["county_confirmed"])


@formula(
    "other_monitored", "收入低于上年度可支配收入且一年内申请未通过/两年内好转退出/困难职工",
    "Income below disposable income and refused / left / worker in difficulty", "实施意见 §6 第二句", unit="bool",
    says=Says(
        id="other.monitored",
        zh="月人均收入{below_disposable_income:?低于|不低于}上年度人均可支配收入（月均 {disposable_monthly_fen:yuan} 元）；"
           "一年内申请未通过：{refused_recent:?是|否}；两年内因好转退出：{left_recent:?是|否}；"
           "困难职工：{has_difficult_worker:?是|否}。",
        en="Income {below_disposable_income:?below|not below} last year's disposable income; refused within the "
           "look-back: {refused_recent:?yes|no}; left (improved) within the look-back: {left_recent:?yes|no}; "
           "worker in difficulty: {has_difficult_worker:?yes|no}.",
        params=("other.refused_lookback_years", "other.left_lookback_years"),
        any_of="other.routes",
    ),
)
def _other_monitored(v: Vars) -> Array:
    return v["below_disposable_income"] & (v["refused_recent"] | v["left_recent"] | v["has_difficult_worker"])


@formula("is_other", CATEGORIES["other"].label_zh, CATEGORIES["other"].label_en, "实施意见 §6（不符合前5类）", unit="bool")
def _is_other(v: Vars) -> Array:
    return _b(v["valid"] & v["not_in_five"] & (v["other_confirmed"] | v["other_monitored"]))


@formula(
    "is_poverty_monitoring", "防止返贫监测对象（农业农村部门认定）", "Monitored against falling back into poverty (agriculture)",
    "实施意见 §4", unit="bool",
    says=Says(
        id="poverty_monitoring.received",
        zh="防止返贫监测对象由农业农村部门认定，本平台仅接收其数据：{ok:?是|否}。",
        en="Determined by agriculture and rural affairs; received, not decided here: {ok:?yes|no}.",
    ),
)
def _is_poverty_monitoring(v: Vars) -> Array:
    return _b(v["valid"] & v["poverty_monitoring"])


_PERSON_CODES: Final = {code: k + 1 for k, code in enumerate(PERSON_PRECEDENCE)}


@formula(
    "m_category", "本人认定类别（每人一类：特困 > 低保 > 单独纳入 > 边缘 > 刚性 > 其他 > 防返贫）",
    "The member's category (one per person, in precedence order)", "实施意见 §1–§6、§15（按人统计，不重复、不遗漏）",
    level="member", unit="code",
)
def _m_category(v: Vars) -> Array:
    # Mixed households (issue 15 item 5): the tekun members are tekun; the others fall into the
    # household's category (or are included individually).  One category per person, so a
    # person is never counted twice and none is lost.
    return np.select(
        [v["m_tekun"], _m(v, "is_dibao"), v["m_single"], _m(v, "is_marginal"), _m(v, "is_rigid"), _m(v, "is_other"),
         _m(v, "is_poverty_monitoring")],
        [_PERSON_CODES[c] for c in ("tekun", "dibao", "dibao_individual", "marginal", "rigid", "other", "poverty_monitoring")],
        default=0,
    ).astype(np.int64)


# === 10. benefits (救助金额) ====================================================================

param("p_supp_elderly", "dibao.supplement_rate.elderly", "ratio")
param("p_supp_minor", "dibao.supplement_rate.minor", "ratio")
param("p_supp_severe", "dibao.supplement_rate.severe_disability", "ratio")
param("p_supp_illness", "dibao.supplement_rate.serious_illness", "ratio")
param("p_supp_elderly_age", "dibao.supplement_elderly_age", "int")
param("p_tekun_mult", "tekun.basic_living_multiplier", "ratio")
param("p_care_self_fen", "tekun.care.self_care_amount", "money")
param("p_care_partial_rate", "tekun.care.partial_rate", "ratio")
param("p_care_total_rate", "tekun.care.total_rate", "ratio")
param("p_care_partial_min", "tekun.care.partial_min_failed", "int")
param("p_care_total_min", "tekun.care.total_min_failed", "int")


@formula("dibao_covered", "低保覆盖人数（不含特困成员）", "Members covered by dibao (tekun members excluded)", "实施意见 §15", unit="int")
def _dibao_covered(v: Vars) -> Array:
    return np.where(v["is_dibao"], v["n_members"] - v["n_tekun"], 0).astype(np.int64)


@formula("dibao_full_standard", "无收入且无劳动能力，按标准全额", "No income and no capacity to work: full standard", "docs/policy-notes.md §4.1", unit="bool")
def _dibao_full(v: Vars) -> Array:
    return _b(v["is_dibao"] & (v["household_income_fen"] <= 0) & (v["n_able_adults"] == 0))


@formula("dibao_topup_per_person_fen", "人均补差额（标准 − 月人均收入，显示值）", "Per-person top-up (standard − per-capita income, display)", "docs/policy-notes.md §4.1 补差")
def _dibao_topup(v: Vars) -> Array:
    gap = v["p_std_fen"] - np.maximum(v["per_capita_income_fen"], 0)
    return np.where(v["dibao_full_standard"], v["p_std_fen"], gap).astype(np.int64)


@formula(
    "dibao_topup_scaled", "人均补差额 × 月数 × 人数（精确）", "Per-person top-up × months × members (exact)",
    "docs/policy-notes.md §4.1 补差：只对发放金额取整",
)
def _dibao_topup_scaled(v: Vars) -> Array:
    gap = v["dibao_line_total_fen"] - np.maximum(v["household_income_fen"], 0)
    return np.where(v["dibao_full_standard"], v["dibao_line_total_fen"], gap).astype(np.int64)


@formula(
    "dibao_amount_fen", "低保金（月）", "Dibao benefit (monthly)", "补差 × 覆盖人数，按规定取整",
    says=Says(
        zh="{is_dibao:?低保金 = 人均补差 {dibao_topup_scaled/income_divisor:yuan} 元（低保标准 {dibao_standard_fen:yuan} − 月人均收入"
           "{dibao_full_standard:?；无收入且无劳动能力，按标准全额|}）× 覆盖人数 {dibao_covered} = {dibao_amount_fen:yuan} 元/月"
           "（按规定取整）。|不享受低保金。}",
        en="{is_dibao:?Dibao = top-up {dibao_topup_scaled/income_divisor:yuan} yuan (standard − per-capita income"
           "{dibao_full_standard:?; no income and no capacity to work: the full standard|}) × {dibao_covered} covered = "
           "{dibao_amount_fen:yuan} yuan/month.|No dibao benefit.}",
        params=("dibao.standard",),
    ),
)
def _dibao_amount(v: Vars) -> Array:
    # (standard − exact per-capita income) × covered, rounded once from the exact amount
    num = np.maximum(v["dibao_topup_scaled"], 0) * v["dibao_covered"]
    amount = round_unit_ratio(num, v["income_divisor"], v["p_round_unit"], v["p_round_mode"])
    return np.where(v["is_dibao"], amount, 0).astype(np.int64)


@formula("m_supplement_rate", "分类施保增发比例（取最高一项）", "Supplement rate (highest group)", "CONFIG 分类施保", level="member", unit="int")
def _m_supp_rate(v: Vars) -> Array:
    rates = np.stack([
        np.where(v["m_age"] >= _m(v, "p_supp_elderly_age"), _m(v, "p_supp_elderly"), 0),
        np.where(v["m_age"] < _m(v, "p_adult_age"), _m(v, "p_supp_minor"), 0),
        np.where(v["m_severe_disability"], _m(v, "p_supp_severe"), 0),
        np.where(v["m_serious_illness"], _m(v, "p_supp_illness"), 0),
    ]) if len(v["m_age"]) else np.zeros((4, 0), dtype=np.int64)
    covered = _m(v, "is_dibao") & ~v["m_tekun"]
    return np.where(covered, rates.max(axis=0), 0).astype(np.int64)


@formula("m_supplement_fen", "分类施保增发额", "Supplement per member", "CONFIG 分类施保", level="member")
def _m_supp(v: Vars) -> Array:
    return scale_ratio(_m(v, "p_std_fen"), v["m_supplement_rate"])


@formula(
    "dibao_supplement_fen", "分类施保增发合计（月）", "Dibao supplements (monthly)", "CONFIG 分类施保，按规定取整",
    says=Says(
        zh="分类施保增发合计 {dibao_supplement_fen:yuan} 元/月（每名低保覆盖成员按所属类别的最高比例 × 低保标准）。",
        en="Dibao supplements {dibao_supplement_fen:yuan} yuan/month (each covered member: the highest applicable rate × standard).",
        params=("dibao.supplement_rate.elderly", "dibao.supplement_rate.minor", "dibao.supplement_rate.severe_disability",
                "dibao.supplement_rate.serious_illness"),
    ),
)
def _dibao_supp(v: Vars) -> Array:
    return round_unit(seg_sum(v["m_supplement_fen"], v["offsets"]), v["p_round_unit"], v["p_round_mode"])


@formula("tekun_basic_per_person_fen", "特困基本生活标准（每人每月）", "Tekun basic living per person", "江西2016：不低于低保标准1.3倍，按规定取整")
def _tekun_basic_pp(v: Vars) -> Array:
    return round_unit(scale_ratio(v["p_std_fen"], v["p_tekun_mult"]), v["p_round_unit"], v["p_round_mode"])


@formula("m_adl_failed", "六项日常生活能力中不能自理项数", "Self-care items failed (of six)", "生活自理能力评估", level="member", unit="int")
def _m_adl_failed(v: Vars) -> Array:
    return v["m_adl_failed_in"].astype(np.int64)


@formula("m_care_level", "照料护理等级（0全自理/1半护理/2全护理）", "Care level (0 full self-care, 1 partial, 2 total)", "生活自理能力评估：0 / 1–3 / ≥4 项", level="member", unit="code")
def _m_care_level(v: Vars) -> Array:
    f = v["m_adl_failed"]
    return np.where(f >= _m(v, "p_care_total_min"), 2, np.where(f >= _m(v, "p_care_partial_min"), 1, 0)).astype(np.int64)


@formula("m_care_fen", "照料护理补贴（每月）", "Care allowance (monthly)", "江西2016：全自理≥重度残疾人护理补贴；半护理≥最低工资20%；全护理≥80%", level="member")
def _m_care(v: Vars) -> Array:
    wage = _m(v, "p_min_wage_fen")
    amount = np.select(
        [v["m_care_level"] == 2, v["m_care_level"] == 1],
        [scale_ratio(wage, _m(v, "p_care_total_rate")), scale_ratio(wage, _m(v, "p_care_partial_rate"))],
        default=_m(v, "p_care_self_fen"),
    )
    rounded = round_unit(amount.astype(np.int64), _m(v, "p_round_unit"), _m(v, "p_round_mode"))
    return np.where(v["m_tekun"], rounded, 0).astype(np.int64)


@formula(
    "tekun_basic_fen", "特困基本生活费合计（月）", "Tekun basic living (monthly)", "实施意见 §15",
    says=Says(
        zh="特困基本生活费 = 低保标准 × {p[tekun.basic_living_multiplier]}（取整 {tekun_basic_per_person_fen:yuan} 元）× {n_tekun} 人。",
        en="Tekun basic living = standard × {p[tekun.basic_living_multiplier]} × {n_tekun} person(s).",
        params=("tekun.basic_living_multiplier",),
    ),
)
def _tekun_basic(v: Vars) -> Array:
    return v["tekun_basic_per_person_fen"] * v["n_tekun"]


@formula(
    "tekun_care_fen", "特困照料护理补贴合计（月）", "Tekun care allowances (monthly)", "实施意见 §15",
    says=Says(
        zh="特困照料护理补贴合计 {tekun_care_fen:yuan} 元/月（按每名特困人员的护理等级）。",
        en="Tekun care allowances {tekun_care_fen:yuan} yuan/month (by each tekun person's care level).",
        params=("tekun.care.self_care_amount", "tekun.care.partial_rate", "tekun.care.total_rate", "wage.minimum_zone"),
    ),
)
def _tekun_care(v: Vars) -> Array:
    return seg_sum(v["m_care_fen"], v["offsets"])


@formula(
    "single_inclusion_fen", "单独纳入人员救助金合计（月）", "Individual dibao amounts (monthly)", "实施意见 §15",
    says=Says(
        zh="单独纳入人员救助金合计 {single_inclusion_fen:yuan} 元/月（{n_single} 人）。",
        en="Individual dibao amounts {single_inclusion_fen:yuan} yuan/month ({n_single} person(s)).",
        params=("single.floor_rate",),
    ),
)
def _single_total(v: Vars) -> Array:
    return seg_sum(v["m_single_amount_fen"], v["offsets"])


@formula(
    "total_benefit_fen", "基本生活救助合计（月）", "Total basic-living benefit (monthly)", "实施意见 §15",
    says=Says(
        zh="合计 {total_benefit_fen:yuan} 元/月 = 低保金 {dibao_amount_fen:yuan} + 分类施保增发 {dibao_supplement_fen:yuan} + "
           "特困基本生活费 {tekun_basic_fen:yuan} + 照料护理补贴 {tekun_care_fen:yuan} + 单独纳入救助金 {single_inclusion_fen:yuan}。",
        en="Total {total_benefit_fen:yuan} yuan/month = dibao {dibao_amount_fen:yuan} + supplements {dibao_supplement_fen:yuan} + "
           "tekun basic {tekun_basic_fen:yuan} + care {tekun_care_fen:yuan} + individual dibao {single_inclusion_fen:yuan}.",
        params=("benefit.rounding_unit", "benefit.rounding_mode"),
    ),
)
def _total(v: Vars) -> Array:
    return v["dibao_amount_fen"] + v["dibao_supplement_fen"] + v["tekun_basic_fen"] + v["tekun_care_fen"] + v["single_inclusion_fen"]


def compute(inputs: Vars) -> Vars:
    """Evaluate every formula, in order, over the given arrays; returns inputs + all results."""
    v: Vars = dict(inputs)
    offsets = v["offsets"]
    v["m_hh"] = np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))
    for spec, fn in FORMULAS:
        v[spec.name] = fn(v)
    return v


HOUSEHOLD_OUTPUTS: Final[tuple[str, ...]] = tuple(s.name for s, _ in FORMULAS if s.level == "household")
MEMBER_OUTPUTS: Final[tuple[str, ...]] = tuple(s.name for s, _ in FORMULAS if s.level == "member")


# === 11. how each category is explained (认定说明的结构) =========================================


@dataclass(frozen=True, slots=True)
class MemberPart:
    """The per-member part of a category: each member's result and criteria.

    ``key`` names the member's result in the explanation (``tekun`` / ``included``);
    ``only``: show only the members for whom this member formula is true; ``notes``: member
    formulas shown with the member but not criteria of this category; ``figures``: (key,
    template) pairs shown with each member.
    """

    result: str
    key: str
    criteria: tuple[str, ...]
    only: str | None = None
    notes: tuple[str, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """One category as the explanation shows it: the formula that decides it, its criteria
    (formula names, or (name, criterion id) where a formula is shown under another id), the
    member part, a formula whose sentence is the section's text, and counts (key, formula)."""

    code: str
    result: str
    criteria: tuple[str | tuple[str, str], ...] = ()
    members: MemberPart | None = None
    text: str | None = None
    counts: tuple[tuple[str, str], ...] = ()


def _property_criteria(tier: str) -> tuple[str, ...]:
    return (f"{tier}_fin_ok", f"{tier}_vehicle_ok", f"{tier}_real_estate_ok", f"{tier}_business_ok")


SECTIONS: Final[tuple[Section, ...]] = (
    Section("dibao", "is_dibao", ("dibao_income_ok", *_property_criteria("dibao"), "not_tekun_household")),
    Section(
        "tekun", "has_tekun",
        members=MemberPart(
            "m_tekun", "tekun", ("m_no_capacity", "m_no_means", "m_no_able_supporter", "m_not_orphan_child"),
            notes=("m_able_obligor",),
            figures=(("care_level", "{m_care_level:care}"), ("care_level_zh", "{m_care_level:care_zh}"),
                     ("self_care_items_failed", "{m_adl_failed}"), ("care_allowance", "{m_care_fen:yuan}")),
        ),
        text="has_tekun",
        counts=(("members_tekun", "n_tekun"),),
    ),
    Section("marginal", "is_marginal", ("not_dibao_or_tekun", "marginal_income_ok", *_property_criteria("marginal"))),
    Section("rigid", "is_rigid", (
        "not_dibao_tekun_or_marginal", "below_disposable_income", "rigid_route_ratio", "rigid_route_after",
        ("marginal_property_ok", "rigid.property"),
    )),
    Section(
        "dibao_individual", "has_single", ("has_single_basis",),
        members=MemberPart("m_single", "included", ("m_single_basis", "m_not_tekun", "m_single_income_ok"),
                           only="m_single_basis", figures=(("amount", "{m_single_amount_fen:yuan}"),)),
    ),
    Section("other", "is_other", ("not_in_five", "other_confirmed", "other_monitored")),
    Section("poverty_monitoring", "is_poverty_monitoring", ("is_poverty_monitoring",), text="is_poverty_monitoring"),
)
BENEFIT_FORMULAS: Final[dict[str, str]] = {
    # benefits key in results → formula (fen)
    "dibao": "dibao_amount_fen",
    "dibao_supplement": "dibao_supplement_fen",
    "tekun_basic": "tekun_basic_fen",
    "tekun_care": "tekun_care_fen",
    "single_inclusion": "single_inclusion_fen",
    "total": "total_benefit_fen",
}
