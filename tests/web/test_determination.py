"""The registry meets the determination engine: one household on screen, the whole registry in batch, the API."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.apps.core.errors import RefusedError
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
    # the basic pension the caseworker excluded travels with its reason, counted nowhere
    assert len(body["income_items"]) == 2
    excluded = [i for i in body["income_items"] if i.get("counted") is False]
    assert len(excluded) == 1 and excluded[0]["exclusion_reason"].startswith("城乡居民基本养老保险")


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


def test_a_shared_snapshot_is_exported_once_and_removed(tmp_path: Any, households: dict[str, Any],
                                                       monkeypatch: Any) -> None:
    """The monthly cycle's determination and comparison read one export of the registry (issue 17)."""
    calls: list[Path] = []
    real = services.export_snapshot

    def counting(out_dir: Path, *args: Any, **kwargs: Any) -> dict[str, int]:
        calls.append(out_dir)
        return real(out_dir, *args, **kwargs)

    monkeypatch.setattr(services, "export_snapshot", counting)
    with services.shared_snapshot():
        first, counts = services.registry_snapshot(tmp_path / "a")
        second, again = services.registry_snapshot(tmp_path / "b")
        assert first == second and counts == again and counts["households"] == 3
        assert (first / "households.parquet").is_file()
    assert len(calls) == 1 and not first.exists()  # personal data does not outlive the block
    alone, _ = services.registry_snapshot(tmp_path / "c")  # outside a block: the caller's directory
    assert alone == tmp_path / "c" and len(calls) == 2


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


def _grandmother_and_grandson(users: dict[str, Any]) -> Household:
    """A grandmother (70) and her grandson (10), no income; her son elsewhere supports her only;
    the boy's father is in prison (recorded as his supporter, unable)."""
    from tests.conftest import make_household

    h = make_household(users["county"], "360124101001", "360124195601010038")
    registry.member_update(actor=users["county"], member=h.members.get(), data={"work_capacity": "none", "employment": "not_working"})
    boy = registry.member_add(actor=users["county"], household=h, data={
        "id_number": "36012420160101001X", "name": "李小宝", "relation": "grandchild", "work_capacity": "none",
        "employment": "not_working", "school_stage": "primary",
    })
    gran = h.members.get(relation="head")
    registry.item_add(actor=users["county"], household=h, kind="supporter", data={
        "name": "李大", "relation": "子", "able_to_support": True, "supported_members": [gran.pk],
    })
    registry.item_add(actor=users["county"], household=h, kind="supporter", data={
        "name": "李二", "relation": "父", "able_to_support": False, "reason": "在监狱服刑", "supported_members": [str(boy.pk)],
    })
    return Household.objects.get(pk=h.pk)


def test_supporters_are_someones_supporters_on_screen_and_in_batch(users: dict[str, Any]) -> None:
    """Issue 15 item 2 through the registry: the son's support of his mother does not block the boy."""
    h = _grandmother_and_grandson(users)
    body = services.interchange(h)
    assert sorted(len(s.get("supported_member_ids", [])) for s in body["supporters"]) == [1, 1]
    result = services.determine_one(h, AS_OF)
    boy = str(h.members.get(relation="grandchild").pk)
    gran = str(h.members.get(relation="head").pk)
    assert result["categories"] == ["dibao", "tekun"]
    assert result["member_categories"] == {gran: "dibao", boy: "tekun"}
    run = services.run_all(actor=users["province"], as_of=AS_OF)
    stored = DeterminationResult.objects.get(run=run, household=h)
    assert stored.categories == result["categories"]
    assert stored.member_categories == result["member_categories"]


def test_supporter_form_records_whom_he_supports(client: Any, users: dict[str, Any]) -> None:
    """The registry form ticks the member(s) a supporter must support; the edit form shows them ticked."""
    from jiuzhu.apps.registry.models import Supporter

    h = _grandmother_and_grandson(users)
    gran = h.members.get(relation="head")
    client.force_login(users["county"])
    r = client.post(f"/households/{h.pk}/supporter/new/", {
        "version": Household.objects.get(pk=h.pk).version, "name": "李三", "relation": "女",
        "able_to_support": "on", "supported_members": [str(gran.pk)],
    })
    assert r.status_code == 302, r.content.decode()[:2000]
    s = Supporter.objects.get(household=h, name="李三")
    assert list(s.supported_members.values_list("pk", flat=True)) == [gran.pk]
    page = client.get(f"/items/supporter/{s.pk}/edit/").content.decode()
    ticked = re.findall(r'<input type="checkbox" name="supported_members" value="(\d+)"[^>]*checked', page)
    assert ticked == [str(gran.pk)]
    # a member of another household is refused, nothing saved
    other = _poor_household(users).members.first()
    r = client.post(f"/households/{h.pk}/supporter/new/", {
        "version": Household.objects.get(pk=h.pk).version, "name": "王五", "relation": "子",
        "able_to_support": "on", "supported_members": [str(other.pk)],
    })
    assert r.status_code != 302
    assert not Supporter.objects.filter(name="王五").exists()


