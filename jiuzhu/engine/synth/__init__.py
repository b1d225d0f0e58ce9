"""Synthetic province generator: a deterministic, vectorised test population.

``generate(households, seed, out_dir)`` writes, as Parquet (zstd), the source
data a province's departments would hand over: the low-income registry
(households, members, income, property, necessary expenses, legal supporters)
and sixteen department feeds covering registry members and people outside
the registry.  ID numbers are plaintext here on purpose: this is *input* data,
not the platform's store.

``households.intended_category`` is the category the generator aimed at
('tekun', 'dibao', 'edge', 'rigid', 'other', 'none') — ground truth for later
checks of the determination rules under the default parameters, *not* a
determination.  ``households.intended_boundary`` marks the households placed
exactly on a threshold ('at_standard': per-capita income == the dibao standard;
'at_1_5x': == 1.5 x the standard).  See ``calibration.py`` for the synthetic
calibration (not policy).

Counting convention used to aim the categories: counted income items whose
period lies inside the 12 calendar months before the month of ``as_of``,
divided by 12 and by the number of members, compared with the monthly
standard; rigid expenditure = expense items in the same window.  A few
counted items deliberately lie in the year before the window.

Pure numpy + pyarrow; the same (households, seed, as_of) gives identical tables.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .calibration import CALIBRATION, CATEGORIES, GENERATOR_VERSION, Calibration
from .feeds import FEEDS
from .items import (
    build_expenses,
    build_households_table,
    build_income,
    build_members_table,
    build_property,
    build_supporters_table,
)
from .people import (
    assign_id_numbers,
    build_external,
    build_households,
    build_members,
    build_supporters,
)
from .regions import demo_subdivisions
from .schema import SCHEMAS
from .world import World

__all__ = [
    "CALIBRATION",
    "CATEGORIES",
    "GENERATOR_VERSION",
    "Calibration",
    "GenerateStats",
    "REGISTRY_FILES",
    "SCHEMAS",
    "FEED_FILES",
    "build_tables",
    "demo_subdivisions",
    "generate",
]

Progress = Callable[[str, int, int], None]

REGISTRY_FILES: tuple[str, ...] = (
    "regions", "households", "members", "income_items", "property_items", "expenses",
    "supporters",
)
FEED_FILES: tuple[str, ...] = tuple(FEEDS)


@dataclass(frozen=True)
class GenerateStats:
    """What ``generate`` wrote."""

    households: int
    persons: int
    seed: int
    as_of: date
    out_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _stages() -> list[str]:
    return ["households", "members", "supporters", "external", "id_numbers",
            *REGISTRY_FILES, *FEED_FILES]


def build_tables(
    households: int,
    seed: int,
    *,
    as_of: date = date(2026, 11, 1),
    progress: Progress | None = None,
    sink: Callable[[str, pa.Table], None] | None = None,
) -> dict[str, pa.Table]:
    """Generate every table in memory (or hand each to ``sink`` as it is built).

    With a ``sink`` the tables are not kept (returned dict is empty), which
    keeps the peak memory of large runs down.
    """
    if households < 1:
        raise ValueError("households must be >= 1")
    stages = _stages()
    step = 0

    def tick(name: str) -> None:
        nonlocal step
        step += 1
        if progress is not None:
            progress(name, step, len(stages))

    w = World(seed=seed, as_of=as_of)
    build_households(w, households)
    tick("households")
    build_members(w)
    tick("members")
    build_supporters(w)
    tick("supporters")
    build_external(w)
    tick("external")
    assign_id_numbers(w)
    tick("id_numbers")

    out: dict[str, pa.Table] = {}

    def emit(name: str, table: pa.Table) -> None:
        if not table.schema.equals(SCHEMAS[name]):
            raise AssertionError(f"{name}: schema drifted from SCHEMAS: {table.schema}")
        if sink is not None:
            sink(name, table)
        else:
            out[name] = table
        tick(name)

    emit("regions", demo_subdivisions())
    emit("households", build_households_table(w))
    emit("members", build_members_table(w))
    emit("income_items", build_income(w))
    emit("property_items", build_property(w))
    emit("expenses", build_expenses(w))
    emit("supporters", build_supporters_table(w))
    for name, builder in FEEDS.items():
        emit(name, builder(w))
    return out


def generate(
    households: int,
    seed: int,
    out_dir: Path,
    *,
    as_of: date = date(2026, 11, 1),
    progress: Progress | None = None,
) -> GenerateStats:
    """Generate a synthetic province and write it to ``out_dir`` as Parquet (zstd).

    Files: regions, households, members, income_items, property_items,
    expenses, supporters and the department feeds (dept_*.parquet), plus
    manifest.json (households, persons, seed, as_of, row counts, generator
    version).  ``progress(stage, done, total)`` is called after each stage.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    persons = 0

    def sink(name: str, table: pa.Table) -> None:
        nonlocal persons
        rows[name] = table.num_rows
        if name == "members":
            persons = table.num_rows
        pq.write_table(table, out_dir / f"{name}.parquet", compression="zstd")

    build_tables(households, seed, as_of=as_of, progress=progress, sink=sink)
    manifest = {
        "generator": "jiuzhu.engine.synth",
        "generator_version": GENERATOR_VERSION,
        "households": households,
        "persons": persons,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "files": {f"{name}.parquet": n for name, n in rows.items()},
        "note": ("Synthetic data. intended_category is the generator's aim (ground truth "
                 "for tests), not a determination; calibration is synthetic, not policy."),
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return GenerateStats(
        households=households, persons=persons, seed=seed, as_of=as_of, out_dir=out_dir,
        rows=rows, seconds=time.perf_counter() - t0,
    )
