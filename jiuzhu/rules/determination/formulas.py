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

:func:`compute` evaluates every registered formula in order and returns all of them; the
explanation is built from exactly these values (the trace), never re-computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

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

__all__ = ["FORMULAS", "FormulaSpec", "compute", "formula", "round_div", "round_unit"]

Array = npt.NDArray[Any]
I64 = npt.NDArray[np.int64]
Vars = dict[str, Array]

_MIN_DAY: Final = -(2**31)


@dataclass(frozen=True, slots=True)
class FormulaSpec:
    """Metadata of one formula: its name, Chinese and English label, and the clause."""

    name: str
    label_zh: str
    label_en: str
    clause: str
    level: str  # "household" | "member"
    unit: str  # "fen" | "bool" | "int" | "code"


FORMULAS: list[tuple[FormulaSpec, Callable[[Vars], Array]]] = []
SPECS: dict[str, FormulaSpec] = {}


def formula(
    name: str, label_zh: str, label_en: str, clause: str, *, level: str = "household", unit: str = "fen"
) -> Callable[[Callable[[Vars], Array]], Callable[[Vars], Array]]:
    """Register a formula (evaluated in definition order)."""

    def deco(fn: Callable[[Vars], Array]) -> Callable[[Vars], Array]:
        spec = FormulaSpec(name, label_zh, label_en, clause, level, unit)
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


# === 0. validity ============================================================================


@formula("valid", "可认定（参数、成员及出生日期齐全）", "Determinable (parameters, members and birth dates present)", "—", unit="bool")
def _valid(v: Vars) -> Array:
    return _b(v["param_ok"] & (v["n_members"] > 0) & (v["n_no_birth"] == 0))


# === 1. household income (家庭收入) ===========================================================


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
    "employment_deduction_fen", "就业成本扣减额", "Employment-cost deduction",
    "CONFIG：每名就业成员每月 最低工资标准×比例，不超过工资与经营收入",
)
def _employment_deduction(v: Vars) -> Array:
    per_month = scale_ratio(v["p_min_wage_fen"], v["p_emp_rate"])
    full = v["n_employed"] * v["p_window_months"] * per_month
    return np.minimum(full, np.maximum(v["earned_fen"], 0))


@formula(
    "household_income_fen", "计算期内家庭收入", "Household income in the window",
    "民发〔2021〕57号 家庭收入；实施意见 §21（基础养老金不计入）",
)
def _household_income(v: Vars) -> Array:
    return v["income_counted_fen"] - v["employment_deduction_fen"]


@formula(
    "per_capita_income_fen", "家庭月人均收入", "Per-capita monthly income",
    "家庭收入 ÷ 计算期月数 ÷ 共同生活家庭成员人数（四舍五入到分）",
)
def _per_capita_income(v: Vars) -> Array:
    den = np.maximum(v["p_window_months"] * v["n_members"], 1)
    return round_div(v["household_income_fen"], den)


# === 2. property (家庭财产) ====================================================================


