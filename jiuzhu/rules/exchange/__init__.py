"""Declared department feeds for data exchange (issue 4).  Pure Python, no Django."""

from jiuzhu.rules.exchange.sources import (
    DEPARTMENTS,
    PROGRAMMES,
    SOURCES,
    Field,
    FieldType,
    Source,
    get_source,
)

__all__ = ["DEPARTMENTS", "PROGRAMMES", "SOURCES", "Field", "FieldType", "Source", "get_source"]
