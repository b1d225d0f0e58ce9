"""Explanations (认定说明): the trace of the formulas, in plain Chinese and English.

:func:`explain_row` reads one result row — every named intermediate the formulas computed
for the household — and the provenance of each parameter value used (value, effective
date, 文号, demo flag), and lays them out per category and criterion: pass or fail, the
figures, the parameters, the margin to the line in yuan and %, and one sentence in each
language.  It decides nothing itself: every pass/fail shown is a value of the formulas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jiuzhu.rules.determination.codes import CARE_LABELS_ZH, CARE_LEVELS, CATEGORY_LABELS, TIERS
from jiuzhu.rules.params.loader import Resolved

__all__ = ["explain_row", "format_yuan"]


def format_yuan(fen: int) -> str:
    """Integer fen → yuan string with two decimals (``123456`` → ``"1234.56"``)."""
    sign = "-" if fen < 0 else ""
    a = abs(int(fen))
    return f"{sign}{a // 100}.{a % 100:02d}"


def _pct(part: int, whole: int) -> str | None:
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _ratio_pct(ratio: Any) -> str:
    """0.60 → "60" (a ratio parameter shown as a percentage)."""
    return f"{(Decimal(ratio) * 100).normalize():f}"


def _yes(passed: bool) -> tuple[str, str]:
    return ("符合", "met") if passed else ("不符合", "not met")


def _params(resolved: Mapping[str, Resolved], *paths: str) -> list[dict[str, Any]]:
    return [resolved[p].as_dict() for p in paths if p in resolved]


def _crit(
    cid: str, label_zh: str, label_en: str, clause: str, passed: bool,
    text_zh: str, text_en: str, *, figures: Mapping[str, Any] | None = None,
    parameters: Sequence[dict[str, Any]] = (), margin: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "id": cid, "label_zh": label_zh, "label_en": label_en, "clause": clause, "passed": bool(passed),
        "figures": dict(figures or {}), "parameters": list(parameters),
        "margin": dict(margin) if margin else None, "text_zh": text_zh, "text_en": text_en,
    }


def _below(
    cid: str, label_zh: str, label_en: str, clause: str, passed: bool,
    value_fen: int, value_zh: str, value_en: str, line_fen: int, line_zh: str, line_en: str,
    parameters: Sequence[dict[str, Any]], extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A "value below line" criterion with margin (line − value)."""
    margin_fen = line_fen - value_fen
    zh_res, en_res = _yes(passed)
    rel_zh = "低于" if passed else "不低于"
    rel_en = "is below" if passed else "is not below"
    figures = {value_en: format_yuan(value_fen), line_en: format_yuan(line_fen), **(extra or {})}
    gap_zh = f"低 {format_yuan(margin_fen)} 元" if margin_fen > 0 else (
        "恰好相等" if margin_fen == 0 else f"高出 {format_yuan(-margin_fen)} 元")
    gap_en = f"{format_yuan(margin_fen)} yuan below" if margin_fen > 0 else (
        "exactly equal" if margin_fen == 0 else f"{format_yuan(-margin_fen)} yuan above")
    return _crit(
        cid, label_zh, label_en, clause, passed,
        f"{value_zh} {format_yuan(value_fen)} 元{rel_zh}{line_zh} {format_yuan(line_fen)} 元"
        f"（{gap_zh}），{zh_res}。",
        f"{value_en} {format_yuan(value_fen)} yuan {rel_en} {line_en} {format_yuan(line_fen)} yuan "
        f"({gap_en}): {en_res}.",
        figures=figures, parameters=parameters,
        margin={"yuan": format_yuan(margin_fen), "percent": _pct(margin_fen, line_fen)},
    )


