"""The catalogue declaration: consistent, complete, and the document lists every entry."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from jiuzhu.apps.core.choices import Department
from jiuzhu.apps.sharing.catalogue import (
    CATALOGUE,
    CONDITIONAL,
    FIELDS,
    UNCONDITIONAL,
    check,
    markdown,
)
from jiuzhu.apps.sharing.management.commands.sharing_catalogue_doc import (
    BEGIN,
    END,
    replace_section,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "sharing.md"


def test_the_declared_catalogue_is_consistent() -> None:
    assert check() == []
    assert set(CATALOGUE) == set(Department.values)


def test_check_catches_broken_entries() -> None:
    e = CATALOGUE["education"]
    broken = {
        **CATALOGUE,
        "education": dataclasses.replace(e, items={**e.items, "id_number": UNCONDITIONAL}),
        "housing": dataclasses.replace(CATALOGUE["housing"], items={"name": UNCONDITIONAL, "phone": CONDITIONAL}),
        "health": dataclasses.replace(CATALOGUE["health"], categories=frozenset({"rich"})),
        "justice": dataclasses.replace(CATALOGUE["justice"], query_fields=frozenset({"address"})),
        "emergency": dataclasses.replace(CATALOGUE["emergency"], items={**e.items, "shoe_size": UNCONDITIONAL}),
    }
    del broken["banks"]
    problems = " ".join(check(broken))
    for expected in ("banks: no catalogue entry", "education: the full ID number", "housing: shares withheld",
                     "housing: a list must carry", "health: unknown categories", "justice: query may not answer",
                     "emergency: unknown items"):
        assert expected in problems


def test_the_document_lists_every_catalogue_entry() -> None:
    """docs/sharing.md carries the generated tables; regenerate with `jiuzhu manage sharing_catalogue_doc --write`."""
    text = DOC.read_text("utf-8")
    assert BEGIN in text and END in text
    assert replace_section(text) == text, "docs/sharing.md is out of date: run sharing_catalogue_doc --write"
    section = text[text.index(BEGIN):text.index(END)]
    for department, entry in CATALOGUE.items():
        assert f"(`{department}`)" in section
        assert entry.purpose_zh in section and entry.basis in section
    shared_rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    lists = [e for e in CATALOGUE.values() if any(m != "not_shared" for m in e.items.values())]
    assert len(shared_rows) == len(lists) * len(FIELDS)
    assert markdown() in text
