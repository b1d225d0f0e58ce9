"""Input validation of the interchange format: every error names the field."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from jiuzhu.engine.determination.sample import random_households
from jiuzhu.rules.determination.cases import load_cases
from jiuzhu.rules.determination.household import HouseholdError, parse_household

AS_OF = date(2026, 1, 15)
SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "schemas" / "household.schema.json").read_text("utf-8"))


def _base() -> dict[str, Any]:
    return {
        "household_id": "H1", "county_code": "360102", "area_type": "urban",
        "members": [{"member_id": "M1", "birth_date": "1980-01-01"}],
        "income_items": [{"member_id": "M1", "income_type": "wages", "amount": "1200.00"}],
    }


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (lambda h: h.update(members=[]), "no_members", "members"),
        (lambda h: h.pop("county_code"), "missing", "county_code"),
        (lambda h: h.update(county_code="36010"), "format", "county_code"),
        (lambda h: h.update(area_type="suburb"), "code", "area_type"),
        (lambda h: h["income_items"][0].update(amount=1200.5), "money_float", "income_items[0].amount"),
        (lambda h: h["income_items"][0].update(amount="12.345"), "money_precision", "income_items[0].amount"),
        (lambda h: h["income_items"][0].update(member_id="M9"), "member_unknown", "income_items[0].member_id"),
        (lambda h: h["members"][0].update(birth_date="1980-13-01"), "date", "members[0].birth_date"),
        (lambda h: h["members"][0].update(birth_date="2027-01-01"), "future", "members[0].birth_date"),
        (lambda h: h["members"][0].update(disability_grade=5, disability_type="physical"), "grade", "members[0].disability_grade"),
        (lambda h: h["members"][0].update(id_number="360102198001010014"), "id_checksum", "members[0].id_number"),
        (lambda h: h["members"].append({"member_id": "M1", "birth_date": "1990-01-01"}), "duplicate", "members[1].member_id"),
        (lambda h: h.update(property_items=[{"property_type": "deposit", "value": "-1.00"}]), "money_negative", "property_items[0].value"),
        (lambda h: h.update(supporters=[{"relation": "child"}]), "missing", "supporters[0].able_to_support"),
        (lambda h: h.update(supporters=[{"able_to_support": True, "supported_member_ids": ["M9"]}]), "member_unknown",
         "supporters[0].supported_member_ids[0]"),
        (lambda h: h.update(supporters=[{"able_to_support": True, "supported_member_ids": ["M1", "M1"]}]), "duplicate",
         "supporters[0].supported_member_ids[1]"),
        (lambda h: h.update(supporters=[{"able_to_support": True, "supported_member_ids": "M1"}]), "type",
         "supporters[0].supported_member_ids"),
        (lambda h: h["income_items"][0].update(counted=False), "missing", "income_items[0].exclusion_reason"),
        (lambda h: h["members"][0].update(work_capacity_assessed_by="neighbour"), "code", "members[0].work_capacity_assessed_by"),
    ],
)
def test_errors_name_the_field(mutate: Any, code: str, field: str) -> None:
    h = _base()
    mutate(h)
    with pytest.raises(HouseholdError) as exc:
        parse_household(h, AS_OF)
    assert exc.value.field == field
    assert exc.value.code.startswith(code.split("_")[0]) if code == "id_checksum" else exc.value.code == code
    assert field in exc.value.message_zh and field in exc.value.message_en


def test_id_number_gives_birth_date_and_person_key() -> None:
    h = _base()
    h["members"][0] = {"member_id": "M1", "id_number": "360102198001010013"}
    rows = parse_household(h, AS_OF)
    m = rows["members"][0]
    assert m["birth_date"] == date(1980, 1, 1)
    assert len(m["person_key"]) == 64 and "360102198001010013" not in json.dumps(rows, default=str)


def test_birth_date_must_match_id_number() -> None:
    h = _base()
    h["members"][0] = {"member_id": "M1", "id_number": "360102198001010013", "birth_date": "1980-01-02"}
    with pytest.raises(HouseholdError) as exc:
        parse_household(h, AS_OF)
    assert exc.value.field == "members[0].birth_date"


def test_schema_is_valid_and_accepts_generated_and_case_households() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    v = jsonschema.Draft202012Validator(SCHEMA)
    for h in random_households(40, 7, AS_OF):
        assert not list(v.iter_errors(h))
    for case in load_cases():
        if case.expect.get("error") != "no_members" or case.household["members"]:
            assert not list(v.iter_errors(case.household)), case.id


def test_schema_rejects_float_money() -> None:
    v = jsonschema.Draft202012Validator(SCHEMA)
    h = copy.deepcopy(_base())
    h["income_items"][0]["amount"] = 1200.5
    assert list(v.iter_errors(h))


def test_schema_fields_match_snapshot_columns() -> None:
    from jiuzhu.engine.determination.snapshot import KEY_COLUMNS, SNAPSHOT_SCHEMAS

    props = SCHEMA["properties"]
    defs = SCHEMA["$defs"]
    pairs = {
        "households": set(props) - {"members", "income_items", "property_items", "expenses", "supporters", "household_id"},
        "members": set(defs["member"]["properties"]) - {"id_number"},
        "income_items": set(defs["income_item"]["properties"]),
        "property_items": set(defs["property_item"]["properties"]),
        "expenses": set(defs["expense"]["properties"]),
        "supporters": set(defs["supporter"]["properties"]) - {"supported_member_ids"},
        # each supporter's supported members travel as rows of their own
        "support_links": {"supporter_id", "member_id"},
    }
    for table, fields in pairs.items():
        # the integer surrogate keys are the snapshot's own (derived from the ids), not input fields
        cols = set(SNAPSHOT_SCHEMAS[table].names) - {"household_id"} - set(KEY_COLUMNS[table])
        assert fields == cols, (table, fields ^ cols)


def test_supported_members_become_links_and_absent_means_not_recorded() -> None:
    h = _base()
    h["members"].append({"member_id": "M2", "birth_date": "2015-01-01", "relation": "grandchild"})
    h["supporters"] = [
        {"supporter_id": "S1", "able_to_support": True, "supported_member_ids": ["M1"]},
        {"able_to_support": False, "reason": "服刑"},
    ]
    rows = parse_household(h, AS_OF)
    assert rows["support_links"] == [{"household_id": "H1", "supporter_id": "S1", "member_id": "M1"}]
    assert [s["supporter_id"] for s in rows["supporters"]] == ["S1", "H1-s1"]
