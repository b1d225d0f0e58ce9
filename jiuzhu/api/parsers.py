"""JSON parsing that answers 400, never 500, on hostile bodies (RELIABILITY A3)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "请求体过大 / Request body too large"
    default_code = "too_large"


class _Float(float):
    """Marks numbers that arrived as JSON floats, so money fields can refuse them."""


def _depth(obj: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(obj, dict):
        return max([_depth(v, level + 1) for v in obj.values()] or [level])
    if isinstance(obj, list):
        return max([_depth(v, level + 1) for v in obj] or [level])
    return level


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        # Never hold more than the configured JSON body size in memory (files come as uploads).
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestBodyTooLarge()
        try:
            data = json.loads(raw.decode("utf-8") or "null", parse_float=_Float)
        except RecursionError as exc:
            raise ParseError("JSON 嵌套过深 / JSON nested too deeply") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON 格式错误 / Malformed JSON: {exc}") from exc
        if _depth(data) > MAX_DEPTH:
            raise ParseError("JSON 嵌套过深 / JSON nested too deeply")
        return data


def is_json_float(value: Any) -> bool:
    return isinstance(value, _Float) or (isinstance(value, float) and not isinstance(value, Decimal))
