"""The audit log in words (issue 13 item 8): every event the code records and every detail it writes has a
label, and a detail's value is never shown as a code, a Python dict or a list.

The code is read, not run: each ``audit(...)`` / ``AuditedRefusal(...)`` call of jiuzhu/ gives its event
(a literal, or a family such as ``exchange.batch_{state}`` whose members are listed below) and the keys of
its details.  The raw-code walk (test_raw_codes.py) then reads the log of everything its world did.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from jiuzhu.apps.core import audit_labels
from jiuzhu.apps.core.audit_labels import (
    DETAIL_KEYS,
    EVENTS,
    OBJECTS,
    OUTCOMES,
    detail_items,
    event_label,
)
from jiuzhu.apps.core.hooks import READ_AUDITS
from jiuzhu.apps.core.statemachine import MACHINES

from .test_raw_codes import problems, visible_text

ROOT = Path(__file__).resolve().parents[2] / "jiuzhu"
CALLS = {"audit", "AuditedRefusal", "_audit_refusal"}
# Arguments of audit() that are not details.
NOT_DETAILS = {"actor", "object_type", "object_id", "outcome", "target", "message"}


def _calls() -> list[tuple[str, ast.Call]]:
    out = []
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in CALLS:
                    out.append((f"{path.relative_to(ROOT.parent)}:{node.lineno}", node))
    return out


def _families() -> dict[str, list[str]]:
    """The members of the events whose name is built at run time."""
    from jiuzhu.apps.exchange.choices import BatchState, OutboxState

    sharing = sorted({kw.value.value for _where, call in _calls_named("audit_people_access") for kw in call.keywords
                      if kw.arg == "action" and isinstance(kw.value, ast.Constant)})
    assert sharing, "the sharing app's access events were not found"
    return {
        "exchange.batch_": [f"exchange.batch_{s}" for s in BatchState.values],
        "exchange.outbox_": [f"exchange.outbox_{s}" for s in OutboxState.values],
        "sharing.": [f"sharing.{a}" for a in sharing],
        "parameter.": ["parameter.approve", "parameter.reject"],
    }


def _calls_named(name: str) -> list[tuple[str, ast.Call]]:
    out = []
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == name:
                out.append((str(path), node))
    return out


def test_every_event_and_detail_key_has_a_label() -> None:
    families = _families()
    unlabelled: list[str] = []
    for where, call in _calls():
        first = call.args[0] if call.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if event_label(first.value) == first.value:
                unlabelled.append(f"{where}: event {first.value!r}")
        elif isinstance(first, ast.JoinedStr | ast.IfExp):
            head = ast.unparse(first)
            members = next((m for prefix, m in families.items() if f"'{prefix}" in head or f'"{prefix}' in head
                            or head.startswith(f"f'{prefix}") or head.startswith(f'f"{prefix}')), None)
            assert members is not None, f"{where}: an event family the test does not know: {head}"
            unlabelled += [f"{where}: event {m!r}" for m in members if event_label(m) == m]
        for kw in call.keywords:
            if kw.arg is not None and kw.arg not in NOT_DETAILS and kw.arg not in DETAIL_KEYS:
                unlabelled.append(f"{where}: detail {kw.arg!r}")
    assert not unlabelled, "label these in jiuzhu/apps/core/audit_labels.py:\n" + "\n".join(unlabelled)


def test_every_workflow_step_reads_as_its_record_and_step() -> None:
    import jiuzhu.apps.applications.workflow  # noqa: F401 - the machines register when their modules load
    import jiuzhu.apps.monitoring.lifecycle  # noqa: F401
    import jiuzhu.apps.supervision.services  # noqa: F401

    with translation.override("zh-hans"):
        for pattern, machine in MACHINES.items():
            for action in machine.transitions:
                event = pattern.format(action=action)
                shown = event_label(event, "")
                assert shown != event and problems(shown, set()) == [], (event, shown)
                for state in machine.states():
                    assert problems(str(machine.state_label(state)), set()) == [], (pattern, state)


@pytest.mark.django_db
def test_labels_are_chinese() -> None:
    tables: dict[str, dict[str, Any]] = {
        "EVENTS": EVENTS, "OBJECTS": OBJECTS, "OUTCOMES": OUTCOMES, "DETAIL_KEYS": DETAIL_KEYS,
        "PAGES": audit_labels.PAGES, "REFUSALS": audit_labels.REFUSALS, "REASONS": audit_labels.REASONS,
    }
    with translation.override("zh-hans"):
        english = [f"{name}[{k!r}] = {v}" for name, table in tables.items() for k, v in table.items()
                   if problems(str(v), set())]
    assert not english, "\n".join(english)


def test_every_page_read_or_listed_has_a_label() -> None:
    endpoints = {kw.value.value for _where, call in _calls_named("charge") for kw in call.keywords
                 if kw.arg == "endpoint" and isinstance(kw.value, ast.Constant)}
    missing = sorted((set(READ_AUDITS) | endpoints) - set(audit_labels.PAGES))
    assert not missing, f"pages without a label in audit_labels.PAGES: {missing}"


@pytest.mark.django_db
def test_details_are_key_value_text_never_a_repr() -> None:
    import jiuzhu.apps.applications.workflow  # noqa: F401 - its machine labels the application's steps

    with translation.override("zh-hans"):
        items = detail_items("jobs.started", "job", {
            "kind": "reports.scenario", "channel": "cli", "params": {"scenario": 3, "as_of": "2026-10-31"},
            "scope": "scenario:3"})
        text = "；".join(f"{i.label}：{i.text}" for i in items if not i.ref)
        assert "{" not in text and "[" not in text and "政策模拟测算" in text and "2026年10月31日" in text
        items = detail_items("assistance.bank_file_exported", "payroll", {
            "format": "csv", "total": "1234.50", "columns": "line_ref,account,name,amount", "sm3": "ab12"})
        shown = {i.label: (i.text, i.ref) for i in items}
        assert shown["合计"][0] == "1,234.50元" and shown["SM3 摘要"] == ("ab12", True)
        assert "line_ref" not in shown["列"][0] and "、" in shown["列"][0]
        text = "；".join(f"{i.label}：{i.text}" for i in detail_items(
            "applications.transition", "application",
            {"action": "submit", "from_state": "", "to_state": "submitted", "reason": "not_system_admin"}))
        assert problems(visible_text(f"<p>{text}</p>"), set()) == [], text
        # an unknown code stays visible as it is: the raw-code walk then fails on it (nothing is hidden)
        assert detail_items("auth.lockout", "", {"step": "sms"})[0].text == "sms"
