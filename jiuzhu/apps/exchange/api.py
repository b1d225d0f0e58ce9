"""POST /api/exchange/<source>/: one department file → one batch (raw body or multipart ``file``)."""

from __future__ import annotations

import tempfile
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuzhu.engine.exchange import UI_LIMITS

from . import services
from .models import ImportBatch

_READ = 1 << 16


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


class ExchangeImportView(APIView):
    """Import a file for *source*.  201: a new batch; 200: this file was imported before (same
    batch, nothing changed); 422: a new batch whose file was rejected as a whole; 400: no file;
    413: larger than the upload limit; 403: not allowed to upload this source."""

    parser_classes = [MultiPartParser]

    @extend_schema(request=OpenApiTypes.BINARY, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT},
                   parameters=[OpenApiParameter("filename", str, description="file name (gives the format hint)")])
    def post(self, request: Request, source: str) -> Response:
        limits = UI_LIMITS
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            upload = request.data.get("file") if hasattr(request.data, "get") else None
            if upload is None:
                return _no_file()
            if upload.size > limits.max_bytes:
                return _too_large(limits.max_bytes)
            result = services.batch_import(request.user, source, upload.file, upload.name, "api", limits=limits)
        else:
            body = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115 - closed below
            try:
                size = 0
                while chunk := request._request.read(_READ):
                    size += len(chunk)
                    if size > limits.max_bytes:
                        return _too_large(limits.max_bytes)
                    body.write(chunk)
                if size == 0:
                    return _no_file()
                body.seek(0)
                name = request.query_params.get("filename") or "upload"
                result = services.batch_import(request.user, source, body, name, "api", limits=limits)
            finally:
                body.close()
        batch = result.batch
        code = 200 if not result.created else (422 if batch.state == "rejected" else 201)
        return Response(batch_json(batch), status=code)


def _no_file() -> Response:
    return Response({"code": "no_file", "message_zh": "未收到文件", "message_en": "No file was sent"}, status=400)


def _too_large(limit: int) -> Response:
    return Response({"code": "too_large", "message_zh": f"文件超过 {limit >> 20} MB 上限",
                     "message_en": f"The file exceeds the {limit >> 20} MB limit"}, status=413)
