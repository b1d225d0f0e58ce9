"""Vectorised GB 11643-1999 citizen ID numbers (居民身份证号码).

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence
(odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import numpy as np

from .arrowutil import I64, U8, B, digit_matrix, ymd

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.frombuffer(b"10X98765432", dtype=np.uint8)


def body_keys(address: I64, birth_days: I64, seq: I64) -> I64:
    """The first 17 digits as one integer (address * 10^11 + yyyymmdd * 10^3 + seq)."""
    y, m, d = ymd(birth_days)
    return address * 10**11 + (y * 10_000 + m * 100 + d) * 1_000 + seq


def unique_bodies(rng: np.random.Generator, address: I64, birth_days: I64, male: B) -> I64:
    """Unique 17-digit ID bodies (as integers) for the given people.

    People sharing an address code, birth date and sex get consecutive
    numbers of their sex's parity (as a registration office hands them out)
    from a random starting point: odd 001-999 for men, even 002-998 for women.
    """
    y, m, d = ymd(birth_days)
    base = address * 10**8 + y * 10_000 + m * 100 + d
    n = len(base)
    # Sort by (address, birth date, sex), ties by input position: the packed key
    # is unique, so the (fast, unstable) sort is fully determined by the input.
    idx_bits = max(1, int(n - 1).bit_length())
    if 38 + idx_bits <= 63 and (birth_days.min(initial=0) > -65536) and (
        birth_days.max(initial=0) < 65536
    ):
        packed = ((address << 17) + (birth_days + 65536)) * 2 + male
        order = np.argsort((packed << idx_bits) + np.arange(n, dtype=np.int64))
    else:  # pragma: no cover - beyond ~33 million people
        order = np.argsort(base * 2 + male, kind="stable")
    key = (base * 2 + male).astype(np.int64)
    sk = key[order]
    new_run = np.ones(len(sk), dtype=np.bool_)
    new_run[1:] = sk[1:] != sk[:-1]
    run = np.cumsum(new_run) - 1
    run_start = np.flatnonzero(new_run)
    rank = np.arange(len(sk), dtype=np.int64) - run_start[run]
    if len(rank) and int(rank.max()) >= 499:
        raise ValueError("more than 499 people share an address code, birth date and sex")
    k0 = rng.integers(0, 500, size=len(run_start), dtype=np.int64)[run]
    is_male = male[order]
    seq_sorted = np.where(is_male, 2 * ((k0 + rank) % 500) + 1, 2 * (1 + (k0 + rank) % 499))
    seq = np.empty(len(key), dtype=np.int64)
    seq[order] = seq_sorted
    return (base * 1_000 + seq).astype(np.int64)


def check_chars(body_digits: U8) -> U8:
    """MOD 11-2 check characters (ASCII) for an (n, 17) matrix of ASCII digits."""
    # column by column in uint16 on the ASCII codes: sum(W) = 100, so the
    # total stays below 65536 and the ASCII offset is 48 * 100
    total = np.zeros(len(body_digits), dtype=np.uint16)
    for j, wj in enumerate(WEIGHTS.tolist()):
        total += body_digits[:, j] * np.uint16(wj)
    r = (total - np.uint16(48 * int(WEIGHTS.sum()))) % 11
    return np.asarray(CHECK_CHARS[r], dtype=np.uint8)


def id_matrix(keys: I64) -> U8:
    """(n, 18) ASCII matrix of complete ID numbers from 17-digit body keys."""
    body = digit_matrix(keys, 17)
    out = np.empty((len(keys), 18), dtype=np.uint8)
    out[:, :17] = body
    out[:, 17] = check_chars(body)
    return out
