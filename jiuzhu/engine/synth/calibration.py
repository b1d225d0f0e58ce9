"""CALIBRATION of the synthetic-province generator.

    *** SYNTHETIC CALIBRATION — NOT POLICY. ***

Every number below only steers the *shape* of generated test data (how many
households of each kind, how old people are, roughly where incomes fall).  None
of it is a parameter of the platform: the real dibao standards, multipliers,
property limits and disposable-income lines are dated, per-locality
parameters owned by ``jiuzhu.rules``.  Where a figure resembles a published
one (the 2023 Jiangxi per-capita disposable income, the 1.5x edge multiplier,
the 60 % rigid-expenditure ratio) it is used here only to *aim* the generator
so that the intended category of each household (``intended_category``, the
ground truth written to ``households.parquet``) holds under the default
rules; change the platform parameters and the ground truth may no longer
match, which is the point of keeping the two apart.

All money figures are yuan; the generator works in integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Bumped whenever the output of ``generate`` changes for a given seed.
GENERATOR_VERSION = "1.1.0"

#: Household categories the generator aims at, in the order of the codes
#: stored internally (int8).  'none' = refused / above the line.
CATEGORIES: tuple[str, ...] = ("tekun", "dibao", "edge", "rigid", "other", "none")

#: Household composition templates (see ``templates.py``).
TEMPLATES: tuple[str, ...] = (
    "elder_single",  # one person aged >= 60
    "disabled_single",  # one severely disabled adult 18-59
    "minor_single",  # one child under 16 (tekun minors)
    "elder_couple",  # two elderly, sometimes an adult child
    "couple_kids",  # couple with children
    "three_gen",  # couple, children and the head's parent(s)
    "skip_gen",  # grandparent(s) with grandchildren (parents working away)
    "single_parent",  # one parent with children
    "single_adult",  # one working-age adult
    "adult_with_parent",  # working-age adult living with elderly parent(s)
)


def _tpl(**shares: float) -> dict[str, float]:
    return {t: shares.get(t, 0.0) for t in TEMPLATES}


@dataclass(frozen=True)
class Calibration:
    """Synthetic calibration constants (see the module docstring)."""

    # --- household mix -------------------------------------------------------
    category_shares: dict[str, float] = field(
        default_factory=lambda: {
            "tekun": 0.08, "dibao": 0.50, "edge": 0.12,
            "rigid": 0.07, "other": 0.08, "none": 0.15,
        }
    )
    #: template shares per intended category
    template_shares: dict[str, dict[str, float]] = field(
        default_factory=lambda: {
            "tekun": _tpl(elder_single=0.72, disabled_single=0.18, minor_single=0.04,
                          elder_couple=0.06),
            "dibao": _tpl(elder_single=0.22, elder_couple=0.14, couple_kids=0.18,
                          three_gen=0.10, skip_gen=0.10, single_parent=0.09,
                          single_adult=0.10, adult_with_parent=0.07),
            "edge": _tpl(elder_single=0.14, elder_couple=0.15, couple_kids=0.26,
                         three_gen=0.14, skip_gen=0.08, single_parent=0.08,
                         single_adult=0.07, adult_with_parent=0.08),
            "rigid": _tpl(elder_single=0.10, elder_couple=0.15, couple_kids=0.28,
                          three_gen=0.15, skip_gen=0.06, single_parent=0.08,
                          single_adult=0.08, adult_with_parent=0.10),
            "other": _tpl(elder_single=0.12, elder_couple=0.14, couple_kids=0.27,
                          three_gen=0.14, skip_gen=0.06, single_parent=0.08,
                          single_adult=0.11, adult_with_parent=0.08),
            "none": _tpl(elder_single=0.12, elder_couple=0.15, couple_kids=0.28,
                         three_gen=0.15, skip_gen=0.05, single_parent=0.07,
                         single_adult=0.10, adult_with_parent=0.08),
        }
    )

    # --- money (yuan) --------------------------------------------------------
    #: approximate monthly dibao standard by city: (urban, rural)
    dibao_standard_monthly: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {
            "360100": (1000, 800), "360200": (960, 770), "360300": (950, 760),
            "360400": (960, 770), "360500": (980, 790), "360600": (950, 760),
            "360700": (920, 730), "360800": (920, 730), "360900": (930, 740),
            "361000": (910, 720), "361100": (920, 730),
        }
    )
    #: last-year per-capita disposable income (Jiangxi 2023), yuan/year
    disposable_income_annual: dict[str, int] = field(
        default_factory=lambda: {"urban": 45_554, "rural": 21_358}
    )
    edge_multiplier: float = 1.5
    rigid_ratio: float = 0.60
    #: residents' basic pension (base + county top-up 0..30), yuan/month
    basic_pension_monthly: int = 143
    severe_disability_care_subsidy_monthly: int = 90
    elderly_allowance_monthly: int = 60  # 高龄津贴, aged 80+
    social_insurance_min_base: int = 3_800

    # per-capita monthly counted income, as a multiple of the dibao standard
    dibao_zero_income_share: float = 0.30
    dibao_ratio_range: tuple[float, float] = (0.05, 0.97)
    edge_ratio_range: tuple[float, float] = (1.0, 1.49)
    #: rigid/other/none-below-line: from this multiple up to 98 % of the line
    above_edge_ratio_min: float = 1.52
    #: 'none' households above the disposable-income line: multiple of the line
    none_above_line_range: tuple[float, float] = (1.02, 2.5)
    none_above_line_share: float = 0.55
    #: households exactly on a boundary (share of their category)
    boundary_edge_at_standard: float = 0.03  # edge, income == standard
    boundary_rigid_at_1_5x: float = 0.04  # rigid, income == 1.5 x standard
    boundary_none_at_1_5x: float = 0.02  # none, income == 1.5 x standard, no expenses
    #: share of rigid households qualifying by expenses > 60 % of income
    rigid_by_ratio_share: float = 0.5

    # deposits per capita, as months of the dibao standard (upper bound drawn)
    deposit_months_dibao: float = 18.0
    deposit_months_edge: float = 28.0
    deposit_months_none_excess: tuple[float, float] = (40.0, 150.0)
    deposit_share: float = 0.85

    # --- people ----------------------------------------------------------------
    disability_rate_by_age: tuple[float, float, float, float] = (0.025, 0.05, 0.10, 0.17)
    disability_multiplier: dict[str, float] = field(
        default_factory=lambda: {"tekun": 1.2, "dibao": 1.25, "edge": 1.0,
                                 "rigid": 1.3, "other": 0.8, "none": 0.6}
    )
    #: grade 1..4 shares (1 most severe); 1+2 = 40 %
    disability_grade_shares: tuple[float, float, float, float] = (0.15, 0.25, 0.30, 0.30)
    serious_illness_rate_by_age: tuple[float, float, float] = (0.01, 0.04, 0.075)
    illness_multiplier: dict[str, float] = field(
        default_factory=lambda: {"tekun": 1.0, "dibao": 1.2, "edge": 1.0,
                                 "rigid": 2.2, "other": 0.8, "none": 0.5}
    )
    retired_code_share: float = 0.02  # IDs carrying a retired county code
    other_county_hukou_share: float = 0.02
    rare_char_share: float = 0.0006  # given name uses a CJK Ext-B character
    minority_name_share: float = 0.0008  # transliterated name with '·'

    # --- location ----------------------------------------------------------------
    #: weight of a county's share of households (the others draw 0.6-1.4): the demo's users work
    #: in 进贤县 and 宁都县, large rural counties, whose screens should carry a county's workload
    #: (warnings in every state, a death on the assistance chain) even in a small demo
    county_weight: dict[str, float] = field(default_factory=lambda: {"360124": 6.0, "360730": 4.0})
    poverty_monitoring_share: dict[str, float] = field(
        default_factory=lambda: {"rural": 0.12, "urban": 0.01}
    )

    # --- income items ----------------------------------------------------------
    monthly_item_share: float = 0.30  # salary / pension items written monthly
    stale_item_share: float = 0.015  # households with an extra item before the window

    # --- department feeds: share of rows about people NOT in the registry ----
    #: the trade union's difficult workers are mostly in the registry already ("other" households):
    #: the few outside are new registrations
    feed_external_share: dict[str, float] = field(
        default_factory=lambda: {
            "dept_medical_settlements": 0.40, "dept_unemployment": 0.45,
            "dept_social_insurance": 0.45, "dept_pensions": 0.32,
            "dept_deaths": 0.40, "dept_vehicles": 0.48, "dept_real_estate": 0.45,
            "dept_businesses": 0.48, "dept_disability_certs": 0.35,
            "dept_serious_illness": 0.38, "dept_students": 0.40,
            "dept_difficult_workers": 0.06, "dept_poverty_monitoring": 0.35,
            "dept_disaster_victims": 0.42, "dept_medical_enrolment": 0.45,
            "dept_hukou_changes": 0.45,
        }
    )
    #: external (non-registry) population pool, as a multiple of registry persons
    external_pool_factor: float = 0.9

    # --- department feeds: what they tell the platform that the registry does not know ---------
    # A county's registry already holds what its households declared, and the monthly comparison
    # runs have caught what departments knew before: what a feed says about a registry member that
    # the registry does not know yet ("news": a death, a move, a lost job, a new car) happened in
    # the last few weeks.  Declared facts (a car, a home, a business, registered unemployment) are
    # dated before the household registered, or before the last review.  Aimed at a county's
    # first comparison run showing a few warnings per hundred households (issue 13 item 13;
    # docs/decisions/0040-demo-calibration.md); the rates are synthetic, not statistics.
    #: news about registry members is dated within this many days before as_of
    news_days: int = 45
    #: imprisonment is dated within the last year instead: families seldom report it, only
    #: public security's data shows it
    imprisonment_unreported_days: int = 365
    #: yearly rates of news (per person unless said otherwise)
    news_rates: dict[str, float] = field(
        default_factory=lambda: {
            "death_under_60": 0.001, "death_60_79": 0.015, "death_80_plus": 0.08,
            "moved_out": 0.005,
            "serious_illness": 0.01,  # 18+, a diagnosis the registry does not record yet
            "imprisonment": 0.002,  # men 18-59
            "job_loss": 0.03,  # employed or self-employed 16-59
            "pension_start": 0.03,  # 50-59, not retired: an enterprise pension the household did not declare
            "new_vehicle": 0.015,  # per household
            "new_real_estate": 0.01,  # per household
            "new_business": 0.015,  # 18-65
        }
    )
    #: share of registry members paying contributions whose payments stopped 2-9 months ago
    contributions_stopped_share: float = 0.008
    #: registry students of tekun/dibao/edge households that education registers as hard-up
    #: (education assistance follows); others' students
    student_hardship_share: dict[str, float] = field(
        default_factory=lambda: {"low_income": 0.98, "other": 0.75}
    )
    #: agriculture's monitored households outside the registry still at risk (the rest were
    #: cleared: that is why civil affairs does not know them)
    poverty_outsider_at_risk_share: float = 0.03
    #: share of the medical costs of registry members left to pay after basic insurance, serious-
    #: illness insurance and medical assistance (one-stop settlement), by intended category
    medical_self_paid_share: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "tekun": (0.0, 0.01), "dibao": (0.02, 0.08), "edge": (0.06, 0.15),
            "rigid": (0.15, 0.45), "other": (0.15, 0.45), "none": (0.15, 0.55),
        }
    )
    #: background disasters (per household and year, rural / urban) and one recent local
    #: disaster: in one rural county, this share of its rural households hit within the last
    #: two months
    disaster_rate: dict[str, float] = field(default_factory=lambda: {"rural": 0.006, "urban": 0.002})
    local_disaster_share: float = 0.4


CALIBRATION = Calibration()