def _property(row: Mapping[str, Any], tier: str, resolved: Mapping[str, Resolved]) -> list[dict[str, Any]]:
    zh = {"dibao": "低保", "marginal": "低保边缘", "tekun": "特困"}[tier]
    out = []
    limit = int(row[f"{tier}_fin_limit_fen"])
    fin = int(row["financial_fen"])
    ok = bool(row[f"{tier}_fin_ok"])
    out.append(_crit(
        f"{tier}.property.financial", f"{zh}：金融资产", f"{tier}: financial assets", "CONFIG", ok,
        f"存款、证券、商业保险等金融资产（不含豁免）{format_yuan(fin)} 元，"
        f"{'不超过' if ok else '超过'}上限 {format_yuan(limit)} 元（{row['n_members']} 人 × "
        f"{resolved[f'property.{tier}.financial_assets_months'].value} 个月 × 低保标准），{_yes(ok)[0]}。",
        f"Financial assets (non-exempt) {format_yuan(fin)} yuan {'within' if ok else 'above'} the limit "
        f"{format_yuan(limit)} yuan: {_yes(ok)[1]}.",
        figures={"financial_assets": format_yuan(fin), "limit": format_yuan(limit)},
        parameters=_params(resolved, f"property.{tier}.financial_assets_months", "dibao.standard"),
        margin={"yuan": format_yuan(limit - fin), "percent": _pct(limit - fin, limit)},
    ))
    vok = bool(row[f"{tier}_vehicle_ok"])
    vmax = resolved[f"property.{tier}.vehicle_max_value"].value
    out.append(_crit(
        f"{tier}.property.vehicle", f"{zh}：车辆", f"{tier}: vehicles", "CONFIG", vok,
        f"非豁免车辆 {row['vehicle_count']} 辆，最高价值 {format_yuan(int(row['vehicle_max_fen']))} 元，"
        f"上限 {vmax} 元，{_yes(vok)[0]}。",
        f"{row['vehicle_count']} non-exempt vehicle(s), highest value {format_yuan(int(row['vehicle_max_fen']))} "
        f"yuan, limit {vmax} yuan: {_yes(vok)[1]}.",
        figures={"vehicle_count": row["vehicle_count"], "vehicle_max_value": format_yuan(int(row["vehicle_max_fen"]))},
        parameters=_params(resolved, f"property.{tier}.vehicle_max_value"),
    ))
    rok = bool(row[f"{tier}_real_estate_ok"])
    rmax = resolved[f"property.{tier}.real_estate_max_count"].value
    out.append(_crit(
        f"{tier}.property.real_estate", f"{zh}：不动产", f"{tier}: real estate", "CONFIG", rok,
        f"非豁免不动产 {row['real_estate_count']} 处，上限 {rmax} 处，{_yes(rok)[0]}。",
        f"{row['real_estate_count']} non-exempt real-estate item(s), limit {rmax}: {_yes(rok)[1]}.",
        figures={"real_estate_count": row["real_estate_count"]},
        parameters=_params(resolved, f"property.{tier}.real_estate_max_count"),
    ))
    bok = bool(row[f"{tier}_business_ok"])
    bmax = resolved[f"property.{tier}.business_max_count"].value
    out.append(_crit(
        f"{tier}.property.business", f"{zh}：市场主体", f"{tier}: business registrations", "CONFIG", bok,
        f"非豁免市场主体登记 {row['business_count']} 个，上限 {bmax} 个，{_yes(bok)[0]}。",
        f"{row['business_count']} non-exempt business registration(s), limit {bmax}: {_yes(bok)[1]}.",
        figures={"business_count": row["business_count"]},
        parameters=_params(resolved, f"property.{tier}.business_max_count"),
    ))
    return out


def _income_section(row: Mapping[str, Any], resolved: Mapping[str, Resolved]) -> dict[str, Any]:
    n = int(row["n_members"])
    w = resolved["income.window_months"].value
    return {
        "label_zh": "家庭收入", "label_en": "Household income",
        "figures": {
            "members_counted": n, "members_excluded": int(row["n_excluded"]), "window_months": w,
            "income_counted": format_yuan(int(row["income_counted_fen"])),
            "income_not_counted": format_yuan(int(row["income_excluded_fen"])),
            "employment_deduction": format_yuan(int(row["employment_deduction_fen"])),
            "household_income": format_yuan(int(row["household_income_fen"])),
            "per_capita_monthly_income": format_yuan(int(row["per_capita_income_fen"])),
        },
        "parameters": _params(resolved, "income.window_months", "income.excluded_subtypes", "income.employment_cost_rate"),
        "text_zh": (
            f"共同生活家庭成员 {n} 人（另有 {int(row['n_excluded'])} 人按规定不计入）。计算期 {w} 个月内计入收入 "
            f"{format_yuan(int(row['income_counted_fen']))} 元（不计入收入 {format_yuan(int(row['income_excluded_fen']))} 元，"
            f"如城乡居民基础养老金），扣减就业成本 {format_yuan(int(row['employment_deduction_fen']))} 元，"
            f"家庭收入 {format_yuan(int(row['household_income_fen']))} 元；"
            f"月人均收入 = {format_yuan(int(row['household_income_fen']))} ÷ {w} ÷ {n} = "
            f"{format_yuan(int(row['per_capita_income_fen']))} 元。"
        ),
        "text_en": (
            f"{n} household member(s) counted ({int(row['n_excluded'])} excluded by rule). Income counted over {w} "
            f"months: {format_yuan(int(row['income_counted_fen']))} yuan (not counted: "
            f"{format_yuan(int(row['income_excluded_fen']))} yuan, e.g. basic pension), less employment costs "
            f"{format_yuan(int(row['employment_deduction_fen']))} yuan = {format_yuan(int(row['household_income_fen']))} "
            f"yuan; per-capita monthly income = {format_yuan(int(row['per_capita_income_fen']))} yuan."
        ),
    }


