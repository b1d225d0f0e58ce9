"""Every policy citation in the code can be followed inside the repository.

The code cites the research notes as ``docs/policy-notes.md §N.N`` and the Jiangxi implementing
opinions as ``实施意见 §N`` (their text: docs/implementing-opinions.md); nothing cites a document
that lives outside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "docs" / "policy-notes.md"
OPINIONS = ROOT / "docs" / "implementing-opinions.md"
SOURCE = [p for d in ("jiuzhu", "bench", "scripts") for p in (ROOT / d).rglob("*")
          if p.is_file() and p.suffix in (".py", ".yaml", ".html", ".md")]


def _sections() -> set[str]:
    heads = re.findall(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", NOTES.read_text("utf-8"), flags=re.M)
    return set(heads)


def test_cited_sections_of_the_notes_exist() -> None:
    sections = _sections()
    assert {"1.1", "1.2", "3.3", "4.1", "5", "6"} <= sections
    cited: dict[str, set[str]] = {}
    for path in SOURCE:
        for m in re.finditer(r"docs/policy-notes\.md §(\d+(?:\.\d+)?)", path.read_text("utf-8")):
            cited.setdefault(m.group(1), set()).add(path.relative_to(ROOT).as_posix())
    assert cited, "the code cites the notes"
    missing = {s: files for s, files in cited.items() if s not in sections}
    assert not missing, missing


def test_no_citation_of_documents_outside_the_repository() -> None:
    stale = re.compile(r"(?<!docs/)policy[- ]notes §|seed §|seed-zh|/work/shared")
    bad = [p.relative_to(ROOT).as_posix() for p in SOURCE if stale.search(p.read_text("utf-8"))]
    assert not bad, bad


def test_the_implementing_opinions_are_in_the_repository() -> None:
    text = OPINIONS.read_text("utf-8")
    for n in range(1, 27):
        assert re.search(rf"^{n}\.", text, flags=re.M), f"item {n}"
    assert "2024年4月18日" in text