def _property_tests(tier: str) -> None:
    zh = {"dibao": "低保", "marginal": "低保边缘", "tekun": "特困"}[tier]

    @formula(
        f"{tier}_fin_limit_fen", f"{zh}金融资产上限（家庭）", f"{tier}: financial-asset limit (household)",
        "CONFIG 人均金融资产 ≤ 月数 × 低保标准",
    )
    def _limit(v: Vars) -> Array:
        return v[f"p_{tier}_fin_months"] * v["p_std_fen"] * v["n_members"]

    @formula(f"{tier}_fin_ok", f"{zh}金融资产在规定以内", f"{tier}: financial assets within limit", "CONFIG", unit="bool")
    def _fin(v: Vars) -> Array:
        return v["financial_fen"] <= v[f"{tier}_fin_limit_fen"]

    @formula(f"{tier}_vehicle_ok", f"{zh}车辆在规定以内", f"{tier}: vehicles within the rules", "CONFIG", unit="bool")
    def _veh(v: Vars) -> Array:
        return _b((v["vehicle_count"] == 0) | (v["vehicle_max_fen"] <= v[f"p_{tier}_vehicle_max_fen"]))

    @formula(f"{tier}_real_estate_ok", f"{zh}不动产在规定以内", f"{tier}: real estate within the rules", "CONFIG", unit="bool")
    def _re(v: Vars) -> Array:
        return v["real_estate_count"] <= v[f"p_{tier}_re_max"]

    @formula(f"{tier}_business_ok", f"{zh}市场主体在规定以内", f"{tier}: business registrations within the rules", "CONFIG", unit="bool")
    def _biz(v: Vars) -> Array:
        return v["business_count"] <= v[f"p_{tier}_biz_max"]

    @formula(f"{tier}_property_ok", f"符合{zh}家庭财产状况规定", f"{tier}: property within the rules", "实施意见 §1/§2/§3/§5", unit="bool")
    def _all(v: Vars) -> Array:
        return v[f"{tier}_fin_ok"] & v[f"{tier}_vehicle_ok"] & v[f"{tier}_real_estate_ok"] & v[f"{tier}_business_ok"]


for _tier in ("dibao", "marginal", "tekun"):
    _property_tests(_tier)


# === 3. dibao (最低生活保障, §1) ===============================================================


@formula("dibao_income_ok", "月人均收入低于低保标准", "Per-capita income below the dibao standard", "实施意见 §1 \"低于\"（不含）", unit="bool")
def _dibao_income_ok(v: Vars) -> Array:
    return v["per_capita_income_fen"] < v["p_std_fen"]


@formula("dibao_eligible", "符合低保条件", "Meets the dibao conditions", "实施意见 §1", unit="bool")
def _dibao_eligible(v: Vars) -> Array:
    return v["valid"] & v["dibao_income_ok"] & v["dibao_property_ok"]


# === 4. tekun (特困, §2) ========================================================================


@formula("m_elderly", "年满60周岁（含生日当天）", "Aged 60 or over (from the birthday)", "民发〔2021〕43号 第六条", level="member", unit="bool")
def _m_elderly(v: Vars) -> Array:
    return v["m_age"] >= _m(v, "p_elderly_age")


@formula("m_under_16", "未满16周岁", "Under 16", "实施意见 §2", level="member", unit="bool")
def _m_under_16(v: Vars) -> Array:
    return v["m_age"] < _m(v, "p_minor_age")


@formula("m_disability_no_capacity", "残疾类别等级属无劳动能力", "Disability type and grade mean no capacity to work", "民发〔2021〕43号 第六条（CONFIG 名单）", level="member", unit="bool")
def _m_disability_nc(v: Vars) -> Array:
    return _grade_ok(v, "p_tekun_grade")


@formula("m_kept_minor", "特困未成年人延续供养（满18周岁前或在读）", "Tekun minor kept on (until 18, or while in school)", "民发〔2021〕43号 第四条", level="member", unit="bool")
def _m_kept_minor(v: Vars) -> Array:
    stage = v["m_school_stage"]
    keep_stage = _m(v, "p_keep_stage")
    in_school = np.zeros(len(stage), dtype=np.bool_)
    ok = stage >= 0
    if keep_stage.ndim == 2 and len(stage):
        in_school[ok] = keep_stage[np.nonzero(ok)[0], stage[ok]]
    return v["m_receiving_tekun"] & ((v["m_age"] < _m(v, "p_keep_age")) | in_school)


@formula("m_no_capacity", "无劳动能力", "No capacity to work", "实施意见 §2；民发〔2021〕43号 第六条", level="member", unit="bool")
def _m_no_capacity(v: Vars) -> Array:
    return v["m_elderly"] | v["m_under_16"] | v["m_disability_no_capacity"] | v["m_kept_minor"]


