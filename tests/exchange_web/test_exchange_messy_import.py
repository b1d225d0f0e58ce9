"""Department files as sent, through the platform (issue 14 items 2, 4, 5, 8, 9; issue 12 item 2).

Tests marked "regression" failed on the code before: an absent column erased stored values and
chain entries; a file without a valid row committed; the dry run and the import disagreed; a
county could send data about another county's people; the command line said "rejected: imported".
"""

from __future__ import annotations

import io
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuzhu import cli
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange import uploads
from jiuzhu.apps.exchange.checking import batch_preview
from jiuzhu.apps.exchange.files import sweep_stale_temp, upload_path
from jiuzhu.apps.exchange.mapping import mapping_for, mapping_set
from jiuzhu.apps.exchange.models import (
    AssistanceRecord,
    ColumnMapping,
    DepartmentRecord,
    ImportBatch,
    PendingUpload,
    RegistryConflict,
)
from jiuzhu.apps.exchange.scope import DEFAULT_COUNTY_FEEDS, allowed_sources
from jiuzhu.apps.exchange.services import batch_import

from .conftest import HEAD_INSIDE, csv_bytes, make_id

pytestmark = pytest.mark.django_db

HEAD_OUTSIDE = "360730195607150023"  # the head of the 宁都县 household (tests/conftest.py)
NOT_REGISTERED = make_id("36012419900101003")
SETTLEMENT_COLUMNS = ["settlement_id", "id_number", "settle_date", "total_cost", "insurance_paid", "self_paid",
                      "disease_code", "chronic_or_serious"]


def _settlements(with_assistance: bool = True, with_region: bool = True, blank_assistance: bool = False) -> bytes:
    head = list(SETTLEMENT_COLUMNS)
    if with_assistance:
        head.append("assistance_paid")
    if with_region:
        head.append("region_code")
    rows = []
    for i, (pid, paid) in enumerate([(HEAD_INSIDE, "12000.00"), (HEAD_OUTSIDE, "11997.00")], start=1):
        row = [f"JS{i}", pid, "2026-10-05", "20000", "5000", "15000", "uremia", "是"]
        if with_assistance:
            row.append("" if blank_assistance else paid)
        if with_region:
            row.append("360124100001" if pid == HEAD_INSIDE else "360730100001")
        rows.append(row)
    return csv_bytes([head, *rows])


def _imp(actor: Any, source: str, data: bytes, name: str = "f.csv", **kw: Any) -> Any:
    return batch_import(actor, source, io.BytesIO(data), name, "ui", **kw)


# --------------------------------------------------------------------------- item 2: absent ≠ empty


def test_regression_a_resent_file_without_an_optional_column_keeps_values_and_the_chain(
        users: dict[str, Any], households: dict[str, Any], client: Any) -> None:
    dept = users["department"]  # the medical-insurance bureau (province-wide)
    first = _imp(dept, "medical_insurance_settlements", _settlements()).batch
    assert first.state == "committed" and first.chain_added == 2
    chain_total = sum(a.amount for a in AssistanceRecord.objects.all())
    assert chain_total == Decimal("23997.00")
    # The same settlements re-sent without the 医疗救助支付 and region columns: nothing changes.
    again = _imp(dept, "medical_insurance_settlements", _settlements(with_assistance=False, with_region=False)).batch
    assert (again.state, again.rows_unchanged, again.rows_updated, again.chain_removed) == ("committed", 2, 0, 0)
    assert sum(a.amount for a in AssistanceRecord.objects.all()) == Decimal("23997.00")
    payloads = sorted(DepartmentRecord.objects.values_list("payload", flat=True), key=lambda p: p["settlement_id"])
    assert [(p["assistance_paid"], p["region_code"]) for p in payloads] == [
        ("12000.00", "360124100001"), ("11997.00", "360730100001")]
    # A present, explicitly blank column clears the value: the chain entries go, counted and shown.
    cleared = _imp(dept, "medical_insurance_settlements", _settlements(blank_assistance=True)).batch
    assert (cleared.rows_updated, cleared.chain_removed, cleared.chain_removed_amount) == (2, 2, Decimal("23997.00"))
    assert AssistanceRecord.objects.count() == 0
    client.force_login(dept)
    page = client.get(f"/exchange/batches/{cleared.pk}/").content.decode()
    assert "移除 2 条" in page and "23,997" in page


