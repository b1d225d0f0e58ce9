"""Exchange API.

- ``POST /api/exchange/<source>/``: one department file → one batch (raw body or multipart
  ``file``).  Departments' machine clients may sign the request (``signing.py``, RELIABILITY
  A7); any caller may send an ``Idempotency-Key`` (A6).
- ``POST /api/exchange/outbox/ack/``: a department acknowledges pushes it received (K6).
- ``GET /api/households/<id>/chain/``, ``GET /api/members/<id>/chain/``: the assistance chain of a
  household or a person in your region.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import tempfile
import time
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    TokenAuthentication,
)
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.choices import Role
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.scoping import require
from jiuzhu.apps.jobs.answers import accepted
from jiuzhu.apps.jobs.services import JobRefused
from jiuzhu.apps.registry import selectors as registry
from jiuzhu.engine.exchange import UI_LIMITS, hash_file
from jiuzhu.rules.exchange.sources import SOURCES

from . import jobs, services, signing
from .models import IdempotencyRecord, ImportBatch
from .selectors import CHAIN_FIELDS, household_chain, person_chain

_READ = 1 << 16
IDEMPOTENCY_KEY_RE = re.compile(r"[\x21-\x7e]{1,128}")
DEFAULT_IDEMPOTENCY_SECONDS = 7 * 86400
ACK = "view_share"  # only department accounts hold it; acknowledging pushes is part of sharing


def batch_json(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.pk, "source": batch.source, "department": batch.department, "state": batch.state,
        "content_hash": batch.content_hash, "channel": batch.channel, "filename": batch.filename,
        "format": batch.file_format, "size": batch.size, "received_at": batch.received_at,
        "validated_at": batch.validated_at, "finished_at": batch.finished_at,
        "rows": batch.rows_total, "valid": batch.rows_valid, "rows_with_errors": batch.rows_error,
        "new": batch.rows_new, "updated": batch.rows_updated, "unchanged": batch.rows_unchanged,
        "errors_total": batch.errors_total, "errors": batch.errors_preview, "file_error": batch.file_error,
        "error_report": f"/exchange/batches/{batch.pk}/report/" if batch.error_report else None,
    }


class TooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__({"code": "too_large", "message_zh": f"文件超过 {limit >> 20} MB 上限",
                          "message_en": f"The file exceeds the {limit >> 20} MB limit"})


def _spool(request: Any, limit: int) -> tuple[IO[bytes], int, str]:
    """Read the raw body into a spooled temporary file; returns (file, size, SM3 hex)."""
    body = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - the caller closes it
    hasher = signing.BodyHasher()
    size = 0
    try:
        while chunk := request.read(_READ):
            size += len(chunk)
            if size > limit:
                raise TooLarge(limit)
            hasher.update(chunk)
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body, size, hasher.hexdigest()


class SignatureAuthentication(BaseAuthentication):
    """HMAC-SM3 signed requests from departments' machine accounts (see ``signing.py``).

    Only requests carrying ``X-Jiuzhu-Signature`` are handled here; the key id is the
    username of an active department account, the secret its department's.  A refused
    signature is a 401 and an audit event (``exchange.signature_rejected``).
    """

    def authenticate_header(self, request: Request) -> str:
        return 'Jiuzhu-HMAC-SM3 realm="api"'

    def authenticate(self, request: Request) -> tuple[User, str] | None:
        if signing.H_SIGNATURE not in request.headers:
            return None
        django_request = request._request
        now = time.time()
        key_id = str(request.headers.get(signing.H_KEY_ID, ""))[:150]
        known = True
        try:
            parts = signing.parse_headers(request.headers, now)
            user = User.objects.filter(username=parts.key_id, is_active=True).first()
            known = user is not None and user.role == Role.DEPARTMENT and bool(user.department)
            # An unknown key id is checked against a random secret: it fails exactly like a wrong
            # signature (same answer, same work), so the API does not tell which key ids exist.
            secret = signing.department_secret(user.department) if known else secrets.token_bytes(32)  # type: ignore[union-attr]
            body, size, digest = _spool(django_request, UI_LIMITS.max_bytes)
            try:
                signing.check_signature(secret, parts, request.method or "", django_request.get_full_path(), digest)
                signing.remember_nonce(parts, now)
            except BaseException:
                body.close()
                raise
        except signing.SignatureError as err:
            audit("exchange.signature_rejected", object_type="key_id", object_id=key_id, outcome="denied",
                  reason=err.code if known else "unknown_key", path=request.path[:200], method=request.method)
            raise exceptions.AuthenticationFailed(
                {"code": err.code, "message_zh": err.message_zh, "message_en": err.message_en}) from None
        django_request.jiuzhu_signed_body = body
        if size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:  # lets DRF's parsers read a small body again
            django_request._body = body.read()
            body.seek(0)
        elif not isinstance((request.parser_context or {}).get("view"), ExchangeImportView):
            body.close()  # only the import endpoint takes large bodies (as a file)
            raise TooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return user, "signature"


class SignatureScheme(OpenApiAuthenticationExtension):
    """The signature scheme in the OpenAPI schema (docs/exchange.md describes it in full)."""

    target_class = "jiuzhu.apps.exchange.api.SignatureAuthentication"
    name = "jiuzhuSignature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": signing.H_SIGNATURE,
                "description": "HMAC-SM3 over method, path, X-Jiuzhu-Timestamp, X-Jiuzhu-Nonce, SM3(body) and "
                               "X-Jiuzhu-Key-Id, with the department's shared secret (docs/exchange.md)"}


AUTHENTICATION = [SignatureAuthentication, TokenAuthentication, SessionAuthentication]


def _error(status: int, code: str, zh: str, en: str) -> Response:
    return Response({"code": code, "message_zh": zh, "message_en": en}, status=status)


def _no_file() -> Response:
    return _error(400, "no_file", "未收到文件", "No file was sent")


def _too_large(limit: int) -> Response:
    return Response(TooLarge(limit).detail, status=413)


class ExchangeImportView(APIView):
    """Import a file for *source*.  201: a new batch; 200: this file was imported before (same
    batch, nothing changed) or the request repeats an ``Idempotency-Key`` with the same file;
    409: the ``Idempotency-Key`` was used before with a different file; 422: a new batch whose
    file was rejected as a whole; 400: no file; 401: not authenticated or a refused signature;
    413: larger than the upload limit; 403: not allowed to upload this source."""

    parser_classes = [MultiPartParser]
    authentication_classes = AUTHENTICATION

    @extend_schema(request=OpenApiTypes.BINARY,
                   responses={code: OpenApiTypes.OBJECT for code in (200, 201, 400, 401, 403, 404, 409, 413, 422)},
                   parameters=[
                       OpenApiParameter("filename", str, description="file name (gives the format hint)"),
                       OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                        description="the same key with the same file answers the first batch"),
                   ])
    def post(self, request: Request, source: str) -> Response:
        if source not in SOURCES:
            raise Http404(source)
        limits = UI_LIMITS
        idem_key = request.headers.get("Idempotency-Key")
        if idem_key is not None and not IDEMPOTENCY_KEY_RE.fullmatch(idem_key):
            return _error(400, "bad_idempotency_key", "Idempotency-Key 须为 1–128 个可见 ASCII 字符",
                          "Idempotency-Key must be 1–128 visible ASCII characters")
        signed: IO[bytes] | None = getattr(request._request, "jiuzhu_signed_body", None)
        content_type = request.content_type or ""
        body: IO[bytes] | None = None
        try:
            if signed is not None:
                if content_type.startswith("multipart/"):
                    return _error(400, "signed_multipart", "签名请求须以请求体直接发送文件（不用 multipart）",
                                  "A signed request sends the file as the body, not as multipart")
                body, name = signed, request.query_params.get("filename") or "upload"
                if not _size(body):
                    return _no_file()
            elif content_type.startswith("multipart/"):
                upload = request.data.get("file") if hasattr(request.data, "get") else None
                if upload is None:
                    return _no_file()
                if upload.size > limits.max_bytes:
                    return _too_large(limits.max_bytes)
                body, name = upload.file, upload.name
            else:
                body, size, _digest = _spool(request._request, limits.max_bytes)
                if size == 0:
                    return _no_file()
                name = request.query_params.get("filename") or "upload"
            return self._import(request, source, body, name, idem_key)
        except TooLarge:
            return _too_large(limits.max_bytes)
        finally:
            if body is not None:
                body.close()

    def _import(self, request: Request, source: str, body: IO[bytes], name: str, idem_key: str | None) -> Response:
        record = None
        if idem_key is not None:
            fingerprint = signing.sm3_hex(f"exchange.import\n{source}\n{hash_file(body)}".encode())
            record, created = _idempotency_record(request.user, idem_key, fingerprint)
            if not created:
                if record.fingerprint != fingerprint:
                    audit("exchange.idempotency_conflict", actor=request.user, object_type="idempotency_key",
                          object_id=idem_key[:64], outcome="denied", source=source)
                    return _error(409, "idempotency_conflict", "该 Idempotency-Key 已用于另一份文件",
                                  "This Idempotency-Key was used for a different file")
                if record.batch is not None:
                    return Response(batch_json(record.batch), status=200)
        if jobs.in_background(_size(body)):
            # A large file: imported by the worker; 202 with the job's URL (the batch is in its result).
            try:
                queued = jobs.queue_import(request.user, source, body, name, "api",
                                           idempotency_record=record.pk if record is not None else None)
            except JobRefused as err:  # the same file is being imported right now: that job
                if err.job is None:
                    raise
                return accepted(request, err.job)
            if isinstance(queued, ImportBatch):
                if record is not None:
                    IdempotencyRecord.objects.filter(pk=record.pk).update(batch=queued)
                return Response(batch_json(queued), status=200)
            return accepted(request, queued)
        try:
            result = services.batch_import(request.user, source, body, name, "api", limits=UI_LIMITS)
        except BaseException:
            if record is not None and record.batch_id is None:
                IdempotencyRecord.objects.filter(pk=record.pk, batch__isnull=True).delete()
            raise
        if record is not None:
            IdempotencyRecord.objects.filter(pk=record.pk).update(batch=result.batch)
        batch = result.batch
        code = 200 if not result.created else (422 if batch.state == "rejected" else 201)
        return Response(batch_json(batch), status=code)


def _size(f: IO[bytes]) -> int:
    f.seek(0, 2)
    size = f.tell()
    f.seek(0)
    return size


def _idempotency_record(user: Any, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    scope = f"department:{user.department}" if user.role == Role.DEPARTMENT else f"user:{user.pk}"
    ttl = int(getattr(settings, "JIUZHU_IDEMPOTENCY_SECONDS", DEFAULT_IDEMPOTENCY_SECONDS))
    expires = timezone.now() + dt.timedelta(seconds=ttl)
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.get_or_create(
                scope=scope, key=key, defaults={"fingerprint": fingerprint, "expires_at": expires})
    except IntegrityError:  # the same key at the same moment
        return IdempotencyRecord.objects.get(scope=scope, key=key), False


class AckSerializer(serializers.Serializer):
    keys = serializers.ListField(child=serializers.CharField(max_length=128), min_length=1, max_length=1000)


class OutboxAckView(APIView):
    """A department acknowledges pushes it received (asynchronous acknowledgement).

    Body ``{"keys": ["<idempotency key>", …]}``; answers ``{"acked": [...], "unknown": [...]}``
    (keys of other departments' messages are "unknown").  Department accounts only; signed
    requests are accepted like on the import endpoint."""

    authentication_classes = AUTHENTICATION

    @extend_schema(request=AckSerializer, responses={
        200: inline_serializer("OutboxAckResult", {
            "acked": serializers.ListField(child=serializers.CharField()),
            "unknown": serializers.ListField(child=serializers.CharField())}),
        **{code: OpenApiTypes.OBJECT for code in (400, 401, 403, 413)}})
    def post(self, request: Request) -> Response:
        require(request.user, ACK)
        s = AckSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(services.outbox_ack(request.user, list(dict.fromkeys(s.validated_data["keys"]))))


def _omission(o: dict[str, Any]) -> dict[str, Any]:
    return {k: o[k] for k in ("rule", "member_name", "programme", "label_zh", "label_en", "clause")}


def _plain(value: Any) -> Any:
    """JSON-friendly value: dates ISO, money as a decimal string."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


class HouseholdChainView(APIView):
    """The household's assistance chain (一户一条救助链): every assistance from every department, with flags."""

    @extend_schema(operation_id="households_chain_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        household = registry.household_get(request.user, pk)
        chain = household_chain(household)
        entries = [{k: _plain(e.get(k)) for k in CHAIN_FIELDS} for e in chain["entries"]]
        return Response({"household": household.code, "entries": entries, "duplicates": chain["duplicates"],
                         "omissions": [_omission(o) for o in chain["omissions"]]})


class MemberChainView(APIView):
    """One person's assistance chain (一人一条救助链), across households, with flags and omissions."""

    @extend_schema(operation_id="members_chain_retrieve", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, pk: int) -> Response:
        member = registry.member_get(request.user, pk)
        chain = person_chain(member)
        entries = [{k: _plain(e.get(k)) for k in CHAIN_FIELDS} for e in chain["entries"]]
        return Response({"household": member.household.code, "member": member.id_number_masked, "entries": entries,
                         "duplicates": chain["duplicates"], "omissions": [_omission(o) for o in chain["omissions"]]})
