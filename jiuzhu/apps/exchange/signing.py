"""Signed machine-to-machine requests between the platform and departments (RELIABILITY A7, K6).

One scheme for both directions: a department's system pushing a file to
``POST /api/exchange/<source>/`` (inbound), and the outbox delivering a message to a
department's receiver (outbound).  docs/exchange.md has a client example; ADR 0006 the
reasons.

Headers::

    X-Jiuzhu-Key-Id:    who signs (inbound: the department's machine account, a username;
                        outbound: ``JIUZHU_PUSH_KEY_ID``, default "jiuzhu")
    X-Jiuzhu-Timestamp: Unix time in whole seconds (UTC)
    X-Jiuzhu-Nonce:     16–64 characters [A-Za-z0-9_-], never reused
    X-Jiuzhu-Signature: hex HMAC-SM3(secret, canonical string)

The canonical string is seven lines joined by ``\\n``::

    JIUZHU-HMAC-SM3-V1
    POST
    /api/exchange/health_deaths/?filename=d.csv     (path and query exactly as sent)
    1764374400
    3f1c0d8e9a7b4c2d
    <hex SM3 of the request body; of b"" when empty>
    <key id>

The secret is per department (both directions use the department's secret): from
``JIUZHU_PUSH_SECRETS = {department: "<64 hex>"}`` when configured (issued by the key
service, rotated there), else derived from the key ring's index key as
HMAC-SM3(index_key, "exchange.push_secret" 0x00 department) — the demo and test setting.
Clock skew above ``JIUZHU_SIGNATURE_SKEW_SECONDS`` (default 300) and a nonce seen before are
refused like a bad signature: 401, audited.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets as _secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.keys import keyring
from jiuzhu.pii.crypto import blind_index

from .models import IdempotencyRecord, PushNonce

SCHEME = "JIUZHU-HMAC-SM3-V1"
H_KEY_ID = "X-Jiuzhu-Key-Id"
H_TIMESTAMP = "X-Jiuzhu-Timestamp"
H_NONCE = "X-Jiuzhu-Nonce"
H_SIGNATURE = "X-Jiuzhu-Signature"
NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")
DEFAULT_SKEW_SECONDS = 300


class SignatureError(RefusedError):
    """A signed request that must be refused; ``code`` names the reason (for the audit log)."""

    def __str__(self) -> str:
        return self.code


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


class BodyHasher:
    """Incremental SM3 of a body read in chunks."""

    def __init__(self) -> None:
        self._h = hashes.Hash(hashes.SM3())

    def update(self, chunk: bytes) -> None:
        self._h.update(chunk)

    def hexdigest(self) -> str:
        return self._h.finalize().hex()


def canonical(method: str, path: str, timestamp: str, nonce: str, body_sm3: str, key_id: str) -> bytes:
    return "\n".join((SCHEME, method.upper(), path, timestamp, nonce, body_sm3, key_id)).encode("utf-8")


def sign(secret: bytes, method: str, path: str, timestamp: str, nonce: str, body_sm3: str, key_id: str) -> str:
    mac = crypto_hmac.HMAC(secret, hashes.SM3())
    mac.update(canonical(method, path, timestamp, nonce, body_sm3, key_id))
    return mac.finalize().hex()


def skew_seconds() -> int:
    return int(getattr(settings, "JIUZHU_SIGNATURE_SKEW_SECONDS", DEFAULT_SKEW_SECONDS))


def department_secret(department: str) -> bytes:
    """The shared secret of *department* (see the module docstring)."""
    configured: Mapping[str, str] = getattr(settings, "JIUZHU_PUSH_SECRETS", None) or {}
    if department in configured:
        return bytes.fromhex(configured[department])

    return bytes.fromhex(blind_index(keyring(), department, purpose="exchange.push_secret"))


def signed_headers(secret: bytes, method: str, path: str, body: bytes, key_id: str,
                   now: float | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four signature headers for one request (used by the outbox and by clients)."""
    ts = str(int(time.time() if now is None else now))
    nonce = nonce or _secrets.token_hex(16)
    return {
        H_KEY_ID: key_id, H_TIMESTAMP: ts, H_NONCE: nonce,
        H_SIGNATURE: sign(secret, method, path, ts, nonce, sm3_hex(body), key_id),
    }


@dataclass(frozen=True)
class SignedParts:
    key_id: str
    timestamp: int
    nonce: str
    signature: str


def parse_headers(headers: Mapping[str, Any], now: float) -> SignedParts:
    """Check presence, syntax and clock skew of the signature headers (before any lookup)."""
    key_id = str(headers.get(H_KEY_ID) or "")
    ts_raw = str(headers.get(H_TIMESTAMP) or "")
    nonce = str(headers.get(H_NONCE) or "")
    signature = str(headers.get(H_SIGNATURE) or "").lower()
    if not (key_id and ts_raw and nonce and signature) or len(key_id) > 150:
        raise SignatureError("signature_incomplete", "签名请求头不完整", "Signature headers are incomplete")
    if not ts_raw.isdigit() or len(ts_raw) > 12:
        raise SignatureError("bad_timestamp", "时间戳格式错误", "Malformed timestamp")
    if not NONCE_RE.fullmatch(nonce):
        raise SignatureError("bad_nonce", "随机数格式错误", "Malformed nonce")
    if not SIGNATURE_RE.fullmatch(signature):
        raise SignatureError("bad_signature", "签名无效", "Invalid signature")
    ts = int(ts_raw)
    if abs(now - ts) > skew_seconds():
        raise SignatureError("clock_skew", "请求时间与服务器时间相差超过允许范围",
                             "The request time is too far from the server's clock")
    return SignedParts(key_id, ts, nonce, signature)


def check_signature(secret: bytes, parts: SignedParts, method: str, path: str, body_sm3: str) -> None:
    expected = sign(secret, method, path, str(parts.timestamp), parts.nonce, body_sm3, parts.key_id)
    if not hmac.compare_digest(expected, parts.signature):
        raise SignatureError("bad_signature", "签名无效", "Invalid signature")


def remember_nonce(parts: SignedParts, now: float) -> None:
    """Store the nonce until it can no longer be accepted; a nonce seen before → SignatureError."""

    expires = dt.datetime.fromtimestamp(max(now, parts.timestamp) + skew_seconds(), tz=dt.UTC)
    try:
        with transaction.atomic():
            PushNonce.objects.create(key_id=parts.key_id, nonce=parts.nonce, expires_at=expires)
    except IntegrityError:
        raise SignatureError("nonce_reused", "随机数已被使用（疑似重放）", "Nonce already used (replay)") from None


def sweep_expired(now: dt.datetime | None = None) -> int:
    """Delete nonces and idempotency records past their expiry; returns how many."""

    now = now or timezone.now()
    n = PushNonce.objects.filter(expires_at__lt=now).delete()[0]
    n += IdempotencyRecord.objects.filter(expires_at__lt=now).delete()[0]
    return n
