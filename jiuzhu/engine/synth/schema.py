"""Output schemas of the synthetic province generator (one Parquet file per table).

Money is ``decimal128(p, 2)`` yuan (never float); dates are ``date32``; codes and
ID numbers are text.  Coded columns use the values of ``jiuzhu.rules.vocab``
(relation, work_capacity, disability_type, school_stage, employment,
income_type, property_type, expense_type, area_type).  Other coded columns:

- households.intended_category: tekun | dibao | edge | rigid | other | none — the
  category the generator aimed at (ground truth for tests), not a determination;
  intended_boundary: at_standard | at_1_5x | null.
- members.serious_illness: malignant_tumour, uremia, leukaemia, severe_mental,
  congenital_heart, aplastic_anaemia, haemophilia, organ_transplant,
  stroke_sequelae, mdr_tuberculosis (null = none); disability_grade 0 = none, 1 most severe;
  disability_cert_no = ID number + type digit (1 视力 … 7 多重) + grade digit.
- income_items.subtype: salary, odd_jobs (wages); small_business, farming
  (business); rent, interest (property); pension_enterprise, alimony (transfer,
  counted); basic_pension, disability_subsidy, elderly_allowance (transfer, not
  counted, with exclusion_reason).
- members.work_capacity_assessed_by: labour_appraisal for working-age members without capacity
  to work (null otherwise).
- supporters: one row per (supporter, supported member); the same person supporting two
  members (an elderly couple's son) has two rows with the same supporter_id_number.
  supporters.relation (the supporter's relation to the supported member):
  child | parent | sibling | spouse.
- dept feeds: see ``feeds.py`` for the code lists (status, vehicle_type, …).
"""

from __future__ import annotations

import pyarrow as pa

from jiuzhu.rules.vocab import ADL_ITEMS

S = pa.string()
D = pa.date32()
BOOL = pa.bool_()


def _money(precision: int = 12) -> pa.DataType:
    return pa.decimal128(precision, 2)


SCHEMAS: dict[str, pa.Schema] = {
    "regions": pa.schema([
        ("code", S), ("name", S), ("level", S), ("parent_code", S), ("valid_from", D),
    ]),
    "households": pa.schema([
        ("household_id", S), ("county_code", S), ("township_code", S), ("village_code", S),
        ("area_type", S), ("address", S), ("phone", S), ("registered_on", D),
        ("intended_category", S), ("intended_boundary", S), ("poverty_monitoring", BOOL),
    ]),
    "members": pa.schema([
        ("member_id", S), ("household_id", S), ("id_number", S), ("name", S), ("sex", S),
        ("birth_date", D), ("relation", S), ("hukou_code", S), ("work_capacity", S),
        ("work_capacity_assessed_by", S), ("disability_type", S), ("disability_grade", pa.int8()), ("disability_cert_no", S),
        ("serious_illness", S), ("school_stage", S), ("employment", S),
        *[(item, BOOL) for item in ADL_ITEMS],
        ("phone", S), ("bank_account", S),
    ]),
    "income_items": pa.schema([
        ("household_id", S), ("member_id", S), ("id_number", S), ("income_type", S),
        ("subtype", S), ("amount", _money()), ("period_start", D), ("period_end", D),
        ("counted", BOOL), ("exclusion_reason", S),
    ]),
    "property_items": pa.schema([
        ("household_id", S), ("member_id", S), ("property_type", S), ("description", S),
        ("value", _money(14)), ("exempt", BOOL), ("exempt_reason", S),
    ]),
    "expenses": pa.schema([
        ("household_id", S), ("member_id", S), ("expense_type", S), ("amount", _money()),
        ("period_start", D), ("period_end", D),
    ]),
    "supporters": pa.schema([
        ("household_id", S), ("supported_member_id", S), ("supporter_name", S),
        ("supporter_id_number", S), ("relation", S), ("able_to_support", BOOL), ("reason", S),
    ]),
    "dept_medical_settlements": pa.schema([
        ("settlement_id", S), ("id_number", S), ("settle_date", D), ("total_cost", _money()),
        ("insurance_paid", _money()), ("self_paid", _money()), ("disease_code", S),
        ("chronic_or_serious", BOOL),
    ]),
    "dept_unemployment": pa.schema([("id_number", S), ("registered_on", D), ("status", S)]),
    "dept_social_insurance": pa.schema([
        ("id_number", S), ("month", D), ("contribution_base", _money()), ("paid", BOOL),
    ]),
    "dept_pensions": pa.schema([
        ("id_number", S), ("pension_type", S), ("monthly_amount", _money()), ("start_month", D),
    ]),
    "dept_deaths": pa.schema([("id_number", S), ("death_date", D)]),
    "dept_vehicles": pa.schema([
        ("id_number", S), ("plate", S), ("vehicle_type", S), ("registered_on", D),
        ("value_estimate", _money(14)),
    ]),
    "dept_real_estate": pa.schema([
        ("id_number", S), ("property_cert_no", S), ("area_m2", pa.decimal128(10, 2)),
        ("registered_on", D),
    ]),
    "dept_businesses": pa.schema([
        ("id_number", S), ("credit_code", S), ("entity_type", S), ("role", S),
        ("registered_on", D), ("status", S),
    ]),
    "dept_disability_certs": pa.schema([
        ("id_number", S), ("cert_no", S), ("disability_type", S), ("grade", pa.int8()),
        ("issued_on", D), ("cancelled_on", D),
        ("living_subsidy_monthly", pa.decimal128(10, 2)), ("nursing_subsidy_monthly", pa.decimal128(10, 2)),
    ]),
    "dept_serious_illness": pa.schema([("id_number", S), ("disease_code", S), ("diagnosed_on", D)]),
    "dept_students": pa.schema([
        ("id_number", S), ("school_stage", S), ("hardship_flag", BOOL), ("enrolled", BOOL),
    ]),
    "dept_difficult_workers": pa.schema([("id_number", S), ("registered_on", D)]),
    "dept_poverty_monitoring": pa.schema([
        ("id_number", S), ("household_ref", S), ("monitoring_type", S), ("risk_status", S),
        ("identified_on", D),
    ]),
    "dept_disaster_victims": pa.schema([
        ("id_number", S), ("event_date", D), ("disaster_type", S), ("house_damage", S),
        ("relief_amount", _money()),
    ]),
    "dept_medical_enrolment": pa.schema([
        ("id_number", S), ("year", pa.int16()), ("enrolled_on", D), ("subsidised", BOOL),
        ("subsidy_amount", pa.decimal128(10, 2)),
    ]),
    "dept_hukou_changes": pa.schema([("id_number", S), ("change_type", S), ("change_date", D)]),
}