@formula("m_able_adult", "有赡养/抚养/扶养能力的成年家庭成员", "Adult member able to support others", "民法典 赡养、抚养、扶养义务", level="member", unit="bool")
def _m_able_adult(v: Vars) -> Array:
    return _b((v["m_age"] >= _m(v, "p_adult_age")) & ~v["m_no_capacity"] & (v["m_work_capacity"] != WC_NONE))


@formula("n_able_adults", "有劳动能力的成年成员人数", "Able adult members", "—", unit="int")
def _n_able_adults(v: Vars) -> Array:
    return seg_sum(v["m_able_adult"], v["offsets"])


@formula("has_able_supporter", "有具备履行能力的法定义务人", "Has a legal supporter able to support", "实施意见 §2", unit="bool")
def _has_able_supporter(v: Vars) -> Array:
    return (v["able_supporters"] > 0) | (v["n_able_adults"] > 0)


@formula("no_means_of_living", "无生活来源（收入低于低保标准且财产符合特困规定）", "No means of living (income below the standard, property within tekun rules)", "实施意见 §2", unit="bool")
def _no_means(v: Vars) -> Array:
    return v["dibao_income_ok"] & v["tekun_property_ok"]


@formula("m_tekun", "特困人员", "Tekun person", "实施意见 §2", level="member", unit="bool")
def _m_tekun(v: Vars) -> Array:
    orphan_child = v["m_orphan"] & v["m_under_16"]
    return (
        _m(v, "valid") & v["m_no_capacity"] & _m(v, "no_means_of_living")
        & ~_m(v, "has_able_supporter") & ~orphan_child
    )


@formula("n_tekun", "特困人员人数", "Tekun members", "实施意见 §2", unit="int")
def _n_tekun(v: Vars) -> Array:
    return seg_sum(v["m_tekun"], v["offsets"])


@formula("tekun_household", "全户均为特困人员", "Every member is tekun", "实施意见 §2（按人认定）", unit="bool")
def _tekun_household(v: Vars) -> Array:
    return _b(v["valid"] & (v["n_tekun"] == v["n_members"]))


# === 5. dibao-marginal (低保边缘, §3) ===========================================================


@formula("marginal_line_fen", "低保边缘收入线（1.5倍标准，显示值）", "Marginal income line (display, rounded to fen)", "实施意见 §3")
def _marginal_line(v: Vars) -> Array:
    return scale_ratio(v["p_std_fen"], v["p_marginal_mult"])


@formula("marginal_income_ok", "月人均收入低于低保标准的1.5倍", "Per-capita income below 1.5 × the standard", "实施意见 §3 \"低于\"（不含，精确比较）", unit="bool")
def _marginal_income_ok(v: Vars) -> Array:
    return v["per_capita_income_fen"] * RATIO_SCALE < v["p_marginal_mult"] * v["p_std_fen"]


# === 6. rigid expenditure (刚性支出困难, §5) ===================================================


@formula("rigid_expense_fen", "医疗、教育、残疾康复必需支出", "Medical + education + rehabilitation spending", "实施意见 §5")
def _rigid_expense(v: Vars) -> Array:
    return v["exp_medical_fen"] + v["exp_education_fen"] + v["exp_rehab_fen"]


@formula("disposable_monthly_fen", "上年度人均可支配收入（折月，显示值）", "Last year's disposable income per month (display)", "实施意见 §5/§6")
def _disp_monthly(v: Vars) -> Array:
    return round_div(v["p_disp_annual_fen"], 12)


@formula("below_disposable_income", "月人均收入低于上年度人均可支配收入", "Per-capita income below last year's disposable income", "实施意见 §5/§6 \"低于\"（年化精确比较）", unit="bool")
def _below_disp(v: Vars) -> Array:
    return v["per_capita_income_fen"] * 12 < v["p_disp_annual_fen"]


