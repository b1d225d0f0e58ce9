"""Department feeds (部门共享数据), as each department would send them.

Every feed holds rows about registry members *and* about people who are not in
the registry (their own valid ID numbers), in roughly the share given by
``CALIBRATION.feed_external_share``.  Feeds mostly agree with what households
declared: a declared car, home or business was registered before the household
came into the registry; a declared unemployed member registered more than six
months ago.  What a feed says that the registry does not know yet — a death, a
move, an imprisonment, a lost job, a new diagnosis, an undeclared car, home,
business or pension — is "news", dated within the last weeks
(``CALIBRATION.news_days``, yearly ``news_rates``), as a county that runs its
comparison every month would see it: the raw material for the platform's
big-data comparison (docs/decisions/0040-demo-calibration.md).  Other event dates
fall within the 24 months before ``as_of``.  Feeds do not change
``intended_category``, which describes the declared registry data.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .arrowutil import (
    F64,
    I64,
    ascii_matrix,
    dates,
    decimal_cents,
    int_strings,
    join,
    month_start,
    prefixed_digits,
    take_strings,
    ymd,
)
from .calibration import CALIBRATION, CATEGORIES
from .common import expand, log_uniform, pick, randint, stream, uniform
from .items import BUSINESS_KINDS, VEHICLE_KINDS, _first_member, cert_matrix
from .people import DIBAO, EDGE, OTHER, TEKUN, _county_tables, school_stage_for
from .regions import cities
from .world import DIS, DISABILITIES, EMP, SCH, SCHOOL, SERIOUS_ILLNESSES, World

FeedBuilder = Callable[[World], pa.Table]

COMMON_DISEASES: tuple[str, ...] = (
    "hypertension", "diabetes", "copd", "coronary_heart", "fracture", "pneumonia",
    "gastritis", "cataract", "common_outpatient",
)
_CHRONIC = np.array([True, True, True, True, False, False, False, False, False])
UNEMPLOYMENT_STATUS: tuple[str, ...] = ("registered", "reemployed", "cancelled")
PENSION_TYPES: tuple[str, ...] = ("enterprise", "residents_basic")
BUSINESS_ROLES: tuple[str, ...] = ("legal_rep", "shareholder", "operator")
BUSINESS_STATUS: tuple[str, ...] = ("active", "cancelled", "revoked")
MONITORING_TYPES: tuple[str, ...] = ("unstable", "edge", "sudden")
RISK_STATUS: tuple[str, ...] = ("at_risk", "eliminated")
DISASTER_TYPES: tuple[str, ...] = ("flood", "rainstorm", "drought", "landslide", "hail", "fire",
                                   "low_temperature_freezing", "typhoon")
HOUSE_DAMAGE: tuple[str, ...] = ("none", "minor", "severe", "collapsed")
HUKOU_CHANGES: tuple[str, ...] = ("death", "moved_out", "moved_in", "imprisonment", "military", "restored")
#: licence-plate city letters (赣A 南昌 ...), by city code
PLATE_LETTERS = {"360100": "A", "360200": "H", "360300": "J", "360400": "G", "360500": "K",
                 "360600": "L", "360700": "B", "360800": "D", "360900": "C", "361000": "F",
                 "361100": "E"}
_PLATE_CHARS = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)
_CREDIT_CHARS = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)
_CREDIT_W = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28],
                     dtype=np.int64)


# --- helpers ----------------------------------------------------------------------------


def _n_external(w: World, feed: str, registry_rows: int) -> int:
    share = CALIBRATION.feed_external_share[feed]
    return max(1, int(round(registry_rows * share / (1.0 - share))))


def _external(rng: np.random.Generator, w: World, n: int, lo: int = 0, hi: int = 120) -> I64:
    """``n`` distinct outsiders aged lo..hi (fewer if the pool runs short)."""
    cand = np.flatnonzero((w.x_age >= lo) & (w.x_age <= hi))
    n = min(n, len(cand))
    return np.sort(rng.choice(cand, size=n, replace=False)).astype(np.int64)


def _id_mat(w: World, reg: I64, ext: I64) -> np.ndarray:
    """ID numbers (ASCII matrix) of registry people ``reg`` then outsiders ``ext``."""
    return np.concatenate([w.id_mat[reg], w.x_id_mat[ext]])


def _ids(w: World, reg: I64, ext: I64) -> pa.Array:
    return ascii_matrix(_id_mat(w, reg, ext))


def _recent(rng: np.random.Generator, w: World, n: int) -> I64:
    """Day numbers within the 24 months before as_of."""
    return w.as_of_day - randint(rng, 1, 730, n)


def _news(rng: np.random.Generator, w: World, n: int, days: int | None = None) -> I64:
    """Day numbers of news about registry members: within ``CALIBRATION.news_days`` (or *days*) before as_of."""
    return w.as_of_day - randint(rng, 1, days or CALIBRATION.news_days, n)


def _news_chance(rate: float | F64, days: int | None = None) -> F64:
    """The chance that a yearly *rate* of news falls in the news window."""
    return np.asarray(rate, dtype=np.float64) * (days or CALIBRATION.news_days) / 365.0


def _declared(rng: np.random.Generator, w: World, person: I64, adult: int = 18) -> I64:
    """Day numbers of facts households declared (a car, a home, a business): before the household
    registered, after the person turned *adult* (as far as possible), before as_of."""
    day = w.registered_on[w.hh[person]] - randint(rng, 30, 3650, len(person))
    day = np.minimum(np.maximum(day, w.birth[person] + adult * 366), w.as_of_day - 1)
    return np.asarray(day, dtype=np.int64)


def _order(days: I64, *tiebreak: I64) -> I64:
    """Row order of a feed: by date (as departments export), ties by the others."""
    return np.lexsort((*tiebreak[::-1], days))


def _births(w: World, reg: I64, ext: I64) -> I64:
    return np.concatenate([w.birth[reg], w.x_birth[ext]])


def _sorted(table: pa.Table, order: I64) -> pa.Table:
    return table.take(pa.array(order))


# --- feeds -----------------------------------------------------------------------------------


def serious_illness(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-serious-illness")
    P = w.P
    # the registry knows its members' illnesses; a new diagnosis is news
    new = (w.illness < 0) & (w.age >= 18) & (rng.random(P) < _news_chance(CALIBRATION.news_rates["serious_illness"]))
    reg = np.flatnonzero((w.illness >= 0) | new)
    code = np.where(w.illness[reg] >= 0, w.illness[reg], pick(rng, [1.0] * 10, len(reg)))
    ext = _external(rng, w, _n_external(w, "dept_serious_illness", len(reg)))
    codes = np.concatenate([code, pick(rng, [0.34, 0.12, 0.06, 0.12, 0.05, 0.04, 0.02, 0.03,
                                              0.16, 0.06], len(ext))])
    day = np.concatenate([np.where(new[reg], _news(rng, w, len(reg)), _recent(rng, w, len(reg))),
                          _recent(rng, w, len(ext))])
    day = np.maximum(day, _births(w, reg, ext) + 1)
    o = _order(day)
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "disease_code": take_strings(SERIOUS_ILLNESSES, codes),
        "diagnosed_on": dates(day),
    }), o)


def medical_settlements(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-medical")
    P = w.P
    ill = w.illness >= 0
    other = ~ill & ((((w.age >= 60) | (w.grade > 0)) & (rng.random(P) < 0.25))
                    | (rng.random(P) < 0.04))
    reg = np.flatnonzero(ill | other)
    r_serious = ill[reg]
    # a serious illness: 2-6 settlements over two years of 1,000-40,000 yuan each (about 20,000 a year)
    r_count = np.where(r_serious, randint(rng, 2, 6, len(reg)), randint(rng, 1, 3, len(reg)))
    r_code = np.where(r_serious, w.illness[reg], -1)
    rows = int(r_count.sum())
    share = CALIBRATION.feed_external_share["dept_medical_settlements"]
    n_ext = int(round(rows * share / (1 - share) / (0.25 * 4.0 + 0.75 * 2.0)))
    ext = _external(rng, w, max(1, n_ext))
    x_serious = rng.random(len(ext)) < 0.25
    x_count = np.where(x_serious, randint(rng, 2, 6, len(ext)), randint(rng, 1, 3, len(ext)))
    x_code = np.where(x_serious, pick(rng, [1.0] * 10, len(ext)), -1)

    counts = np.concatenate([r_count, x_count])
    serious = np.concatenate([r_serious, x_serious])
    code = np.concatenate([r_code, x_code])
    births = _births(w, reg, ext)
    who, _ = expand(counts)
    n = len(who)
    s = serious[who]
    total = np.where(s, log_uniform(rng, 1e5, 4e6, n), log_uniform(rng, 5e3, 2.5e5, n))
    total = np.floor(total).astype(np.int64)
    # what is left to pay: registry members of low-income households have medical assistance in
    # the same settlement (one-stop); outsiders pay 15-55 %
    shares = CALIBRATION.medical_self_paid_share
    lo_c, hi_c = (np.array([shares[c][i] for c in CATEGORIES]) for i in (0, 1))
    r_cat = w.cat[w.hh[reg]]
    lo = np.concatenate([lo_c[r_cat], np.full(len(ext), 0.15)])[who]
    hi = np.concatenate([hi_c[r_cat], np.full(len(ext), 0.55)])[who]
    insured = total - np.floor(total * (lo + (hi - lo) * rng.random(n))).astype(np.int64)
    common = pick(rng, [0.22, 0.16, 0.08, 0.1, 0.05, 0.08, 0.1, 0.05, 0.16], n)
    disease = np.where(s, code[who], len(SERIOUS_ILLNESSES) + common)
    chronic = s | _CHRONIC[common]
    day = np.maximum(_recent(rng, w, n), births[who] + 1)
    o = _order(day, who)
    day, who, total, insured, disease, chronic = (
        day[o], who[o], total[o], insured[o], disease[o], chronic[o])
    y, m, d = ymd(day)
    ids = ascii_matrix(_id_mat(w, reg, ext)[who])
    return pa.table({
        "settlement_id": prefixed_digits(
            "YB", (y * 10_000 + m * 100 + d) * 10**8 + np.arange(n, dtype=np.int64), 16),
        "id_number": ids,
        "settle_date": dates(day),
        "total_cost": decimal_cents(total, 12),
        "insurance_paid": decimal_cents(insured, 12),
        "self_paid": decimal_cents(total - insured, 12),
        "disease_code": take_strings(SERIOUS_ILLNESSES + COMMON_DISEASES, disease),
        "chronic_or_serious": pa.array(chronic),
    })


def unemployment(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-unemployment")
    P = w.P
    working_age = (w.age >= 16) & (w.age <= 59)
    # declared unemployed members registered before the last review (older than six months) …
    known = np.flatnonzero((w.employment == EMP["unemployed"]) & working_age & (rng.random(P) < 0.7))
    # … and members declared working who lost their job in the last weeks (news)
    working = np.isin(w.employment, [EMP["employed"], EMP["self_employed"]]) & working_age
    lost = np.flatnonzero(working & (rng.random(P) < _news_chance(CALIBRATION.news_rates["job_loss"])))
    reg = np.concatenate([known, lost])
    ext = _external(rng, w, _n_external(w, "dept_unemployment", len(reg)), 18, 59)
    status = np.concatenate([pick(rng, [0.85, 0.10, 0.05], len(known)), np.zeros(len(lost), np.int64),
                             pick(rng, [0.6, 0.3, 0.1], len(ext))])
    day = np.concatenate([w.as_of_day - randint(rng, 181, 730, len(known)), _news(rng, w, len(lost)),
                          _recent(rng, w, len(ext))])
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "registered_on": dates(day),
        "status": take_strings(UNEMPLOYMENT_STATUS, status),
    }), _order(day))


def social_insurance(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-social-insurance")
    P = w.P
    adult = (w.age >= 16) & (w.age <= 64)
    reg = np.flatnonzero(adult & (((w.employment == EMP["employed"]) & (rng.random(P) < 0.55))
                                  | ((w.employment == EMP["self_employed"]) & (rng.random(P) < 0.2))))
    share = CALIBRATION.feed_external_share["dept_social_insurance"]
    r_len = randint(rng, 3, 24, len(reg))
    n_ext = int(round(r_len.sum() * share / (1 - share) / 13.5))
    ext = _external(rng, w, max(1, n_ext), 18, 59)
    n_p = len(reg) + len(ext)
    length = np.concatenate([r_len, randint(rng, 3, 24, len(ext))])
    # registry members' payments run to last month, except a few that stopped 2-9 months ago;
    # outsiders' have gaps of 1-6 months (15 %) and arrears (5 %)
    in_reg = np.arange(n_p) < len(reg)
    stopped = rng.random(n_p) < CALIBRATION.contributions_stopped_share
    gap = np.where(in_reg, np.where(stopped, randint(rng, 2, 9, n_p), 0),
                   np.where(rng.random(n_p) < 0.85, 0, randint(rng, 1, 6, n_p)))
    length = np.minimum(length, 24 - gap)
    base = np.concatenate([
        np.floor(uniform(rng, CALIBRATION.social_insurance_min_base, 6000, len(reg)) * 100),
        np.floor(log_uniform(rng, CALIBRATION.social_insurance_min_base, 15000, len(ext)) * 100),
    ]).astype(np.int64)
    arrears = ~in_reg & (rng.random(n_p) < 0.05)
    arrears_n = randint(rng, 1, 3, n_p)
    who, k = expand(length)
    last = w.as_of_month - 1 - gap[who]
    month = last - (length[who] - 1) + k
    paid = ~(arrears[who] & (k >= length[who] - arrears_n[who]))
    o = _order(month, who)
    who, month, paid = who[o], month[o], paid[o]
    return pa.table({
        "id_number": ascii_matrix(_id_mat(w, reg, ext)[who]),
        "month": dates(month_start(month)),
        "contribution_base": decimal_cents(base[who], 12),
        "paid": pa.array(paid),
    })


def _month_after_birthday(births: I64, years: I64) -> I64:
    y, m, _ = ymd(births)
    return (y + years) * 12 + (m - 1) + 1


def pensions(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-pensions")
    P = w.P
    basic = np.flatnonzero(w.basic_pension_cents > 0)
    retired = np.flatnonzero(w.employment == EMP["retired"])
    undeclared = np.flatnonzero((w.age >= 50) & (w.age <= 59) & (w.employment != EMP["retired"])
                                & (rng.random(P) < _news_chance(CALIBRATION.news_rates["pension_start"])))
    reg = np.concatenate([basic, retired, undeclared])
    r_type = np.concatenate([np.ones(len(basic)), np.zeros(len(retired) + len(undeclared))])
    ent_amount = np.where(w.pension_cents[retired] > 0, w.pension_cents[retired] // 12,
                          np.floor(uniform(rng, 1500e2, 3500e2, len(retired))))
    r_amount = np.concatenate([w.basic_pension_cents[basic], ent_amount,
                               np.floor(uniform(rng, 1500e2, 3000e2, len(undeclared)))])
    retire_age = np.where(w.male, 60, 50)
    r_start = np.concatenate([
        np.maximum(_month_after_birthday(w.birth[basic], np.full(len(basic), 60)), 2012 * 12),
        _month_after_birthday(w.birth[retired], retire_age[retired]),
        w.as_of_month - randint(rng, 1, 2, len(undeclared)),  # started last month or the month before
    ])
    ext = _external(rng, w, _n_external(w, "dept_pensions", len(reg)), 60)
    x_ent = rng.random(len(ext)) < 0.4
    x_amount = np.where(x_ent, np.floor(uniform(rng, 2000e2, 6000e2, len(ext))),
                        np.floor(uniform(rng, 150e2, 200e2, len(ext))))
    x_start = np.where(
        x_ent, _month_after_birthday(w.x_birth[ext], np.where(w.x_male[ext], 60, 50)),
        np.maximum(_month_after_birthday(w.x_birth[ext], np.full(len(ext), 60)), 2012 * 12))
    ptype = np.concatenate([r_type, (~x_ent).astype(np.float64)]).astype(np.int64)
    amount = np.concatenate([r_amount, x_amount]).astype(np.int64)
    start = np.minimum(np.concatenate([r_start, x_start]), w.as_of_month - 1).astype(np.int64)
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "pension_type": take_strings(PENSION_TYPES, ptype),
        "monthly_amount": decimal_cents(amount, 12),
        "start_month": dates(month_start(start)),
    }), _order(start))


def _deaths(w: World) -> tuple[I64, I64, I64]:
    """Registry members who died in the last weeks (not yet reported), outsiders over two years,
    and the day of each death (registry first)."""
    rng = stream(w.seed, "feed-deaths")
    r = CALIBRATION.news_rates
    rate = np.where(w.age >= 80, r["death_80_plus"], np.where(w.age >= 60, r["death_60_79"], r["death_under_60"]))
    reg = np.flatnonzero(rng.random(w.P) < _news_chance(rate))
    ext = _external(rng, w, _n_external(w, "dept_deaths", len(reg)), 40)
    day = np.concatenate([_news(rng, w, len(reg)), _recent(rng, w, len(ext))])
    return reg, ext, np.maximum(day, _births(w, reg, ext) + 1)


def deaths(w: World) -> pa.Table:
    reg, ext, day = _deaths(w)
    return _sorted(pa.table({"id_number": _ids(w, reg, ext), "death_date": dates(day)}),
                   _order(day))


def hukou_changes(w: World) -> pa.Table:
    """Public security's household-registration changes: deaths deregistered (most of the health
    feed's, a few days later), members who moved away or were imprisoned, outsiders' moves."""
    rng = stream(w.seed, "feed-hukou")
    r = CALIBRATION.news_rates
    d_reg, d_ext, d_day = _deaths(w)
    n_d = len(d_reg)
    dereg = rng.random(len(d_day)) < 0.7
    d_day = np.minimum(d_day + randint(rng, 0, 20, len(d_day)), w.as_of_day - 1)
    moved = np.flatnonzero(rng.random(w.P) < _news_chance(r["moved_out"]))
    days = CALIBRATION.imprisonment_unreported_days
    men = (w.age >= 18) & (w.age <= 59) & w.male
    jailed = np.flatnonzero(men & (rng.random(w.P) < _news_chance(r["imprisonment"], days)))
    moved = moved[~np.isin(moved, np.concatenate([jailed, d_reg]))]
    jailed = jailed[~np.isin(jailed, d_reg)]
    reg = np.concatenate([d_reg[dereg[:n_d]], moved, jailed])
    code = {c: i for i, c in enumerate(HUKOU_CHANGES)}
    r_type = np.concatenate([np.full(int(dereg[:n_d].sum()), code["death"]), np.full(len(moved), code["moved_out"]),
                             np.full(len(jailed), code["imprisonment"])])
    r_day = np.concatenate([d_day[:n_d][dereg[:n_d]], _news(rng, w, len(moved)), _news(rng, w, len(jailed), days)])
    # outsiders: their deaths, and moves in and out of the counties over two years
    x_dead = d_ext[dereg[n_d:]]
    n_other = max(1, _n_external(w, "dept_hukou_changes", len(reg)) - len(x_dead))
    x_other = _external(rng, w, n_other, 16)
    x_other = x_other[~np.isin(x_other, x_dead)]
    x_type = np.concatenate([np.full(len(x_dead), code["death"]),
                             np.array([code[c] for c in ("moved_out", "moved_in", "military", "restored")])[
                                 pick(rng, [0.45, 0.45, 0.05, 0.05], len(x_other))]])
    x_day = np.concatenate([d_day[n_d:][dereg[n_d:]], _recent(rng, w, len(x_other))])
    ext = np.concatenate([x_dead, x_other])
    day = np.maximum(np.concatenate([r_day, x_day]), _births(w, reg, ext) + 1)
    kind = np.concatenate([r_type, x_type])
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "change_type": take_strings(HUKOU_CHANGES, kind),
        "change_date": dates(day),
    }), _order(day, kind))


def _plates(rng: np.random.Generator, letters: I64) -> pa.Array:
    n = len(letters)
    chars = _PLATE_CHARS[rng.integers(0, len(_PLATE_CHARS), (n, 5))]
    return join("赣", take_strings(tuple(PLATE_LETTERS.values()), letters), ascii_matrix(chars))


def _city_of_county(w: World, county_codes: I64) -> I64:
    """City index (into regions.cities()) of county codes; -1 outside Jiangxi."""
    city_codes = np.array([int(c.code) for c in cities()], dtype=np.int64)
    c = (county_codes // 100) * 100
    idx = np.searchsorted(city_codes, c)
    idx = np.clip(idx, 0, len(city_codes) - 1)
    return np.where(city_codes[idx] == c, idx, -1)


def vehicles(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-vehicles")
    assert w.vehicles is not None
    v_hh, v_person, v_kind, v_value = w.vehicles
    # declared vehicles were registered before the household registered; an undeclared car is news
    extra_hh = np.flatnonzero(rng.random(w.H) < _news_chance(CALIBRATION.news_rates["new_vehicle"]))
    extra_p = w.start[extra_hh]
    extra_p = extra_p[(w.age[extra_p] >= 18) & (w.age[extra_p] <= 75)]
    reg = np.concatenate([v_person, extra_p])
    kind = np.concatenate([v_kind, np.full(len(extra_p), VEHICLE_KINDS.index("small_car"))])
    value = np.concatenate([
        np.floor(v_value * uniform(rng, 0.85, 1.1, len(v_value))),
        np.floor(log_uniform(rng, 30e5, 150e5, len(extra_p))),
    ])
    ext = _external(rng, w, _n_external(w, "dept_vehicles", len(reg)), 18, 75)
    x_kind = pick(rng, [0.7, 0.05, 0.0, 0.1, 0.1, 0.05], len(ext))
    x_value = np.where(x_kind == 0, log_uniform(rng, 30e5, 300e5, len(ext)),
                       log_uniform(rng, 3e5, 80e5, len(ext)))
    city = np.concatenate([w.city[w.hh[reg]], randint(rng, 0, 10, len(ext))])
    day = np.concatenate([_declared(rng, w, v_person), _news(rng, w, len(extra_p)), _recent(rng, w, len(ext))])
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "plate": _plates(rng, city),
        "vehicle_type": take_strings(VEHICLE_KINDS, np.concatenate([kind, x_kind])),
        "registered_on": dates(day),
        "value_estimate": decimal_cents(np.floor(np.concatenate([value, x_value])).astype(np.int64),
                                        14),
    }), _order(day))


def real_estate(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-real-estate")
    assert w.estates is not None
    e_hh, e_person, _ = w.estates
    # declared homes were registered before the household registered; an undeclared one is news
    extra_hh = np.flatnonzero(rng.random(w.H) < _news_chance(CALIBRATION.news_rates["new_real_estate"]))
    reg = np.concatenate([e_person, w.start[extra_hh]])
    urban = w.urban[w.hh[reg]]
    ext = _external(rng, w, _n_external(w, "dept_real_estate", len(reg)), 22, 90)
    n = len(reg) + len(ext)
    area = np.concatenate([
        np.where(urban, uniform(rng, 50, 140, len(reg)), uniform(rng, 80, 250, len(reg))),
        uniform(rng, 50, 200, len(ext)),
    ])
    city = np.concatenate([w.city[w.hh[reg]], randint(rng, 0, 10, len(ext))])
    city_names = tuple(c.name for c in cities())
    day = np.concatenate([_declared(rng, w, e_person, 20), _news(rng, w, len(extra_hh)), _recent(rng, w, len(ext))])
    year, _, _ = ymd(day)
    cert = join("赣（", int_strings(year), "）", take_strings(city_names, city), "不动产权第",
                prefixed_digits("", rng.integers(0, 10**7, n), 7), "号")
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "property_cert_no": cert,
        "area_m2": decimal_cents(np.floor(area * 100).astype(np.int64), 10),
        "registered_on": dates(day),
    }), _order(day))


def credit_codes(rng: np.random.Generator, kind: I64, county: I64) -> pa.Array:
    """Unified social credit codes (GB 32100 layout, valid check character)."""
    n = len(kind)
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, 0] = ord("9")
    mat[:, 1] = np.array([ord("1"), ord("2"), ord("3")], dtype=np.uint8)[kind]
    cc = np.where(county > 0, county, 360100)
    pows = np.power(np.int64(10), np.arange(5, -1, -1, dtype=np.int64))
    mat[:, 2:8] = ((cc[:, None] // pows) % 10 + 48).astype(np.uint8)
    mat[:, 8:17] = _CREDIT_CHARS[rng.integers(0, len(_CREDIT_CHARS), (n, 9))]
    lut = np.zeros(256, dtype=np.int64)
    lut[_CREDIT_CHARS] = np.arange(len(_CREDIT_CHARS))
    s = lut[mat[:, :17]] @ _CREDIT_W
    mat[:, 17] = _CREDIT_CHARS[(31 - s % 31) % 31]
    return ascii_matrix(mat)


def businesses(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-businesses")
    assert w.businesses is not None
    _, b_person, b_kind = w.businesses
    # declared businesses were registered before the household registered; a new one is news
    extra = np.flatnonzero((w.age >= 18) & (w.age <= 65)
                           & (rng.random(w.P) < _news_chance(CALIBRATION.news_rates["new_business"])))
    reg = np.concatenate([b_person, extra])
    r_kind = np.concatenate([b_kind, pick(rng, [0.2, 0.7, 0.1], len(extra))])
    ext = _external(rng, w, _n_external(w, "dept_businesses", len(reg)), 18, 70)
    kind = np.concatenate([r_kind, pick(rng, [0.45, 0.45, 0.1], len(ext))])
    n = len(kind)
    role = np.where(kind == BUSINESS_KINDS.index("individual"), 2,
                    np.where(rng.random(n) < 0.6, 0, 1))
    county_code, _, _, _ = _county_tables()
    county = np.concatenate([county_code[w.county[w.hh[reg]]], w.x_county[ext]])
    county = np.where(_city_of_county(w, county) >= 0, county, 360102)
    day = np.concatenate([_declared(rng, w, b_person), _news(rng, w, len(extra)), _recent(rng, w, len(ext))])
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "credit_code": credit_codes(rng, kind, county),
        "entity_type": take_strings(BUSINESS_KINDS, kind),
        "role": take_strings(BUSINESS_ROLES, role),
        "registered_on": dates(day),
        "status": take_strings(BUSINESS_STATUS, pick(rng, [0.85, 0.10, 0.05], n)),
    }), _order(day))


def disability_certs(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-disability")
    P = w.P
    disabled = np.flatnonzero(w.grade > 0)
    new = np.flatnonzero((w.grade == 0) & (w.age >= 40) & (rng.random(P) < 0.005))
    reg = np.concatenate([disabled, new])
    types = np.array([DIS[v] for v in DISABILITIES if v != "none"])
    grade = np.concatenate([w.grade[disabled], pick(rng, [0.15, 0.25, 0.3, 0.3], len(new)) + 1])
    dtype = np.concatenate([w.dis_type[disabled], types[pick(rng, [1.0] * 7, len(new))]])
    reassessed = np.concatenate([rng.random(len(disabled)) < 0.04, np.zeros(len(new), np.bool_)])
    grade = np.where(reassessed, np.clip(grade + np.where(rng.random(len(reg)) < 0.5, -1, 1), 1, 4),
                     grade)
    ext = _external(rng, w, _n_external(w, "dept_disability_certs", len(reg)))
    grade = np.concatenate([grade, pick(rng, [0.15, 0.25, 0.3, 0.3], len(ext)) + 1])
    dtype = np.concatenate([dtype, types[pick(rng, [0.12, 0.12, 0.03, 0.45, 0.09, 0.12, 0.07],
                                              len(ext))]])
    n = len(grade)
    id_mat = _id_mat(w, reg, ext)
    ids = ascii_matrix(id_mat)
    cert = ascii_matrix(cert_matrix(id_mat, dtype, grade))
    issued = np.maximum(_recent(rng, w, n), _births(w, reg, ext) + 1)
    cancelled = rng.random(n) < 0.02
    c_day = np.minimum(issued + randint(rng, 30, 600, n), w.as_of_day - 1)
    c_day = np.maximum(c_day, issued)
    # 两项补贴: the living subsidy for disabled members of low-income households, the nursing
    # subsidy for grades 1–2; about 1 in 12 eligible people is missing (an omission to find).
    low_income = np.concatenate([np.isin(w.cat[w.hh[reg]], [TEKUN, DIBAO, EDGE]), np.zeros(len(ext), np.bool_)])
    paid = ~cancelled & (rng.random(n) >= 0.08)
    living = low_income & paid
    nursing = (grade <= 2) & paid & (low_income | (rng.random(n) < 0.5))
    return _sorted(pa.table({
        "id_number": ids,
        "cert_no": cert,
        "disability_type": take_strings(DISABILITIES, dtype),
        "grade": pa.array(grade.astype(np.int8)),
        "issued_on": dates(issued),
        "cancelled_on": dates(c_day, cancelled),
        "living_subsidy_monthly": decimal_cents(np.full(n, 9000, np.int64), 10, living),
        "nursing_subsidy_monthly": decimal_cents(np.full(n, 9000, np.int64), 10, nursing),
    }), _order(issued))


def medical_enrolment(w: World) -> pa.Table:
    """Residents' medical insurance for the year of ``as_of``, with the contribution subsidy (资助参保).

    Registry members of tekun/dibao/marginal households are enrolled with the subsidy (full,
    70 %, 50 % of a 400-yuan demo contribution) except about 1 in 25 (an omission to find);
    other people are enrolled without it.
    """
    rng = stream(w.seed, "feed-medical-enrolment")
    P = w.P
    cat = w.cat[w.hh]
    low_income = np.isin(cat, [TEKUN, DIBAO, EDGE])
    enrolled = np.where(low_income, rng.random(P) >= 0.02, rng.random(P) < 0.92)
    subsidy = low_income & (rng.random(P) >= 0.02)
    reg = np.flatnonzero(enrolled)
    ext = _external(rng, w, _n_external(w, "dept_medical_enrolment", len(reg)))
    cents = np.where(cat[reg] == TEKUN, 40000, np.where(cat[reg] == DIBAO, 28000, 20000))
    sub = np.concatenate([subsidy[reg], np.zeros(len(ext), np.bool_)])
    cents = np.concatenate([cents, np.zeros(len(ext), np.int64)])
    n = len(sub)
    year = w.as_of.year
    autumn = (np.datetime64(f"{year - 1}-09-01") - np.datetime64("1970-01-01")).astype(np.int64)
    day = np.maximum(autumn + randint(rng, 0, 121, n), _births(w, reg, ext) + 1)
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "year": pa.array(np.full(n, year, np.int16)),
        "enrolled_on": dates(day),
        "subsidised": pa.array(sub),
        "subsidy_amount": decimal_cents(cents, 10, sub),
    }), _order(day))


def students(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-students")
    reg = np.flatnonzero(w.school != SCH["none"])
    cand = _external(rng, w, 4 * _n_external(w, "dept_students", len(reg)) + 10, 3, 22)
    stage = school_stage_for(w.x_age[cand], rng.random(len(cand)))
    ext = cand[stage != SCH["none"]][: _n_external(w, "dept_students", len(reg))]
    x_stage = stage[stage != SCH["none"]][: len(ext)]
    n = len(reg) + len(ext)
    shares = CALIBRATION.student_hardship_share
    low_income = np.isin(w.cat[w.hh[reg]], [TEKUN, DIBAO, EDGE])
    hardship = np.concatenate([rng.random(len(reg)) < np.where(low_income, shares["low_income"], shares["other"]),
                               rng.random(len(ext)) < 0.2])
    return pa.table({
        "id_number": _ids(w, reg, ext),
        "school_stage": take_strings(SCHOOL, np.concatenate([w.school[reg], x_stage])),
        "hardship_flag": pa.array(hardship),
        "enrolled": pa.array(rng.random(n) >= 0.02),
    }).take(pa.array(rng.permutation(n)))


def difficult_workers(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-difficult-workers")
    working_age = (w.age >= 18) & (w.age <= 59)
    first = _first_member(w, working_age & (w.cat[w.hh] == OTHER))
    chosen = first[(first >= 0) & (rng.random(w.H) < 0.4)]
    extra = np.flatnonzero(working_age & (w.employment == EMP["employed"])
                           & (w.cat[w.hh] != OTHER) & (rng.random(w.P) < 0.003))
    reg = np.concatenate([chosen, extra])
    ext = _external(rng, w, _n_external(w, "dept_difficult_workers", len(reg)), 25, 59)
    day = _recent(rng, w, len(reg) + len(ext))
    return _sorted(pa.table({"id_number": _ids(w, reg, ext), "registered_on": dates(day)}),
                   _order(day))


def poverty_monitoring(w: World) -> pa.Table:
    rng = stream(w.seed, "feed-poverty")
    households = np.flatnonzero(w.poverty)
    members = np.flatnonzero(w.poverty[w.hh])
    r_group = np.searchsorted(households, w.hh[members])
    ext = _external(rng, w, _n_external(w, "dept_poverty_monitoring", len(members)))
    ext = ext[rng.permutation(len(ext))]
    sizes = randint(rng, 1, 5, len(ext))
    x_group_all, _ = expand(sizes)
    x_group = x_group_all[: len(ext)]
    n_groups = len(households) + (int(x_group.max()) + 1 if len(ext) else 0)
    group = np.concatenate([r_group, len(households) + x_group])
    ref_no = 360_000_000_000 + rng.permutation(n_groups).astype(np.int64)
    mtype = pick(rng, [0.45, 0.40, 0.15], n_groups)
    outsider = np.arange(n_groups) >= len(households)
    at_risk = np.where(outsider, CALIBRATION.poverty_outsider_at_risk_share, 0.6)
    risk = np.where(rng.random(n_groups) < at_risk, 0, 1)
    day = _recent(rng, w, n_groups)
    o = _order(day[group], group)
    ids = ascii_matrix(_id_mat(w, members, ext)[o])
    group = group[o]
    return pa.table({
        "id_number": ids,
        "household_ref": prefixed_digits("FX", ref_no[group], 12),
        "monitoring_type": take_strings(MONITORING_TYPES, mtype[group]),
        "risk_status": take_strings(RISK_STATUS, risk[group]),
        "identified_on": dates(day[group]),
    })


def disaster_victims(w: World) -> pa.Table:
    """Disaster victims: scattered events over two years, and one recent local disaster (a flood in
    one rural county within the last two months, worse damage) — disasters come in clusters."""
    rng = stream(w.seed, "feed-disaster")
    cal = CALIBRATION
    yearly = np.where(w.urban, cal.disaster_rate["urban"], cal.disaster_rate["rural"])
    scattered = rng.random(w.H) < yearly * 2
    rural = np.flatnonzero(~w.urban)
    county = w.county[rural[rng.integers(len(rural))]] if len(rural) else -1
    local = ~w.urban & (w.county == county) & ~scattered & (rng.random(w.H) < cal.local_disaster_share)
    hit = np.flatnonzero(scattered | local)
    reg = w.start[hit]
    ext = _external(rng, w, _n_external(w, "dept_disaster_victims", len(reg)), 18, 90)
    n = len(reg) + len(ext)
    is_local = np.concatenate([local[hit], np.zeros(len(ext), np.bool_)])
    damage = np.where(is_local, pick(rng, [0.30, 0.35, 0.25, 0.10], n), pick(rng, [0.55, 0.30, 0.10, 0.05], n))
    lo = np.array([200e2, 1000e2, 3000e2, 10000e2])[damage]
    hi = np.array([1000e2, 3000e2, 10000e2, 40000e2])[damage]
    relief = np.floor((lo + (hi - lo) * rng.random(n)) / 100) * 100
    flood_day = w.as_of_day - int(randint(rng, 20, 60, 1)[0])
    day = np.where(is_local, np.minimum(flood_day + randint(rng, 0, 3, n), w.as_of_day - 1), _recent(rng, w, n))
    kind = np.where(is_local, DISASTER_TYPES.index("flood"),
                    pick(rng, [0.35, 0.2, 0.12, 0.1, 0.08, 0.08, 0.05, 0.02], n))
    return _sorted(pa.table({
        "id_number": _ids(w, reg, ext),
        "event_date": dates(day),
        "disaster_type": take_strings(DISASTER_TYPES, kind),
        "house_damage": take_strings(HOUSE_DAMAGE, damage),
        "relief_amount": decimal_cents(relief.astype(np.int64), 12),
    }), _order(day))


FEEDS: dict[str, FeedBuilder] = {
    "dept_medical_settlements": medical_settlements,
    "dept_unemployment": unemployment,
    "dept_social_insurance": social_insurance,
    "dept_pensions": pensions,
    "dept_deaths": deaths,
    "dept_vehicles": vehicles,
    "dept_real_estate": real_estate,
    "dept_businesses": businesses,
    "dept_disability_certs": disability_certs,
    "dept_serious_illness": serious_illness,
    "dept_students": students,
    "dept_difficult_workers": difficult_workers,
    "dept_poverty_monitoring": poverty_monitoring,
    "dept_disaster_victims": disaster_victims,
    "dept_medical_enrolment": medical_enrolment,
    "dept_hukou_changes": hukou_changes,
}


