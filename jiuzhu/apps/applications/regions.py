"""The region chooser of the public pages: county → township → village, for the whole province.

About 14,000 villages cannot go into one ``<select>``: the page lists the 100 counties (grouped by
city) and small endpoints list a county's townships and a township's villages, or find villages
by name.  Only **current** regions (``valid_to`` empty), only codes, names and levels — nothing
else about a region is public.  The lists are cached (they change once a year at most) and the
endpoints are rate-limited per client address.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils import timezone

from jiuzhu.apps.core.models import Region

CACHE_SECONDS = 600
SEARCH_LIMIT = 20
_CHILD_LEVEL = {"province": "city", "city": "county", "county": "township", "township": "village"}


def _current() -> Any:
    return Region.objects.filter(valid_to__isnull=True)


def counties() -> list[dict[str, str]]:
    """Every current county-level unit, with its city, in code order."""
    def load() -> list[dict[str, str]]:
        cities = dict(_current().filter(level="city").values_list("code", "name"))
        return [{"code": c, "name": n, "city": cities.get(p or "", ""), "city_code": p or ""}
                for c, n, p in _current().filter(level="county").order_by("code").values_list("code", "name",
                                                                                                "parent_id")]
    return cache.get_or_set("applications.regions.counties", load, CACHE_SECONDS)


def counties_by_city() -> list[tuple[str, list[dict[str, str]]]]:
    groups: dict[str, list[dict[str, str]]] = {}
    for c in counties():
        groups.setdefault(c["city"], []).append(c)
    return list(groups.items())


def region(code: str) -> dict[str, str] | None:
    """A current region that has children to choose from (city, county, township), or None."""
    code = str(code or "").strip()
    if not code.isdigit() or len(code) not in (6, 9):
        return None
    row = _current().filter(code=code, level__in=("city", "county", "township")).values("code", "name",
                                                                                        "level").first()
    return dict(row) if row else None


def children(code: str) -> list[dict[str, str]] | None:
    """The current subdivisions of a current city, county or township (code order); None if unknown."""
    def load() -> list[dict[str, str]] | None:
        parent = region(code)
        if parent is None:
            return None
        return list(_current().filter(parent_id=parent["code"], level=_CHILD_LEVEL[parent["level"]])
                    .order_by("code").values("code", "name", "level"))
    key = f"applications.regions.children.{code}"
    found = cache.get(key)
    if found is None:
        found = load()
        if found is None:
            return None
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def path(village_code: str) -> dict[str, dict[str, str]] | None:
    """City, county, township and village of a current village (for showing the choice back)."""
    v = _current().filter(code=village_code, level="village").select_related(
        "parent", "parent__parent", "parent__parent__parent").first()
    if v is None or v.parent is None or v.parent.parent is None:
        return None
    t, c = v.parent, v.parent.parent
    city = c.parent
    return {
        "city": {"code": city.code, "name": city.name} if city else {"code": "", "name": ""},
        "county": {"code": c.code, "name": c.name},
        "township": {"code": t.code, "name": t.name},
        "village": {"code": v.code, "name": v.name},
    }


def search(query: str) -> list[dict[str, str]]:
    """Current villages (then townships) whose name contains ``query``, with their full path."""
    q = (query or "").strip()[:20]
    if not q:
        return []
    out: list[dict[str, str]] = []
    rows = (_current().filter(level="village", name__contains=q)
            .select_related("parent", "parent__parent", "parent__parent__parent").order_by("code")[:SEARCH_LIMIT])
    for v in rows:
        t = v.parent
        c = t.parent if t else None
        if t is None or c is None:
            continue
        city = c.parent.name if c.parent else ""
        out.append({"code": v.code, "name": v.name, "level": "village", "township": t.code, "county": c.code,
                    "path": f"{city} {c.name} {t.name}".strip()})
    return out


def allow(client_hash: str, per_minute: int) -> bool:
    """A fixed one-minute window per client (cache counter): cheap enough for a read endpoint.

    With the default per-process cache each worker counts on its own; a shared cache
    (``CACHES``) makes the limit exact.  The form and the status check count in the database."""
    key = f"applications.regions.rate.{client_hash}.{int(timezone.now().timestamp() // 60)}"
    cache.add(key, 0, 90)
    try:
        n = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, 90)
        n = 1
    return n <= per_minute
