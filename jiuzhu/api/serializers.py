"""Serializer base shared by every app's API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from .parsers import is_json_float


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses unknown fields (no mass assignment, RELIABILITY A1) and JSON floats anywhere."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["需要 JSON 对象 / A JSON object is required."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise ValidationError({k: ["不允许的字段 / Field not allowed."] for k in unknown})
        floats = sorted(k for k, v in data.items() if is_json_float(v))
        if floats:
            raise ValidationError({k: ["金额等数值须以字符串表示，不能是浮点数 / Send decimals as strings, not floats."] for k in floats})
        return super().to_internal_value(data)
