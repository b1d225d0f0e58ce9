"""A tiny in-memory world for the pure indicator tests: registry snapshot + monitoring tables + feeds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jiuzhu.engine.determination.snapshot import SNAPSHOT_SCHEMAS
from jiuzhu.engine.monitoring.compare import Findings, run_comparison
from jiuzhu.engine.monitoring.indicators import get_indicator
from jiuzhu.engine.monitoring.tables import MON_SCHEMAS, dept_schema, dept_table_name
from jiuzhu.rules.exchange.sources import SOURCES
from jiuzhu.rules.params.loader import ParameterSet, load_jiangxi

AS_OF = dt.date(2026, 11, 1)
COUNTY = "360124"
TOWNSHIP = "360124100"
LOADED = dt.datetime(2026, 10, 30, 12, 0, tzinfo=dt.UTC)


def days_ago(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


def months_ago(n: int) -> dt.date:
    y, m = AS_OF.year, AS_OF.month - n
    while m <= 0:
        y, m = y - 1, m + 12
    return dt.date(y, m, 1)


class World:
    def __init__(self) -> None:
        self.households: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []
        self.mon: list[dict[str, Any]] = []
        self.income: list[dict[str, Any]] = []
        self.assistance_rows: list[dict[str, Any]] = []
        self.feeds: dict[str, list[dict[str, Any]]] = {}
        self._next = 1

    def household(self, *, recipient: bool = False, last_review: dt.date | None = None, county: str = COUNTY,
                  township: str = TOWNSHIP) -> int:
        key = self._next
        self._next += 1
        self.households.append({"household_id": f"H{key}", "household_key": key, "county_code": county,
                                "area_type": "rural", "county_confirmed_hardship": False, "poverty_monitoring": False})
        self.mon.append({"household_key": key, "county_code": county, "township_code": township,
                         "village_code": township + "001", "recipient": recipient,
                         "last_review_on": last_review or AS_OF})
        return key

    def member(self, household: int, person: str, **extra: Any) -> str:
        key = self._next
        self._next += 1
        row = {"household_id": f"H{household}", "member_id": str(key), "person_key": person,
               "birth_date": dt.date(1980, 1, 1), "relation": "head", "work_capacity": "full",
               "disability_type": "none", "disability_grade": None, "serious_illness": False,
               "school_stage": "none", "employment": "farming", "household_key": household, "member_key": key}
        row.update(extra)
        self.members.append(row)
        return person

    def income_item(self, household: int, amount: str) -> None:
        self.income.append({"household_id": f"H{household}", "household_key": household, "member_id": None,
                            "income_type": "wages", "subtype": None, "amount": Decimal(amount),
                            "period_start": months_ago(11), "period_end": AS_OF})

    def assistance(self, person: str, programme: str, start: dt.date | None, end: dt.date | None = None,
                   household: int | None = None) -> None:
        self.assistance_rows.append({"person_index": person, "household_key": household, "programme": programme,
                                     "start_date": start, "end_date": end, "amount": None})

    def feed(self, source: str, person: str, *, loaded: dt.datetime = LOADED, region: str = "",
             masked: str = "360124********0011", **values: Any) -> None:
        rows = self.feeds.setdefault(source, [])
        county = region[:6] if region else masked[:6]
        rows.append({"record_id": len(rows) + 1, "person_index": person, "masked_id": masked,
                     "county_hint": county, "region_hint": region, "loaded_at": loaded, "event_date": None,
                     **{k: (Decimal(v) if isinstance(v, str) and _is_money(source, k) else v)
                        for k, v in values.items()}})

    def write(self, root: Path) -> tuple[Path, Path]:
        snap, data = root / "snap", root / "data"
        snap.mkdir(parents=True, exist_ok=True)
        data.mkdir(parents=True, exist_ok=True)
        tables = {"households": self.households, "members": self.members, "income_items": self.income}
        for name, schema in SNAPSHOT_SCHEMAS.items():
            rows = tables.get(name, [])
            pq.write_table(pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table(),
                           snap / f"{name}.parquet")
        for name, rows in (("mon_households", self.mon), ("assistance", self.assistance_rows)):
            schema = MON_SCHEMAS[name]
            pq.write_table(pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table(),
                           data / f"{name}.parquet")
        for source, rows in self.feeds.items():
            schema = dept_schema(SOURCES[source])
            full = [{n: r.get(n) for n in schema.names} for r in rows]
            pq.write_table(pa.Table.from_pylist(full, schema=schema), data / f"{dept_table_name(source)}.parquet")
        return snap, data

    def run(self, root: Path, key: str, params: ParameterSet | None = None, *,
            since: dt.datetime | None = None) -> Findings:
        snap, data = self.write(root)
        return run_comparison(snap, data, AS_OF, params or load_jiangxi(), since=since,
                              indicators=[get_indicator(key)])


def _is_money(source: str, name: str) -> bool:
    try:
        return SOURCES[source].field(name).type in ("money", "decimal")
    except KeyError:
        return False


def found(f: Findings) -> list[dict[str, Any]]:
    return f.table.to_pylist()
