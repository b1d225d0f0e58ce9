"""Income, property and necessary-expense items; the registry tables."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import templates as T
from .arrowutil import (
    I64,
    B,
    ascii_matrix,
    dates,
    decimal_cents,
    digit_matrix,
    int_strings,
    join,
    month_start,
    prefixed_digits,
    take_strings,
)
from .calibration import CALIBRATION, CATEGORIES
from .common import expand, log_uniform, pick, randint, split_exact, stream, uniform
from .names import ROADS, person_names
from .people import (
    DIBAO,
    EDGE,
    NONE,
    OTHER,
    RIGID,
    SUPPORTER_RELATIONS,
    TEKUN,
    UNABLE_REASONS,
    _county_tables,
    adl_flags,
)
from .regions import subdivisions
from .world import (
    BOUNDARIES,
    CAP_NONE,
    CAP_PARTIAL,
    CAPACITIES,
    DIS_CERT_DIGIT,
    DISABILITIES,
    EMP,
    EMPLOYMENT,
    EXPENSE_TYPES,
    INCOME_TYPES,
    PROPERTY_TYPES,
    SCH,
    SCHOOL,
    SERIOUS_ILLNESSES,
    World,
)

# --- income ------------------------------------------------------------------------

SUBTYPES: tuple[str, ...] = (
    "salary", "odd_jobs", "small_business", "farming", "pension_enterprise", "alimony",
    "rent", "interest", "basic_pension", "disability_subsidy", "elderly_allowance",
)
ST = {s: i for i, s in enumerate(SUBTYPES)}
_SUBTYPE_INCOME_TYPE = {
    "salary": "wages", "odd_jobs": "wages", "small_business": "business", "farming": "business",
    "pension_enterprise": "transfer", "alimony": "transfer", "rent": "property",
    "interest": "property", "basic_pension": "transfer", "disability_subsidy": "transfer",
    "elderly_allowance": "transfer",
}
SUBTYPE_TYPE = np.array([INCOME_TYPES.index(_SUBTYPE_INCOME_TYPE[s]) for s in SUBTYPES])

BASIC_PENSION_REASON = "城乡居民基本养老保险基础养老金不计入家庭收入（实施意见第21条）"
EXCLUSION_REASONS: tuple[str, ...] = (
    BASIC_PENSION_REASON,
    "残疾人两项补贴不计入家庭收入",
    "高龄津贴不计入家庭收入",
)


def take_nullable(pool: tuple[str, ...] | list[str], idx: I64) -> pa.Array:
    """``pool[idx]`` with null where idx < 0."""
    safe = np.where(idx < 0, 0, idx)
    return pa.array(list(pool), type=pa.string()).take(pa.array(safe, mask=idx < 0))


def window(w: World) -> tuple[int, int]:
    """(first day, last day) of the 12 calendar months before the month of as_of."""
    first = int(month_start(np.array([w.as_of_month - 12], dtype=np.int64))[0])
    last = int(month_start(np.array([w.as_of_month], dtype=np.int64))[0]) - 1
    return first, last


def _county_topup(w: World) -> I64:
    """County top-up of the residents' basic pension, yuan/month (fixed per county)."""
    code, _, _, _ = _county_tables()
    return np.random.default_rng([0x5EED_C0DE, 3]).integers(0, 31, len(code)).astype(np.int64)


