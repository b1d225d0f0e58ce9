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
``{a/b:yuan}``             the exact quotient a ÷ b (fen) as yuan: two decimals when it is a whole
                           fen, else ``≈`` and four decimals cut (never rounded up to the line)
``{name:?A|B}``            *A* if the value is true, else *B* (*A* and *B* may hold fields)
``{name:share/OTHER}``     *name* as a percentage of *OTHER*, two decimals (``—`` if *OTHER* is 0)
``{name:care}``            a care-level code as its code / ``{name:care_zh}`` as its Chinese label
``{name:assessor}``        a work-capacity assessor code as the body's Chinese name (``assessor_en``: code)
``{p[path]}``              the value of a parameter in force (``{p[path]:pct}``: a ratio in %)
``{ok}``                   the value of the formula the sentence belongs to
``{gap:zh}`` / ``{gap:en}``  the margin in words (低 400.00 元 / 恰好相等 / 高出 …)
``{because_zh}``           the phrases of the ``because`` formulas that are true, joined
=========================  =====================================================================
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from jiuzhu.rules.determination.codes import ASSESSORS, CARE_LABELS_ZH, CARE_LEVELS
from jiuzhu.rules.params.loader import Resolved
from jiuzhu.rules.vocab import CapacityAssessor, label_zh

__all__ = ["Says", "Trace", "figure", "fill", "format_yuan", "percent", "render"]

@dataclass(frozen=True, slots=True)
class Says:
    """How a formula explains itself (see the module docstring for the template syntax).

    ``id``: the criterion's id in explanations (``dibao.income``); a formula without one only
    lends its sentence as a phrase (``because``) or a section text.  ``figures``: (key,
    template) pairs shown with the criterion.  ``margin``: (minuend, subtrahend, base) names
    (or ``a/b`` exact quotients) — the margin is minuend − subtrahend, in yuan and as a % of
    base, exact.  ``because``: formulas whose phrases, where true, say why
    (``{because_zh}``).  ``label_zh``/``label_en`` override the formula's own label where
    the criterion reads differently.  ``any_of``: criteria of one group are alternatives.
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
    any_of: str | None = None


def format_yuan(fen: int | Fraction) -> str:
    """Fen → yuan string: ``123456`` → ``"1234.56"``; a fraction of a fen → ``"≈849.9966"``.

    An exact amount that is not a whole fen (a per-capita income of 30599.88 ÷ 36) is shown
    with four decimals cut toward zero and marked ≈, so a figure below a line never reads as
    equal to it (849.99666… is "≈849.9966", not "850.00")."""
    if isinstance(fen, Fraction) and fen.denominator != 1:
        sign = "-" if fen < 0 else ""
        ten_thousandths = int(abs(fen) * 100)  # 1 fen = 100 ten-thousandths of a yuan
        return f"≈{sign}{ten_thousandths // 10000}.{ten_thousandths % 10000:04d}"
    sign = "-" if fen < 0 else ""
    a = abs(int(fen))
    return f"{sign}{a // 100}.{a % 100:02d}"


def percent(part: int | Fraction, whole: int | Fraction) -> str | None:
    """part / whole as a percentage with two decimals (half up); None when whole is 0."""
    if whole == 0:
        return None
    q = Fraction(part) * 100 / Fraction(whole) if isinstance(part, Fraction) or isinstance(whole, Fraction) else None
    if q is None:
        return str((Decimal(int(part)) * 100 / Decimal(int(whole))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return str((Decimal(q.numerator) / Decimal(q.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _ratio_pct(ratio: Any) -> str:
    """0.60 → "60" (a ratio parameter shown as a percentage)."""
    return f"{(Decimal(ratio) * 100).normalize():f}"


def _gap(margin_fen: int | Fraction, lang: str) -> str:
    if lang == "zh":
        if margin_fen > 0:
            return f"低 {format_yuan(margin_fen)} 元"
        return "恰好相等" if margin_fen == 0 else f"高出 {format_yuan(-margin_fen)} 元"
    if margin_fen > 0:
        return f"{format_yuan(margin_fen)} yuan below"
    return "exactly equal" if margin_fen == 0 else f"{format_yuan(-margin_fen)} yuan above"


@dataclass(frozen=True, slots=True)
class _Gap:
    margin_fen: int | Fraction


class Trace(Mapping[str, Any]):
    """The values a sentence may name: one result row (household values), seen from one member.

    Member-level values are lists in the row; for member *i* a name resolves to its *i*-th
    element.  ``p`` is the parameters' values by path.
    """

    def __init__(self, row: Mapping[str, Any], resolved: Mapping[str, Resolved], member: int | None = None,
                 extra: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None) -> None:
        self.row = row
        self.resolved = resolved
        self.member = member
        self.extra = dict(extra or {})
        self.params = params if params is not None else {path: r.value for path, r in resolved.items()}
        self._shown: dict[str, dict[str, Any]] = {}

    def shown(self, path: str) -> dict[str, Any]:
        """A parameter's provenance as shown with a criterion (built once per trace)."""
        if path not in self._shown:
            self._shown[path] = self.resolved[path].as_dict()
        return self._shown[path]

    def __getitem__(self, key: str) -> Any:
        if key in self.extra:
            return self.extra[key]
        if "/" in key:  # an exact quotient of two trace values (or integer constants)
            a, b = key.split("/", 1)
            num, den = self._int(a), self._int(b)
            return num // den if num % den == 0 else Fraction(num, den)
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

    def _int(self, name: str) -> int:
        return int(name) if name.isdigit() else int(self[name])

    def at(self, **extra: Any) -> Trace:
        t = Trace(self.row, self.resolved, self.member, {**self.extra, **extra}, self.params)
        t._shown = self._shown
        return t

    def member_view(self, member: int) -> Trace:
        """The same trace seen from member *member*."""
        t = Trace(self.row, self.resolved, member, self.extra, self.params)
        t._shown = self._shown
        return t

    def field(self, name: str) -> Any:
        """A template field: ``name``, ``a/b`` or ``p[path]``."""
        if name.endswith("]") and "[" in name:
            base, _, key = name[:-1].partition("[")
            return self[base][key]
        return self[name]


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
            return format_yuan(value if isinstance(value, Fraction) else int(value))
        if format_spec.startswith("share/"):
            return percent(int(value), int(self.trace[format_spec[6:]])) or "—"
        if format_spec == "pct":
            return _ratio_pct(value)
        if format_spec == "care":
            return CARE_LEVELS[int(value)]
        if format_spec == "care_zh":
            return CARE_LABELS_ZH[int(value)]
        if format_spec in ("assessor", "assessor_en"):
            code = int(value)
            if not 0 <= code < len(ASSESSORS):
                return "—"
            return label_zh(CapacityAssessor(ASSESSORS[code])) if format_spec == "assessor" else ASSESSORS[code]
        if isinstance(value, _Gap):
            return _gap(value.margin_fen, format_spec)
        return str(super().format_field(value, format_spec))


