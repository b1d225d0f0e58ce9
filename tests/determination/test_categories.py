"""Category names and labels are defined once (jiuzhu/rules/determination/categories.py).

A label typed anywhere else in the source — as a Python string, a template's text or a YAML
value — is a second definition that will drift (as "单独纳入低保人员", "单独纳入低保" and "单人户纳入低保"
once did).  The translation catalogues are not source (they translate UI strings, not these).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from jiuzhu.rules.determination import categories
from jiuzhu.rules.determination.categories import CATEGORIES

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = ROOT / "jiuzhu" / "rules" / "determination" / "categories.py"
SOURCE_DIRS = ("jiuzhu", "scripts", "bench")
# Literals equal to a category label that name something else, to be unified with their own
# definitions (feeds and programmes are another area's work): (file, text).
NOT_CATEGORY_LABELS = {
    # agriculture's feed of poverty-return monitoring: the source's name, not the category label
    ("jiuzhu/rules/exchange/sources.py", "防止返贫监测对象"),
}


def _labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in CATEGORIES.values():
        for text in (c.label_zh, c.label_en, c.short_zh, c.short_en):
            out[text] = c.code
    return out


def _files() -> Iterator[Path]:
    for d in SOURCE_DIRS:
        for path in sorted((ROOT / d).rglob("*")):
            if not path.is_file() or "migrations" in path.parts or "__pycache__" in path.parts:
                continue
            if path.suffix in (".py", ".html", ".yaml", ".yml", ".js", ".txt") and path != DEFINITION:
                yield path


def _python_strings(text: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def _yaml_strings(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _yaml_strings(k)
            yield from _yaml_strings(v)
    elif isinstance(data, list):
        for v in data:
            yield from _yaml_strings(v)
    elif isinstance(data, str):
        yield data


def _template_strings(text: str) -> Iterator[str]:
    # text between tags, quoted strings, and {% translate "…" %} arguments
    for m in re.finditer(r">([^<>{}]+)<|\"([^\"]*)\"|'([^']*)'", text):
        yield (m.group(1) or m.group(2) or m.group(3) or "").strip()


def _occurrences() -> list[tuple[str, str]]:
    labels = _labels()
    found: list[tuple[str, str]] = []
    for path in _files():
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text("utf-8")
        if path.suffix == ".py":
            strings = _python_strings(text)
        elif path.suffix in (".yaml", ".yml"):
            strings = _yaml_strings(yaml.safe_load(text))
        else:
            strings = _template_strings(text)
        for s in strings:
            if s.strip() in labels and (rel, s.strip()) not in NOT_CATEGORY_LABELS:
                found.append((rel, s.strip()))
    return found


def test_each_label_is_typed_only_in_the_definition() -> None:
    assert _occurrences() == []


def test_the_scan_would_find_a_second_definition(tmp_path: Path) -> None:
    """The scanner is not blind: each way of typing a label is caught."""
    code = 'LABELS = {"dibao_individual": "单独纳入低保人员"}\n'
    assert "单独纳入低保人员" in set(_python_strings(code))
    assert "最低生活保障对象" in set(_template_strings("<td>最低生活保障对象</td>"))
    assert "低保边缘家庭" in set(_yaml_strings(yaml.safe_load("label: 低保边缘家庭")))


def test_labels_are_unique_and_complete() -> None:
    labels = [t for c in CATEGORIES.values() for t in (c.label_zh, c.label_en, c.short_zh, c.short_en)]
    assert len(labels) == len(set(labels))
    assert set(CATEGORIES) == {"tekun", "dibao", "marginal", "rigid", "dibao_individual", "other", "poverty_monitoring"}
    assert categories.label("dibao") == "最低生活保障对象"
    assert categories.label("dibao", "en", short=True) == "Dibao"
    assert categories.label("none") == categories.NONE_ZH
    assert categories.label("unknown_code") == "unknown_code"


def test_the_engine_reports_only_defined_categories() -> None:
    from jiuzhu.engine.determination import evaluate

    assert set(evaluate._CATEGORY_ORDER) <= set(CATEGORIES)
