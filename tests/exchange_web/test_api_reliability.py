"""RELIABILITY A1–A8 against the exchange and registry APIs.

Where an entry is already tested elsewhere it is referenced, not repeated:

==== ============================================================ ===========================================
#    Test(s)                                                      What
==== ============================================================ ===========================================
A1   tests/web/test_api.py::test_bad_bodies_are_400_and_save_nothing  region_code, is_superuser on households
     test_a1_mass_assignment_is_refused (here)                    status/region/is_superuser, PATCH too
A2   tests/web/test_determination.py::test_api_determine           a float amount → 400
     tests/exchange/test_exchange_validate.py (float money)       a JSON-lines float → row error
     test_a2_money_as_a_json_float_is_refused (here)              0.1 → 400, "0.1" → 200
A3   tests/web/test_api.py::test_hostile_json_is_400_not_500       10,000-deep JSON
     test_a3_* (here)                                             100 MB bodies (exchange, registry)
A4   tests/web/test_api.py::test_page_size_is_clamped              page_size=10^9
     test_a4_paging_and_sorting_parameters (here)                 negative/huge page, offset, sort field
A5   tests/web/test_api.py::test_search_by_exact_id_only           partial number → 400
     test_a5_* (here)                                             wildcards; audit masked; 429 (sharing)
A6   test_a6_* (here)                                             Idempotency-Key replay / conflict
A7   test_a7_* (here)                                             bad signature, skew, reused nonce → 401
A8   test_a8_schema_fuzzing (here)                                schemathesis over every operation
==== ============================================================ ===========================================
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from rest_framework.authtoken.models import Token

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange import signing
from jiuzhu.apps.exchange.models import IdempotencyRecord, ImportBatch, PushNonce
from jiuzhu.apps.registry.models import Household

from .conftest import HEAD_INSIDE, csv_bytes

# Listing people by API states a configured purpose (issue 12 item 6, ADR 0025).
PURPOSE = {"purpose": "case_handling"}

pytestmark = pytest.mark.django_db
SETTLEMENTS = "/api/exchange/medical_insurance_settlements/"
HEAD = {"id_number": "360124199001010032", "name": "王芳", "work_capacity": "full", "employment": "farming"}


def _settlements(province: Path) -> bytes:
    return (province / "dept_medical_settlements.parquet").read_bytes()


def _deaths(*ids: str) -> bytes:
    return csv_bytes([["id_number", "death_date"], *[[i, "2025-03-07"] for i in ids]])


def _signed(client: Any, path: str, body: bytes, *, key_id: str = "department",
            department: str = "medical_insurance", ts: float | None = None, nonce: str | None = None,
            sign_path: str | None = None, sign_body: bytes | None = None, content_type: str = "application/octet-stream",
            **extra: Any) -> Any:
    headers = signing.signed_headers(signing.department_secret(department), "POST", sign_path or path,
                                     body if sign_body is None else sign_body, key_id, now=ts, nonce=nonce)
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    return client.post(path, body, content_type=content_type, **meta, **extra)


def _rejections(reason: str) -> int:
    return AuditEvent.objects.filter(event="exchange.signature_rejected", outcome="denied",
                                     detail__reason=reason).count()


# --------------------------------------------------------------------------- A7 signatures


def test_a7_a_signed_push_is_accepted_and_attributed(client: Any, users: dict[str, Any], province: Path) -> None:
    path = SETTLEMENTS + "?filename=s.parquet"
    r = _signed(client, path, _settlements(province))
    assert r.status_code == 201, r.content
    batch = ImportBatch.objects.get()
    assert batch.uploaded_by == users["department"] and batch.channel == "api" and batch.file_format == "parquet"
    assert PushNonce.objects.filter(key_id="department").count() == 1


@pytest.mark.parametrize("case", ["tampered_body", "other_secret", "other_path", "garbage"])
def test_a7_a_bad_signature_is_401_and_audited(client: Any, users: dict[str, Any], case: str) -> None:
    body = b"id_number,amount\n"
    kwargs: dict[str, Any] = {
        "tampered_body": {"sign_body": body + b"x"},
        "other_secret": {"department": "health"},
        "other_path": {"sign_path": "/api/exchange/health_deaths/"},
        "garbage": {},
    }[case]
    if case == "garbage":
        r = client.post(SETTLEMENTS, body, content_type="text/csv", HTTP_X_JIUZHU_KEY_ID="department",
                        HTTP_X_JIUZHU_TIMESTAMP=str(int(time.time())), HTTP_X_JIUZHU_NONCE="n" * 20,
                        HTTP_X_JIUZHU_SIGNATURE="0" * 64)
    else:
        r = _signed(client, SETTLEMENTS, body, **kwargs)
    assert r.status_code == 401 and r.json()["code"] == "bad_signature"
    assert r["WWW-Authenticate"].startswith("Jiuzhu-HMAC-SM3")
    assert _rejections("bad_signature") == 1 and not ImportBatch.objects.exists()


def test_a7_clock_skew_over_five_minutes_is_refused(client: Any, users: dict[str, Any]) -> None:
    body = _deaths(HEAD_INSIDE)
    for offset in (-301, 301, -10**6):
        r = _signed(client, SETTLEMENTS, body, ts=time.time() + offset)
        assert r.status_code == 401 and r.json()["code"] == "clock_skew", offset
    assert _rejections("clock_skew") == 3
    # Inside the window the signature is checked normally (here: a file for the wrong feed → 422).
    assert _signed(client, SETTLEMENTS, body, ts=time.time() - 240).status_code == 422


def test_a7_a_reused_nonce_is_refused_even_with_a_valid_signature(client: Any, users: dict[str, Any]) -> None:
    body = _deaths(HEAD_INSIDE)
    assert _signed(client, SETTLEMENTS, body, nonce="replay-nonce-0001").status_code == 422
    r = _signed(client, SETTLEMENTS, body, nonce="replay-nonce-0001")
    assert r.status_code == 401 and r.json()["code"] == "nonce_reused"
    assert _rejections("nonce_reused") == 1 and ImportBatch.objects.count() == 1
    # Nonces are kept only as long as their timestamp could be accepted.
    assert signing.sweep_expired() == 0
    from django.utils import timezone
    assert signing.sweep_expired(timezone.now() + timezone.timedelta(seconds=signing.skew_seconds() + 2)) == 1


def test_a7_only_active_department_accounts_may_sign(client: Any, users: dict[str, Any]) -> None:
    body = _deaths(HEAD_INSIDE)
    # An existing key id with a wrong signature (another department's secret) …
    wrong = _signed(client, SETTLEMENTS, body, department="housing")
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_signature"
    for key_id in ("county", "nobody", "province"):
        r = _signed(client, SETTLEMENTS, body, key_id=key_id)
        # … answers exactly like an unknown one: the API does not tell which key ids exist
        # (issue 12 item 9); the audit log keeps the real reason.
        assert r.status_code == 401 and r.content == wrong.content, key_id
    users["department"].is_active = False
    users["department"].save()
    assert _signed(client, SETTLEMENTS, body).status_code == 401
    assert _rejections("unknown_key") == 4
    r = client.post(SETTLEMENTS, body, content_type="text/csv", HTTP_X_JIUZHU_SIGNATURE="0" * 64)
    assert r.status_code == 401 and r.json()["code"] == "signature_incomplete"


def test_a7_signed_requests_send_the_file_as_the_body(client: Any, users: dict[str, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import BOUNDARY, encode_multipart

    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("s.csv", b"a,b\n")})
    r = _signed(client, SETTLEMENTS, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert r.status_code == 400 and r.json()["code"] == "signed_multipart"


def test_a7_signed_acknowledgements(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.exchange.outbox import enqueue

    m = enqueue("medical_insurance", "warning", {}, "ack-me")
    body = json.dumps({"keys": ["ack-me"]}).encode()
    r = _signed(client, "/api/exchange/outbox/ack/", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["acked"] == ["ack-me"]
    m.refresh_from_db()
    assert m.state == "acked"


# --------------------------------------------------------------------------- A6 idempotency


def test_a6_same_key_same_body_returns_the_original_result(client: Any, users: dict[str, Any]) -> None:
    token = Token.objects.create(user=users["county"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_IDEMPOTENCY_KEY": "push-2026-11-001"}
    first = client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths(HEAD_INSIDE),
                        content_type="text/csv", **auth)
    assert first.status_code == 201, first.content
    again = client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths(HEAD_INSIDE),
                        content_type="text/csv", **auth)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["state"] == "committed" and ImportBatch.objects.count() == 1
    assert IdempotencyRecord.objects.get().batch_id == first.json()["id"]


def test_a6_same_key_different_body_is_409(client: Any, users: dict[str, Any]) -> None:
    token = Token.objects.create(user=users["county"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_IDEMPOTENCY_KEY": "push-2026-11-002"}
    assert client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths(HEAD_INSIDE), content_type="text/csv",
                       **auth).status_code == 201
    other = _deaths("360124198001010038")
    r = client.post("/api/exchange/health_deaths/?filename=d.csv", other, content_type="text/csv", **auth)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_conflict"
    # The same file to another feed under the same key is a different request too.
    r = client.post("/api/exchange/health_births/?filename=d.csv", _deaths(HEAD_INSIDE), content_type="text/csv", **auth)
    assert r.status_code == 409
    assert ImportBatch.objects.count() == 1
    assert AuditEvent.objects.filter(event="exchange.idempotency_conflict", outcome="denied").count() == 2
    # Without the key, or under another caller's scope, the other file is imported normally.
    del auth["HTTP_IDEMPOTENCY_KEY"]
    assert client.post("/api/exchange/health_deaths/?filename=d.csv", other, content_type="text/csv", **auth).status_code == 201


def test_a6_keys_are_per_caller_and_validated(client: Any, users: dict[str, Any]) -> None:
    a = Token.objects.create(user=users["county"])
    b = Token.objects.create(user=users["county_b"])
    key = {"HTTP_IDEMPOTENCY_KEY": "shared-key-1"}
    assert client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths(HEAD_INSIDE), content_type="text/csv",
                       HTTP_AUTHORIZATION=f"Token {a.key}", **key).status_code == 201
    other = _deaths("360730195607150023")
    assert client.post("/api/exchange/health_deaths/?filename=d.csv", other, content_type="text/csv",
                       HTTP_AUTHORIZATION=f"Token {b.key}", **key).status_code == 201
    for bad in ("has space", "x" * 129, "中文"):
        r = client.post("/api/exchange/health_deaths/?filename=d.csv", other, content_type="text/csv",
                        HTTP_AUTHORIZATION=f"Token {a.key}", HTTP_IDEMPOTENCY_KEY=bad)
        assert r.status_code == 400 and r.json()["code"] == "bad_idempotency_key", bad


def test_a6_a_refused_first_attempt_does_not_burn_the_key(client: Any, users: dict[str, Any]) -> None:
    token = Token.objects.create(user=users["department"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}", "HTTP_IDEMPOTENCY_KEY": "k-403"}
    assert client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths(HEAD_INSIDE), content_type="text/csv",
                       **auth).status_code == 403
    assert not IdempotencyRecord.objects.exists()


# --------------------------------------------------------------------------- A1, A2


@pytest.mark.parametrize("extra", [{"status": "active"}, {"region_code": "360000"}, {"is_superuser": True},
                                   {"county": "360730"}, {"id": 999}])
def test_a1_mass_assignment_is_refused(client: Any, users: dict[str, Any], households: dict[str, Any],
                                       extra: dict[str, Any]) -> None:
    client.force_login(users["township"])
    body = {"village": "360124100001", "area_type": "rural", "address": "x", "head": HEAD, **extra}
    r = client.post("/api/households/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and next(iter(extra)) in r.json(), r.content
    h = households["inside"]
    h.refresh_from_db()
    r = client.patch(f"/api/households/{h.pk}/", json.dumps({"version": h.version, **extra}),
                     content_type="application/json")
    assert r.status_code == 400, r.content
    assert Household.objects.count() == 3 and Household.objects.get(pk=h.pk).version == h.version


def test_a2_money_as_a_json_float_is_refused(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    body = {"household_id": "F1", "county_code": "360124", "area_type": "rural", "as_of": "2026-11-15",
            "members": [{"member_id": "A", "birth_date": "1980-03-01", "relation": "head", "work_capacity": "full"}]}
    floats = dict(body, income_items=[{"member_id": "A", "income_type": "wages", "amount": 0.1}])
    assert client.post("/api/determine/", json.dumps(floats), content_type="application/json").status_code == 400
    text = dict(body, income_items=[{"member_id": "A", "income_type": "wages", "amount": "0.10"}])
    assert client.post("/api/determine/", json.dumps(text), content_type="application/json").status_code == 200


# --------------------------------------------------------------------------- A3


class _Endless(io.RawIOBase):
    """A request body of *total* bytes generated on demand (never held in memory)."""

    def __init__(self, total: int, fill: bytes) -> None:
        self.left, self.fill, self.consumed = total, fill, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = min(len(b), self.left)
        b[:n] = (self.fill * (n // len(self.fill) + 1))[:n]
        self.left -= n
        self.consumed += n
        return n


def _huge(client: Any, path: str, content_type: str, fill: bytes, total: int = 100 << 20,
          **meta: str) -> tuple[Any, _Endless]:
    """POST a *total*-byte body through the whole Django stack (middleware, handler)."""
    body = _Endless(total, fill)
    environ = client._base_environ(REQUEST_METHOD="POST", PATH_INFO=path, CONTENT_TYPE=content_type,
                                   CONTENT_LENGTH=str(total), **{"wsgi.input": io.BufferedReader(body)}, **meta)
    return client.handler(environ), body


def test_a3_a_100_mb_upload_is_413_and_is_not_read_whole(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.engine.exchange import UI_LIMITS

    client.force_login(users["county"])
    r, body = _huge(client, "/api/exchange/health_deaths/", "text/csv", b"360124198001010011,2025-03-07\n")
    assert r.status_code == 413
    assert body.consumed <= UI_LIMITS.max_bytes + (1 << 17)  # refused while streaming
    assert not ImportBatch.objects.exists()


def test_a3_a_100_mb_signed_upload_is_413(client: Any, users: dict[str, Any]) -> None:
    headers = signing.signed_headers(signing.department_secret("medical_insurance"), "POST", SETTLEMENTS, b"",
                                     "department")
    r, body = _huge(client, SETTLEMENTS, "text/csv", b"x",
                    **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
    assert r.status_code == 413 and body.consumed < 100 << 20


def test_a3_a_100_mb_json_body_is_refused_not_500(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    for fill in (b"[", b" "):
        r, _ = _huge(client, "/api/households/", "application/json", fill)
        assert r.status_code in (400, 413), r.status_code
    assert not Household.objects.exists()


# --------------------------------------------------------------------------- A4


def test_a4_paging_and_sorting_parameters(client: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    client.force_login(users["province"])
    default = [h["id"] for h in client.get("/api/households/", PURPOSE).json()["results"]]
    assert len(default) == 3
    for params in ({"page_size": -5}, {"page_size": "abc"}, {"offset": -1}, {"limit": 10**9},
                   {"ordering": "id_number_enc"}, {"ordering": "-members__id_number_index"}, {"sort": "password"}):
        r = client.get("/api/households/", {**PURPOSE, **params})
        assert r.status_code in (200, 400), (params, r.status_code)
        if r.status_code == 200:  # clamped or ignored: the default page, in the default order
            assert [h["id"] for h in r.json()["results"]] == default, params
    r = client.get("/api/households/", {**PURPOSE, "page_size": 1, "page": 10**9})
    assert r.status_code in (400, 404)
    r = client.get("/api/households/", {**PURPOSE, "page": -1})
    assert r.status_code in (400, 404)
    r = client.get("/api/households/", {**PURPOSE, "page_size": 10**9})
    assert r.status_code == 200 and len(r.json()["results"]) == 3


# --------------------------------------------------------------------------- A5


@pytest.mark.parametrize("q", ["360124*", "3601241980%", "360124198001010_11", "%", "*", "360124198001010011*",
                               "36012419800101", "3601241980010100", "36012419800101001"])
def test_a5_partial_and_wildcard_id_searches_match_nothing(client: Any, users: dict[str, Any],
                                                           households: dict[str, Any], q: str) -> None:
    client.force_login(users["county"])
    # An ID (or a part of one) is searched in the body of a POST, never in a URL (issue 12 item 9).
    r = client.post("/api/households/search/", json.dumps({"q": q, **PURPOSE}), content_type="application/json")
    assert r.status_code == 400 or r.json()["count"] == 0, (q, r.content)
    r = client.get("/api/households/", {"q": q, **PURPOSE})
    assert r.status_code == 400 or r.json()["count"] == 0, (q, r.content)


def test_a5_id_search_is_exact_and_audited_masked(client: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    client.force_login(users["county"])
    r = client.post("/api/households/search/", json.dumps({"q": HEAD_INSIDE, **PURPOSE}),
                    content_type="application/json")
    assert [h["id"] for h in r.json()["results"]] == [households["inside"].pk]
    event = AuditEvent.objects.filter(event="registry.search").latest("id")
    assert event.detail["kind"] == "id_number" and HEAD_INSIDE not in json.dumps(event.detail)
    assert event.detail["query"] == HEAD_INSIDE[:6] + "********" + HEAD_INSIDE[-4:]


def test_a5_the_department_status_query_is_exact_rate_limited_and_audited(
        client: Any, settings: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    """The exact-ID query for departments (issue 4 §5) lives in the sharing app."""
    settings.JIUZHU_SHARING_QUERY_LIMITS = {"per_minute": 3, "per_day": 100}
    client.force_login(users["department"])
    url = "/api/sharing/query/"
    answers = [client.post(url, json.dumps({"id_number": q, "purpose": "核对医疗救助对象"}),
                           content_type="application/json") for q in ("360124*", "3601241980010100")]
    assert [a.status_code for a in answers] == [400, 400]
    assert client.post(url, json.dumps({"id_number": HEAD_INSIDE, "purpose": "核对医疗救助对象"}),
                       content_type="application/json").status_code == 200
    limited = client.post(url, json.dumps({"id_number": HEAD_INSIDE, "purpose": "核对医疗救助对象"}),
                          content_type="application/json")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    events = AuditEvent.objects.filter(event="sharing.query", actor=users["department"])
    assert events.count() == 4 and events.filter(detail__reason="rate_limited").count() == 1
    assert all(HEAD_INSIDE not in json.dumps(e.detail) for e in events)


# --------------------------------------------------------------------------- A8


def _load_schema() -> Any:
    """The platform's OpenAPI schema, generated in-process and served by the WSGI app itself."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from rest_framework.utils.encoders import JSONEncoder

    raw = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=JSONEncoder))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