def _tekun_members(row: Mapping[str, Any], resolved: Mapping[str, Resolved]) -> list[dict[str, Any]]:
    out = []
    for i, mid in enumerate(row["member_ids"]):
        age = int(row["m_age"][i])
        reasons_zh, reasons_en = [], []
        if row["m_elderly"][i]:
            reasons_zh.append(f"年满{resolved['tekun.elderly_age'].value}周岁（{age}岁）")
            reasons_en.append(f"aged {age} (≥ {resolved['tekun.elderly_age'].value})")
        if row["m_under_16"][i]:
            reasons_zh.append(f"未满{resolved['tekun.minor_age'].value}周岁（{age}岁）")
            reasons_en.append(f"aged {age} (< {resolved['tekun.minor_age'].value})")
        if row["m_disability_no_capacity"][i]:
            reasons_zh.append("残疾类别和等级属无劳动能力")
            reasons_en.append("disability type and grade on the no-capacity list")
        if row["m_kept_minor"][i]:
            reasons_zh.append("特困未成年人延续供养（未满18周岁或仍在读）")
            reasons_en.append("tekun minor kept on (under 18 or still in school)")
        nc = bool(row["m_no_capacity"][i])
        crits = [
            _crit(
                "tekun.no_capacity", "无劳动能力", "No capacity to work", "实施意见 §2；民发〔2021〕43号 第六条", nc,
                ("无劳动能力：" + "、".join(reasons_zh) + "。") if nc else f"{age}岁，不属于无劳动能力情形。",
                ("No capacity to work: " + "; ".join(reasons_en) + ".") if nc else f"Aged {age}: not in a no-capacity case.",
                figures={"age": age},
                parameters=_params(resolved, "tekun.elderly_age", "tekun.minor_age", "tekun.disability_no_capacity", "tekun.keep_until_age", "tekun.keep_school_stages"),
            ),
            _crit(
                "tekun.no_means", "无生活来源", "No means of living", "实施意见 §2", bool(row["no_means_of_living"]),
                f"家庭月人均收入 {format_yuan(int(row['per_capita_income_fen']))} 元"
                f"{'低于' if row['dibao_income_ok'] else '不低于'}低保标准，财产{'符合' if row['tekun_property_ok'] else '不符合'}特困财产规定。",
                f"Per-capita income {format_yuan(int(row['per_capita_income_fen']))} yuan "
                f"{'below' if row['dibao_income_ok'] else 'not below'} the standard; property "
                f"{'within' if row['tekun_property_ok'] else 'outside'} the tekun rules.",
                parameters=_params(resolved, "dibao.standard"),
            ),
            _crit(
                "tekun.no_supporter", "无法定义务人或义务人无履行能力", "No legal supporter able to support", "实施意见 §2",
                not bool(row["has_able_supporter"]),
                f"有履行能力的义务人 {int(row['able_supporters'])} 人、有劳动能力的成年家庭成员 {int(row['n_able_adults'])} 人。",
                f"{int(row['able_supporters'])} supporter(s) able to support; {int(row['n_able_adults'])} able adult member(s).",
            ),
        ]
        passed = bool(row["m_tekun"][i])
        level = int(row["m_care_level"][i])
        out.append({
            "member_id": mid, "tekun": passed, "criteria": crits,
            "care_level": CARE_LEVELS[level], "care_level_zh": CARE_LABELS_ZH[level],
            "self_care_items_failed": int(row["m_adl_failed"][i]),
            "care_allowance": format_yuan(int(row["m_care_fen"][i])),
        })
    return out


