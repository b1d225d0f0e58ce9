"""The double-random draw (engine.supervision): reproducible from its seed and pools, conflicts excluded."""

from __future__ import annotations

import pytest

from jiuzhu.engine.supervision import draw, pool_hash, sm3_hex

CASES = [f"A{i:04d}" for i in range(200)]
PEOPLE = ["u1", "u2", "u3", "u4"]


def test_same_input_same_draw_whatever_the_pool_order() -> None:
    a = draw(CASES, PEOPLE, 12, public_input="2026年第四季度 进贤县", moment="2026-12-07T10:00:00+08:00")
    b = draw(list(reversed(CASES)), list(reversed(PEOPLE)), 12, public_input="2026年第四季度 进贤县",
             moment="2026-12-07T10:00:00+08:00")
    assert a == b
    assert a.cases_hash == pool_hash(CASES) and a.inspectors_hash == pool_hash(PEOPLE)
    assert a.seed == sm3_hex(f"2026年第四季度 进贤县|2026-12-07T10:00:00+08:00|{a.cases_hash}|{a.inspectors_hash}")
    assert len({c for c, _ in a.picks}) == 12


def test_another_moment_or_pool_gives_another_draw() -> None:
    a = draw(CASES, PEOPLE, 12, public_input="x", moment="2026-12-07T10:00:00+08:00")
    b = draw(CASES, PEOPLE, 12, public_input="x", moment="2026-12-07T10:00:01+08:00")
    c = draw(CASES[1:], PEOPLE, 12, public_input="x", moment="2026-12-07T10:00:00+08:00")
    assert a.picks != b.picks and a.seed != c.seed


def test_conflicts_are_excluded_and_load_is_even() -> None:
    first = draw(CASES, PEOPLE, 20, public_input="x", moment="t")
    conflicts = [(c, i) for c, i in first.picks]  # forbid every first choice
    second = draw(CASES, PEOPLE, 20, public_input="x", moment="t", conflicts=conflicts)
    assert [c for c, _ in second.picks] == [c for c, _ in first.picks]  # the cases do not depend on conflicts
    for (c, i1), (_, i2) in zip(first.picks, second.picks, strict=True):
        assert i2 != i1 and second.excluded[c] == [i1]
    loads = [sum(1 for _, i in first.picks if i == p) for p in PEOPLE]
    assert max(loads) - min(loads) <= 1


def test_a_case_everyone_conflicts_with_has_no_inspector() -> None:
    d = draw(["A"], PEOPLE, 1, public_input="x", moment="t", conflicts=[("A", p) for p in PEOPLE])
    assert d.picks == [("A", None)]
    with pytest.raises(ValueError):
        draw(CASES, PEOPLE, 0, public_input="x", moment="t")