def test_an_absent_personal_column_keeps_the_encrypted_value(users: dict[str, Any], households: dict[str, Any]) -> None:
    county = users["county"]
    with_phone = csv_bytes([["id_number", "registered_on", "name", "phone"],
                            [HEAD_INSIDE, "2024-01-05", "张三", "13800138000"]])
    without = csv_bytes([["id_number", "registered_on", "support_amount"], [HEAD_INSIDE, "2024-01-05", "500"]])
    _imp(county, "trade_union_difficult_workers", with_phone)
    b = _imp(county, "trade_union_difficult_workers", without).batch
    assert b.rows_updated == 1  # the amount is new information
    rec = DepartmentRecord.objects.get()
    assert set(rec.secrets_enc) == {"name", "phone"} and rec.payload["support_amount"] == "500.00"


# --------------------------------------------------------------------------- item 4: no valid row


def test_regression_a_file_without_a_valid_row_is_a_rejected_batch_with_its_report(
        users: dict[str, Any], households: dict[str, Any], client: Any) -> None:
    data = csv_bytes([["id_number", "death_date"], *[["123", "2026-10-01"]] * 40])
    b = _imp(users["county"], "health_deaths", data).batch
    assert b.state == "rejected" and (b.rows_total, b.rows_valid, b.rows_error) == (40, 0, 40)
    assert "共40行" in b.file_error and b.errors_total == 41 and b.error_report
    assert b.errors_preview[0]["code"] == "no_valid_rows" and b.errors_preview[1]["code"] == "id_format"
    blank = _imp(users["county"], "health_deaths", b"\xef\xbb\xbf\r\n\r\n").batch
    assert blank.state == "rejected" and "空行" in blank.file_error
    client.force_login(users["county"])
    assert client.get(f"/exchange/batches/{b.pk}/report/").status_code == 200


# --------------------------------------------------------------------------- issue 12 item 2: the person's scope


def test_regression_a_county_cannot_send_data_about_another_countys_person(
        users: dict[str, Any], households: dict[str, Any]) -> None:
    """The 宁都县 head's death, sent by 进贤县 with the region column left blank, used to commit
    and raise a conflict in 宁都县."""
    data = csv_bytes([["id_number", "death_date", "region_code"],
                      [HEAD_OUTSIDE, "2026-10-01", ""],  # registered in another county
                      [NOT_REGISTERED, "2026-10-01", ""],  # not registered, no region: cannot be placed
                      [make_id("36012419910101004"), "2026-10-01", "360124"],  # not registered, own county
                      [HEAD_INSIDE, "2026-10-01", "360730"]])  # a region code outside the county (U21)
    b = _imp(users["county"], "health_deaths", data).batch
    assert b.state == "committed" and b.rows_valid == 1
    codes = {e["row"]: e["code"] for e in b.errors_preview}
    assert codes == {2: "person_out_of_scope", 3: "person_region_unknown", 5: "region_not_allowed"}
    assert RegistryConflict.objects.count() == 0 and DepartmentRecord.objects.count() == 1
    event = AuditEvent.objects.get(event="exchange.person_out_of_scope")
    assert event.outcome == "denied" and HEAD_OUTSIDE not in json.dumps(event.detail, ensure_ascii=False)
    # The county of the person may send it; a provincial department too.
    ok = _imp(users["county_b"], "health_deaths", csv_bytes([["id_number", "death_date"], [HEAD_OUTSIDE, "2026-10-01"]]))
    assert ok.batch.state == "committed" and RegistryConflict.objects.filter(field="death_date").count() == 1


def test_county_users_send_only_the_county_feeds(users: dict[str, Any], settings: Any) -> None:
    county = users["county"]
    assert {s.key for s in allowed_sources(county)} == set(DEFAULT_COUNTY_FEEDS) and len(DEFAULT_COUNTY_FEEDS) < 23
    with pytest.raises(PermissionDenied):
        _imp(county, "banks_deposits", b"x")
    assert AuditEvent.objects.filter(event="exchange.upload_denied", object_id="banks_deposits").exists()
    settings.JIUZHU_COUNTY_FEEDS = ("banks_deposits",)  # CONFIG
    assert [s.key for s in allowed_sources(county)] == ["banks_deposits"]


# --------------------------------------------------------------------------- item 5: one verdict


