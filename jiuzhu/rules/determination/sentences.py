"""Sentences of the explanation (认定说明的语句), declared with each formula.

A formula that explains itself carries a :class:`Says`: its criterion id, one sentence in
Chinese and one in English, the parameters it rests on, the figures it shows and its margin
to the line.  The sentences are templates over the *trace* — the named values
:func:`jiuzhu.rules.determination.formulas.compute` produced for the household (or for one
member) — and the resolved parameters; :func:`render` fills them in.  A sentence never
computes anything the formulas did not: it only formats their values.

Template syntax (``str.format`` with a few format specs):

=========================  =====================================================================
``{name}``                 a value of the trace; in a member's sentence, that member's value
``{name:yuan}``            integer fen as yuan with two decimals (``60000`` → ``600.00``)
``{name:?A|B}``            *A* if the value is true, else *B* (*A* and *B* may hold fields)
``{name:share/OTHER}``     *name* as a percentage of *OTHER*, two decimals (``—`` if *OTHER* is 0)
``{name:care}``            a care-level code as its code / ``{name:care_zh}`` as its Chinese label
``{p[path]}``              the value of a parameter in force (``{p[path]:pct}``: a ratio in %)
``{ok}``                   the value of the formula the sentence belongs to
``{gap:zh}`` / ``{gap:en}``  the margin in words (低 400.00 元 / 恰好相等 / 高出 …)
``{because_zh}``           the phrases of the ``because`` formulas that are true, joined
=========================  =====================================================================
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jiuzhu.rules.determination.codes import CARE_LABELS_ZH, CARE_LEVELS
from jiuzhu.rules.params.loader import Resolved

__all__ = ["Says", "Trace", "figure", "fill", "format_yuan", "percent", "render"]

@dataclass(frozen=True, slots=True)
class Says:
    """How a formula explains itself (see the module docstring for the template syntax).

    ``id``: the criterion's id in explanations (``dibao.income``); a formula without one only
    lends its sentence as a phrase (``because``) or a section text.  ``figures``: (key,
    template) pairs shown with the criterion.  ``margin``: (minuend, subtrahend, base) names
    — the margin is minuend − subtrahend, in yuan and as a % of base.  ``because``: formulas
    whose phrases, where true, say why (``{because_zh}``).  ``label_zh``/``label_en``
    override the formula's own label where the criterion reads differently.
    """

    zh: str
    en: str
    id: str | None = None
    params: tuple[str, ...] = ()
    figures: tuple[tuple[str, str], ...] = ()
    margin: tuple[str, str, str] | None = None
    because: tuple[str, ...] = ()
    label_zh: str | None = None
    label_en: str | None = None


def format_yuan(fen: int) -> str:
    """Integer fen → yuan string with two decimals (``123456`` → ``"1234.56"``)."""
    sign = "-" if fen < 0 else ""
    a = abs(int(fen))
    return f"{sign}{a // 100}.{a % 100:02d}"


def percent(part: int, whole: int) -> str | None:
    """part / whole as a percentage with two decimals (half up); None when whole is 0."""
    if whole == 0:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _ratio_pct(ratio: Any) -> str:
    """0.60 → "60" (a ratio parameter shown as a percentage)."""
    return f"{(Decimal(ratio) * 100).normalize():f}"


def _gap(margin_fen: int, lang: str) -> str:
    if lang == "zh":
        if margin_fen > 0:
            return f"低 {format_yuan(margin_fen)} 元"
        return "恰好相等" if margin_fen == 0 else f"高出 {format_yuan(-margin_fen)} 元"
    if margin_fen > 0:
        return f"{format_yuan(margin_fen)} yuan below"
    return "exactly equal" if margin_fen == 0 else f"{format_yuan(-margin_fen)} yuan above"


@dataclass(frozen=True, slots=True)
class _Gap:
    margin_fen: int


class Trace(Mapping[str, Any]):
    """The values a sentence may name: one result row (household values), seen from one member.

    Member-level values are lists in the row; for member *i* a name resolves to its *i*-th
    element.  ``p`` is the parameters' values by path.
    """

    def __init__(self, row: Mapping[str, Any], resolved: Mapping[str, Resolved], member: int | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        self.row = row
        self.resolved = resolved
        self.member = member
        self.extra = dict(extra or {})
        self.params = {path: r.value for path, r in resolved.items()}

    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        if key == "p":
            return self.params
        value = self.row[key]
        if isinstance(value, list) and self.member is not None:
            return value[self.member]
        return value

    def __iter__(self) -> Any:
        return iter(self.row)

    def __len__(self) -> int:
        return len(self.row)

    def at(self, **extra: Any) -> Trace:
        return Trace(self.row, self.resolved, self.member, {**self.extra, **extra})


class _Formatter(string.Formatter):
    def __init__(self, trace: Trace) -> None:
        self.trace = trace

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        assert isinstance(key, str), "templates use names, not positions"
        return self.trace[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("?"):
            yes, _, no = format_spec[1:].partition("|")
            return yes if value else no
        if format_spec == "yuan":
            return format_yuan(int(value))
        if format_spec.startswith("share/"):
            return percent(int(value), int(self.trace[format_spec[6:]])) or "—"
        if format_spec == "pct":
            return _ratio_pct(value)
        if format_spec == "care":
            return CARE_LEVELS[int(value)]
        if format_spec == "care_zh":
            return CARE_LABELS_ZH[int(value)]
        if isinstance(value, _Gap):
            return _gap(value.margin_fen, format_spec)
        return str(super().format_field(value, format_spec))


def fill(template: str, trace: Trace) -> str:
    """One template filled in from the trace."""
    return _Formatter(trace).format(template)


def render(says: Says, name: str, trace: Trace, *, label_zh: str, label_en: str, clause: str,
           phrases: Mapping[str, Says] | None = None) -> dict[str, Any]:
    """The criterion (or section text) of formula *name* for this trace, JSON-ready."""
    ok = trace[name]
    extra: dict[str, Any] = {"ok": ok}
    margin = None
    if says.margin is not None:
        a, b, base = says.margin
        m = int(trace[a]) - int(trace[b])
        extra["gap"] = _Gap(m)
        margin = {"yuan": format_yuan(m), "percent": percent(m, int(trace[base]))}
    if says.because:
        true = [n for n in says.because if bool(trace[n])]
        assert phrases is not None
        extra["because_zh"] = "、".join(fill(phrases[n].zh, trace) for n in true)
        extra["because_en"] = "; ".join(fill(phrases[n].en, trace) for n in true)
    t = trace.at(**extra)
    return {
        "id": says.id or name,
        "label_zh": says.label_zh or label_zh,
        "label_en": says.label_en or label_en,
        "clause": clause,
        "passed": bool(ok),
        "figures": {fill(key, t): figure(tpl, t) for key, tpl in says.figures},
        "parameters": [trace.resolved[p].as_dict() for p in says.params if p in trace.resolved],
        "margin": margin,
        "text_zh": fill(says.zh, t),
        "text_en": fill(says.en, t),
    }


def figure(template: str, trace: Trace) -> Any:
    """A figure: a bare ``{name}`` keeps its value (an integer stays an integer); else text."""
    if template.startswith("{") and template.endswith("}") and ":" not in template and template.count("{") == 1:
        return _Formatter(trace).get_field(template[1:-1], (), {})[0]
    return fill(template, trace)