def build_income(w: World) -> pa.Table:
    rng = stream(w.seed, "income")
    cal = CALIBRATION
    H, P, hh, emp = w.H, w.P, w.hh, w.employment
    win_first, win_last = window(w)
    earner = np.isin(emp, [EMP["employed"], EMP["self_employed"], EMP["farming"],
                           EMP["unemployed"], EMP["retired"]])
    total = w.counted_income
    n_earn = np.bincount(hh, weights=earner, minlength=H).astype(np.int64)
    n_items = np.where(total > 0, np.clip(n_earn, 1, 3), 0)
    # earners first; without earners the head receives the (transfer / property) income
    order = np.lexsort((-(earner * 2.0 + (w.pos == 0) + 0.5 * rng.random(P)), hh))
    ih, ij = expand(n_items)
    person = order[w.start[ih] + ij]
    amount = split_exact(total, ih, uniform(rng, 0.4, 1.0, len(ih)))

    e = emp[person]
    u = rng.random(len(person))
    sub = np.where(u < 0.7, ST["alimony"], np.where(u < 0.85, ST["rent"], ST["interest"]))
    sub = np.where(e == EMP["employed"],
                   np.where(w.capacity[person] == CAP_PARTIAL, ST["odd_jobs"], ST["salary"]), sub)
    sub = np.where(e == EMP["unemployed"], ST["odd_jobs"], sub)
    sub = np.where(e == EMP["self_employed"], ST["small_business"], sub)
    sub = np.where(e == EMP["farming"], ST["farming"], sub)
    sub = np.where(e == EMP["retired"], ST["pension_enterprise"], sub)
    w.pension_cents = np.bincount(
        person, weights=np.where(sub == ST["pension_enterprise"], amount, 0), minlength=P
    ).astype(np.int64)

    # counted items written monthly (12 rows) or as one item for the window
    monthly = np.isin(sub, [ST["salary"], ST["pension_enterprise"]]) & (
        rng.random(len(person)) < cal.monthly_item_share
    )
    reps = np.where(monthly, 12, 1)
    item, k = expand(reps)
    m_amount = np.where(
        monthly[item],
        amount[item] // 12 + np.where(k == 11, amount[item] % 12, 0),
        amount[item],
    )
    mstart = month_start(w.as_of_month - 12 + k)
    mend = month_start(w.as_of_month - 11 + k) - 1
    p_start = np.where(monthly[item], mstart, win_first)
    p_end = np.where(monthly[item], mend, win_last)
    rows_hh = [ih[item]]
    rows_person = [person[item]]
    rows_sub = [sub[item]]
    rows_amount = [m_amount]
    rows_start = [p_start]
    rows_end = [p_end]
    rows_counted = [np.ones(len(item), dtype=np.bool_)]
    rows_reason = [np.full(len(item), -1, dtype=np.int64)]

    # stale items: the year before the window (must be ignored by period)
    first_item = np.flatnonzero(ij == 0)
    stale = first_item[(rng.random(len(first_item)) < cal.stale_item_share)
                       & (w.boundary[ih[first_item]] == 0)]
    prev_first = int(month_start(np.array([w.as_of_month - 24], dtype=np.int64))[0])
    rows_hh.append(ih[stale])
    rows_person.append(person[stale])
    rows_sub.append(sub[stale])
    rows_amount.append(np.floor(amount[stale] * uniform(rng, 0.5, 1.5, len(stale))).astype(np.int64))
    rows_start.append(np.full(len(stale), prev_first, dtype=np.int64))
    rows_end.append(np.full(len(stale), win_first - 1, dtype=np.int64))
    rows_counted.append(np.ones(len(stale), dtype=np.bool_))
    rows_reason.append(np.full(len(stale), -1, dtype=np.int64))

    # transfers that are not counted
    topup = _county_topup(w)[w.county[hh]]
    basic = (w.age >= 60) & (emp != EMP["retired"])
    w.basic_pension_cents = np.where(basic, (cal.basic_pension_monthly + topup) * 100, 0)
    excluded = (
        (basic, ST["basic_pension"], w.basic_pension_cents * 12, 0),
        ((w.grade == 1) | (w.grade == 2), ST["disability_subsidy"],
         np.full(P, cal.severe_disability_care_subsidy_monthly * 1200, dtype=np.int64), 1),
        (w.age >= 80, ST["elderly_allowance"],
         np.full(P, cal.elderly_allowance_monthly * 1200, dtype=np.int64), 2),
    )
    for mask, subtype, amt, reason in excluded:
        idx = np.flatnonzero(mask)
        rows_hh.append(hh[idx])
        rows_person.append(idx)
        rows_sub.append(np.full(len(idx), subtype, dtype=np.int64))
        rows_amount.append(amt[idx].astype(np.int64))
        rows_start.append(np.full(len(idx), win_first, dtype=np.int64))
        rows_end.append(np.full(len(idx), win_last, dtype=np.int64))
        rows_counted.append(np.zeros(len(idx), dtype=np.bool_))
        rows_reason.append(np.full(len(idx), reason, dtype=np.int64))

    r_hh = np.concatenate(rows_hh)
    r_person = np.concatenate(rows_person)
    r_sub = np.concatenate(rows_sub)
    r_start = np.concatenate(rows_start)
    # unique key: person, subtype, period start
    o = np.argsort((r_person * len(SUBTYPES) + r_sub) * 100_000 + (r_start - r_start.min()))
    r_hh, r_person, r_sub, r_start = r_hh[o], r_person[o], r_sub[o], r_start[o]
    return pa.table({
        "household_id": w.household_id(r_hh),
        "member_id": w.member_id(r_person),
        "id_number": w.id_number(r_person),
        "income_type": take_strings(INCOME_TYPES, SUBTYPE_TYPE[r_sub]),
        "subtype": take_strings(SUBTYPES, r_sub),
        "amount": decimal_cents(np.concatenate(rows_amount)[o], 12),
        "period_start": dates(r_start),
        "period_end": dates(np.concatenate(rows_end)[o]),
        "counted": pa.array(np.concatenate(rows_counted)[o]),
        "exclusion_reason": take_nullable(EXCLUSION_REASONS, np.concatenate(rows_reason)[o]),
    })


