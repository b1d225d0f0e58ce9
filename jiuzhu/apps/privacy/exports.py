"""The bulk exports of personal data, declared by the apps that own the data (ADR 0025).

An app declares each export it offers with :func:`register_export` from its ``AppConfig.ready``
(the registry's household list, the sharing catalogue's people, the people a department has to
serve …): who may ask for it, which filters it takes, how many rows a request would give, and the
table itself.  This app does the rest, the same way for every export: the purpose from the
configured list, the cap, the second person's approval, producing the file once, its SM3 hash,
the audit records, and formula-safe cells (RELIABILITY R31) in UTF-8 with a BOM for Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes

from jiuzhu.engine.exchange.report import sanitise_cell


@dataclass(frozen=True)
class ExportKind:
    key: str  # "<app>.<what>", stored on the request
    label: Any  # a lazy translation: what the file holds
    capabilities: tuple[str, ...]  # any of these lets a user ask for it
    filters: Callable[[Any, Mapping[str, str]], dict[str, str]]  # (user, query) → the filters kept
    describe: Callable[[dict[str, str]], str]  # the filters in words, for the request page
    count: Callable[[Any, dict[str, str]], int]  # (requester, filters) → rows
    table: Callable[[Any, dict[str, str], str], tuple[list[str], Iterable[list[Any]]]]  # (requester, filters, purpose)
    filename: str
    back: str  # URL of the page the export belongs to


EXPORTS: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> None:
    EXPORTS[kind.key] = kind  # ready() may run twice in tests: the same declaration again


def get_kind(key: str) -> ExportKind | None:
    return EXPORTS.get(key)


def sm3_hex(data: bytes) -> str:
    """The SM3 fingerprint recorded with every file that leaves the platform (R10)."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def may_request(user: Any, kind: ExportKind) -> bool:
    return bool(user.is_authenticated and any(user.has_capability(c) for c in kind.capabilities))


class HashedCSV:
    """CSV bytes (UTF-8 with BOM) from a header and rows, hashed (SM3) and counted as they are made.

    Every text cell goes through :func:`sanitise_cell`: a name like ``=HYPERLINK(…)`` is written as
    text, never as a formula a spreadsheet would run.
    """

    def __init__(self, header: list[str], rows: Iterable[list[Any]]) -> None:
        self.header = header
        self.rows = rows
        self.count = 0
        self.complete = False
        self._hash = hashes.Hash(hashes.SM3())

    @staticmethod
    def line(values: list[Any]) -> str:
        buf = io.StringIO()
        csv.writer(buf).writerow([sanitise_cell(v) if isinstance(v, str) else ("" if v is None else v) for v in values])
        return buf.getvalue()

    def _out(self, text: str) -> bytes:
        data = text.encode("utf-8")
        self._hash.update(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        yield self._out("\ufeff" + self.line([str(h) for h in self.header]))
        chunk: list[str] = []
        for row in self.rows:
            chunk.append(self.line(row))
            self.count += 1
            if len(chunk) == 500:
                yield self._out("".join(chunk))
                chunk = []
        if chunk:
            yield self._out("".join(chunk))
        self.complete = True

    @property
    def sm3(self) -> str:
        return self._hash.copy().finalize().hex()
