"""Integer codes used inside the vectorised formulas (category labels: ``categories``).

Coded values travel as strings (``jiuzhu.rules.vocab``); inside the formulas they are
small integers: the position of the value in the tuples below (−1 = missing/unknown).
"""

from __future__ import annotations

from typing import Final

from jiuzhu.rules.determination.categories import CATEGORIES
from jiuzhu.rules.vocab import (
    CapacityAssessor,
    DisabilityType,
    Employment,
    Relation,
    SchoolStage,
    WorkCapacity,
)

WORK_CAPACITY: Final[tuple[str, ...]] = tuple(m.value for m in WorkCapacity)
DISABILITY_TYPES: Final[tuple[str, ...]] = tuple(m.value for m in DisabilityType)
SCHOOL_STAGES: Final[tuple[str, ...]] = tuple(m.value for m in SchoolStage)
EMPLOYMENT: Final[tuple[str, ...]] = tuple(m.value for m in Employment)
RELATIONS: Final[tuple[str, ...]] = tuple(m.value for m in Relation)
ASSESSORS: Final[tuple[str, ...]] = tuple(m.value for m in CapacityAssessor)

WC_NONE: Final = WORK_CAPACITY.index(WorkCapacity.NONE.value)
EMP_WORKING: Final[tuple[int, ...]] = (
    EMPLOYMENT.index(Employment.EMPLOYED.value),
    EMPLOYMENT.index(Employment.SELF_EMPLOYED.value),
)
EMP_NO_WORK: Final[tuple[int, ...]] = (
    EMPLOYMENT.index(Employment.UNEMPLOYED.value),
    EMPLOYMENT.index(Employment.NOT_WORKING.value),
)

# Main tier (主认定类别), in precedence order; 0 = none of the four.
TIER_NONE: Final = 0
TIER_TEKUN: Final = 1
TIER_DIBAO: Final = 2
TIER_MARGINAL: Final = 3
TIER_RIGID: Final = 4
TIERS: Final[tuple[str, ...]] = ("none", "tekun", "dibao", "marginal", "rigid")

# Category code → (Chinese, English) label: a view of the one definition (categories.py).
CATEGORY_LABELS: Final[dict[str, tuple[str, str]]] = {c.code: (c.label_zh, c.label_en) for c in CATEGORIES.values()}

CARE_LEVELS: Final[tuple[str, ...]] = ("full_self_care", "partial_care", "total_care")
CARE_LABELS_ZH: Final[tuple[str, ...]] = ("全自理", "半护理", "全护理")

# Rounding units in fen and modes.
ROUNDING_UNITS: Final[dict[str, int]] = {"yuan": 100, "jiao": 10, "fen": 1}
ROUNDING_MODES: Final[tuple[str, ...]] = ("HALF_UP", "DOWN", "UP")

# Ratios are carried as integers scaled by RATIO_SCALE (exact for up to six decimals).
RATIO_SCALE: Final = 1_000_000
