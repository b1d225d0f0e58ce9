"""Region table access and the generated township / village subdivisions.

The region CSV (``jiuzhu/rules/data/regions_jiangxi.csv``) holds the province,
its 11 cities and the county-level units (current and retired).  Below county
level the demo uses generated subdivisions: deterministic, derived from each
county code with a fixed random generator, independent of any seed.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources

import numpy as np
import pyarrow as pa

from .arrowutil import I64, B
from .names import COMMUNITY_NAMES, PLACE_FIRST, PLACE_SECOND

SUBDIVISION_VALID_FROM = date(1983, 1, 1)
_SALT = 0x5EED_C0DE


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str
    valid_from: date
    valid_to: date | None
    note: str

    @property
    def is_district(self) -> bool:
        """An urban district (市辖区): name ends in 区."""
        return self.name.endswith("区")

    @property
    def is_county_city(self) -> bool:
        """A county-level city (县级市)."""
        return self.level == "county" and self.name.endswith("市")


@functools.cache
def load_regions() -> tuple[Region, ...]:
    """All rows of the region CSV."""
    text = (resources.files("jiuzhu.rules") / "data" / "regions_jiangxi.csv").read_text("utf-8")
    rows: list[Region] = []
    for rec in csv.DictReader(text.splitlines()):
        rows.append(
            Region(
                code=rec["code"],
                name=rec["name"],
                level=rec["level"],
                parent_code=rec["parent_code"],
                valid_from=date.fromisoformat(rec["valid_from"]),
                valid_to=date.fromisoformat(rec["valid_to"]) if rec["valid_to"] else None,
                note=rec.get("note") or "",
            )
        )
    return tuple(rows)


def current_counties() -> tuple[Region, ...]:
    return tuple(r for r in load_regions() if r.level == "county" and r.valid_to is None)


def retired_counties() -> tuple[Region, ...]:
    return tuple(r for r in load_regions() if r.level == "county" and r.valid_to is not None)


def cities() -> tuple[Region, ...]:
    return tuple(r for r in load_regions() if r.level == "city")


def _successor(r: Region) -> str | None:
    m = re.search(r"(\d{6})", r.note)
    return m.group(1) if m else None


def retired_code_for(county: Region) -> Region | None:
    """A retired county code of the same city, preferring the county's predecessor."""
    retired = [r for r in retired_counties() if r.parent_code == county.parent_code]
    if not retired:
        return None
    for r in retired:
        if _successor(r) == county.code:
            return r
    rng = np.random.default_rng([_SALT, int(county.code), 7])
    return retired[int(rng.integers(0, len(retired)))]


def _unique_names(
    rng: np.random.Generator, count: int, suffixes: list[str], taken: set[str]
) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        suffix = suffixes[len(out)]
        if suffix == "社区" and rng.random() < 0.6:
            stem = COMMUNITY_NAMES[int(rng.integers(0, len(COMMUNITY_NAMES)))]
        else:
            stem = (PLACE_FIRST[int(rng.integers(0, len(PLACE_FIRST)))]
                    + PLACE_SECOND[int(rng.integers(0, len(PLACE_SECOND)))])
        if stem[0] == stem[1]:
            continue
        name = stem + suffix
        if name in taken:
            continue
        taken.add(name)
        out.append(name)
    return out


@dataclass(frozen=True)
class Subdivisions:
    """Column arrays of the generated subdivisions (for the generator)."""

    table: pa.Table
    # townships
    t_code: I64
    t_county: I64  # index into counties
    t_name: tuple[str, ...]
    # villages
    v_code: I64
    v_township: I64  # index into townships
    v_county: I64
    v_community: B  # 社区 (urban) rather than 村
    v_name: tuple[str, ...]
    counties: tuple[Region, ...]


@functools.cache
def subdivisions() -> Subdivisions:
    counties = current_counties()
    codes: list[str] = []
    names: list[str] = []
    levels: list[str] = []
    parents: list[str] = []
    t_code: list[int] = []
    t_county: list[int] = []
    t_name: list[str] = []
    v_code: list[int] = []
    v_township: list[int] = []
    v_county: list[int] = []
    v_comm: list[bool] = []
    v_name: list[str] = []
    for ci, county in enumerate(counties):
        rng = np.random.default_rng([_SALT, int(county.code)])
        n_t = int(rng.integers(8, 21))
        if county.is_district:
            n_street = max(1, int(round(n_t * rng.uniform(0.7, 0.9))))
            kinds = ["街道"] * n_street + ["镇"] * (n_t - n_street)
        else:
            n_street = int(rng.integers(2, 5)) if county.is_county_city else 0
            n_town = max(1, int(round((n_t - n_street) * rng.uniform(0.55, 0.8))))
            kinds = ["街道"] * n_street + ["镇"] * n_town + ["乡"] * (n_t - n_street - n_town)
        tnames = _unique_names(rng, n_t, kinds, set())
        counters = {"街道": 1, "镇": 100, "乡": 200}
        for kind, tname in zip(kinds, tnames, strict=True):
            tcode = int(county.code) * 1000 + counters[kind]
            counters[kind] += 1
            ti = len(t_code)
            t_code.append(tcode)
            t_county.append(ci)
            t_name.append(tname)
            codes.append(str(tcode))
            names.append(tname)
            levels.append("township")
            parents.append(county.code)
            n_v = int(rng.integers(5, 16))
            if kind == "街道":
                vkinds = ["社区"] * n_v
            elif kind == "镇":
                n_comm = int(rng.integers(1, 3)) if rng.random() < 0.8 else 0
                vkinds = ["社区"] * n_comm + ["村"] * (n_v - n_comm)
            else:
                vkinds = ["村"] * n_v
            vnames = _unique_names(rng, n_v, vkinds, set())
            vcount = {"社区": 1, "村": 200}
            for vkind, vname in zip(vkinds, vnames, strict=True):
                vcode = tcode * 1000 + vcount[vkind]
                vcount[vkind] += 1
                v_code.append(vcode)
                v_township.append(ti)
                v_county.append(ci)
                v_comm.append(vkind == "社区")
                v_name.append(vname)
                codes.append(str(vcode))
                names.append(vname)
                levels.append("village")
                parents.append(str(tcode))
    table = pa.table(
        {
            "code": pa.array(codes, type=pa.string()),
            "name": pa.array(names, type=pa.string()),
            "level": pa.array(levels, type=pa.string()),
            "parent_code": pa.array(parents, type=pa.string()),
            "valid_from": pa.array([SUBDIVISION_VALID_FROM] * len(codes), type=pa.date32()),
        }
    )
    return Subdivisions(
        table=table,
        t_code=np.array(t_code, dtype=np.int64),
        t_county=np.array(t_county, dtype=np.int64),
        t_name=tuple(t_name),
        v_code=np.array(v_code, dtype=np.int64),
        v_township=np.array(v_township, dtype=np.int64),
        v_county=np.array(v_county, dtype=np.int64),
        v_community=np.array(v_comm, dtype=np.bool_),
        v_name=tuple(v_name),
        counties=counties,
    )


def demo_subdivisions() -> pa.Table:
    """Generated townships and villages for every current county.

    Columns: code (9-digit township / 12-digit village), name, level
    ('township' | 'village'), parent_code, valid_from (1983-01-01).  Township
    codes follow GB/T 10114 ranges (街道 001-099, 镇 100-199, 乡 200-299),
    village codes likewise (社区居委会 001-199, 村委会 200-399).  Deterministic and
    independent of any seed.
    """
    return subdivisions().table
