"""The double-random draw (双随机一公开, issue 18 item 3): random, reproducible, verifiable.

The seed is SM3 of a public input (e.g. the draw's announced reference), the moment of the
draw and the SM3 hashes of both pools (each pool's ids sorted, one per line).  Cases are
ranked by SM3(seed | case id) and the first *n* drawn; each drawn case gets the inspector
with the fewest cases so far among those without a conflict with it, ties broken by
SM3(seed | case id | inspector id).  No pseudo-random generator whose algorithm could change
between library versions is involved: anyone with the two pools, the public input and the
moment recomputes the same draw with SM3 alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes

__all__ = ["Draw", "draw", "pool_hash", "sm3_hex"]


def sm3_hex(text: str) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(text.encode("utf-8"))
    return h.finalize().hex()


def pool_hash(ids: Iterable[str]) -> str:
    """SM3 of the pool: its ids sorted, one per line (the order they were listed in does not matter)."""
    return sm3_hex("\n".join(sorted(set(ids))))


@dataclass(frozen=True)
class Draw:
    seed: str
    cases_hash: str
    inspectors_hash: str
    pool_size: int
    inspectors: int
    picks: list[tuple[str, str | None]]  # (case id, inspector id or None when every inspector has a conflict)
    excluded: dict[str, list[str]] = field(default_factory=dict)  # case id → inspectors excluded for a conflict


def draw(cases: Iterable[str], inspectors: Iterable[str], n: int, *, public_input: str, moment: str,
         conflicts: Iterable[tuple[str, str]] = ()) -> Draw:
    """Draw *n* cases of the pool and an inspector for each (see the module docstring)."""
    case_ids, inspector_ids = sorted(set(cases)), sorted(set(inspectors))
    if n < 1:
        raise ValueError("抽取数量至少为1 / draw at least one case")
    ch, ih = pool_hash(case_ids), pool_hash(inspector_ids)
    seed = sm3_hex(f"{public_input}|{moment}|{ch}|{ih}")
    ranked = sorted(case_ids, key=lambda c: sm3_hex(f"{seed}|{c}"))[:n]
    blocked: dict[str, set[str]] = {}
    for c, i in conflicts:
        blocked.setdefault(c, set()).add(i)
    load = dict.fromkeys(inspector_ids, 0)
    picks: list[tuple[str, str | None]] = []
    excluded: dict[str, list[str]] = {}
    for c in ranked:
        no = blocked.get(c, set()) & set(inspector_ids)
        if no:
            excluded[c] = sorted(no)
        eligible = [i for i in inspector_ids if i not in no]
        if not eligible:
            picks.append((c, None))
            continue
        best = min(eligible, key=lambda i: (load[i], sm3_hex(f"{seed}|{c}|{i}")))
        load[best] += 1
        picks.append((c, best))
    return Draw(seed=seed, cases_hash=ch, inspectors_hash=ih, pool_size=len(case_ids),
                inspectors=len(inspector_ids), picks=picks, excluded=excluded)
