"""The registry meets the determination engine: one household on screen, the whole registry in batch, the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.apps.determination import services
from jiuzhu.apps.determination.models import DeterminationResult
from jiuzhu.apps.registry import services as registry
from jiuzhu.apps.registry.models import Household
from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 15)


def _poor_household(users: dict[str, Any]) -> Household:
    """A couple in their forties in 进贤县 (rural) with 300 yuan a month: clearly dibao."""
    from tests.conftest import make_household

    h = make_household(users["county"], "360124101001", "360124197501010013")
    registry.member_add(actor=users["county"], household=h, data={
        "id_number": "360124197801010023", "name": "李四", "relation": "spouse", "work_capacity": "full",
        "employment": "farming",
    })
    registry.item_add(actor=users["county"], household=h, kind="income", data={
        "income_type": "business", "subtype": "farming", "amount": "7200.00",
        "period_start": "2025-11-01", "period_end": "2026-10-31",
    })
    registry.item_add(actor=users["county"], household=h, kind="income", data={
        "income_type": "transfer", "subtype": "basic_pension", "amount": "2000.00", "counted": False,
        "exclusion_reason": "城乡居民基本养老保险基础养老金不计入（第21条）",
        "period_start": "2025-11-01", "period_end": "2026-10-31",
    })
    return Household.objects.get(pk=h.pk)


def test_interchange_has_no_id_numbers(users: dict[str, Any]) -> None:
    h = _poor_household(users)
    body = services.interchange(h)
    text = json.dumps(body, ensure_ascii=False)
    assert "360124197501010013" not in text
    assert {m["person_key"] for m in body["members"]} == set(h.members.values_list("id_number_index", flat=True))
    assert len(body["income_items"]) == 1  # the basic pension was excluded by the caseworker


def test_one_household_on_screen(users: dict[str, Any]) -> None:
    h = _poor_household(users)
    result = services.determine_one(h, AS_OF)
    assert result["categories"][0] == "dibao"
    dibao = result["explanation"]["categories"]["dibao"]["criteria"][0]
    assert dibao["passed"] and "低于低保标准" in dibao["text_zh"]
    assert Decimal(result["benefits"]["total"]) > 0


def test_batch_over_the_registry_equals_the_single_path(households: dict[str, Any], users: dict[str, Any]) -> None:
    _poor_household(users)
    run = services.run_all(actor=users["province"], as_of=AS_OF)
    assert run.state == "done" and run.job.state == "done" and run.households == Household.objects.count()
    for result in DeterminationResult.objects.filter(run=run).select_related("household"):
        single = services.determine_one(result.household, AS_OF)
        assert result.categories == single["categories"], result.household.code
        assert result.benefits == single["benefits"], result.household.code
        assert result.parameter_version == single["parameter_version"]


def test_snapshot_export_has_the_engine_schema_and_no_plaintext(tmp_path: Any, households: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    counts = services.export_snapshot(tmp_path)
    assert counts["households"] == 3
    for table, schema in SNAPSHOT_SCHEMAS.items():
        read = pq.read_table(tmp_path / f"{table}.parquet")
        assert read.schema.equals(schema), table
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"360124198001010011" not in raw


def test_household_page_and_sheet_explain_in_chinese(client: Any, users: dict[str, Any]) -> None:
    h = _poor_household(users)
    client.force_login(users["county"])
    page = client.get(f"/households/{h.pk}/").content.decode()
    assert "认定结果" in page and "认定书" in page
    sheet = client.get(f"/households/{h.pk}/determination/", {"as_of": AS_OF.isoformat()}).content.decode()
    for text in ("最低生活保障对象", "月人均收入", "低保标准", "符合", "参数版本"):
        assert text in sheet


def test_api_determine(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    body = {
        "household_id": "X1", "county_code": "360124", "area_type": "rural", "as_of": "2026-11-15",
        "members": [{"member_id": "A", "birth_date": "1950-03-01", "relation": "head", "work_capacity": "none"}],
    }
    r = client.post("/api/determine/", json.dumps(body), content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["categories"][0] in ("tekun", "dibao")
    assert "explanation" in r.json()
    bad = dict(body, members=[])
    r = client.post("/api/determine/", json.dumps(bad), content_type="application/json")
    assert r.status_code == 400 and r.json()["message_zh"]
    floats = dict(body, income_items=[{"member_id": "A", "income_type": "wages", "amount": 100.5}])
    assert client.post("/api/determine/", json.dumps(floats), content_type="application/json").status_code == 400


def test_determine_all_command(households: dict[str, Any], capsys: Any) -> None:
    from jiuzhu.cli import main

    assert main(["determine", "--all", "--as-of", "2026-11-15"]) == 0
    assert "3 households" in capsys.readouterr().out
    assert DeterminationResult.objects.count() == 3


def test_api_determine_without_trailing_slash(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    body = {"household_id": "X2", "county_code": "360102", "area_type": "urban",
            "members": [{"member_id": "A", "birth_date": "1990-01-01", "relation": "head", "work_capacity": "full"}]}
    r = client.post("/api/determine?as_of=2026-11-15", json.dumps(body), content_type="application/json")
    assert r.status_code == 200 and r.json()["household_id"] == "X2"


def test_api_household_determination_is_scoped_json(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    inside, outside = households["inside"], households["outside"]
    r = client.get(f"/api/households/{inside.pk}/determination/", {"as_of": "2026-11-15"})
    assert r.status_code == 200
    body = r.json()
    assert body["household_id"] == inside.code and "dibao" in body["explanation"]["categories"]
    assert client.get(f"/api/households/{outside.pk}/determination/").status_code == 404