def test_regression_the_dry_run_gives_the_import_verdict(users: dict[str, Any], households: dict[str, Any]) -> None:
    data = csv_bytes([["id_number", "death_date", "region_code"],
                      [HEAD_INSIDE, "2026-10-01", "360122"],  # 新建县: retired in 2015
                      ["360102800101001", "2026-10-01", "360124"],  # 15 digits: upgraded, flagged
                      [make_id("36012419910101004"), "2026-10-01", "990000"]])  # unknown code
    preview = batch_preview(users["county"], "health_deaths", io.BytesIO(data), "d.csv")
    dry = preview.to_dict()
    assert [(e["row"], e["code"]) for e in dry["errors"]] == [(2, "region_not_allowed"), (4, "region_not_allowed")]
    assert dry["valid"] == 1 and dry["notices"][0]["code"] == "upgraded_from_15" and dry["already_imported"] is None
    b = _imp(users["county"], "health_deaths", data).batch
    assert (b.rows_valid, [(e["row"], e["code"]) for e in b.errors_preview]) == (dry["valid"], [
        (e["row"], e["code"]) for e in dry["errors"]])
    assert b.notices == dry["notices"]
    again = batch_preview(users["county"], "health_deaths", io.BytesIO(data), "other-name.csv").to_dict()
    assert again["already_imported"]["batch"] == b.pk


# --------------------------------------------------------------------------- the command line


def _cli(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_dry_run_json_contract_and_exit_codes(users: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["id_number", "death_date"], ["123", "2026-10-01"]]))
    code, out, _ = _cli(capsys, "import", "health_deaths", str(bad), "--dry-run")
    report = json.loads(out)
    assert code == 1 and report["rejected"] is True and report["rows"] == 1 and report["valid"] == 0
    assert {"row", "column", "code", "message", "message_en"} <= set(report["errors"][0])
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["id_number", "death_date"], [NOT_REGISTERED, "2026-10-01"]]))
    code, out, _ = _cli(capsys, "import", "health_deaths", str(good), "--dry-run")
    assert code == 0 and json.loads(out)["valid"] == 1 and ImportBatch.objects.count() == 0


def test_regression_cli_says_rejected_not_imported(users: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["id_number", "death_date"], ["123", "2026-10-01"]]))
    code, out, _ = _cli(capsys, "import", "health_deaths", str(bad))
    assert code == 1 and "rejected: rejected" in out and "imported" not in out
    code, out, _ = _cli(capsys, "import", "health_deaths", str(bad))
    assert code == 1 and "rejected earlier (nothing changed)" in out


