"""Small vectorised helpers shared by the generator stages."""

from __future__ import annotations

import zlib
from datetime import date

import numpy as np

from .arrowutil import F64, I64, date_from_ymd, day_number


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per (seed, stage name).

    Stages draw from their own streams so that changing one stage does not
    shift the numbers of every later one.
    """
    if seed < 0:
        raise ValueError("seed must be non-negative")
    return np.random.default_rng([zlib.crc32(name.encode("utf-8")), seed])


def randint(rng: np.random.Generator, lo: I64 | int, hi: I64 | int, n: int) -> I64:
    """Uniform integers in [lo, hi] (inclusive, element-wise bounds)."""
    lo_a = np.asarray(lo, dtype=np.int64)
    hi_a = np.asarray(hi, dtype=np.int64)
    return (lo_a + np.floor(rng.random(n) * (hi_a - lo_a + 1))).astype(np.int64)


def uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> F64:
    return lo + (hi - lo) * rng.random(n)


def log_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> F64:
    return np.asarray(np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * rng.random(n)), np.float64)


def pick(rng: np.random.Generator, probs: list[float] | tuple[float, ...] | F64, n: int) -> I64:
    """Indices drawn with the given (normalised) probabilities."""
    p = np.asarray(probs, dtype=np.float64)
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int64)


def exact_counts(shares: list[float], n: int) -> I64:
    """Largest-remainder apportionment of n into the given shares."""
    p = np.asarray(shares, dtype=np.float64)
    p = p / p.sum()
    raw = p * n
    base: I64 = np.floor(raw).astype(np.int64)
    rest = n - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def birth_days(rng: np.random.Generator, as_of: date, age: I64) -> I64:
    """Birth dates (day numbers) such that the age in 周岁 at ``as_of`` is ``age``."""
    years = as_of.year - age
    hi = np.minimum(date_from_ymd(years, as_of.month, as_of.day), day_number(as_of) - 1)
    lo = date_from_ymd(years - 1, as_of.month, as_of.day)  # exclusive
    return (lo + 1 + np.floor(rng.random(len(age)) * (hi - lo))).astype(np.int64)


def group_starts(sizes: I64) -> I64:
    """Start offsets of consecutive groups of the given sizes."""
    starts = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    return starts


def expand(sizes: I64) -> tuple[I64, I64]:
    """(group index, position within group) for consecutive groups."""
    g = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    pos = np.arange(len(g), dtype=np.int64) - group_starts(sizes)[g]
    return g, pos


def split_exact(totals: I64, group: I64, weights: F64) -> I64:
    """Split integer ``totals[g]`` over the items of each group, exactly.

    ``group`` must be sorted (items of a group contiguous); each item gets a
    share proportional to its weight, rounded down, and the last item of the
    group takes the remainder, so the items sum to the total to the cent.
    """
    n_groups = len(totals)
    wsum = np.bincount(group, weights=weights, minlength=n_groups)
    share = np.where(wsum[group] > 0, weights / np.where(wsum[group] > 0, wsum[group], 1.0), 0.0)
    amt = np.floor(totals[group] * share).astype(np.int64)
    got = np.bincount(group, weights=amt, minlength=n_groups).astype(np.int64)
    counts = np.bincount(group, minlength=n_groups)
    last = group_starts(counts) + counts - 1
    has = counts > 0
    amt[last[has]] += totals[has] - got[has]
    return amt