_Part = tuple[str, str | None, "str | tuple[Any, ...]"]
_PARSER = string.Formatter()


@functools.cache
def _compile(template: str) -> tuple[_Part, ...]:
    """A template parsed once: (literal, field, spec) parts; a spec holding fields is compiled too.

    (``string.Formatter`` re-parses every time; explanations fill thousands of sentences.)"""
    parts: list[_Part] = []
    for literal, field, spec, _conversion in _PARSER.parse(template):
        parts.append((literal, field, _compile(spec) if spec and "{" in spec else (spec or "")))
    return tuple(parts)


def _fill(parts: tuple[_Part, ...], trace: Trace, fmt: _Formatter) -> str:
    out: list[str] = []
    for literal, field, spec in parts:
        out.append(literal)
        if field is not None:
            spec_text = spec if isinstance(spec, str) else _fill(spec, trace, fmt)
            out.append(fmt.format_field(trace.field(field), spec_text))
    return "".join(out)


def fill(template: str, trace: Trace) -> str:
    """One template filled in from the trace."""
    return _fill(_compile(template), trace, _Formatter(trace))


def render(says: Says, name: str, trace: Trace, *, label_zh: str, label_en: str, clause: str,
           phrases: Mapping[str, Says] | None = None) -> dict[str, Any]:
    """The criterion (or section text) of formula *name* for this trace, JSON-ready."""
    ok = trace[name]
    extra: dict[str, Any] = {"ok": ok}
    margin = None
    if says.margin is not None:
        a, b, base = says.margin
        x, y = trace[a], trace[b]
        m = x - y if isinstance(x, int) and isinstance(y, int) else Fraction(x) - Fraction(y)
        m_shown: int | Fraction = int(m) if isinstance(m, Fraction) and m.denominator == 1 else m
        extra["gap"] = _Gap(m_shown)
        margin = {"yuan": format_yuan(m_shown), "percent": percent(m, trace[base])}
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
        "parameters": [trace.shown(p) for p in says.params if p in trace.resolved],
        "margin": margin,
        "any_of": says.any_of,
        "text_zh": fill(says.zh, t),
        "text_en": fill(says.en, t),
    }


def figure(template: str, trace: Trace) -> Any:
    """A figure: a bare ``{name}`` keeps its value (an integer stays an integer); else text."""
    if template.startswith("{") and template.endswith("}") and ":" not in template and template.count("{") == 1:
        return trace.field(template[1:-1])
    return fill(template, trace)
