"""Explanations (认定说明): the trace of the formulas, in plain Chinese and English.

:func:`explain_row` reads one result row — every named intermediate the formulas computed
for the household — and the provenance of each parameter value used (value, effective
date, 文号, demo flag), and lays them out per category and criterion: pass or fail, the
figures, the parameters, the margin to the line in yuan and %, and one sentence in each
language.  Nothing here is written per rule: the sentences are declared with the formulas
(``formulas.SPECS[name].says``) and the structure of each category by ``formulas.SECTIONS``;
this module only fills them in from the trace.  It decides nothing itself: every pass/fail
shown is a value of the formulas.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jiuzhu.rules.determination.categories import CATEGORIES, NONE_EN, NONE_ZH
from jiuzhu.rules.determination.codes import TIERS
from jiuzhu.rules.determination.formulas import BENEFIT_FORMULAS, SECTIONS, SPECS, Section
from jiuzhu.rules.determination.sentences import Says, Trace, figure, format_yuan, render
from jiuzhu.rules.params.loader import Resolved

__all__ = ["criterion_labels", "explain_row", "format_yuan"]

_PHRASES: dict[str, Says] = {name: spec.says for name, spec in SPECS.items() if spec.says is not None}


def criterion(name: str, trace: Trace, cid: str | None = None) -> dict[str, Any]:
    """The criterion of formula *name* as shown (optionally under another criterion id)."""
    spec = SPECS[name]
    says = spec.says
    if says is None:
        raise KeyError(f"formula {name} declares no sentence (Says) and cannot be shown as a criterion")
    out = render(says, name, trace, label_zh=spec.label_zh, label_en=spec.label_en, clause=spec.clause, phrases=_PHRASES)
    if cid is not None:
        out["id"] = cid
    return out


def criterion_labels() -> dict[tuple[str, str], str]:
    """Every criterion an explanation can show, (category, criterion id) → its Chinese label.

    What a stored decision basis cites (``grounds``: category, id, label): the statistics of
    refusal reasons count by these ids and show these labels.
    """
    out: dict[tuple[str, str], str] = {}
    for sec in SECTIONS:
        names: list[str | tuple[str, str]] = list(sec.criteria)
        if sec.members is not None:
            names += list(sec.members.criteria)
        for item in names:
            name, cid = (item, None) if isinstance(item, str) else item
            spec = SPECS[name]
            says = spec.says
            key = cid or (says.id if says is not None and says.id else name)
            out[(sec.code, key)] = (says.label_zh if says is not None and says.label_zh else None) or spec.label_zh
    return out


def _section(sec: Section, row: Mapping[str, Any], resolved: Mapping[str, Resolved],
             params: Mapping[str, Any]) -> dict[str, Any]:
    trace = Trace(row, resolved, params=params)
    out: dict[str, Any] = {"result": bool(row[sec.result])}
    for key, name in sec.counts:
        out[key] = int(row[name])
    if sec.members is not None:
        part = sec.members
        members = []
        for i, mid in enumerate(row["member_ids"]):
            if part.only is not None and not row[part.only][i]:
                continue
            mt = trace.member_view(i)
            entry: dict[str, Any] = {"member_id": mid, part.key: bool(row[part.result][i])}
            entry["criteria"] = [criterion(name, mt) for name in part.criteria]
            if part.notes:
                entry["notes"] = [criterion(name, mt) for name in part.notes]
            for key, template in part.figures:
                entry[key] = figure(template, mt)
            members.append(entry)
        out["members"] = members
    if sec.criteria or (sec.members is None and sec.text is None):
        out["criteria"] = [
            criterion(c, trace) if isinstance(c, str) else criterion(c[0], trace, c[1]) for c in sec.criteria
        ]
    if sec.text is not None:
        text = criterion(sec.text, trace)
        out["text_zh"], out["text_en"] = text["text_zh"], text["text_en"]
    out["label_zh"], out["label_en"] = CATEGORIES[sec.code].label_zh, CATEGORIES[sec.code].label_en
    return out


def _benefits(row: Mapping[str, Any], resolved: Mapping[str, Resolved]) -> dict[str, Any]:
    trace = Trace(row, resolved)
    out: dict[str, Any] = {}
    for key, name in BENEFIT_FORMULAS.items():
        entry: dict[str, Any] = {"amount": format_yuan(int(row[name]))}
        if SPECS[name].says is not None:
            c = criterion(name, trace)
            entry.update(text_zh=c["text_zh"], text_en=c["text_en"], parameters=c["parameters"])
        out[key] = entry
    out["rounding"] = [resolved[p].as_dict() for p in ("benefit.rounding_unit", "benefit.rounding_mode") if p in resolved]
    return out


def _sum(lines: list[dict[str, Any]], **where: Any) -> str:
    return format_yuan(sum(int(x["counted_fen"]) for x in lines if all(x.get(k) == v for k, v in where.items())))


def _income(row: Mapping[str, Any], resolved: Mapping[str, Resolved], lines: Mapping[str, Any] | None) -> dict[str, Any]:
    trace = Trace(row, resolved)
    income = criterion("per_capita_income_fen", trace)
    out = {k: income[k] for k in ("label_zh", "label_en", "figures", "parameters", "text_zh", "text_en")}
    # the local choice's effect, where the deduction applies (issue 15 item 6)
    out["deduction"] = criterion("deduction_decisive", trace) if int(row["employment_deduction_fen"]) > 0 else None
    if lines is not None:
        inc = list(lines["income"])
        out["window"] = lines["window"]
        out["lines"] = inc
        # each total is the visible sum of its lines (issue 13 item 6)
        out["totals"] = {
            "counted": _sum(inc, status="counted"),
            "not_counted": format_yuan(sum(int(x["counted_fen"]) for x in inc if x["status"].startswith("not_counted"))),
            "member_excluded": _sum(inc, status="member_excluded"),
        }
    return out


def _spending(lines: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if lines is None:
        return None
    exp = list(lines["expenses"])
    return {"lines": exp, "totals": {t: _sum(exp, expense_type=t, status="counted") for t in ("medical", "education", "rehabilitation")}}


def _property(lines: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if lines is None:
        return None
    items = list(lines["property"])
    fin = sum(int(x["value_fen"]) for x in items if not x["exempt"] and x["property_type"] in ("deposit", "securities", "insurance"))
    return {"lines": items, "totals": {"financial": format_yuan(fin)}}


def _members(row: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    members: list[dict[str, Any]] = []
    persons: dict[str, int] = {}
    for mid, code in zip(row["member_ids"], row["member_categories"], strict=True):
        c = CATEGORIES.get(code)
        members.append({"member_id": mid, "category": code,
                        "label_zh": c.label_zh if c else NONE_ZH, "label_en": c.label_en if c else NONE_EN})
        persons[code] = persons.get(code, 0) + 1
    return members, persons


def explain_row(
    row: Mapping[str, Any], resolved: Mapping[str, Resolved], lines: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The explanation of one result row (JSON-ready).

    *lines*: the household's income, expense and property items as counted
    (``features.item_lines``), shown with their totals when given (the single path)."""
    labels = [CATEGORIES[c].label_zh for c in row["categories"]]
    labels_en = [CATEGORIES[c].label_en for c in row["categories"]]
    members, persons = _members(row)
    params = {path: r.value for path, r in resolved.items()}
    return {
        "household_id": row["household_id"],
        "summary_zh": "认定结果：" + ("、".join(labels) if labels else NONE_ZH) + "。",
        "summary_en": "Result: " + ("; ".join(labels_en) if labels_en else NONE_EN) + ".",
        "main_category": TIERS[int(row["main_tier"])],
        "members": members,
        "persons": persons,
        "income": _income(row, resolved, lines),
        "spending": _spending(lines),
        "property": _property(lines),
        "categories": {sec.code: _section(sec, row, resolved, params) for sec in SECTIONS},
        "benefits": _benefits(row, resolved),
    }