def explain_row(row: Mapping[str, Any], resolved: Mapping[str, Resolved]) -> dict[str, Any]:
    """The explanation of one result row (JSON-ready)."""
    std = int(row.get("p_std_fen") or int(Decimal(resolved["dibao.standard"].value) * 100))
    pc = int(row["per_capita_income_fen"])
    main = TIERS[int(row["main_tier"])]
    cats: dict[str, Any] = {}

    # §1 dibao
    dibao_crits = [
        _below(
            "dibao.income", "月人均收入低于当地低保标准", "Per-capita income below the local dibao standard",
            "实施意见 §1", bool(row["dibao_income_ok"]), pc, "月人均收入", "per-capita monthly income",
            std, "低保标准", "dibao standard", _params(resolved, "dibao.standard"),
        ),
        *_property(row, "dibao", resolved),
    ]
    cats["dibao"] = {"result": bool(row["is_dibao"]), "criteria": dibao_crits}

    # §2 tekun (per person)
    cats["tekun"] = {
        "result": bool(row["tekun_household"]), "members_tekun": int(row["n_tekun"]),
        "members": _tekun_members(row, resolved),
        "criteria": _property(row, "tekun", resolved),
    }

    # §3 marginal
    mline = int(row["marginal_line_fen"])
    cats["marginal"] = {"result": bool(row["is_marginal"]), "criteria": [
        _crit("marginal.not_higher", "未纳入低保、特困", "Not already dibao or tekun", "实施意见 §3",
              not (bool(row["is_dibao"]) or bool(row["tekun_household"])),
              "未被认定为低保或特困。" if not (row["is_dibao"] or row["tekun_household"]) else "已属更高层级（低保或特困）。",
              "Not dibao or tekun." if not (row["is_dibao"] or row["tekun_household"]) else "Already in a higher tier (dibao or tekun)."),
        _below("marginal.income", "月人均收入低于低保标准的1.5倍", "Per-capita income below 1.5 × the standard", "实施意见 §3",
               bool(row["marginal_income_ok"]), pc, "月人均收入", "per-capita monthly income", mline,
               f"{resolved['dibao.marginal_multiplier'].value}倍低保标准", f"{resolved['dibao.marginal_multiplier'].value} × standard",
               _params(resolved, "dibao.standard", "dibao.marginal_multiplier")),
        *_property(row, "marginal", resolved),
    ]}

    # §5 rigid
    disp_m = int(row["disposable_monthly_fen"])
    exp = int(row["rigid_expense_fen"])
    inc = int(row["household_income_fen"])
    ratio_line = int(row["rigid_ratio_line_fen"])
    cats["rigid"] = {"result": bool(row["is_rigid"]), "criteria": [
        _crit("rigid.not_higher", "未纳入低保、特困、低保边缘", "Not dibao, tekun or marginal", "实施意见 §5",
              not (row["is_dibao"] or row["tekun_household"] or row["is_marginal"]),
              "未被认定为更高层级。" if not (row["is_dibao"] or row["tekun_household"] or row["is_marginal"]) else "已属更高层级。",
              "Not in a higher tier." if not (row["is_dibao"] or row["tekun_household"] or row["is_marginal"]) else "Already in a higher tier."),
        _below("rigid.disposable", "月人均收入低于上年度当地居民人均可支配收入", "Per-capita income below last year's disposable income",
               "实施意见 §5", bool(row["below_disposable_income"]), pc, "月人均收入", "per-capita monthly income",
               disp_m, "上年度人均可支配收入（月均）", "last year's disposable income per month",
               _params(resolved, "benchmark.disposable_income_basis", "benchmark.disposable_income_all", "benchmark.disposable_income")),
        _crit("rigid.route_ratio", "医疗、教育、残疾康复必需支出超过家庭总收入60%", "Rigid spending over 60 % of household income",
              "实施意见 §5 情形一", bool(row["rigid_route_ratio"]),
              f"必需支出 {format_yuan(exp)} 元，家庭总收入 {format_yuan(inc)} 元，占比 {_pct(exp, inc) or '—'}%，"
              f"{'超过' if row['rigid_route_ratio'] else '未超过'}家庭总收入的 {_ratio_pct(resolved['rigid.expense_ratio'].value)}%"
              f"（{format_yuan(ratio_line)} 元）。",
              f"Rigid spending {format_yuan(exp)} yuan, household income {format_yuan(inc)} yuan, share "
              f"{_pct(exp, inc) or '—'} %: {'over' if row['rigid_route_ratio'] else 'not over'} {_ratio_pct(resolved['rigid.expense_ratio'].value)} %.",
              figures={"rigid_expense": format_yuan(exp), "household_income": format_yuan(inc), "share_percent": _pct(exp, inc)},
              parameters=_params(resolved, "rigid.expense_ratio"),
              margin={"yuan": format_yuan(exp - ratio_line), "percent": _pct(exp - ratio_line, ratio_line) if ratio_line else None}),
        _below("rigid.route_after", "扣减必需支出后月人均收入低于低保标准1.5倍", "Per-capita income after spending below 1.5 × the standard",
               "实施意见 §5 情形二", bool(row["rigid_route_after"]), int(row["per_capita_after_expense_fen"]),
               "扣减必需支出后月人均收入", "per-capita income after rigid spending", int(row["rigid_line_fen"]),
               f"{resolved['rigid.after_expense_multiplier'].value}倍低保标准", f"{resolved['rigid.after_expense_multiplier'].value} × standard",
               _params(resolved, "dibao.standard", "rigid.after_expense_multiplier")),
        _crit("rigid.property", "家庭财产符合低保边缘家庭财产标准", "Property within the marginal-household rules", "实施意见 §5",
              bool(row["marginal_property_ok"]),
              "财产符合低保边缘家庭财产标准。" if row["marginal_property_ok"] else "财产不符合低保边缘家庭财产标准。",
              "Property within the marginal rules." if row["marginal_property_ok"] else "Property outside the marginal rules."),
    ]}

    # §15 single-person inclusion
    single = []
    for i, mid in enumerate(row["member_ids"]):
        basis = bool(row["m_single_basis_household"][i]) or bool(row["m_single_basis_adult"][i])
        if not basis:
            continue
        own = int(row["m_own_income_fen"][i])
        single.append({
            "member_id": mid, "included": bool(row["m_single"][i]),
            "amount": format_yuan(int(row["m_single_amount_fen"][i])),
            "criteria": [
                _crit("single.basis", "重残、重病人员（边缘/刚性家庭）或成年无业重度残疾人", "Severely disabled / seriously ill, or adult without work with severe disability",
                      "实施意见 §15", True,
                      "属边缘或刚性支出困难家庭中的重残/重病人员。" if row["m_single_basis_household"][i] else "属成年无业重度残疾人，参照单人户。",
                      "Member of a marginal/rigid household with severe disability or serious illness." if row["m_single_basis_household"][i] else "Adult without work with a severe disability (as a single-person household).",
                      parameters=_params(resolved, "single.scope", "single.severe_disability", "single.adult_unemployed_severe_disability")),
                _below("single.income", "本人月均收入低于低保标准", "Own monthly income below the standard", "实施意见 §15",
                       bool(row["m_single_income_ok"][i]), own, "本人月均收入", "own monthly income", std, "低保标准",
                       "dibao standard", _params(resolved, "dibao.standard", "single.floor_rate")),
            ],
        })
    cats["dibao_individual"] = {"result": int(row["n_single"]) > 0, "members": single}

    # §6 other
    cats["other"] = {"result": bool(row["is_other"]), "criteria": [
        _crit("other.not_in_five", "不属于前五类", "Not in the five categories above", "实施意见 §6",
              main == "none" and not row["poverty_monitoring"],
              "未纳入特困、低保、边缘、刚性支出，也非防返贫监测对象。" if (main == "none" and not row["poverty_monitoring"]) else "已属其他类别。",
              "Not in any of the five categories." if (main == "none" and not row["poverty_monitoring"]) else "Already in another category."),
        _crit("other.county_confirmed", "经县级以上人民政府认定确有困难", "Confirmed in difficulty by a county-level government", "实施意见 §6 第一句",
              bool(row["county_confirmed"]), "县级认定：是。" if row["county_confirmed"] else "县级认定：否。",
              "County confirmation: yes." if row["county_confirmed"] else "County confirmation: no."),
        _crit("other.monitored", "收入低于上年度可支配收入且一年内申请未通过/两年内好转退出/困难职工", "Income below disposable income and refused / left / worker in difficulty",
              "实施意见 §6 第二句", bool(row["other_monitored"]),
              f"月人均收入{'低于' if row['below_disposable_income'] else '不低于'}上年度人均可支配收入（月均 {format_yuan(disp_m)} 元）；"
              f"一年内申请未通过：{'是' if row['refused_recent'] else '否'}；两年内因好转退出：{'是' if row['left_recent'] else '否'}；"
              f"困难职工：{'是' if row['has_difficult_worker'] else '否'}。",
              f"Income {'below' if row['below_disposable_income'] else 'not below'} last year's disposable income; "
              f"refused within the look-back: {'yes' if row['refused_recent'] else 'no'}; left (improved) within the look-back: "
              f"{'yes' if row['left_recent'] else 'no'}; worker in difficulty: {'yes' if row['has_difficult_worker'] else 'no'}.",
              parameters=_params(resolved, "other.refused_lookback_years", "other.left_lookback_years")),
    ]}
    cats["poverty_monitoring"] = {
        "result": bool(row["poverty_monitoring"]),
        "text_zh": "防止返贫监测对象由农业农村部门认定，本平台仅接收其数据：" + ("是。" if row["poverty_monitoring"] else "否。"),
        "text_en": "Determined by agriculture and rural affairs; received, not decided here: " + ("yes." if row["poverty_monitoring"] else "no."),
    }
    for code, (zh, en) in CATEGORY_LABELS.items():
        if code in cats:
            cats[code]["label_zh"] = zh
            cats[code]["label_en"] = en

    labels = [CATEGORY_LABELS[c][0] for c in row["categories"]]
    labels_en = [CATEGORY_LABELS[c][1] for c in row["categories"]]
    benefits = {
        "dibao": {"amount": format_yuan(int(row["dibao_amount_fen"])),
                  "text_zh": (f"低保金 =（低保标准 {format_yuan(std)} − 月人均收入 {format_yuan(max(pc, 0))}）× 覆盖人数 {int(row['dibao_covered'])}"
                              + ("（无收入且无劳动能力，按标准全额）" if row["dibao_full_standard"] else "")
                              + f" = {format_yuan(int(row['dibao_amount_fen']))} 元/月（按规定取整）。") if row["is_dibao"] else "不享受低保金。",
                  "text_en": f"Dibao = (standard − per-capita income) × {int(row['dibao_covered'])} covered = {format_yuan(int(row['dibao_amount_fen']))} yuan/month." if row["is_dibao"] else "No dibao benefit."},
        "dibao_supplement": {"amount": format_yuan(int(row["dibao_supplement_fen"])), "parameters": _params(resolved, "dibao.supplement_rate.elderly", "dibao.supplement_rate.minor", "dibao.supplement_rate.severe_disability", "dibao.supplement_rate.serious_illness")},
        "tekun_basic": {"amount": format_yuan(int(row["tekun_basic_fen"])),
                        "text_zh": f"特困基本生活费 = 低保标准 × {resolved['tekun.basic_living_multiplier'].value}（取整 {format_yuan(int(row['tekun_basic_per_person_fen']))} 元）× {int(row['n_tekun'])} 人。",
                        "text_en": f"Tekun basic living = standard × {resolved['tekun.basic_living_multiplier'].value} × {int(row['n_tekun'])} person(s)."},
        "tekun_care": {"amount": format_yuan(int(row["tekun_care_fen"])), "parameters": _params(resolved, "tekun.care.self_care_amount", "tekun.care.partial_rate", "tekun.care.total_rate", "wage.minimum_zone")},
        "single_inclusion": {"amount": format_yuan(int(row["single_inclusion_fen"]))},
        "total": {"amount": format_yuan(int(row["total_benefit_fen"]))},
        "rounding": _params(resolved, "benefit.rounding_unit", "benefit.rounding_mode"),
    }
    return {
        "household_id": row["household_id"],
        "summary_zh": ("认定结果：" + "、".join(labels) + "。") if labels else "认定结果：不属于低收入人口认定类别。",
        "summary_en": ("Result: " + "; ".join(labels_en) + ".") if labels_en else "Result: not in any low-income category.",
        "main_category": main,
        "income": _income_section(row, resolved),
        "categories": cats,
        "benefits": benefits,
    }
