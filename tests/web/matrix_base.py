"""Building blocks of the access matrix (tests/web/test_access_matrix.py).

A feature app keeps its own entries in ``tests/web/matrix_<app>.py`` with:
- ``ENTRIES``: URL name → Entry;
- ``TARGETS`` (optional): target kind → function(where, households, users) → URL kwargs,
  where ``where`` is "inside" (a record in 进贤县 民和镇) or "outside" (宁都县);
- ``REGION_TARGETS`` (optional): target kinds scoped by region like households
  (seen by the roles in IN_SCOPE[where]);
- ``SCOPE`` (optional): target kind → {"inside": roles, "outside": roles} for targets scoped
  otherwise (e.g. by department).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
ANY = "any"


@dataclass
class Check:
    method: str
    cap: str | tuple[str, ...]  # capability (any of a tuple), ANY authenticated user, or PUBLIC
    ok: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Entry:
    target: str | None  # None, "household", "member", "item", "user"
    checks: list[Check]
    api: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)
    anon: int | None = None  # override for anonymous
    authed: int | None = None  # override for any logged-in user (e.g. login page redirects)


