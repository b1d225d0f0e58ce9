"""Writing a benchmark's section of docs/benchmarks.md (shared by the bench scripts)."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def replace_section(section: str, text: str, keep_from: str = "\n### ") -> None:
    """Write *text* as the section headed *section* (appended when absent).

    The hand-written sub-sections after the generated block — from the first *keep_from* inside the
    old section on — are kept: a re-run refreshes the figures, not the notes written about them.
    """
    doc = DOC.read_text(encoding="utf-8")
    start = doc.find(section)
    if start < 0:
        DOC.write_text(doc.rstrip("\n") + "\n\n" + text, encoding="utf-8")
        return
    nxt = doc.find("\n## ", start + len(section))
    end = nxt + 1 if nxt >= 0 else len(doc)
    old = doc[start:end]
    at = old.find(keep_from)
    notes = "\n" + old[at:].strip("\n") + "\n" if at >= 0 else ""
    DOC.write_text(doc[:start] + text.rstrip("\n") + "\n" + notes + ("\n" if nxt >= 0 else "") + doc[end:],
                   encoding="utf-8")
