"""Household composition templates.

A template is an ordered list of member slots (relation to the head, an age
rule and a sex rule) and a distribution of household sizes; a household of
size k fills the first k slots.  Compiled to small lookup tables indexed by
(template, slot), so that members are generated with array indexing only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jiuzhu.rules.vocab import Relation

from .arrowutil import F64, I64
from .calibration import TEMPLATES

MAX_SIZE = 7
RELATIONS: tuple[str, ...] = tuple(r.value for r in Relation)
REL = {r: i for i, r in enumerate(RELATIONS)}

# age rules
ABS = 0  # uniform in [a, b]
REL_HEAD = 1  # head's age + uniform in [a, b]
# sex rules
SEX_RANDOM = 0
SEX_OPPOSITE_HEAD = 1
SEX_MALE = 2
SEX_FEMALE = 3

_Slot = tuple[str, int, int, int, int]  # relation, age rule, a, b, sex rule


@dataclass(frozen=True)
class _Template:
    slots: tuple[_Slot, ...]
    sizes: dict[int, float]
    head_male: float
    head_age_skew: float = 1.0  # >1 favours the lower end of the head-age range


_CHILD: _Slot = ("child", REL_HEAD, -36, -20, SEX_RANDOM)
_GRANDCHILD: _Slot = ("grandchild", ABS, 0, 16, SEX_RANDOM)

_DEFS: dict[str, _Template] = {
    "elder_single": _Template((("head", ABS, 60, 97, SEX_RANDOM),), {1: 1.0}, 0.40, 1.7),
    "disabled_single": _Template((("head", ABS, 18, 59, SEX_RANDOM),), {1: 1.0}, 0.60),
    "minor_single": _Template((("head", ABS, 6, 15, SEX_RANDOM),), {1: 1.0}, 0.55),
    "elder_couple": _Template(
        (("head", ABS, 60, 92, SEX_RANDOM), ("spouse", REL_HEAD, -6, 3, SEX_OPPOSITE_HEAD),
         ("child", REL_HEAD, -38, -22, SEX_RANDOM)),
        {2: 0.85, 3: 0.15}, 0.85, 1.5,
    ),
    "couple_kids": _Template(
        (("head", ABS, 26, 56, SEX_RANDOM), ("spouse", REL_HEAD, -5, 3, SEX_OPPOSITE_HEAD),
         _CHILD, _CHILD, _CHILD, _CHILD, _CHILD),
        {2: 0.08, 3: 0.36, 4: 0.36, 5: 0.14, 6: 0.05, 7: 0.01}, 0.85,
    ),
    "three_gen": _Template(
        (("head", ABS, 30, 58, SEX_RANDOM), ("spouse", REL_HEAD, -5, 3, SEX_OPPOSITE_HEAD),
         ("parent", REL_HEAD, 22, 34, SEX_FEMALE), _CHILD, _CHILD,
         ("parent", REL_HEAD, 22, 34, SEX_MALE), _CHILD),
        {3: 0.30, 4: 0.36, 5: 0.22, 6: 0.09, 7: 0.03}, 0.85,
    ),
    "skip_gen": _Template(
        (("head", ABS, 56, 82, SEX_RANDOM), _GRANDCHILD,
         ("spouse", REL_HEAD, -5, 3, SEX_OPPOSITE_HEAD), _GRANDCHILD, _GRANDCHILD),
        {2: 0.40, 3: 0.35, 4: 0.18, 5: 0.07}, 0.60,
    ),
    "single_parent": _Template(
        (("head", ABS, 25, 52, SEX_RANDOM), _CHILD, _CHILD, _CHILD),
        {2: 0.62, 3: 0.31, 4: 0.07}, 0.35,
    ),
    "single_adult": _Template((("head", ABS, 18, 59, SEX_RANDOM),), {1: 1.0}, 0.62, 0.8),
    "adult_with_parent": _Template(
        (("head", ABS, 28, 58, SEX_RANDOM), ("parent", REL_HEAD, 22, 34, SEX_FEMALE),
         ("parent", REL_HEAD, 22, 34, SEX_MALE), ("sibling", REL_HEAD, -6, 6, SEX_RANDOM)),
        {2: 0.65, 3: 0.28, 4: 0.07}, 0.60,
    ),
}

N_TEMPLATES = len(TEMPLATES)
TPL = {t: i for i, t in enumerate(TEMPLATES)}

# (template, slot) lookup tables
SLOT_REL = np.full((N_TEMPLATES, MAX_SIZE), REL["other"], dtype=np.int64)
SLOT_RULE = np.zeros((N_TEMPLATES, MAX_SIZE), dtype=np.int64)
SLOT_A = np.zeros((N_TEMPLATES, MAX_SIZE), dtype=np.int64)
SLOT_B = np.zeros((N_TEMPLATES, MAX_SIZE), dtype=np.int64)
SLOT_SEX = np.zeros((N_TEMPLATES, MAX_SIZE), dtype=np.int64)
SIZE_P = np.zeros((N_TEMPLATES, MAX_SIZE + 1), dtype=np.float64)
HEAD_MALE: F64 = np.zeros(N_TEMPLATES, dtype=np.float64)
HEAD_SKEW: F64 = np.ones(N_TEMPLATES, dtype=np.float64)
HEAD_AGE_A: I64 = np.zeros(N_TEMPLATES, dtype=np.int64)
HEAD_AGE_B: I64 = np.zeros(N_TEMPLATES, dtype=np.int64)

for _name, _t in _DEFS.items():
    _i = TPL[_name]
    for _j, (_rel, _rule, _a, _b, _sex) in enumerate(_t.slots):
        SLOT_REL[_i, _j] = REL[_rel]
        SLOT_RULE[_i, _j] = _rule
        SLOT_A[_i, _j] = _a
        SLOT_B[_i, _j] = _b
        SLOT_SEX[_i, _j] = _sex
    for _k, _p in _t.sizes.items():
        assert _k <= len(_t.slots)
        SIZE_P[_i, _k] = _p
    HEAD_MALE[_i] = _t.head_male
    HEAD_SKEW[_i] = _t.head_age_skew
    HEAD_AGE_A[_i] = _t.slots[0][2]
    HEAD_AGE_B[_i] = _t.slots[0][3]
