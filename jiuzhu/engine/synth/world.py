"""The generated population held as numpy arrays (one row per household / person).

Coded values are held as small integer indices into the vocabulary tuples
below and turned into text only when the Parquet tables are built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from jiuzhu.rules.vocab import (
    DisabilityType,
    Employment,
    ExpenseType,
    IncomeType,
    PropertyType,
    SchoolStage,
    WorkCapacity,
)

from .arrowutil import I64, U8, B, ascii_matrix, day_number, prefixed_digits

CAPACITIES: tuple[str, ...] = tuple(c.value for c in WorkCapacity)  # full, partial, none
CAP_FULL, CAP_PARTIAL, CAP_NONE = (CAPACITIES.index(v) for v in ("full", "partial", "none"))

DISABILITIES: tuple[str, ...] = tuple(d.value for d in DisabilityType)
DIS = {v: i for i, v in enumerate(DISABILITIES)}
#: digit of the disability type in the 20-digit 残疾人证号 (ID + type + grade)
DIS_CERT_DIGIT: tuple[int, ...] = tuple(
    {"none": 0, "visual": 1, "hearing": 2, "speech": 3, "physical": 4,
     "intellectual": 5, "mental": 6, "multiple": 7}[v] for v in DISABILITIES
)

SCHOOL: tuple[str, ...] = tuple(s.value for s in SchoolStage)
SCH = {v: i for i, v in enumerate(SCHOOL)}

EMPLOYMENT: tuple[str, ...] = tuple(e.value for e in Employment)
EMP = {v: i for i, v in enumerate(EMPLOYMENT)}

INCOME_TYPES: tuple[str, ...] = tuple(t.value for t in IncomeType)
PROPERTY_TYPES: tuple[str, ...] = tuple(t.value for t in PropertyType)
EXPENSE_TYPES: tuple[str, ...] = tuple(t.value for t in ExpenseType)

#: serious-illness codes (a small list, like the local 重特大疾病 lists) and weights
SERIOUS_ILLNESSES: tuple[str, ...] = (
    "malignant_tumour", "uremia", "leukaemia", "severe_mental", "congenital_heart",
    "aplastic_anaemia", "haemophilia", "organ_transplant", "stroke_sequelae",
    "mdr_tuberculosis",
)
SERIOUS_ILLNESS_P: tuple[float, ...] = (0.34, 0.12, 0.06, 0.12, 0.05, 0.04, 0.02, 0.03, 0.16, 0.06)

BOUNDARIES: tuple[str, ...] = ("", "at_standard", "at_1_5x")


@dataclass
class World:
    """Everything the table builders need, as arrays."""

    seed: int
    as_of: date
    # --- households ---------------------------------------------------------------
    H: int = 0
    cat: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    tpl: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    size: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    start: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    village: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    county: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    city: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    urban: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    standard: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # cents / month
    line: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # cents / year / capita
    counted_income: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # cents / year
    boundary: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    poverty: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    registered_on: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    rigid_by_ratio: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    # --- persons --------------------------------------------------------------
    P: int = 0
    hh: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    pos: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    rel: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    age: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    male: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    birth: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    grade: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    dis_type: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    illness: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # -1 = none
    capacity: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    school: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    employment: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    adl_failed: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    surname: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    id_address: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    hukou: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    id_mat: U8 = field(default_factory=lambda: np.zeros((0, 18), np.uint8))
    # --- supporters (one row per supporter person) -----------------------------
    Q: int = 0
    s_hh: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_focus: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # person index
    s_second: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # person or -1
    s_rel_focus: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_rel_second: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_age: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_male: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    s_birth: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_county: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # address code
    s_able: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    s_reason: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_surname: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    s_id_mat: U8 = field(default_factory=lambda: np.zeros((0, 18), np.uint8))
    # --- people outside the registry (appear only in department feeds) ----------
    X: int = 0
    x_age: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    x_male: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    x_birth: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    x_county: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    x_id_mat: U8 = field(default_factory=lambda: np.zeros((0, 18), np.uint8))
    # --- per-person figures filled by the item builders -----------------------------
    pension_cents: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # enterprise, yearly
    basic_pension_cents: I64 = field(default_factory=lambda: np.zeros(0, np.int64))  # monthly
    # property items the department feeds mirror: (household, person, kind, value cents)
    vehicles: tuple[I64, I64, I64, I64] | None = None
    estates: tuple[I64, I64, I64] | None = None  # household, person, value
    businesses: tuple[I64, I64, I64] | None = None  # household, person, kind

    def household_id(self, idx: I64) -> pa.Array:
        """household_id text ("HH" + 10 digits) of household indices."""
        return prefixed_digits("HH", idx + 1, 10)

    def member_id(self, idx: I64, valid: B | None = None) -> pa.Array:
        """member_id text ("P" + 11 digits) of person indices (null where not valid)."""
        return prefixed_digits("P", np.where(idx < 0, 0, idx) + 1, 11, valid)

    def id_number(self, idx: I64) -> pa.Array:
        """ID numbers of registry members."""
        return ascii_matrix(self.id_mat[idx])

    @property
    def as_of_day(self) -> int:
        return day_number(self.as_of)

    @property
    def as_of_month(self) -> int:
        """Month index (year * 12 + month - 1) of ``as_of``."""
        return self.as_of.year * 12 + self.as_of.month - 1
