"""Field inventory of this app (merged into core.inventory.INVENTORY).

Statistics rows are aggregates (no person can be picked out of a township's count); scenarios
hold parameter changes and province-wide aggregate figures.
"""

from __future__ import annotations

_OPS = "operational"
_PURPOSE_STATS = "统计分析：低收入人口、资金 / statistics of the low-income population and money"
_PURPOSE_WHATIF = "政策模拟测算 / what-if policy simulation"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "reports.StatisticsRun": {f: (_OPS, _PURPOSE_STATS) for f in ("id", "run", "as_of", "created_at", "households")},
    "reports.StatRow": {f: (_OPS, _PURPOSE_STATS) for f in (
        "id", "statistics", "county", "township", "area_type", "kind", "key", "households", "persons", "amount")},
    "reports.Scenario": {f: (_OPS, _PURPOSE_WHATIF) for f in (
        "id", "name", "as_of", "overrides", "note", "status", "result", "error", "created_by", "created_at",
        "finished_at")},
}
