"""Region keys for parameter look-up (GB/T 2260, Jiangxi).

A parameter value is keyed by a region: the province (360000), a city (设区市, first four
digits + "00") or a county.  Looking a value up for a household's county walks the chain
county → city → province.  A retired county code (撤县设区 and the like, e.g. 360782 南康市)
has no values of its own any more: it resolves straight to its city.  A code that is not
in the Jiangxi table at all is an error: guessing a region would pay the wrong standard.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from jiuzhu.rules.text import InputError

__all__ = ["PROVINCE", "Region", "RegionError", "region_chain", "regions"]

PROVINCE = "360000"


class RegionError(InputError):
    """Unknown or malformed region code (未知的区划代码)."""


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str  # province | city | county
    parent_code: str
    valid_to: date | None

    @property
    def retired(self) -> bool:
        return self.valid_to is not None


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """The Jiangxi region table, keyed by code (current and retired codes)."""
    text = resources.files("jiuzhu.rules").joinpath("data/regions_jiangxi.csv").read_text("utf-8")
    out: dict[str, Region] = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["code"]] = Region(
            code=row["code"],
            name=row["name"],
            level=row["level"],
            parent_code=row["parent_code"] or "",
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
        )
    return out


def city_of(code: str) -> str:
    """设区市 code of a county code: first four digits + "00"."""
    return code[:4] + "00"


@lru_cache(maxsize=4096)
def region_chain(code: str) -> tuple[str, ...]:
    """Look-up chain, most specific first: (county, city, province), (city, province) …

    A retired county code maps to its city (its values, if any, are no longer used).
    Raises :class:`RegionError` for a code outside the Jiangxi table.
    """
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise RegionError("region_format", "区划代码须为6位数字", "A region code must be 6 digits")
    table = regions()
    region = table.get(code)
    if region is None:
        raise RegionError(
            "region_unknown",
            f"未知的县级区划代码 {code}（不在江西省区划表中）",
            f"Unknown county code {code} (not in the Jiangxi region table)",
        )
    if region.level == "province":
        return (PROVINCE,)
    if region.level == "city":
        return (code, PROVINCE)
    if region.retired:
        return (city_of(code), PROVINCE)
    return (code, city_of(code), PROVINCE)


def region_name(code: str) -> str:
    region = regions().get(code)
    return region.name if region else code
