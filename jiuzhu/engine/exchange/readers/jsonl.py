"""The JSON-lines reader: one JSON object per line; the first record's keys are the header.

Pure Python, no Django.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from jiuzhu.engine.exchange.errors import RowError, file_error
from jiuzhu.engine.exchange.readers.base import (
    ColumnMapping,
    FileFormat,
    Limits,
    RawRow,
    TableReader,
)
from jiuzhu.engine.exchange.readers.headers import header_index, lookup, map_header
from jiuzhu.engine.exchange.readers.text import scan_text
from jiuzhu.rules.exchange.sources import Source
from jiuzhu.rules.text import normalise_text

# --------------------------------------------------------------------------- JSON lines


def _reject_constant(name: str) -> object:
    raise ValueError(f"non-standard JSON constant {name}")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError("duplicate key")
        out[k] = v
    return out


def _json_object(line: str) -> dict[str, Any] | None:
    """Parse one JSON-lines record, or None.  Never raises: deep nesting is caught too."""
    try:
        obj = json.loads(line, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


class JsonLinesReader(TableReader):
    format: FileFormat = "jsonl"

    def __init__(self, source: Source, f: IO[bytes], *, limits: Limits, owns_file: bool,
                 mapping: ColumnMapping | None = None) -> None:
        super().__init__(source, f, limits=limits, owns_file=owns_file, mapping=mapping)
        self.content_hash, scan, self.encoding = scan_text(f, limits)
        if self.encoding not in ("utf-8", "utf-8-sig"):
            # JSON is UTF-8 by definition (RFC 8259); a GB18030 or UTF-16 "JSON" file is a mistake.
            bad = scan.first_non_ascii or 1
            raise file_error("encoding", row=bad, line=bad)
        # The first record's keys are the header: unknown or missing columns reject the
        # file like a CSV header would.
        first_keys: list[str] | None = None
        lines = 0
        text = self._text()
        try:
            for lineno, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                lines += 1
                if first_keys is None:
                    obj = _json_object(line)
                    if obj is None:
                        raise file_error("corrupt", row=lineno,
                                         detail=f"：第{lineno}行不是 JSON 对象",
                                         detail_en=f": line {lineno} is not a JSON object")
                    first_keys = list(obj)
        finally:
            text.detach()
        self._index = header_index(source, mapping)
        self._header = map_header(source, list(first_keys or []), None, limits, self._index)
        self._use_header(None, self._header.labels, self._header.info, 1)
        self._check_rows(lines)

    def _text(self) -> io.TextIOWrapper:
        self._f.seek(0)
        assert self.encoding is not None
        return io.TextIOWrapper(self._f, encoding=self.encoding, errors="strict", newline="\n")

    def _rows(self) -> Iterator[RawRow | RowError]:
        text = self._text()
        try:
            for lineno, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                obj = _json_object(line)
                if obj is None:
                    yield RowError.of("line_json", sheet=None, row=lineno)
                    continue
                values: dict[str, object] = {}
                unknown: list[str] = []
                for k, v in obj.items():
                    name, how = lookup(self._index, k) or (None, "")
                    if how == "ignored":
                        continue
                    if name is None or name in values:
                        unknown.append(normalise_text(k)[:40])
                    else:
                        values[name] = v
                if unknown:
                    yield RowError.of("line_unknown_field", sheet=None, row=lineno,
                                      columns="、".join(unknown[:10]))
                    continue
                yield RawRow(None, lineno, values)
        finally:
            text.detach()


