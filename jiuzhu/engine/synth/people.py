"""Households, members, legal supporters and the non-registry population."""

from __future__ import annotations

import functools

import numpy as np

from jiuzhu.rules.vocab import ADL_ITEMS

from . import templates as T
from .arrowutil import I64, B
from .calibration import CALIBRATION, CATEGORIES
from .common import birth_days, exact_counts, expand, group_starts, pick, randint, stream, uniform
from .idcard import id_matrix, unique_bodies
from .names import SURNAME_P
from .regions import cities, retired_code_for, subdivisions
from .world import (
    CAP_FULL,
    CAP_NONE,
    CAP_PARTIAL,
    DIS,
    EMP,
    SCH,
    SERIOUS_ILLNESS_P,
    World,
)

CAT = {c: i for i, c in enumerate(CATEGORIES)}
TEKUN, DIBAO, EDGE, RIGID, OTHER, NONE = (CAT[c] for c in CATEGORIES)

#: order in which self-care items are lost (bathing first, eating last)
ADL_LOSS_ORDER = ("adl_bathing", "adl_dressing", "adl_walking", "adl_toileting",
                  "adl_transfer", "adl_eating")
ADL_RANK = tuple(ADL_LOSS_ORDER.index(item) for item in ADL_ITEMS)

#: county codes outside Jiangxi seen on supporters / feeds (people working away)
OUTSIDE_COUNTIES = (440306, 440305, 441900, 330106, 330381, 350203, 320506, 310115,
                    430104, 350102)

UNABLE_REASONS: tuple[str, ...] = (
    "年满70周岁且收入低于上年人均可支配收入",
    "本人为低保对象且年满60周岁",
    "重度残疾",
    "服刑",
    "无民事行为能力",
    "宣告失踪",
)
SUPPORTER_RELATIONS: tuple[str, ...] = ("child", "parent", "sibling", "spouse")


@functools.cache
def _county_tables() -> tuple[I64, I64, I64, I64]:
    """Per current county: code, city index, retired code (or 0), retired window."""
    subs = subdivisions()
    city_codes = [c.code for c in cities()]
    code = np.array([int(c.code) for c in subs.counties], dtype=np.int64)
    city = np.array([city_codes.index(c.parent_code) for c in subs.counties], dtype=np.int64)
    retired = np.zeros(len(code), dtype=np.int64)
    window = np.zeros((len(code), 2), dtype=np.int64)
    for i, c in enumerate(subs.counties):
        r = retired_code_for(c)
        if r is not None and r.valid_to is not None:
            retired[i] = int(r.code)
            window[i, 0] = (r.valid_from.toordinal() - 719163)
            window[i, 1] = (r.valid_to.toordinal() - 719163)
    return code, city, retired, window


def school_stage_for(age: I64, u: np.ndarray) -> I64:
    """School stage consistent with age (u: uniform draws)."""
    s = np.full(len(age), SCH["none"], dtype=np.int64)
    s = np.where((age >= 3) & (age <= 5) & (u < 0.85), SCH["preschool"], s)
    s = np.where((age >= 6) & (age <= 11), SCH["primary"], s)
    s = np.where((age >= 12) & (age <= 14), SCH["junior"], s)
    teen = (age >= 15) & (age <= 17)
    s = np.where(teen & (u < 0.55), SCH["senior"], s)
    s = np.where(teen & (u >= 0.55) & (u < 0.85), SCH["vocational"], s)
    a18 = age == 18
    s = np.where(a18 & (u < 0.15), SCH["senior"], s)
    s = np.where(a18 & (u >= 0.15) & (u < 0.25), SCH["vocational"], s)
    s = np.where(a18 & (u >= 0.25) & (u < 0.45), SCH["higher"], s)
    s = np.where((age >= 19) & (age <= 22) & (u < 0.35), SCH["higher"], s)
    return s.astype(np.int64)