# --- property ------------------------------------------------------------------------

PROPERTY_DESCRIPTIONS: tuple[str, ...] = (
    "银行存款（活期）", "银行存款（定期）", "农村自建房", "城镇住房", "第二套住房（商品房）",
    "残疾人机动轮椅车", "农用三轮车", "二手小型轿车", "小型轿车",
    "个体工商户（流动摊点，无雇工）", "有限责任公司股权", "股票、基金账户", "商业保险现金价值",
)
PD = {d: i for i, d in enumerate(PROPERTY_DESCRIPTIONS)}
EXEMPT_REASONS: tuple[str, ...] = ("唯一住房", "残疾人代步车", "唯一生计工具", "小额个体经营（无雇工）")
PT = {t: i for i, t in enumerate(PROPERTY_TYPES)}
#: vehicle kinds mirrored by the vehicle feed
VEHICLE_KINDS: tuple[str, ...] = ("small_car", "motor_tricycle", "disabled_mobility", "motorcycle",
                                  "truck", "agricultural")
BUSINESS_KINDS: tuple[str, ...] = ("enterprise", "individual", "cooperative")


def _first_member(w: World, mask: B) -> I64:
    """Per household, the first member matching ``mask`` (or -1)."""
    idx = np.flatnonzero(mask)
    out = np.full(w.H, -1, dtype=np.int64)
    hs, first = np.unique(w.hh[idx], return_index=True)
    out[hs] = idx[first]
    return out


