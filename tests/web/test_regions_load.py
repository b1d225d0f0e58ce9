"""Loading divisions (core.services.regions_load, set-based since ADR 0042): new, changed, unchanged, closure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jiuzhu.apps.core.models import Region, RegionClosure
from jiuzhu.apps.core.services import region_closure_rebuild, regions_load, shipped_region_rows

pytestmark = pytest.mark.django_db


def test_reloading_changes_only_what_changed_and_keeps_the_closure(regions: None) -> None:
    closure = set(RegionClosure.objects.values_list("ancestor_id", "descendant_id", "depth"))
    assert ("360000", "360124100001", 4) in closure and ("360124100001", "360124100001", 0) in closure
    assert regions_load(shipped_region_rows()) == 0  # nothing new
    rows: list[dict[str, Any]] = [
        {"code": "360124100", "name": "民和镇（新）", "level": "township", "parent_code": "360124",
         "valid_from": dt.date(1983, 1, 1), "valid_to": dt.date(2026, 1, 1), "note": "撤并"},
        {"code": "360124100003", "name": "南门村", "level": "village", "parent_code": "360124100",
         "valid_from": None, "valid_to": None, "note": ""},
    ]
    assert regions_load(rows) == 1
    town = Region.objects.get(code="360124100")
    assert (town.name, town.valid_to, town.note, town.parent_id) == ("民和镇（新）", dt.date(2026, 1, 1), "撤并", "360124")
    assert Region.objects.get(code="360124100001").name == "东门村"  # not in this load: untouched
    after = set(RegionClosure.objects.values_list("ancestor_id", "descendant_id", "depth"))
    assert after - closure == {("360124100003", "360124100003", 0), ("360124100", "360124100003", 1),
                               ("360124", "360124100003", 2), ("360100", "360124100003", 3),
                               ("360000", "360124100003", 4)}
    assert region_closure_rebuild() == len(after) == RegionClosure.objects.count()