def test_cli_mapping_set_then_import_with_the_department(users: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    f = tmp_path / "m.csv"
    f.write_bytes(("序号,结算编号,身份证号,结算时间,医疗总费用,医保支付,个人自付,病种,慢特病,备注\n"
                   f"1,A1,{NOT_REGISTERED},2026-10-05 14:32:10,100,50,50,尿毒症,是,住院\n").encode())
    code, out, _ = _cli(capsys, "import", "medical_insurance_settlements", str(f), "--dry-run")
    assert code == 1 and json.loads(out)["file_error"]["code"] == "header_unknown"
    code, out, err = _cli(capsys, "mapping", "set", "medical_insurance_settlements", "--department",
                          "medical_insurance", "--map", "医疗总费用=total_cost", "--map", "结算时间=结算日期")
    assert code == 0, err
    assert mapping_for("medical_insurance_settlements") == {"医疗总费用": "total_cost", "结算时间": "settle_date"}
    code, out, err = _cli(capsys, "import", "medical_insurance_settlements", str(f), "--department",
                          "medical_insurance")
    assert code == 0 and "committed: imported" in out, err
    rec = DepartmentRecord.objects.get()
    assert rec.payload["total_cost"] == "100.00" and rec.payload["settle_date"] == "2026-10-05"
    assert ImportBatch.objects.get().mapping == {"医疗总费用": "total_cost", "结算时间": "settle_date"}
    code, _, err = _cli(capsys, "mapping", "set", "medical_insurance_settlements", "--department", "health",
                        "--map", "x=total_cost")
    assert code == 1 and "其他部门" in err
    code, _, err = _cli(capsys, "mapping", "set", "medical_insurance_settlements", "--map", "x=nonsense")
    assert code == 1 and ColumnMapping.objects.count() == 2


def test_mapping_rules(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):  # two columns for one field
        mapping_set(None, "health_deaths", "health", {"死亡时间": "death_date", "亡故日期": "death_date"})
    with pytest.raises(PermissionDenied):  # a department maps only its own feeds
        mapping_set(users["department"], "health_deaths", "health", {"死亡时间": "death_date"})
    mapping_set(users["province"], "health_deaths", "health", {"死亡时间": "death_date", "备用": None})
    assert mapping_for("health_deaths") == {"死亡时间": "death_date", "备用": None}
    assert AuditEvent.objects.filter(event="exchange.mapping_set").count() == 1


# --------------------------------------------------------------------------- item 9: preview, confirm, cancel


def _template_xlsx(header: list[str], rows: list[list[Any]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["进贤县2026年10月医疗救助结算明细"])
    ws.merge_cells("A1:H1")
    ws.append(header)
    for r in rows:
        ws.append(r)
    ws.append(["合计", None, None, None, "=SUM(E3:E4)"])
    hidden = wb.create_sheet("旧表")
    hidden.append(["x"])
    hidden.sheet_state = "hidden"
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def test_upload_preview_mapping_confirm(client: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    dept = users["department"]
    data = _template_xlsx(
        ["结算编号", "身份证号", "结算时间", "医疗总费用", "医保支付", "个人自付", "病种", "慢特病", "备注"],
        [["A1", HEAD_INSIDE, "2026-10-05", 100, 50, 50, "尿毒症", "是", ""],
         ["A2", HEAD_OUTSIDE, "2026-10-06", 200, 100, 100, "高血压", "否", "复诊"]])
    client.force_login(dept)
    r = client.post("/exchange/upload/", {"source": "medical_insurance_settlements",
                                          "file": _named(data, "结算.xlsx")})
    assert r.status_code == 302 and ImportBatch.objects.count() == 0
    pending = PendingUpload.objects.get()
    assert upload_path(pending.uid).exists() and "结算" not in str(upload_path(pending.uid))
    page = client.get(r["Location"]).content.decode()
    assert "结算时间" in page and "医疗总费用" in page and "设置本部门的列名对应" in page  # unknown, with a way out
    assert "confirm" not in page  # nothing to confirm while the file cannot be imported
    edit = client.get(f"/exchange/mappings/medical_insurance_settlements/?column=结算时间&column=医疗总费用"
                      f"&next={r['Location']}").content.decode()
    assert 'value="结算时间"' in edit and 'value="医疗总费用"' in edit
    form = {"form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "0", "next": r["Location"],
            "form-0-header": "结算时间", "form-0-target": "settle_date",
            "form-1-header": "医疗总费用", "form-1-target": "total_cost"}
    saved = client.post("/exchange/mappings/medical_insurance_settlements/", form)
    assert saved.status_code == 302 and saved["Location"] == r["Location"]
    page = client.get(r["Location"]).content.decode()
    assert "确认导入 2 行" in page and "合计" in page and "旧表" in page and "隐藏的工作表" in page
    assert HEAD_INSIDE not in page and "360124********0011" in page  # typed first rows, masked
    done = client.post(r["Location"], {"action": "confirm"})
    batch = ImportBatch.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/exchange/batches/{batch.pk}/"
    assert batch.state == "committed" and batch.rows_valid == 2 and batch.skipped
    assert not PendingUpload.objects.exists() and not upload_path(pending.uid).exists()


def test_a_pending_upload_is_its_uploaders_and_is_swept(client: Any, users: dict[str, Any], settings: Any) -> None:
    data = csv_bytes([["id_number", "death_date", "region_code"], [NOT_REGISTERED, "2026-10-01", "360124"]])
    pending = uploads.upload_receive(users["county"], "health_deaths", io.BytesIO(data), "d.csv")
    assert pending.preview["valid"] == 1 and pending.preview["sample"][0]["cells"]["id_number"].count("*") == 8
    client.force_login(users["county_b"])
    assert client.get(f"/exchange/upload/{pending.uid}/").status_code == 404
    client.force_login(users["county"])
    assert client.post(f"/exchange/upload/{pending.uid}/", {"action": "cancel"}).status_code == 302
    assert not PendingUpload.objects.exists() and not upload_path(pending.uid).exists()
    assert ImportBatch.objects.count() == 0
    old = uploads.upload_receive(users["county"], "health_deaths", io.BytesIO(data), "d.csv")
    settings.JIUZHU_UPLOAD_KEEP_HOURS = 1
    PendingUpload.objects.filter(pk=old.pk).update(created_at=old.created_at.replace(year=2020))
    assert client.get(f"/exchange/upload/{old.uid}/").status_code == 404
    sweep_stale_temp(now=time.time() + 120)
    assert not PendingUpload.objects.exists() and not upload_path(old.uid).exists()


def _named(data: bytes, name: str) -> Any:
    return SimpleUploadedFile(name, data)
