"""Chinese first: every user-facing string has a zh_Hans translation, and the compiled catalogue is current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "jiuzhu/locale/zh_Hans/LC_MESSAGES/django.po"


def _extractor():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("extract_messages", ROOT / "scripts/extract_messages.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_every_string_is_translated() -> None:
    missing = _extractor().missing()
    assert not missing, f"untranslated strings (run scripts/extract_messages.py --write): {missing}"


def test_compiled_catalogue_matches_the_po_file() -> None:
    po = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.msgstr}
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if e.msgid}
    assert po == mo, "run `make messages` (scripts/compile_messages.py) and commit the .mo"