@formula("rigid_ratio_line_fen", "家庭总收入的60%（显示值）", "60 % of household income (display)", "实施意见 §5")
def _rigid_ratio_line(v: Vars) -> Array:
    return scale_ratio(v["household_income_fen"], v["p_rigid_ratio"])


@formula("rigid_route_ratio", "必需支出超过家庭总收入的60%", "Spending over 60 % of household income", "实施意见 §5 \"超过\"（不含）", unit="bool")
def _rigid_route_ratio(v: Vars) -> Array:
    return v["rigid_expense_fen"] * RATIO_SCALE > v["p_rigid_ratio"] * v["household_income_fen"]


@formula("per_capita_after_expense_fen", "扣减必需支出后月人均收入", "Per-capita monthly income after rigid spending", "实施意见 §5")
def _pc_after(v: Vars) -> Array:
    den = np.maximum(v["p_window_months"] * v["n_members"], 1)
    return round_div(v["household_income_fen"] - v["rigid_expense_fen"], den)


@formula("rigid_line_fen", "扣减后收入线（1.5倍标准，显示值）", "After-spending income line (display)", "实施意见 §5")
def _rigid_line(v: Vars) -> Array:
    return scale_ratio(v["p_std_fen"], v["p_rigid_mult"])


@formula("rigid_route_after", "扣减必需支出后月人均收入低于低保标准1.5倍", "Per-capita income after spending below 1.5 × the standard", "实施意见 §5 \"低于\"（不含）", unit="bool")
def _rigid_route_after(v: Vars) -> Array:
    return v["per_capita_after_expense_fen"] * RATIO_SCALE < v["p_rigid_mult"] * v["p_std_fen"]


# === 7. main tier (主认定类别): 特困 > 低保 > 边缘 > 刚性 ========================================


@formula("is_dibao", "低保对象", "Dibao household", "实施意见 §1", unit="bool")
def _is_dibao(v: Vars) -> Array:
    return ~v["tekun_household"] & v["dibao_eligible"]


@formula("is_marginal", "低保边缘家庭", "Dibao-marginal household", "实施意见 §3（未纳入低保、特困）", unit="bool")
def _is_marginal(v: Vars) -> Array:
    return v["valid"] & ~v["tekun_household"] & ~v["is_dibao"] & v["marginal_income_ok"] & v["marginal_property_ok"]


@formula("is_rigid", "刚性支出困难家庭", "Rigid-expenditure hardship household", "实施意见 §5（未纳入低保、特困、边缘）", unit="bool")
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


@formula("m_severe_disability", "重度残疾（一、二级或三级智力、精神）", "Severe disability (grade 1–2, or grade 3 intellectual/mental)", "民发〔2021〕57号 第十条", level="member", unit="bool")
def _m_severe(v: Vars) -> Array:
    return _grade_ok(v, "p_severe_grade")


@formula("m_own_income_fen", "本人月均收入", "Member's own monthly income", "实施意见 §15（单人户收入）", level="member")
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


@formula("m_single_income_ok", "本人月均收入低于低保标准", "Own income below the dibao standard", "实施意见 §15", level="member", unit="bool")
def _m_single_income_ok(v: Vars) -> Array:
    return v["m_own_income_fen"] < _m(v, "p_std_fen")


@formula("m_single", "单独纳入低保", "Included in dibao individually", "实施意见 §15", level="member", unit="bool")
def _m_single(v: Vars) -> Array:
    return _m(v, "valid") & ~v["m_tekun"] & (v["m_single_basis_household"] | v["m_single_basis_adult"]) & v["m_single_income_ok"]