SCHEMA = _load_schema()
# Examples per operation and role: small by default (the whole run stays under a minute);
# JIUZHU_FUZZ_EXAMPLES=200 for a deep run.
FUZZ_EXAMPLES = int(os.environ.get("JIUZHU_FUZZ_EXAMPLES", "6"))


def _public(case: Any) -> bool:
    security = case.operation.definition.raw.get("security", [])
    return {} in security


def _resolves(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.fixture
def _wsgi_keeps_the_test_connection() -> Any:
    """Calling the WSGI app directly sends request_started/finished, whose handler closes the
    database connection — on PostgreSQL that is the test's own transaction.  Django's test
    client disconnects the handler the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_a8_schema_fuzzing(case: Any, users: dict[str, Any], households: dict[str, Any],
                           _wsgi_keeps_the_test_connection: None) -> None:
    """Every operation with generated (valid and invalid) inputs: never a 5xx, and the same
    request without credentials (or with wrong ones) is refused (schemathesis ``ignored_auth``).

    ``status_code_conformance``/``response_schema_conformance`` are not asserted here: they
    judge how completely each app documents its 4xx answers (see docs/exchange.md)."""
    from schemathesis.checks import ignored_auth, not_a_server_error

    for role in ("county", "department"):  # a caseworker, and a department's machine account
        token = Token.objects.get_or_create(user=users[role])[0]
        case.call_and_validate(headers={"Authorization": f"Token {token.key}"},
                               checks=[not_a_server_error, ignored_auth])
    anonymous = case.call()
    assert anonymous.status_code < 500
    if not _public(case):
        # Refused before anything else; a path matching no URL pattern is simply not found.
        ok = anonymous.status_code == 401 or (anonymous.status_code == 404 and not _resolves(case.formatted_path))
        assert ok, (case.method, case.formatted_path, anonymous.status_code)


def test_a8_non_numeric_registry_ids_are_not_500(client: Any, users: dict[str, Any]) -> None:
    client.raise_request_exception = False
    client.force_login(users["county"])
    assert client.get("/api/households/abc/").status_code == 404  # found by the fuzzer: was a 500
    assert client.get("/api/members/1e3/chain/").status_code == 404


def test_a3_a_large_signed_body_to_the_ack_endpoint_is_413(client: Any, settings: Any, users: dict[str, Any]) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"keys": ["k" * 100] * 20}).encode()
    r = _signed(client, "/api/exchange/outbox/ack/", body, content_type="application/json")
    assert r.status_code == 413