def test_statistics_count_each_person_once(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    """Issue 15 item 5: a mixed household's members are counted in their own categories, once each."""
    from jiuzhu.apps.determination import selectors
    from jiuzhu.apps.determination.models import DeterminationTotal
    from jiuzhu.apps.registry.models import Member

    h = _grandmother_and_grandson(users)
    run = services.run_all(actor=users["province"], as_of=AS_OF)
    totals = DeterminationTotal.objects.filter(run=run)
    assert sum(t.persons for t in totals) == Member.objects.count()
    mine = {t.category: (t.persons, t.households) for t in totals.filter(township=h.township)}
    assert mine["tekun"][0] >= 1 and mine["dibao"][0] >= 1
    rows = selectors.persons_by_category(run, users["province"])
    assert sum(r["persons"] for r in rows) == Member.objects.count()
    assert len({r["category"] for r in rows}) == len(rows)  # one row per category
    client.force_login(users["province"])
    page = client.get("/determination/runs/").content.decode()
    assert "按人统计（每人只计一类）" in page and "特困人员" in page


def test_sheet_totals_are_the_sums_of_the_lines_on_it(client: Any, users: dict[str, Any]) -> None:
    """Issue 13 item 6: the pension the caseworker excluded is listed and summed under "not counted"
    (the sheet said "not counted 0.00" above it); a pro-rated item says so; each member has a category."""
    h = _poor_household(users)
    registry.item_add(actor=users["county"], household=h, kind="income", data={
        "income_type": "wages", "subtype": "salary", "amount": "1200.00",
        "period_start": "2026-10-01", "period_end": "2026-11-30",  # half of it inside the window
    })
    client.force_login(users["county"])
    sheet = client.get(f"/households/{h.pk}/determination/", {"as_of": AS_OF.isoformat()}).content.decode()
    foot = sheet[sheet.index("<tfoot>"):sheet.index("</tfoot>")]
    counted = re.search(r"<th colspan=\"6\">计入收入合计[^<]*</th><th class=\"num\">([\d,.]+)<", foot)
    not_counted = re.search(r"<th colspan=\"6\">不计入收入合计[^<]*</th><th class=\"num\">([\d,.]+)<", foot)
    assert counted and not_counted, foot
    assert Decimal(not_counted.group(1).replace(",", "")) == Decimal("2000.00")
    # 7200 farming + 1200 × 31/61 days of wages
    assert Decimal(counted.group(1).replace(",", "")) == Decimal("7200.00") + (Decimal("1200") * 31 / 61).quantize(Decimal("0.01"))
    assert "31 / 61" in sheet
    names = set(h.members.values_list("name", flat=True))
    section = sheet[sheet.index("成员认定类别"):]
    assert all(n in section for n in names)


def test_household_page_names_each_members_category(client: Any, users: dict[str, Any]) -> None:
    """Issue 15 item 5 on the household page (a section through core.hooks): the mixed household's
    members by name with their categories (the names were missing: the section had no member list)."""
    h = _grandmother_and_grandson(users)
    client.force_login(users["county"])
    page = client.get(f"/households/{h.pk}/").content.decode()
    line = page[page.index("成员认定类别"):]
    line = line[:line.index("</p>")]
    gran, boy = h.members.get(relation="head"), h.members.get(relation="grandchild")
    assert f"{gran.name} 最低生活保障对象" in line and f"{boy.name} 特困人员" in line


def test_spark_runs_put_their_files_in_the_shared_directory(tmp_path: Path, settings: Any,
                                                           households: dict[str, Any]) -> None:
    """On a cluster of several machines the executors read the snapshot from a directory they all mount."""
    assert services.spark_workdir("spark") is None  # not set: the system's temporary directory
    settings.JIUZHU_SPARK_SHARED_DIR = str(tmp_path)
    assert services.spark_workdir("spark") == str(tmp_path) and services.spark_workdir("duckdb") is None
    with services.shared_snapshot(services.spark_workdir("spark")):
        snap, _ = services.registry_snapshot(tmp_path / "unused")
        assert snap.parent.parent == tmp_path and (snap / "members.parquet").is_file()
    assert list(tmp_path.iterdir()) == []
    settings.JIUZHU_SPARK_SHARED_DIR = str(tmp_path / "not-mounted")
    with pytest.raises(RefusedError) as refused:
        services.spark_workdir("spark")
    assert "共享目录不存在" in refused.value.message_zh and "not mounted" in refused.value.message_en