def build_property(w: World) -> pa.Table:
    rng = stream(w.seed, "property")
    cal = CALIBRATION
    H, cat, s, m = w.H, w.cat, w.standard, w.size
    head = w.start
    u = rng.random
    below = w.counted_income < w.line * m
    # 'none' households below the line are out because of their property
    disq = np.where((cat == NONE) & below & (w.boundary == 0), pick(rng, [0.5, 0.3, 0.2], H) + 1, 0)

    blocks: list[tuple[I64, I64, I64, I64, I64, B, I64]] = []

    def add(mask: B, person: I64, ptype: str, desc: I64 | int, value: I64,
            exempt: bool, reason: int) -> None:
        idx = np.flatnonzero(mask)
        n = len(idx)
        blocks.append((
            idx,
            person[idx],
            np.full(n, PT[ptype], dtype=np.int64),
            np.broadcast_to(np.asarray(desc, dtype=np.int64), (H,))[idx],
            value[idx].astype(np.int64),
            np.full(n, exempt, dtype=np.bool_),
            np.full(n, reason, dtype=np.int64),
        ))

    # deposits
    has_dep = u(H) < np.where(cat == TEKUN, 0.7, cal.deposit_share)
    months = np.where(np.isin(cat, [TEKUN, DIBAO]), cal.deposit_months_dibao, cal.deposit_months_edge)
    dep = np.floor(months * s * m * u(H) ** 2).astype(np.int64) + 100
    excess = (disq == 1) | ((cat == NONE) & ~below & (u(H) < 0.3))
    dep = np.where(excess, np.floor(uniform(rng, *cal.deposit_months_none_excess, H) * s * m), dep)
    has_dep |= excess
    split = has_dep & (m >= 2) & (u(H) < 0.2)
    dep1 = np.where(split, dep * 7 // 10, dep).astype(np.int64)
    add(has_dep, head, "deposit", PD["银行存款（活期）"], dep1, False, -1)
    add(split, head + 1, "deposit", PD["银行存款（定期）"], (dep - dep1).astype(np.int64), False, -1)

    # real estate: the only home is exempt
    home = u(H) < np.where(w.urban, 0.35, 0.85)
    hv = np.where(w.urban, log_uniform(rng, 150e5, 800e5, H), log_uniform(rng, 50e5, 250e5, H))
    owner = np.where(u(H) < 0.5, head, -1)
    add(home, owner, "real_estate", np.where(w.urban, PD["城镇住房"], PD["农村自建房"]),
        np.floor(hv).astype(np.int64), True, 0)
    second_home = (cat == NONE) & ((u(H) < 0.15) & (disq == 0))
    add(second_home, head, "real_estate", PD["第二套住房（商品房）"],
        np.floor(log_uniform(rng, 300e5, 1200e5, H)).astype(np.int64), False, -1)

    # vehicles
    first_disabled = _first_member(w, w.grade > 0)
    vp = np.array([0.02, 0.03, 0.05, 0.05, 0.06, 0.0])[cat]
    veh = u(H) < vp
    mobility = veh & (first_disabled >= 0)
    tricycle = veh & ~mobility & ~w.urban & (cat != TEKUN)
    used_car = veh & ~mobility & w.urban & (cat != TEKUN)
    car = (cat == NONE) & (((u(H) < 0.25) & (disq == 0)) | (disq == 2))
    v_mob = np.floor(uniform(rng, 3e5, 15e5, H)).astype(np.int64)
    v_tri = np.floor(uniform(rng, 2e5, 9e5, H)).astype(np.int64)
    v_used = np.floor(uniform(rng, 8e5, 28e5, H)).astype(np.int64)
    v_car = np.floor(log_uniform(rng, 50e5, 250e5, H)).astype(np.int64)
    add(mobility, first_disabled, "vehicle", PD["残疾人机动轮椅车"], v_mob, True, 1)
    add(tricycle, head, "vehicle", PD["农用三轮车"], v_tri, True, 2)
    add(used_car, head, "vehicle", PD["二手小型轿车"], v_used, False, -1)
    add(car, head, "vehicle", PD["小型轿车"], v_car, False, -1)

    # market entities
    stall = np.isin(cat, [DIBAO, EDGE, RIGID, OTHER]) & (u(H) < 0.02)
    company = (cat == NONE) & (((u(H) < 0.10) & (disq == 0)) | (disq == 3))
    add(stall, head, "business", PD["个体工商户（流动摊点，无雇工）"],
        np.floor(uniform(rng, 2e5, 20e5, H)).astype(np.int64), True, 3)
    add(company, head, "business", PD["有限责任公司股权"],
        np.floor(log_uniform(rng, 100e5, 2000e5, H)).astype(np.int64), False, -1)

    # securities and insurance
    sec = (cat == NONE) & (u(H) < 0.08)
    add(sec, head, "securities", PD["股票、基金账户"],
        np.floor(log_uniform(rng, 5e5, 200e5, H)).astype(np.int64), False, -1)
    ins = np.isin(cat, [EDGE, RIGID, OTHER, NONE]) & (u(H) < 0.05)
    add(ins, head, "insurance", PD["商业保险现金价值"],
        np.floor(uniform(rng, 0.2, 5.0, H) * s * m).astype(np.int64), False, -1)

    b_hh = np.concatenate([b[0] for b in blocks])
    o = np.argsort(b_hh, kind="stable")
    b_hh = b_hh[o]
    person = np.concatenate([b[1] for b in blocks])[o]
    ptype = np.concatenate([b[2] for b in blocks])[o]
    desc = np.concatenate([b[3] for b in blocks])[o]
    value = np.concatenate([b[4] for b in blocks])[o]
    exempt = np.concatenate([b[5] for b in blocks])[o]
    reason = np.concatenate([b[6] for b in blocks])[o]

    # what the vehicle / real-estate / market-entity feeds will mirror
    vk = np.full(len(desc), -1, dtype=np.int64)
    vk[desc == PD["残疾人机动轮椅车"]] = VEHICLE_KINDS.index("disabled_mobility")
    vk[desc == PD["农用三轮车"]] = VEHICLE_KINDS.index("motor_tricycle")
    vk[np.isin(desc, [PD["二手小型轿车"], PD["小型轿车"]])] = VEHICLE_KINDS.index("small_car")
    iv = np.flatnonzero(vk >= 0)
    w.vehicles = (b_hh[iv], person[iv], vk[iv], value[iv])
    ie = np.flatnonzero(ptype == PT["real_estate"])
    w.estates = (b_hh[ie], np.where(person[ie] < 0, head[b_hh[ie]], person[ie]), value[ie])
    ib = np.flatnonzero(ptype == PT["business"])
    w.businesses = (b_hh[ib], person[ib],
                    np.where(desc[ib] == PD["有限责任公司股权"], 0, 1).astype(np.int64))

    valid = person >= 0
    return pa.table({
        "household_id": w.household_id(b_hh),
        "member_id": w.member_id(person, valid),
        "property_type": take_strings(PROPERTY_TYPES, ptype),
        "description": take_strings(PROPERTY_DESCRIPTIONS, desc),
        "value": decimal_cents(value, 14),
        "exempt": pa.array(exempt),
        "exempt_reason": take_nullable(EXEMPT_REASONS, reason),
    })


# --- necessary expenses ------------------------------------------------------------

def build_expenses(w: World) -> pa.Table:
    rng = stream(w.seed, "expenses")
    H, P, hh = w.H, w.P, w.hh
    m, s, total = w.size, w.standard, w.counted_income
    win_first, win_last = window(w)
    med, edu, reh = (EXPENSE_TYPES.index(x) for x in ("medical", "education", "rehabilitation"))

    blocks: list[tuple[I64, I64, I64]] = []  # person, type, cents
    ill = np.flatnonzero(w.illness >= 0)
    blocks.append((ill, np.full(len(ill), med), np.floor(log_uniform(rng, 3e5, 40e5, len(ill)))))
    dis = np.flatnonzero((w.grade > 0) & (rng.random(P) < 0.5))
    blocks.append((dis, np.full(len(dis), reh), np.floor(uniform(rng, 5e4, 6e5, len(dis)))))
    stu = np.flatnonzero(w.school != SCH["none"])
    lo = np.array([0, 2e5, 5e4, 8e4, 3e5, 2e5, 8e5])[w.school[stu]]
    hi = np.array([0, 6e5, 2e5, 2.5e5, 8e5, 6e5, 20e5])[w.school[stu]]
    blocks.append((stu, np.full(len(stu), edu), np.floor(lo + (hi - lo) * rng.random(len(stu)))))
    chronic = np.flatnonzero((w.age >= 60) & (w.illness < 0) & (rng.random(P) < 0.15))
    blocks.append((chronic, np.full(len(chronic), med),
                   np.floor(uniform(rng, 3e4, 3e5, len(chronic)))))
    has_any = np.zeros(H, dtype=np.bool_)
    for b in blocks:
        has_any[hh[b[0]]] = True
    forced = np.flatnonzero((w.cat == RIGID) & ~has_any)
    fp = w.start[forced]
    blocks.append((fp, np.full(len(fp), med), np.floor(uniform(rng, 5e5, 20e5, len(fp)))))

    person = np.concatenate([b[0] for b in blocks]).astype(np.int64)
    etype = np.concatenate([b[1] for b in blocks]).astype(np.int64)
    amount = np.concatenate([b[2] for b in blocks]).astype(np.int64)
    o = np.lexsort((etype, person))
    person, etype, amount = person[o], etype[o], amount[o]
    e_hh = hh[person]
    natural = np.bincount(e_hh, weights=amount, minlength=H).astype(np.int64)

    # targets so that the intended category holds
    target = natural.copy()
    by_ratio = w.rigid_by_ratio
    rigid = w.cat == RIGID
    t_ratio = np.floor(total * uniform(rng, 0.62, 1.3, H)).astype(np.int64) + 1
    post = np.floor(uniform(rng, 1.0, 1.45, H) * s * 12 * m).astype(np.int64)
    target = np.where(rigid & by_ratio, t_ratio, target)
    target = np.where(rigid & ~by_ratio, total - post, target)
    below = total < w.line * m
    cap = np.maximum(0, np.minimum(total * 55 // 100, total - 18 * s * m - 1200 * m))
    capped = np.isin(w.cat, [OTHER, NONE]) & below
    target = np.where(capped, np.minimum(natural, cap), target)
    scaled = split_exact(target.astype(np.int64), e_hh, amount.astype(np.float64))
    amount = np.where(target[e_hh] != natural[e_hh], scaled, amount)
    keep = amount > 0
    person, etype, amount, e_hh = person[keep], etype[keep], amount[keep], e_hh[keep]

    n = len(person)
    one_month = rng.random(n) < 0.4
    mi = w.as_of_month - 12 + randint(rng, 0, 11, n)
    p_start = np.where(one_month, month_start(mi), win_first)
    p_end = np.where(one_month, month_start(mi + 1) - 1, win_last)
    return pa.table({
        "household_id": w.household_id(e_hh),
        "member_id": w.member_id(person),
        "expense_type": take_strings(EXPENSE_TYPES, etype),
        "amount": decimal_cents(amount, 12),
        "period_start": dates(p_start),
        "period_end": dates(p_end),
    })


# --- households, members, supporters ------------------------------------------------

_PHONE_PREFIXES = np.array([130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 153,
                            155, 157, 158, 159, 170, 173, 177, 180, 181, 182, 183, 185, 186,
                            187, 188, 189, 191, 199], dtype=np.int64)
_BANK_BINS = np.array([621799, 622848, 621700, 623058, 622908, 621661], dtype=np.int64)


def phones(rng: np.random.Generator, n: int) -> pa.Array:
    prefix = _PHONE_PREFIXES[rng.integers(0, len(_PHONE_PREFIXES), n)]
    return prefixed_digits("", prefix * 10**8 + rng.integers(0, 10**8, n), 11)


def bank_accounts(rng: np.random.Generator, n: int, valid: B) -> pa.Array:
    """19-digit card numbers with a Luhn check digit."""
    body = _BANK_BINS[rng.integers(0, len(_BANK_BINS), n)] * 10**12 + rng.integers(0, 10**12, n)
    digits = digit_matrix(body, 18)
    d = digits[:, ::-1].astype(np.int16) - 48  # least significant first
    # Luhn: double every second digit from the right of the body (the last one first)
    dbl = d[:, 0::2] * 2
    total = np.where(dbl > 9, dbl - 9, dbl).sum(axis=1) + d[:, 1::2].sum(axis=1)
    check = ((10 - total % 10) % 10).astype(np.uint8) + 48
    return ascii_matrix(np.concatenate([digits, check[:, None]], axis=1), valid)


def build_households_table(w: World) -> pa.Table:
    rng = stream(w.seed, "households-table")
    subs = subdivisions()
    H = w.H
    township = subs.v_township[w.village]
    t_names = pa.array(list(subs.t_name), type=pa.string()).take(pa.array(township))
    v_names = pa.array(list(subs.v_name), type=pa.string()).take(pa.array(w.village))
    rural_tail = join(int_strings(randint(rng, 1, 15, H)), "组",
                      int_strings(randint(rng, 1, 80, H)), "号")
    urban_tail = join(take_strings(ROADS, rng.integers(0, len(ROADS), H)),
                      int_strings(randint(rng, 1, 399, H)), "号",
                      int_strings(randint(rng, 1, 30, H)), "栋",
                      int_strings(randint(rng, 1, 18, H) * 100 + randint(rng, 1, 4, H)), "室")
    tail = pc.if_else(pa.array(w.urban), urban_tail, rural_tail)
    county_code, _, _, _ = _county_tables()
    return pa.table({
        "household_id": w.household_id(np.arange(w.H, dtype=np.int64)),
        "county_code": prefixed_digits("", county_code[w.county], 6),
        "township_code": prefixed_digits("", subs.t_code[township], 9),
        "village_code": prefixed_digits("", subs.v_code[w.village], 12),
        "area_type": take_strings(("urban", "rural"), np.where(w.urban, 0, 1)),
        "address": join(t_names, v_names, tail),
        "phone": phones(rng, H),
        "registered_on": dates(w.registered_on),
        "intended_category": take_strings(CATEGORIES, w.cat),
        "intended_boundary": take_nullable(BOUNDARIES, np.where(w.boundary > 0, w.boundary, -1)),
        "poverty_monitoring": pa.array(w.poverty),
    })


def cert_matrix(id_mat: np.ndarray, dis_type: I64, grade: I64) -> np.ndarray:
    """20-character 残疾人证号: ID number + type digit + grade digit (ASCII matrix)."""
    tail = np.empty((len(grade), 2), dtype=np.uint8)
    tail[:, 0] = np.array(DIS_CERT_DIGIT, dtype=np.uint8)[dis_type] + 48
    tail[:, 1] = grade.astype(np.uint8) + 48
    return np.concatenate([id_mat, tail], axis=1)


def build_members_table(w: World) -> pa.Table:
    rng = stream(w.seed, "members-table")
    cal = CALIBRATION
    P = w.P
    year = w.birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    names = person_names(rng, w.surname, w.male, year < 1980, cal.rare_char_share,
                         cal.minority_name_share)
    has_phone = (w.age >= 16) & (rng.random(P) < 0.7)
    head = w.pos == 0
    recipients = np.isin(w.cat[w.hh], [TEKUN, DIBAO])
    has_bank = (w.age >= 16) & ((head & recipients) | (rng.random(P) < 0.45))
    illness = np.where(w.illness >= 0, w.illness, -1)
    cols: dict[str, pa.Array] = {
        "member_id": w.member_id(np.arange(P, dtype=np.int64)),
        "household_id": w.household_id(w.hh),
        "id_number": ascii_matrix(w.id_mat),
        "name": names,
        "sex": take_strings(("F", "M"), w.male.astype(np.int64)),
        "birth_date": dates(w.birth),
        "relation": take_strings(T.RELATIONS, w.rel),
        "hukou_code": prefixed_digits("", w.hukou, 6),
        "work_capacity": take_strings(CAPACITIES, w.capacity),
        # working-age members without capacity to work carry the assessment that says so
        # (劳动能力鉴定); children and the elderly are without capacity by age
        "work_capacity_assessed_by": take_nullable(
            ("labour_appraisal",), np.where((w.capacity == CAP_NONE) & (w.age >= 16) & (w.age < 60), 0, -1)),
        "disability_type": take_strings(DISABILITIES, w.dis_type),
        "disability_grade": pa.array(w.grade.astype(np.int8)),
        "disability_cert_no": ascii_matrix(cert_matrix(w.id_mat, w.dis_type, w.grade),
                                           w.grade > 0),
        "serious_illness": take_nullable(SERIOUS_ILLNESSES, illness),
        "school_stage": take_strings(SCHOOL, w.school),
        "employment": take_strings(EMPLOYMENT, w.employment),
    }
    for item, flags in adl_flags(w).items():
        cols[item] = pa.array(flags)
    cols["phone"] = pc.if_else(pa.array(has_phone), phones(rng, P),
                                       pa.scalar(None, type=pa.string()))
    cols["bank_account"] = bank_accounts(rng, P, has_bank)
    return pa.table(cols)


def build_supporters_table(w: World) -> pa.Table:
    rng = stream(w.seed, "supporters-table")
    cal = CALIBRATION
    year = w.s_birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    names = person_names(rng, w.s_surname, w.s_male, year < 1980, cal.rare_char_share,
                         cal.minority_name_share)
    two = np.flatnonzero(w.s_second >= 0)
    sup = np.concatenate([np.arange(w.Q, dtype=np.int64), two])
    supported = np.concatenate([w.s_focus, w.s_second[two]])
    rel = np.concatenate([w.s_rel_focus, w.s_rel_second[two]])
    o = np.lexsort((sup, w.hh[supported]))
    sup, supported, rel = sup[o], supported[o], rel[o]
    return pa.table({
        "household_id": w.household_id(w.hh[supported]),
        "supported_member_id": w.member_id(supported),
        "supporter_name": names.take(pa.array(sup)),
        "supporter_id_number": ascii_matrix(w.s_id_mat[sup]),
        "relation": take_strings(SUPPORTER_RELATIONS, rel),
        "able_to_support": pa.array(w.s_able[sup]),
        "reason": take_nullable(UNABLE_REASONS, w.s_reason[sup]),
    })
