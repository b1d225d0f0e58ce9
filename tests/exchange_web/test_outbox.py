"""Outbox delivery (RELIABILITY K6): retries with back-off, acknowledgements, exactly-once at the receiver.

The receiver here is a fake department system driven by a simulated clock: it verifies the
signature headers like a real receiver must, deduplicates on the idempotency key, and can be
"down" for a period or lose its answer after processing a message.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange import outbox, services, signing
from jiuzhu.apps.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
URL = "https://receiver.example/jiuzhu/inbox?v=1"


@pytest.fixture(autouse=True)
def _endpoints(settings: Any) -> None:
    settings.JIUZHU_PUSH_ENDPOINTS = {"medical_insurance": URL, "health": URL}
    settings.JIUZHU_OUTBOX = {"max_attempts": 12, "base_seconds": 30, "cap_seconds": 3600,
                              "ack_wait_seconds": 86400, "lease_seconds": 300}


class Receiver:
    """A department's receiving system: verifies signatures, deduplicates on the key."""

    def __init__(self, clock: list[dt.datetime], down_until: dt.datetime | None = None,
                 lose_answers: int = 0, ack: bool = True) -> None:
        self.clock = clock
        self.down_until = down_until
        self.lose_answers = lose_answers
        self.ack = ack
        self.processed: dict[str, int] = {}  # key -> times processed (must stay 1)
        self.requests: list[str] = []  # every key that reached the receiver
        self.seen_nonces: set[str] = set()

    def __call__(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        now = self.clock[0]
        if self.down_until is not None and now < self.down_until:
            raise ConnectionRefusedError("receiver down")
        parts = signing.parse_headers(headers, now.timestamp())
        assert parts.nonce not in self.seen_nonces
        self.seen_nonces.add(parts.nonce)
        message = json.loads(body)
        signing.check_signature(signing.department_secret(message["department"]), parts, "POST",
                                "/jiuzhu/inbox?v=1", signing.sm3_hex(body))
        assert headers["Idempotency-Key"] == message["key"]
        self.requests.append(message["key"])
        if message["key"] not in self.processed:  # deduplicate: process each key once
            self.processed[message["key"]] = 1
        if self.lose_answers:
            self.lose_answers -= 1
            raise TimeoutError("answer lost")
        return 200, json.dumps({"ack": message["key"]} if self.ack else {"ok": True}).encode()


def _enqueue(n: int, department: str = "medical_insurance") -> list[OutboxMessage]:
    return [outbox.enqueue(department, "warning", {"n": i, "person": "360124********0011"}, f"warn-{department}-{i}")
            for i in range(n)]


def _run(receiver: Receiver, clock: list[dt.datetime], until: dt.datetime, step: dt.timedelta) -> None:
    while clock[0] <= until:
        outbox.deliver_due(now=clock[0], transport=receiver)
        clock[0] += step


def test_backoff_is_exponential_capped_and_deterministic() -> None:
    cfg = outbox.config()
    waits = [outbox.backoff_seconds(n, cfg) for n in range(1, 10)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_receiver_down_for_an_hour_loses_nothing_and_receives_each_message_once() -> None:
    messages = _enqueue(5)
    clock = [T0]
    receiver = Receiver(clock, down_until=T0 + dt.timedelta(hours=1))
    _run(receiver, clock, T0 + dt.timedelta(hours=3), dt.timedelta(seconds=60))
    rows = list(OutboxMessage.objects.order_by("id"))
    assert [m.state for m in rows] == ["acked"] * 5
    assert receiver.processed == {m.key: 1 for m in messages}
    assert sorted(receiver.requests) == sorted(m.key for m in messages)  # nothing sent twice
    # With a worker pass every minute: attempts at 0, 1, 2, 4, 8, 16, 32 min failed; the one at
    # 64 min (due 32 min after the 7th) found the receiver back.
    assert {m.attempts for m in rows} == {8}
    assert {m.acked_at for m in rows} == {T0 + dt.timedelta(minutes=64)}
    assert AuditEvent.objects.filter(event="exchange.outbox_acked").count() == 5


def test_a_lost_answer_is_retried_and_the_receiver_deduplicates() -> None:
    [message] = _enqueue(1)
    clock = [T0]
    receiver = Receiver(clock, lose_answers=1)
    first = outbox.deliver_due(now=T0, transport=receiver)
    assert first["failed"] == 1
    m = OutboxMessage.objects.get()
    assert m.state == "pending" and m.next_attempt_at == T0 + dt.timedelta(seconds=30)
    assert outbox.deliver_due(now=T0 + dt.timedelta(seconds=29), transport=receiver)["claimed"] == 0
    assert outbox.deliver_due(now=T0 + dt.timedelta(seconds=30), transport=receiver)["acked"] == 1
    assert receiver.requests == [message.key, message.key]  # delivered twice …
    assert receiver.processed == {message.key: 1}  # … processed once
    assert OutboxMessage.objects.get().state == "acked"


def test_gives_up_after_max_attempts_and_an_operator_retries(settings: Any, client: Any, users: dict[str, Any]) -> None:
    settings.JIUZHU_OUTBOX = {**settings.JIUZHU_OUTBOX, "max_attempts": 3}
    _enqueue(1)
    clock = [T0]
    receiver = Receiver(clock, down_until=T0 + dt.timedelta(days=30))
    _run(receiver, clock, T0 + dt.timedelta(hours=2), dt.timedelta(seconds=60))
    m = OutboxMessage.objects.get()
    assert m.state == "dead" and m.attempts == 3 and "ConnectionRefusedError" in m.last_error
    assert AuditEvent.objects.filter(event="exchange.outbox_dead", object_id=str(m.pk)).exists()
    # Nothing more is attempted for a dead message.
    assert outbox.deliver_due(now=clock[0] + dt.timedelta(days=1), transport=receiver)["claimed"] == 0

    client.force_login(users["county"])
    page = client.get("/exchange/outbox/").content.decode()
    assert m.key in page and "ConnectionRefusedError" in page
    r = client.post(f"/exchange/outbox/{m.pk}/retry/")
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.state == "pending" and m.attempts == 0
    assert AuditEvent.objects.filter(event="exchange.outbox_retry", actor=users["county"]).exists()
    # Retrying a message that is not dead is refused with a message, not an error page.
    r = client.post(f"/exchange/outbox/{m.pk}/retry/", follow=True)
    assert r.status_code == 200 and OutboxMessage.objects.get().attempts == 0
    from django.utils import timezone

    clock[0] = timezone.now()  # the retry made it due now
    assert outbox.deliver_due(now=clock[0], transport=Receiver(clock))["acked"] == 1


def test_outbox_page_is_for_province_level_and_county_users(client: Any, users: dict[str, Any]) -> None:
    _enqueue(2)
    for name, status in (("province", 200), ("auditor", 200), ("county", 200), ("city", 404),
                         ("department", 404), ("township", 403)):
        client.force_login(users[name])
        assert client.get("/exchange/outbox/").status_code == status, name
    m = OutboxMessage.objects.first()
    OutboxMessage.objects.filter(pk=m.pk).update(state="dead")
    retry = f"/exchange/outbox/{m.pk}/retry/"
    client.force_login(users["county"])
    assert retry in client.get("/exchange/outbox/").content.decode()
    client.force_login(users["auditor"])
    assert retry not in client.get("/exchange/outbox/").content.decode()
    assert client.post(f"/exchange/outbox/{m.pk}/retry/").status_code == 404  # auditors read, never retry


def test_delivered_without_ack_then_acknowledged_asynchronously(client: Any, users: dict[str, Any]) -> None:
    [mine] = _enqueue(1)
    [theirs] = _enqueue(1, department="health")
    clock = [T0]
    receiver = Receiver(clock, ack=False)
    stats = outbox.deliver_due(now=T0, transport=receiver)
    assert stats["delivered"] == 2
    mine.refresh_from_db()
    assert mine.state == "delivered" and mine.next_attempt_at == T0 + dt.timedelta(days=1)

    token = Token.objects.create(user=users["department"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    r = client.post("/api/exchange/outbox/ack/", json.dumps({"keys": [mine.key, theirs.key, "nope"]}),
                    content_type="application/json", **auth)
    assert r.status_code == 200, r.content
    assert r.json() == {"acked": [mine.key], "unknown": [theirs.key, "nope"]}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == "acked" and theirs.state == "delivered"
    assert AuditEvent.objects.filter(event="exchange.outbox_ack", actor=users["department"]).exists()
    # Caseworkers cannot acknowledge; bad bodies are 400.
    client.force_login(users["county"])
    assert client.post("/api/exchange/outbox/ack/", json.dumps({"keys": [theirs.key]}),
                       content_type="application/json").status_code == 403
    assert client.post("/api/exchange/outbox/ack/", json.dumps({"keys": []}), content_type="application/json",
                       **auth).status_code == 400
    assert client.post("/api/exchange/outbox/ack/", json.dumps({"keys": "x" * 200}),
                       content_type="application/json", **auth).status_code == 400
    # The unacknowledged one is sent again once the acknowledgement is overdue, and deduplicated.
    clock[0] = T0 + dt.timedelta(days=1)
    assert outbox.deliver_due(now=clock[0], transport=receiver)["claimed"] == 1
    assert receiver.requests.count(theirs.key) == 2 and receiver.processed[theirs.key] == 1


def test_a_crashed_worker_leaves_its_claim_to_expire() -> None:
    _enqueue(1)
    cfg = outbox.config()
    claimed = outbox._claim(T0, cfg)  # a worker claims and dies before sending
    assert len(claimed) == 1 and OutboxMessage.objects.get().attempts == 1
    assert outbox._claim(T0 + dt.timedelta(seconds=299), cfg) == []
    clock = [T0 + dt.timedelta(seconds=300)]
    receiver = Receiver(clock)
    assert outbox.deliver_due(now=clock[0], transport=receiver)["acked"] == 1
    assert list(receiver.processed) == ["warn-medical_insurance-0"]


def test_no_endpoint_is_a_failed_attempt_with_a_clear_error(settings: Any) -> None:
    settings.JIUZHU_PUSH_ENDPOINTS = {}
    _enqueue(1)
    assert outbox.deliver_due(now=T0, transport=Receiver([T0]))["failed"] == 1
    m = OutboxMessage.objects.get()
    assert m.state == "pending" and "no endpoint" in m.last_error


def test_enqueue_is_idempotent_and_rolls_back_with_its_transaction() -> None:
    from django.db import transaction

    a = outbox.enqueue("health", "t", {"a": 1}, "k1")
    b = outbox.enqueue("health", "t", {"a": 2}, "k1")
    assert a.pk == b.pk and OutboxMessage.objects.get().payload == {"a": 1}
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("health", "t", {}, "k2")
        raise RuntimeError
    assert not OutboxMessage.objects.filter(key="k2").exists()


def test_services_refuse_non_department_acks(users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.outbox_ack(users["county"], ["x"])


class _Handler(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers.items()), body))
        answer = json.dumps({"ack": json.loads(body)["key"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_command_delivers_over_http_with_verifiable_signatures(settings: Any, capsys: Any) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings.JIUZHU_PUSH_ENDPOINTS = {"medical_insurance": f"http://127.0.0.1:{server.server_port}/inbox"}
        [m] = _enqueue(1)
        call_command("outbox_deliver")
        assert json.loads(capsys.readouterr().out.strip())["acked"] == 1
    finally:
        server.shutdown()
        server.server_close()
    path, headers, body = _Handler.received[-1]
    assert path == "/inbox" and headers["Idempotency-Key"] == m.key
    assert json.loads(body)["payload"] == {"n": 0, "person": "360124********0011"}
    import time

    parts = signing.parse_headers(headers, time.time())
    signing.check_signature(signing.department_secret("medical_insurance"), parts, "POST", "/inbox",
                            signing.sm3_hex(body))
    with pytest.raises(signing.SignatureError):
        signing.check_signature(signing.department_secret("health"), parts, "POST", "/inbox", signing.sm3_hex(body))
    assert OutboxMessage.objects.get().state == "acked"


def test_keys_that_are_not_ascii_still_fit_the_header() -> None:
    from urllib.parse import unquote

    assert outbox.header_key("warning.abc-1:2") == "warning.abc-1:2"
    key = "assistance:auto:health:360124:2026-11-01:赣民救〔2026〕1号 50%"
    header = outbox.header_key(key)
    assert header.isascii() and " " not in header and unquote(header) == key
    outbox.enqueue("health", "t", {}, key)
    seen: list[dict[str, str]] = []

    def transport(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
        for v in headers.values():
            v.encode("latin-1")  # what http.client requires of header values
        seen.append(headers)
        return 200, json.dumps({"ack": json.loads(body)["key"]}).encode()

    assert outbox.deliver_due(now=T0, transport=transport)["acked"] == 1
    assert unquote(seen[0]["Idempotency-Key"]) == key
