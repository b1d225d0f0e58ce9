"""Field inventory of this app (merged into core.inventory.INVENTORY).

Statistics rows are aggregates (no person can be picked out of a township's count): counts and sums
per region, programme, month, criterion or indicator, never a name, an ID or a household; coverage
rows likewise.  Scenarios hold parameter changes and province-wide aggregate figures.
"""

from __future__ import annotations

_OPS = "operational"
_PURPOSE_STATS = "统计分析：低收入人口、资金 / statistics of the low-income population and money"
_PURPOSE_COVERAGE = "统计分析：救助覆盖、应享未享 / statistics of programme coverage and omissions"
_PURPOSE_WHATIF = "政策模拟测算 / what-if policy simulation"

INVENTORY: dict[str, dict[str, tuple[str, str]]] = {
    "reports.StatisticsRun": {f: (_OPS, _PURPOSE_STATS) for f in (
        "id", "run", "as_of", "created_at", "households", "version")},
    "reports.StatRow": {f: (_OPS, _PURPOSE_STATS) for f in (
        "id", "statistics", "county", "township", "area_type", "kind", "key", "households", "persons", "amount")},
    "reports.FigureRow": {f: (_OPS, _PURPOSE_STATS) for f in (
        "id", "statistics", "section", "region", "month", "key", "detail", "count", "households", "amount")},
    "reports.CoverageRun": {f: (_OPS, _PURPOSE_COVERAGE) for f in (
        "id", "match_run", "determination_run", "as_of", "created_at")},
    "reports.CoverageRow": {f: (_OPS, _PURPOSE_COVERAGE) for f in (
        "id", "coverage", "region", "programme", "status", "subjects", "households")},
    # a draft revision's effect: the same aggregate figures as a scenario, by county
    "reports.RevisionEffect": {f: (_OPS, _PURPOSE_WHATIF) for f in (
        "id", "job", "revision", "as_of", "base_version", "result", "computed_at")},
    "reports.Scenario": {f: (_OPS, _PURPOSE_WHATIF) for f in (
        "id", "name", "as_of", "overrides", "note", "status", "result", "error", "created_by", "created_at",
        "finished_at")},
}
