"""The kinds of job: each feature app declares its long operations here, from its ``jobs.py``.

A kind is a function ``(ctx, **params) -> dict`` (the result summary, JSON) plus what the
screens need: a label, its phases (with rough relative weights, for the overall progress and
the estimated time left), the capability to start / cancel / retry it and the one to see it,
and where its result is shown.  The same function runs in the worker (`jiuzhu worker`) and in
the foreground of a command (`jiuzhu determine --all` …): one code path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Phase:
    key: str
    label: Any  # a lazy translation
    weight: float = 1.0


@dataclass(frozen=True)
class JobKind:
    key: str
    label: Any
    func: Callable[..., dict[str, Any] | None]
    start_cap: str
    view_cap: str
    phases: tuple[Phase, ...] = ()
    # result summary → (label, URL) of the page showing the result, or None.
    result_link: Callable[[dict[str, Any]], tuple[Any, str] | None] | None = None
    # result summary → lines "label: value" shown on the job page.
    result_lines: Callable[[dict[str, Any]], list[tuple[Any, Any]]] | None = None
    params_lines: Callable[[dict[str, Any]], list[tuple[Any, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def phase(self, key: str) -> Phase | None:
        return next((p for p in self.phases if p.key == key), None)


KINDS: dict[str, JobKind] = {}


def register(key: str, *, label: Any, start_cap: str, view_cap: str, phases: tuple[Phase, ...] = (),
             result_link: Callable[[dict[str, Any]], tuple[Any, str] | None] | None = None,
             result_lines: Callable[[dict[str, Any]], list[tuple[Any, Any]]] | None = None,
             params_lines: Callable[[dict[str, Any]], list[tuple[Any, Any]]] | None = None,
             ) -> Callable[[Callable[..., dict[str, Any] | None]], Callable[..., dict[str, Any] | None]]:
    """Declare a kind of job (a decorator on its function)."""

    def wrap(func: Callable[..., dict[str, Any] | None]) -> Callable[..., dict[str, Any] | None]:
        KINDS[key] = JobKind(key=key, label=label, func=func, start_cap=start_cap, view_cap=view_cap,
                             phases=phases, result_link=result_link, result_lines=result_lines,
                             params_lines=params_lines)
        return func

    return wrap


def get_kind(key: str) -> JobKind:
    try:
        return KINDS[key]
    except KeyError:
        raise LookupError(f"unknown job kind {key!r}; known: {', '.join(sorted(KINDS))}") from None


def kind_label(key: str) -> Any:
    kind = KINDS.get(key)
    return kind.label if kind is not None else _("Unknown job (%(kind)s)") % {"kind": key}