@formula("m_single_amount_fen", "单独纳入人员救助金", "Individual dibao amount", "CONFIG：补差，且不低于标准×下限比例", level="member")
def _m_single_amount(v: Vars) -> Array:
    std = _m(v, "p_std_fen")
    topup = std - np.maximum(v["m_own_income_fen"], 0)
    floor = scale_ratio(std, _m(v, "p_single_floor"))
    amount = round_unit(np.maximum(topup, floor), _m(v, "p_round_unit"), _m(v, "p_round_mode"))
    return np.where(v["m_single"], amount, 0).astype(np.int64)


@formula("n_single", "单独纳入人数", "Members included individually", "实施意见 §15", unit="int")
def _n_single(v: Vars) -> Array:
    return seg_sum(v["m_single"], v["offsets"])


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


@formula("other_monitored", "收入低于上年可支配收入且属未通过/退出/困难职工", "Income below disposable income and refused / left / difficult worker", "实施意见 §6 第二句", unit="bool")
def _other_monitored(v: Vars) -> Array:
    return v["below_disposable_income"] & (v["refused_recent"] | v["left_recent"] | v["has_difficult_worker"])


@formula("is_other", "其他困难人员", "Other people in difficulty", "实施意见 §6（不符合前5类）", unit="bool")
def _is_other(v: Vars) -> Array:
    return _b(
        v["valid"] & (v["main_tier"] == TIER_NONE) & ~v["poverty_monitoring"]
        & (v["county_confirmed"] | v["other_monitored"])
    )


# === 10. benefits (救助金额) ====================================================================


@formula("dibao_covered", "低保覆盖人数（不含特困成员）", "Members covered by dibao (tekun members excluded)", "实施意见 §15", unit="int")
def _dibao_covered(v: Vars) -> Array:
    return np.where(v["is_dibao"], v["n_members"] - v["n_tekun"], 0).astype(np.int64)


@formula("dibao_full_standard", "无收入且无劳动能力，按标准全额", "No income and no capacity to work: full standard", "policy-notes §4.1", unit="bool")
def _dibao_full(v: Vars) -> Array:
    return _b(v["is_dibao"] & (v["household_income_fen"] <= 0) & (v["n_able_adults"] == 0))


@formula("dibao_topup_per_person_fen", "人均补差额（标准 − 月人均收入）", "Per-person top-up (standard − per-capita income)", "policy-notes §4.1 补差")
def _dibao_topup(v: Vars) -> Array:
    gap = v["p_std_fen"] - np.maximum(v["per_capita_income_fen"], 0)
    return np.where(v["dibao_full_standard"], v["p_std_fen"], gap).astype(np.int64)


@formula("dibao_amount_fen", "低保金（月）", "Dibao benefit (monthly)", "补差 × 覆盖人数，按规定取整")
def _dibao_amount(v: Vars) -> Array:
    raw = v["dibao_topup_per_person_fen"] * v["dibao_covered"]
    return np.where(v["is_dibao"], round_unit(raw, v["p_round_unit"], v["p_round_mode"]), 0).astype(np.int64)


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


@formula("dibao_supplement_fen", "分类施保增发合计（月）", "Dibao supplements (monthly)", "CONFIG 分类施保，按规定取整")
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


@formula("tekun_basic_fen", "特困基本生活费合计（月）", "Tekun basic living (monthly)", "实施意见 §15")
def _tekun_basic(v: Vars) -> Array:
    return v["tekun_basic_per_person_fen"] * v["n_tekun"]


@formula("tekun_care_fen", "特困照料护理补贴合计（月）", "Tekun care allowances (monthly)", "实施意见 §15")
def _tekun_care(v: Vars) -> Array:
    return seg_sum(v["m_care_fen"], v["offsets"])


@formula("single_inclusion_fen", "单独纳入人员救助金合计（月）", "Individual dibao amounts (monthly)", "实施意见 §15")
def _single_total(v: Vars) -> Array:
    return seg_sum(v["m_single_amount_fen"], v["offsets"])


@formula("total_benefit_fen", "基本生活救助合计（月）", "Total basic-living benefit (monthly)", "实施意见 §15")
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
