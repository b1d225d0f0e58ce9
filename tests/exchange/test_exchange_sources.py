"""The declared feeds (issue 4 §1): registry invariants and agreement with the generator."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jiuzhu.engine.synth import feeds as synth_feeds
from jiuzhu.engine.synth import items as synth_items
from jiuzhu.engine.synth import world as synth_world
from jiuzhu.engine.synth.schema import SCHEMAS
from jiuzhu.rules.exchange import sources as S
from jiuzhu.rules.exchange.sources import (
    DEPARTMENTS,
    PROGRAMMES,
    SOURCES,
    Field,
    Source,
    get_source,
    header_aliases,
)

# Every feed issue 4 §1 names, as (department, a source key that covers it).
ISSUE_FEEDS = [
    ("education", "education_students"),  # hard-up students, enrolment and drop-out
    ("hrss", "hrss_unemployment"),
    ("hrss", "hrss_social_insurance"),  # contributions and wages
    ("hrss", "hrss_pensions"),
    ("agriculture", "agriculture_poverty_monitoring"),
    ("health", "health_serious_illness"),
    ("health", "health_births"),
    ("health", "health_deaths"),
    ("medical_insurance", "medical_insurance_settlements"),
    ("disabled_federation", "disabled_certificates"),
    ("trade_union", "trade_union_difficult_workers"),
    ("housing", "housing_public_rental"),
    ("housing", "housing_rent_subsidy"),
    ("housing", "housing_dilapidated_renovation"),
    ("emergency", "emergency_disaster_victims"),
    ("justice", "justice_legal_aid"),
    ("justice", "justice_prison_release"),
    ("public_security", "public_security_hukou_changes"),
    ("public_security", "public_security_vehicles"),
    ("natural_resources", "natural_resources_real_estate"),
    ("market_regulation", "market_regulation_businesses"),
    ("banks", "banks_deposits"),
]


@pytest.mark.parametrize(("department", "key"), ISSUE_FEEDS)
def test_every_feed_of_the_issue_is_declared(department: str, key: str) -> None:
    src = get_source(key)
    assert src.department == department
    assert src.label_zh and src.label_en and src.meaning
    assert src.fields[0].type in ("id_number", "text")


def test_departments_match_the_django_choices() -> None:
    from jiuzhu.apps.core.choices import Department

    feeding = {d.value for d in Department} - {"service_office"}
    assert set(DEPARTMENTS) == feeding
    assert {s.department for s in SOURCES.values()} == feeding  # every department sends something


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="health_deaths"):
        get_source("nope")


@pytest.mark.parametrize("src", SOURCES.values(), ids=lambda s: s.key)
def test_declarations_are_consistent(src: Source) -> None:
    assert set(src.natural_key) <= set(src.field_names)
    assert set(src.encrypt) == {f.name for f in src.fields if f.personal}
    # every ID-number field is a personal identifier, encrypted at rest (R17)
    assert all(f.personal for f in src.fields if f.type == "id_number")
    assert src.programme is None or src.programme in PROGRAMMES
    assert src.expected_every_days > 0
    # header texts are unambiguous across the source
    seen: dict[str, str] = {}
    for f in src.fields:
        for alias in header_aliases(f):
            assert seen.setdefault(alias, f.name) == f.name


@pytest.mark.parametrize("src", [s for s in SOURCES.values() if s.generator_table],
                         ids=lambda s: s.key)
def test_generator_columns_are_declared_with_compatible_types(src: Source) -> None:
    assert src.generator_table is not None
    schema = SCHEMAS[src.generator_table]
    assert set(schema.names) <= set(src.field_names), "a generated file must import as-is"
    # and every required field is in the generated file
    assert set(src.required_fields) <= set(schema.names)
    expected = {
        "id_number": pa.types.is_string, "text": pa.types.is_string,
        "code": pa.types.is_string, "date": pa.types.is_date32,
        "money": pa.types.is_decimal, "decimal": pa.types.is_decimal,
        "bool": pa.types.is_boolean, "int": pa.types.is_integer,
    }
    for name in schema.names:
        f = src.field(name)
        assert expected[f.type](schema.field(name).type), (name, f.type)


def _codes(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(c for c, _ in choices)


def test_code_lists_match_the_generator() -> None:
    assert _codes(S.UNEMPLOYMENT_STATUS) == synth_feeds.UNEMPLOYMENT_STATUS
    assert _codes(S.PENSION_TYPES) == synth_feeds.PENSION_TYPES
    assert _codes(S.MONITORING_TYPES) == synth_feeds.MONITORING_TYPES
    assert _codes(S.RISK_STATUS) == synth_feeds.RISK_STATUS
    assert _codes(S.DISASTER_TYPES) == synth_feeds.DISASTER_TYPES
    assert _codes(S.HOUSE_DAMAGE) == synth_feeds.HOUSE_DAMAGE
    assert _codes(S.HUKOU_CHANGES) == synth_feeds.HUKOU_CHANGES
    assert _codes(S.BUSINESS_ROLES) == synth_feeds.BUSINESS_ROLES
    assert _codes(S.BUSINESS_STATUS) == synth_feeds.BUSINESS_STATUS
    assert _codes(S.COMMON_DISEASES) == synth_feeds.COMMON_DISEASES
    assert _codes(S.SERIOUS_ILLNESSES) == synth_world.SERIOUS_ILLNESSES
    assert _codes(S.VEHICLE_TYPES) == synth_items.VEHICLE_KINDS
    assert _codes(S.ENTITY_TYPES) == synth_items.BUSINESS_KINDS
    assert _codes(S.DISABILITY_TYPES) == tuple(d for d in synth_world.DISABILITIES if d != "none")
    assert _codes(S.SCHOOL_STAGES) == tuple(s for s in synth_world.SCHOOL if s != "none")


def test_bad_declarations_are_refused() -> None:
    idf = Field("id_number", "id_number", "身份证号", "ID", personal=True)
    with pytest.raises(ValueError, match="natural key"):
        Source("x", "health", "x", "x", "x", (idf,), natural_key=("nope",), encrypt=("id_number",))
    with pytest.raises(ValueError, match="must be listed in encrypt"):
        Source("x", "health", "x", "x", "x", (idf,), natural_key=("id_number",))
    with pytest.raises(ValueError, match="unknown department"):
        Source("x", "police", "x", "x", "x", (idf,), natural_key=("id_number",),
               encrypt=("id_number",))
    with pytest.raises(ValueError, match="names both"):
        Source("x", "health", "x", "x", "x",
               (idf, Field("b", "text", "身份证号", "B")), natural_key=("id_number",),
               encrypt=("id_number",))
    with pytest.raises(ValueError, match="choices"):
        Field("c", "code", "c", "c")
    with pytest.raises(ValueError, match="unknown type"):
        Field("c", "float", "c", "c")  # type: ignore[arg-type]
