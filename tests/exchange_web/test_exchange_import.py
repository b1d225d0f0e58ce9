"""batch_import: generator feeds, idempotence, bad rows, encryption, scope, conflicts, the chain."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange.models import (
    AssistanceRecord,
    DepartmentRecord,
    ImportBatch,
    RegistryConflict,
)
from jiuzhu.apps.exchange.selectors import household_chain, registry_display
from jiuzhu.apps.exchange.services import batch_import
from jiuzhu.engine.exchange import CLI_LIMITS
from jiuzhu.rules.exchange.sources import SOURCES

from .conftest import HEAD_INSIDE, csv_bytes, make_id

pytestmark = pytest.mark.django_db

GENERATED = sorted((s.generator_table, s.key) for s in SOURCES.values() if s.generator_table)


def _import(actor: Any, source: str, data: bytes, name: str = "f.csv") -> Any:
    return batch_import(actor, source, io.BytesIO(data), name, "ui")


@pytest.mark.parametrize(("table", "key"), GENERATED)
def test_every_generator_feed_imports_and_twice_changes_nothing(
    users: dict[str, Any], province: Path, table: str, key: str
) -> None:
    path = province / f"{table}.parquet"
    n = pq.read_metadata(path).num_rows
    # The operator's command line: the generated province spans every county (a county user
    # may only send its own people, and only the county feeds).
    result = batch_import(None, key, path, path.name, "cli")
    b = result.batch
    assert result.created and b.state == "committed"
    assert b.rows_total == b.rows_valid == b.rows_new == n and b.errors_total == 0
    assert DepartmentRecord.objects.filter(batch=b).count() == n
    counts = (DepartmentRecord.objects.count(), AssistanceRecord.objects.count(), RegistryConflict.objects.count())
    events = AuditEvent.objects.filter(event__startswith="exchange.batch_").count()
    again = batch_import(None, key, path, "renamed.parquet", "api")
    assert not again.created and again.batch.pk == b.pk and again.batch.state == "committed"
    assert (DepartmentRecord.objects.count(), AssistanceRecord.objects.count(),
            RegistryConflict.objects.count()) == counts
    assert AuditEvent.objects.filter(event="exchange.batch_duplicate").count() == 1
    assert AuditEvent.objects.filter(event__startswith="exchange.batch_").count() == events + 1


def test_states_are_audited(users: dict[str, Any], households: dict[str, Any]) -> None:
    data = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    b = _import(users["county"], "health_deaths", data).batch
    events = list(AuditEvent.objects.filter(object_type="import_batch", object_id=str(b.pk))
                  .order_by("id").values_list("event", flat=True))
    assert events == ["exchange.batch_received", "exchange.batch_validated", "exchange.batch_committed"]


def test_cli_limits_stream_with_the_sqlite_key_tracker(users: dict[str, Any], province: Path) -> None:
    path = province / "dept_medical_settlements.parquet"
    b = batch_import(None, "medical_insurance_settlements", path, path.name, "cli", limits=CLI_LIMITS).batch
    assert b.state == "committed" and b.channel == "cli" and b.uploaded_by is None
    assert b.rows_new == pq.read_metadata(path).num_rows


def test_a_file_with_bad_rows_commits_the_valid_rows_and_reports_the_rest(
    client: Any, users: dict[str, Any], households: dict[str, Any]
) -> None:
    bad_id = HEAD_INSIDE[:-1] + ("0" if HEAD_INSIDE[-1] != "0" else "1")
    data = csv_bytes([
        ["身份证号", "死亡日期"],
        [HEAD_INSIDE, "2025-03-07"],
        [bad_id, "2025-03-08"],
        ["360124198001010038", "2025-13-01"],
    ])
    b = _import(users["county"], "health_deaths", data).batch
    assert b.state == "committed"
    assert (b.rows_total, b.rows_valid, b.rows_error) == (3, 1, 2)
    assert DepartmentRecord.objects.filter(batch=b).count() == 1
    assert b.error_report.endswith(".xlsx") and "f.csv" not in b.error_report
    client.login(username="county", password="Test@Pass1-26")
    r = client.get(f"/exchange/batches/{b.pk}/report/")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    cells = [[c for c in row] for row in wb.active.iter_rows(values_only=True)]
    assert tuple(cells[0][:4]) == ("工作表", "行", "列", "错误代码")
    assert len(cells) == 3
    assert all(bad_id not in str(c) for row in cells for c in row)  # masked
    page = client.get(f"/exchange/batches/{b.pk}/")
    assert page.status_code == 200 and b"report" in page.content


def test_a_rejected_file_is_final_and_has_a_report(client: Any, users: dict[str, Any]) -> None:
    data = csv_bytes([["身份证号", "不认识的列"], [HEAD_INSIDE, "x"]])
    result = _import(users["county"], "health_deaths", data)
    b = result.batch
    assert b.state == "rejected" and b.file_error and b.errors_total == 1
    assert DepartmentRecord.objects.count() == 0
    again = _import(users["county"], "health_deaths", data)
    assert not again.created and again.batch.pk == b.pk
    client.login(username="county", password="Test@Pass1-26")
    assert client.get(f"/exchange/batches/{b.pk}/report/").status_code == 200


def test_id_numbers_are_never_stored_in_clear(users: dict[str, Any], households: dict[str, Any], province: Path) -> None:
    plain: set[str] = set()
    for table, key in GENERATED:
        path = province / f"{table}.parquet"
        plain.update(x for x in pq.read_table(path, columns=["id_number"]).column(0).to_pylist())
        batch_import(None, key, path, path.name, "cli")
    # Also a file carrying names, certificate numbers and phones (all personal).
    name_file = csv_bytes([["id_number", "registered_on", "name", "phone"],
                           [HEAD_INSIDE, "2024-01-05", "王小明", "13800138000"]])
    _import(users["county"], "trade_union_difficult_workers", name_file)
    plain.add(HEAD_INSIDE)
    secrets = {"王小明", "13800138000"}
    tables = [m._meta.db_table for m in (ImportBatch, DepartmentRecord, AssistanceRecord, RegistryConflict,
                                          AuditEvent)]
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608
            for row in cur.fetchall():
                text = " ".join(str(v) for v in row)
                for idn in plain:
                    assert idn not in text, f"{table} holds an ID number in clear"
                for s in secrets:
                    assert s not in text, f"{table} holds personal data in clear"


def test_department_user_cannot_upload_another_departments_feed(users: dict[str, Any]) -> None:
    data = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    with pytest.raises(PermissionDenied):
        _import(users["department"], "health_deaths", data)
    assert ImportBatch.objects.count() == 0
    assert AuditEvent.objects.filter(event="exchange.upload_denied", outcome="denied").exists()


def test_out_of_scope_region_is_a_row_error_and_an_audit_event(users: dict[str, Any]) -> None:
    data = csv_bytes([
        ["id_number", "death_date", "region_code"],
        [HEAD_INSIDE, "2025-03-07", "360124"],
        ["360730195607150023", "2025-03-07", "360730"],  # county B: outside 进贤县
        [make_id("36012419700101001"), "2025-03-07", "369999"],  # unknown code
    ])
    b = _import(users["county"], "health_deaths", data).batch
    assert (b.rows_valid, b.rows_error) == (1, 2)
    assert {e["code"] for e in b.errors_preview} == {"region_not_allowed"}
    ev = AuditEvent.objects.get(event="exchange.region_out_of_scope")
    assert ev.outcome == "denied" and ev.detail["region_codes"] == ["360730"]


def test_registry_conflicts_are_recorded_not_applied_and_the_trust_order_decides_display(
    users: dict[str, Any], households: dict[str, Any]
) -> None:
    head = households["inside"].members.get()
    assert head.disability_type == "none"
    data = csv_bytes([
        ["id_number", "cert_no", "disability_type", "grade", "issued_on"],
        [HEAD_INSIDE, "36012419800101001142", "physical", "2", "2020-05-01"],
    ])
    b = _import(users["county"], "disabled_certificates", data).batch
    assert b.state == "committed"
    conflicts = {c.field: c for c in RegistryConflict.objects.filter(member=head)}
    assert set(conflicts) == {"disability_type", "disability_grade"}
    assert conflicts["disability_type"].department_value == "physical"
    assert conflicts["disability_type"].status == "open"
    head.refresh_from_db()
    assert head.disability_type == "none"  # never silently overwritten
    assert registry_display(head) == {"disability_type": "physical", "disability_grade": "2"}
    rec = DepartmentRecord.objects.get(batch=b)
    assert rec.member_id == head.pk and rec.household_id == households["inside"].pk
    assert "cert_no" in rec.secrets_enc and "cert_no" not in rec.payload


def test_a_corrected_file_updates_changed_facts_and_skips_unchanged(users: dict[str, Any], households: dict[str, Any]) -> None:
    other = make_id("36012419700101001")
    # `other` is not in the registry: the county places them with the row's region code.
    first = csv_bytes([["id_number", "month", "amount", "region_code"], [HEAD_INSIDE, "2025-01-01", "300", ""],
                       [other, "2025-01-01", "300", "360124"]])
    second = csv_bytes([["id_number", "month", "amount", "region_code"], [HEAD_INSIDE, "2025-01-01", "300", ""],
                        [other, "2025-01-01", "350", "360124"]])
    _import(users["county"], "housing_rent_subsidy", first)
    b = _import(users["county"], "housing_rent_subsidy", second).batch
    assert (b.rows_new, b.rows_updated, b.rows_unchanged) == (0, 1, 1)
    assert DepartmentRecord.objects.count() == 2
    assert sorted(str(a) for a in AssistanceRecord.objects.values_list("amount", flat=True)) == ["300.00", "350.00"]


def test_the_chain_shows_on_the_household_page_with_duplicates_flagged(
    client: Any, users: dict[str, Any], households: dict[str, Any]
) -> None:
    _import(users["county"], "housing_dilapidated_renovation", csv_bytes([
        ["id_number", "project_no", "renovation_type", "approved_on", "completed_on", "subsidy_amount"],
        [HEAD_INSIDE, "WG2025-001", "rebuild", "2025-04-01", "2025-09-30", "30000"],
    ]))
    _import(users["county"], "emergency_disaster_victims", csv_bytes([
        ["id_number", "event_date", "disaster_type", "house_damage", "relief_amount"],
        [HEAD_INSIDE, "2025-06-20", "flood", "collapsed", "20000"],
    ]))
    _import(users["county"], "housing_rent_subsidy", csv_bytes([
        ["id_number", "month", "amount"], [HEAD_INSIDE, "2026-02-01", "300"],
    ]))
    _import(users["county"], "health_deaths", csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2026-01-10"]]))
    chain = household_chain(households["inside"])
    programmes = [e["programme"] for e in chain["entries"]]
    assert programmes == ["dilapidated_house_renovation", "disaster_relief", "rent_subsidy"]
    assert chain["duplicates"] == 2
    assert "after_death" in chain["entries"][2]["flags"]
    assert household_chain(households["outside"])["entries"] == []
    client.login(username="township", password="Test@Pass1-26")
    page = client.get(f"/households/{households['inside'].pk}/").content.decode()
    assert 'id="assistance-chain"' in page, page[-3000:]
    assert "农村危房改造" in page and "30,000.00" in page
    # The other county's caseworker does not see the household at all.
    client.login(username="county_b", password="Test@Pass1-26")
    assert client.get(f"/households/{households['inside'].pk}/").status_code == 404

