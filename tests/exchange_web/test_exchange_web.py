"""Upload page, API and batch pages: one pipeline, scoped views, idempotent API."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from rest_framework.authtoken.models import Token

from jiuzhu.apps.exchange.models import DepartmentRecord, ImportBatch

from .conftest import HEAD_INSIDE, csv_bytes

pytestmark = pytest.mark.django_db
PASSWORD = "Test@Pass1-26"


def _settlements(province: Path) -> bytes:
    return (province / "dept_medical_settlements.parquet").read_bytes()


def test_department_user_uploads_its_own_feed_in_the_ui(client: Any, users: dict[str, Any], province: Path) -> None:
    client.login(username="department", password=PASSWORD)
    page = client.get("/exchange/upload/").content.decode()
    assert "medical_insurance_settlements" in page and "health_deaths" not in page
    f = SimpleUploadedFile("../../结算.parquet", _settlements(province))
    r = client.post("/exchange/upload/", {"source": "medical_insurance_settlements", "file": f})
    assert r.status_code == 302 and ImportBatch.objects.count() == 0  # a preview first
    r = client.post(r["Location"], {"action": "confirm"})
    assert r.status_code == 302
    b = ImportBatch.objects.get()
    assert b.state == "committed" and b.filename == "结算.parquet" and b.uploaded_by == users["department"]
    f = SimpleUploadedFile("again.parquet", _settlements(province))
    r = client.post("/exchange/upload/", {"source": "medical_insurance_settlements", "file": f})
    r = client.post(r["Location"], {"action": "confirm"})
    assert r.status_code == 302 and r["Location"].endswith("?duplicate=1")
    assert ImportBatch.objects.count() == 1
    assert client.get(r["Location"]).status_code == 200


def test_department_user_cannot_upload_or_see_another_departments_data(client: Any, users: dict[str, Any]) -> None:
    data = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    client.login(username="department", password=PASSWORD)
    # Not offered on the form, refused if forced (form validation), refused by the service via the API.
    r = client.post("/exchange/upload/", {"source": "health_deaths", "file": SimpleUploadedFile("d.csv", data)})
    assert r.status_code == 400
    token = Token.objects.create(user=users["department"])
    r = client.post("/api/exchange/health_deaths/?filename=d.csv", data, content_type="text/csv",
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    assert r.status_code == 403
    assert ImportBatch.objects.count() == 0
    # A health batch uploaded by a county caseworker: invisible to the medical-insurance department user.
    client.login(username="county", password=PASSWORD)
    r = client.post("/exchange/upload/", {"source": "health_deaths", "file": SimpleUploadedFile("d.csv", data)})
    client.post(r["Location"], {"action": "confirm"})
    b = ImportBatch.objects.get()
    client.login(username="department", password=PASSWORD)
    assert client.get(f"/exchange/batches/{b.pk}/").status_code == 404
    assert client.get(f"/exchange/batches/{b.pk}/report/").status_code == 404
    assert "死亡登记" not in client.get("/exchange/batches/").content.decode()
    client.login(username="county", password=PASSWORD)
    assert "死亡登记" in client.get("/exchange/batches/").content.decode()


def test_api_raw_body_and_multipart_give_one_batch(client: Any, users: dict[str, Any], province: Path) -> None:
    token = Token.objects.create(user=users["department"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = "/api/exchange/medical_insurance_settlements/"
    r = client.post(url + "?filename=s.parquet", _settlements(province), content_type="application/octet-stream",
                    **auth)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "committed" and body["valid"] == body["rows"] > 0 and body["new"] == body["rows"]
    r2 = client.post(url, {"file": SimpleUploadedFile("s.parquet", _settlements(province))}, **auth)
    assert r2.status_code == 200 and r2.json()["id"] == body["id"]
    assert ImportBatch.objects.count() == 1
    assert DepartmentRecord.objects.count() == body["rows"]


def test_api_refuses_empty_and_oversized_bodies_and_unknown_sources(client: Any, users: dict[str, Any]) -> None:
    token = Token.objects.create(user=users["county"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.post("/api/exchange/health_deaths/", b"", content_type="text/csv", **auth).status_code == 400
    with mock.patch("jiuzhu.apps.exchange.api.UI_LIMITS") as limits:
        limits.max_bytes = 10
        r = client.post("/api/exchange/health_deaths/", b"x" * 11, content_type="text/csv", **auth)
    assert r.status_code == 413
    assert client.post("/api/exchange/nope/", b"a", content_type="text/csv", **auth).status_code == 404
    assert client.post("/api/exchange/health_deaths/", b"a", content_type="text/csv").status_code == 401
    assert ImportBatch.objects.count() == 0


def test_a_database_error_during_commit_marks_the_batch_failed_and_a_retry_commits(users: dict[str, Any], households: dict[str, Any]) -> None:
    """K4: rollback, FAILED, retryable by importing the same file again."""
    import io

    from jiuzhu.apps.exchange import services

    data = csv_bytes([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    with mock.patch.object(services, "_store", side_effect=OperationalError("connection lost")):
        b = services.batch_import(users["county"], "health_deaths", io.BytesIO(data), "d.csv", "ui").batch
    assert b.state == "failed" and DepartmentRecord.objects.count() == 0
    again = services.batch_import(users["county"], "health_deaths", io.BytesIO(data), "d.csv", "ui").batch
    assert again.pk == b.pk and again.state == "committed" and DepartmentRecord.objects.count() == 1


def test_chain_via_api_and_export_is_scoped_and_has_no_identifiers(client, users, households) -> None:  # type: ignore[no-untyped-def]
    from jiuzhu.apps.exchange.models import AssistanceRecord

    h = households["inside"]
    member = h.members.first()
    AssistanceRecord.objects.create(
        person_index=member.id_number_index, member=member, household=h, programme="education_assistance",
        department="education", source="education_students", fact_key="t1", start_date="2026-03-01",
        in_kind="助学金",
    )
    client.force_login(users["county"])
    body = client.get(f"/api/households/{h.pk}/chain/").json()
    assert body["household"] == h.code and body["entries"][0]["programme"] == "education_assistance"
    assert member.id_number_index not in str(body)
    csv_text = client.get(f"/households/{h.pk}/chain.csv").content.decode("utf-8")
    assert "education_assistance" in csv_text and member.id_number_index not in csv_text
    assert client.get(f"/api/households/{households['outside'].pk}/chain/").status_code == 404
    assert client.get(f"/households/{households['outside'].pk}/chain.csv").status_code == 404
