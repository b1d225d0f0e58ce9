"""docs/assistance.md lists every programme: its table is the one generated from the declaration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jiuzhu.rules.params import load_jiangxi
from jiuzhu.rules.programmes import PROGRAMMES, matrix_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "assistance.md"


def test_doc_table_is_generated_from_the_matrix() -> None:
    text = DOC.read_text("utf-8")
    table = text.split("<!-- programme-matrix:start -->\n")[1].split("\n<!-- programme-matrix:end -->")[0]
    params = load_jiangxi()
    expected = matrix_markdown(lambda k: params.resolve(k, "360000", "rural", dt.date(2026, 11, 1)).value)
    assert table == expected, "regenerate the table in docs/assistance.md with matrix_markdown"
    for p in PROGRAMMES:
        assert f"`{p.key}`" in table and p.label_zh in table