def build_households(w: World, households: int) -> None:
    rng = stream(w.seed, "households")
    cal = CALIBRATION
    subs = subdivisions()
    _, county_city, _, _ = _county_tables()
    H = households
    w.H = H
    counts = exact_counts([cal.category_shares[c] for c in CATEGORIES], H)
    cat = np.repeat(np.arange(len(CATEGORIES), dtype=np.int64), counts)
    w.cat = cat[rng.permutation(H)]

    # location: county weight (fixed, seed independent) spread over its villages
    cw = np.random.default_rng([0x5EED_C0DE, 2]).uniform(0.6, 1.4, len(subs.counties))
    for i, county in enumerate(subs.counties):
        cw[i] = cal.county_weight.get(county.code, cw[i])
    nv = np.bincount(subs.v_county, minlength=len(subs.counties))
    w.village = pick(rng, cw[subs.v_county] / nv[subs.v_county], H)
    w.county = subs.v_county[w.village]
    w.city = county_city[w.county]
    w.urban = subs.v_community[w.village]

    city_codes = [c.code for c in cities()]
    std = np.array([cal.dibao_standard_monthly[c] for c in city_codes], dtype=np.int64) * 100
    w.standard = np.where(w.urban, std[w.city, 0], std[w.city, 1]).astype(np.int64)
    di = cal.disposable_income_annual
    w.line = np.where(w.urban, di["urban"], di["rural"]).astype(np.int64) * 100

    # composition
    tpl = np.zeros(H, dtype=np.int64)
    for c, name in enumerate(CATEGORIES):
        idx = np.flatnonzero(w.cat == c)
        shares = cal.template_shares[name]
        tpl[idx] = pick(rng, [shares[t] for t in T.TPL], len(idx))
    size = np.ones(H, dtype=np.int64)
    for t in range(T.N_TEMPLATES):
        idx = np.flatnonzero(tpl == t)
        size[idx] = pick(rng, T.SIZE_P[t], len(idx))
    size[(w.cat == TEKUN) & (tpl == T.TPL["elder_couple"])] = 2
    w.tpl, w.size = tpl, size
    w.start = group_starts(size)

    # per-capita counted income (cents / year), aimed at the category
    m = size
    x = w.standard * 12 * m  # one standard, per year, whole household
    hi = 0.98 * w.line / (12.0 * w.standard)  # ratio just below the income line
    lo = cal.above_edge_ratio_min
    u = rng.random(H)
    ratio = np.zeros(H)
    ratio = np.where(w.cat == DIBAO, uniform(rng, *cal.dibao_ratio_range, H), ratio)
    ratio = np.where((w.cat == DIBAO) & (u < cal.dibao_zero_income_share), 0.0, ratio)
    ratio = np.where(w.cat == EDGE, uniform(rng, *cal.edge_ratio_range, H), ratio)
    mid = lo + (hi - lo) * rng.random(H)
    ratio = np.where(np.isin(w.cat, [RIGID, OTHER, NONE]), mid, ratio)
    income = np.floor(ratio * x).astype(np.int64)
    above = (w.cat == NONE) & (u < cal.none_above_line_share)
    top = uniform(rng, *cal.none_above_line_range, H)
    income = np.where(above, np.floor(top * w.line * m).astype(np.int64), income)
    boundary = np.zeros(H, dtype=np.int64)
    b = rng.random(H)
    at_std = (w.cat == EDGE) & (b < cal.boundary_edge_at_standard)
    at_15 = ((w.cat == RIGID) & (b < cal.boundary_rigid_at_1_5x)) | (
        (w.cat == NONE) & ~above & (b < cal.boundary_none_at_1_5x)
    )
    income = np.where(at_std, x, income)
    income = np.where(at_15, x * 3 // 2, income)
    boundary[at_std] = 1
    boundary[at_15] = 2
    w.counted_income = income.astype(np.int64)
    w.boundary = boundary
    w.rigid_by_ratio = (w.cat == RIGID) & (rng.random(H) < cal.rigid_by_ratio_share)

    pm = cal.poverty_monitoring_share
    w.poverty = rng.random(H) < np.where(w.urban, pm["urban"], pm["rural"])
    old = np.isin(w.cat, [TEKUN, DIBAO])
    w.registered_on = w.as_of_day - np.where(
        old, randint(rng, 60, 3650, H), randint(rng, 15, 730, H)
    )


def build_members(w: World) -> None:
    rng = stream(w.seed, "members")
    cal = CALIBRATION
    hh, pos = expand(w.size)
    P = len(hh)
    w.P, w.hh, w.pos = P, hh, pos
    tpl = w.tpl[hh]
    cat = w.cat[hh]
    w.rel = T.SLOT_REL[tpl, pos]

    # ages
    a, b = T.HEAD_AGE_A[w.tpl], T.HEAD_AGE_B[w.tpl]
    uh = rng.random(w.H) ** T.HEAD_SKEW[w.tpl]
    head_age = (a + np.floor(uh * (b - a + 1))).astype(np.int64)
    r = randint(rng, T.SLOT_A[tpl, pos], T.SLOT_B[tpl, pos], P)
    rule = T.SLOT_RULE[tpl, pos]
    age = np.where(pos == 0, head_age[hh], np.where(rule == T.ABS, r, head_age[hh] + r))
    age = np.where(age < 0, randint(rng, 0, 5, P), age)
    age = np.clip(age, 0, 100)
    age = np.where((cat == TEKUN) & (pos > 0), np.maximum(age, 60), age)
    w.age = age.astype(np.int64)
    w.birth = birth_days(rng, w.as_of, w.age)

    # sex
    head_male = rng.random(w.H) < T.HEAD_MALE[w.tpl]
    sr = T.SLOT_SEX[tpl, pos]
    male = np.where(
        pos == 0, head_male[hh],
        np.where(sr == T.SEX_OPPOSITE_HEAD, ~head_male[hh],
                 np.where(sr == T.SEX_MALE, True,
                          np.where(sr == T.SEX_FEMALE, False, rng.random(P) < 0.51))),
    )
    w.male = male.astype(np.bool_)

    # disability
    band = (age >= 18).astype(np.int64) + (age >= 60) + (age >= 80)
    mult = np.array([cal.disability_multiplier[c] for c in CATEGORIES])[cat]
    disabled = rng.random(P) < np.array(cal.disability_rate_by_age)[band] * mult
    forced = (tpl == T.TPL["disabled_single"]) & (pos == 0)
    disabled |= forced
    grade = pick(rng, cal.disability_grade_shares, P) + 1
    grade = np.where(forced, np.where(rng.random(P) < 0.4, 1, 2), grade)
    single_adult = (tpl == T.TPL["single_adult"]) & (cat != TEKUN)
    grade = np.where(single_adult, np.maximum(grade, 3), grade)
    types = np.array([DIS[v] for v in ("visual", "hearing", "speech", "physical",
                                       "intellectual", "mental", "multiple")])
    dtype = types[pick(rng, [0.12, 0.12, 0.03, 0.45, 0.09, 0.12, 0.07], P)]
    severe_types = np.array([DIS[v] for v in ("physical", "intellectual", "mental", "multiple")])
    dtype = np.where(forced, severe_types[pick(rng, [0.4, 0.25, 0.25, 0.1], P)], dtype)
    w.grade = np.where(disabled, grade, 0).astype(np.int64)
    w.dis_type = np.where(disabled, dtype, DIS["none"]).astype(np.int64)

    # serious illness
    band2 = (age >= 18).astype(np.int64) + (age >= 60)
    imult = np.array([cal.illness_multiplier[c] for c in CATEGORIES])[cat]
    ill = rng.random(P) < np.array(cal.serious_illness_rate_by_age)[band2] * imult
    code = pick(rng, SERIOUS_ILLNESS_P, P)
    w.illness = np.where(ill, code, -1).astype(np.int64)

    # work capacity
    g = w.grade
    cap = np.full(P, CAP_FULL, dtype=np.int64)
    cap = np.where(ill | (g >= 3), CAP_PARTIAL, cap)
    cap = np.where((g == 1) | (g == 2), CAP_NONE, cap)
    cap = np.where(age < 16, CAP_NONE, cap)
    sixties = (age >= 60) & (age < 70)
    cap = np.where(sixties & (cap != CAP_NONE),
                   np.where(rng.random(P) < 0.5, CAP_PARTIAL, CAP_NONE), cap)
    cap = np.where(age >= 70, CAP_NONE, cap)
    cap = np.where(cat == TEKUN, CAP_NONE, cap)
    cap = np.where(single_adult & (cap == CAP_NONE), CAP_PARTIAL, cap)
    w.capacity = cap.astype(np.int64)

    # school
    w.school = school_stage_for(age, rng.random(P))

    # employment
    urban = w.urban[hh]
    retired_p = np.array([0.0, 0.0, 0.06, 0.20, 0.25, 0.35])[cat]
    retire_age = (age >= 60) | (~w.male & (age >= 50))
    retired = retire_age & (rng.random(P) < retired_p)
    emp = np.full(P, EMP["not_working"], dtype=np.int64)
    groups = (
        (cap == CAP_FULL) & ~urban,
        (cap == CAP_FULL) & urban,
        (cap == CAP_PARTIAL) & ~urban & (age < 60),
        (cap == CAP_PARTIAL) & urban & (age < 60),
        (cap == CAP_PARTIAL) & ~urban & (age >= 60),
    )
    choices = (
        (("farming", 0.35), ("employed", 0.40), ("self_employed", 0.08),
         ("unemployed", 0.10), ("not_working", 0.07)),
        (("employed", 0.55), ("self_employed", 0.12), ("unemployed", 0.25),
         ("not_working", 0.08)),
        (("farming", 0.45), ("unemployed", 0.20), ("not_working", 0.35)),
        (("employed", 0.25), ("unemployed", 0.35), ("not_working", 0.40)),
        (("farming", 0.5), ("not_working", 0.5)),
    )
    for mask, opts in zip(groups, choices, strict=True):
        idx = np.flatnonzero(mask)
        codes = np.array([EMP[o] for o, _ in opts])
        emp[idx] = codes[pick(rng, [p for _, p in opts], len(idx))]
    emp = np.where(age < 16, EMP["not_working"], emp)
    emp = np.where(retired, EMP["retired"], emp)
    emp = np.where(w.school != SCH["none"], EMP["student"], emp)
    # no counted income: nobody in the household earns
    zero = w.counted_income[hh] == 0
    earning = np.isin(emp, [EMP["employed"], EMP["self_employed"], EMP["farming"]])
    emp = np.where(zero & earning, np.where(age < 60, EMP["unemployed"], EMP["not_working"]), emp)
    w.employment = emp.astype(np.int64)

    # self-care: number of failed ADL items
    need = (age >= 75) | (g == 1) | (g == 2) | ((cat == TEKUN) & (age >= 60))
    k = np.where(need, pick(rng, [0.50, 0.12, 0.11, 0.09, 0.07, 0.06, 0.05], P), 0)
    young_old = (age >= 60) & (age < 75) & ~need
    k = np.where(young_old & (rng.random(P) < 0.06), randint(rng, 1, 3, P), k)
    w.adl_failed = k.astype(np.int64)

    # surnames: children and grandchildren mostly take the head's surname
    sur = pick(rng, SURNAME_P, P)
    head_sur = sur[w.start][hh]
    follows = np.isin(w.rel, [T.REL["child"], T.REL["grandchild"], T.REL["sibling"]])
    follows |= (w.rel == T.REL["parent"]) & w.male
    keep = follows & (rng.random(P) < np.where(w.male[w.start][hh], 0.85, 0.5))
    w.surname = np.where(keep, head_sur, sur).astype(np.int64)

    # ID address code and hukou
    county_code, _, retired_code, window = _county_tables()
    own = county_code[w.county[hh]]
    rc = retired_code[w.county[hh]]
    lo, hi = window[w.county[hh], 0], window[w.county[hh], 1]
    eligible = (rc > 0) & (w.birth >= lo) & (w.birth < hi)
    n_el = int(eligible.sum())
    p_old = min(1.0, cal.retired_code_share * P / n_el) if n_el else 0.0
    use_old = eligible & (rng.random(P) < p_old)
    w.id_address = np.where(use_old, rc, own).astype(np.int64)
    other = rng.random(P) < cal.other_county_hukou_share
    w.hukou = np.where(other, county_code[randint(rng, 0, len(county_code) - 1, P)], own)


def build_supporters(w: World) -> None:
    """Legal supporters living elsewhere (赡养/抚养/扶养义务人)."""
    rng = stream(w.seed, "supporters")
    H = w.H
    tpl, cat, start, size = w.tpl, w.cat, w.start, w.size
    elder = np.isin(tpl, [T.TPL["elder_single"], T.TPL["elder_couple"]])
    skip = tpl == T.TPL["skip_gen"]
    single = np.isin(tpl, [T.TPL["disabled_single"], T.TPL["single_adult"]])
    sparent = tpl == T.TPL["single_parent"]
    head = start
    head_disabled = w.grade[head] > 0

    n = np.zeros(H, dtype=np.int64)
    n = np.where(elder, pick(rng, [0.0, 0.30, 0.35, 0.25, 0.10], H), n)
    n = np.where(skip, pick(rng, [0.0, 0.45, 0.55], H), n)
    n = np.where(single & (head_disabled | (w.illness[head] >= 0)) & (rng.random(H) < 0.45), 1, n)
    n = np.where(sparent & (rng.random(H) < 0.40), 1, n)
    tek = cat == TEKUN
    n = np.where(tek, np.where(rng.random(H) < 0.55, 0, pick(rng, [0.0, 0.6, 0.4], H)), n)
    # a dibao household where nobody can work must have an able supporter,
    # otherwise its members would be extreme-poverty (tekun) cases instead
    capable = np.bincount(w.hh, weights=(w.capacity != CAP_NONE), minlength=H) > 0
    must = (cat == DIBAO) & ~capable
    n = np.where(must, np.maximum(n, 1), n)

    s_hh, k = expand(n)
    Q = len(s_hh)
    w.Q, w.s_hh = Q, s_hh
    focus = np.where(skip[s_hh] | sparent[s_hh], start[s_hh] + 1, start[s_hh])
    ht = tpl[s_hh]
    has_second = (np.isin(ht, [T.TPL["elder_couple"], T.TPL["skip_gen"]])) & (size[s_hh] >= 2)
    second = np.where(ht == T.TPL["skip_gen"], start[s_hh],
                      np.where(w.rel[np.minimum(start[s_hh] + 1, w.P - 1)] == T.REL["spouse"],
                               start[s_hh] + 1, -1))
    w.s_focus = focus
    w.s_second = np.where(has_second, second, -1)
    f_age = w.age[focus]
    REL_CHILD, REL_PARENT, REL_SIB = 0, 1, 2
    rel = np.where(f_age >= 55, REL_CHILD, REL_PARENT).astype(np.int64)
    rel = np.where(elder[s_hh], REL_CHILD, rel)
    rel = np.where(np.isin(ht, [T.TPL["skip_gen"], T.TPL["minor_single"],
                                T.TPL["single_parent"]]), REL_PARENT, rel)
    adult_single = np.isin(ht, [T.TPL["disabled_single"], T.TPL["single_adult"]])
    rel = np.where(adult_single, np.where(f_age <= 50, REL_PARENT, REL_SIB), rel)
    w.s_rel_focus = rel
    w.s_rel_second = np.full(Q, REL_CHILD, dtype=np.int64)

    age = np.where(rel == REL_CHILD, f_age - randint(rng, 20, 38, Q), 0)
    head_age = w.age[start[s_hh]]
    parent_of_minor = f_age + randint(rng, 20, 35, Q)
    skip_parent = np.maximum(f_age + 18, head_age - randint(rng, 20, 32, Q))
    age = np.where(rel == REL_PARENT,
                   np.where(ht == T.TPL["skip_gen"], skip_parent, parent_of_minor), age)
    age = np.where(rel == REL_SIB, f_age + randint(rng, -8, 8, Q), age)
    age = np.clip(age, 18, 98).astype(np.int64)
    w.s_age = age
    w.s_birth = birth_days(rng, w.as_of, age)
    w.s_male = rng.random(Q) < 0.5

    tek_s = cat[s_hh] == TEKUN
    able = rng.random(Q) < np.where(skip[s_hh], 0.9, np.where(sparent[s_hh], 0.85, 0.78))
    able = np.where(tek_s, False, able)
    first = k == 0
    able = np.where(must[s_hh] & first, True, able)
    w.s_able = able.astype(np.bool_)
    reason = pick(rng, [0.0, 0.0, 0.45, 0.25, 0.15, 0.15], Q)
    reason = np.where((age >= 60) & (rng.random(Q) < 0.5), 1, reason)
    reason = np.where(age >= 70, 0, reason)
    w.s_reason = np.where(able, -1, reason).astype(np.int64)

    county_code, _, _, _ = _county_tables()
    own = county_code[w.county[s_hh]]
    u = rng.random(Q)
    elsewhere = county_code[randint(rng, 0, len(county_code) - 1, Q)]
    outside = np.array(OUTSIDE_COUNTIES, dtype=np.int64)[randint(rng, 0, len(OUTSIDE_COUNTIES) - 1, Q)]
    w.s_county = np.where(u < 0.55, own, np.where(u < 0.85, elsewhere, outside)).astype(np.int64)
    same = rng.random(Q) < 0.7
    w.s_surname = np.where(same, w.surname[focus], pick(rng, SURNAME_P, Q)).astype(np.int64)


# rough age pyramid of the general population (5-year bands, 0-4 ... 95-99)
_PYRAMID = (5.3, 6.4, 6.3, 5.5, 5.3, 5.9, 8.3, 7.0, 6.6, 8.2, 8.4, 7.2, 5.1, 5.0, 3.4,
            2.1, 1.4, 0.8, 0.3, 0.1)


def build_external(w: World) -> None:
    """People who are not in the registry but appear in department feeds."""
    rng = stream(w.seed, "external")
    n = max(200, int(round(CALIBRATION.external_pool_factor * w.P)))
    w.X = n
    band = pick(rng, _PYRAMID, n)
    w.x_age = (band * 5 + randint(rng, 0, 4, n)).astype(np.int64)
    w.x_birth = birth_days(rng, w.as_of, w.x_age)
    w.x_male = rng.random(n) < 0.51
    county_code, _, _, _ = _county_tables()
    outside = np.array(OUTSIDE_COUNTIES, dtype=np.int64)
    w.x_county = np.where(
        rng.random(n) < 0.92,
        county_code[randint(rng, 0, len(county_code) - 1, n)],
        outside[randint(rng, 0, len(outside) - 1, n)],
    ).astype(np.int64)


def assign_id_numbers(w: World) -> None:
    """Unique, valid ID numbers for members, supporters and outsiders together."""
    rng = stream(w.seed, "idnumbers")
    address = np.concatenate([w.id_address, w.s_county, w.x_county])
    births = np.concatenate([w.birth, w.s_birth, w.x_birth])
    male = np.concatenate([w.male, w.s_male, w.x_male])
    ids = id_matrix(unique_bodies(rng, address, births, male))
    w.id_mat = ids[: w.P]
    w.s_id_mat = ids[w.P: w.P + w.Q]
    w.x_id_mat = ids[w.P + w.Q:]


def adl_flags(w: World) -> dict[str, B]:
    """The six ADL booleans (True = can do unaided)."""
    return {item: w.adl_failed <= ADL_RANK[i] for i, item in enumerate(ADL_ITEMS)}
