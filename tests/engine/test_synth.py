"""Synthetic province generator (jiuzhu.engine.synth).

Run with ``.venv/bin/pytest tests/engine -p no:django``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from jiuzhu.engine.synth import (
    CALIBRATION,
    FEED_FILES,
    REGISTRY_FILES,
    SCHEMAS,
    build_tables,
    demo_subdivisions,
    generate,
)
from jiuzhu.engine.synth.items import BASIC_PENSION_REASON
from jiuzhu.rules import vocab

N = 20_000
SEED = 20261101
AS_OF = date(2026, 11, 1)
WINDOW = (date(2025, 11, 1), date(2026, 10, 31))  # the 12 months before as_of's month
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
REGION_CSV = Path(__file__).resolve().parents[2] / "jiuzhu/rules/data/regions_jiangxi.csv"


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2, written out independently of the generator."""
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid_id(s: str) -> bool:
    if len(s) != 18 or not s[:17].isdigit():
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return s[17] == check_char(s[:17])


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def region_rows() -> list[dict[str, str]]:
    import csv

    with REGION_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(autouse=True)
def _keyring() -> None:
    """Overrides the suite-wide Django keyring fixture: this generator needs no Django,
    so these tests also run with ``-p no:django``."""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth")
    seen: list[tuple[str, int, int]] = []
    stats = generate(N, SEED, d, as_of=AS_OF, progress=lambda s, i, n: seen.append((s, i, n)))
    assert stats.households == N
    assert seen and seen[-1][1] == seen[-1][2]
    return d


@pytest.fixture(scope="module")
def t(out: Path) -> dict[str, pa.Table]:
    return {p.stem: pq.read_table(p) for p in sorted(out.glob("*.parquet"))}


def col(table: pa.Table, name: str) -> list[Any]:
    return list(table.column(name).to_pylist())


# --------------------------------------------------------------------------- files


def test_all_files_and_manifest(out: Path, t: dict[str, pa.Table]) -> None:
    expected = set(REGISTRY_FILES) | set(FEED_FILES)
    assert set(t) == expected
    assert len(FEED_FILES) == 16
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["households"] == N
    assert manifest["persons"] == t["members"].num_rows
    assert manifest["seed"] == SEED
    assert manifest["as_of"] == AS_OF.isoformat()
    assert manifest["generator_version"]
    for name, table in t.items():
        assert manifest["files"][f"{name}.parquet"] == table.num_rows
        assert table.num_rows > 0, name
    meta = pq.ParquetFile(out / "members.parquet").metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


def test_household_size(t: dict[str, pa.Table]) -> None:
    mean = t["members"].num_rows / N
    assert 2.3 <= mean <= 2.55
    sizes = Counter(Counter(col(t["members"], "household_id")).values())
    assert min(sizes) == 1 and max(sizes) == 7


# --------------------------------------------------------------------------- schemas

MONEY = {
    "income_items": ["amount"], "expenses": ["amount"], "property_items": ["value"],
    "dept_medical_settlements": ["total_cost", "insurance_paid", "self_paid"],
    "dept_social_insurance": ["contribution_base"], "dept_pensions": ["monthly_amount"],
    "dept_vehicles": ["value_estimate"], "dept_disaster_victims": ["relief_amount"],
}


def test_files_match_the_published_schemas(t: dict[str, pa.Table]) -> None:
    assert set(SCHEMAS) == set(t)
    for name, table in t.items():
        assert table.schema.equals(SCHEMAS[name]), name


def test_money_is_decimal_with_two_places(t: dict[str, pa.Table]) -> None:
    for name, cols in MONEY.items():
        for c in cols:
            typ = t[name].schema.field(c).type
            assert pa.types.is_decimal(typ) and typ.scale == 2, (name, c, typ)
    assert t["income_items"].schema.field("amount").type == pa.decimal128(12, 2)
    assert t["property_items"].schema.field("value").type == pa.decimal128(14, 2)
    assert t["expenses"].schema.field("amount").type == pa.decimal128(12, 2)
    for table in t.values():
        for f in table.schema:
            assert not pa.types.is_floating(f.type), f


def test_codes_and_ids_are_text(t: dict[str, pa.Table]) -> None:
    text = {
        "households": ["household_id", "county_code", "township_code", "village_code",
                       "area_type", "address", "phone", "intended_category"],
        "members": ["member_id", "household_id", "id_number", "name", "sex", "relation",
                    "hukou_code", "work_capacity", "disability_type", "school_stage",
                    "employment", "phone", "bank_account", "disability_cert_no"],
        "income_items": ["household_id", "member_id", "id_number", "income_type", "subtype"],
        "supporters": ["supporter_id_number", "supported_member_id"],
        "regions": ["code", "parent_code", "name", "level"],
    }
    for name, cols in text.items():
        for c in cols:
            assert t[name].schema.field(c).type == pa.string(), (name, c)
    for name in FEED_FILES:
        assert t[name].schema.field("id_number").type == pa.string(), name
    m = t["members"].schema
    assert m.field("birth_date").type == pa.date32()
    assert m.field("disability_grade").type == pa.int8()
    for item in vocab.ADL_ITEMS:
        assert m.field(item).type == pa.bool_()
    h = t["households"].schema
    assert h.field("registered_on").type == pa.date32()
    assert h.field("poverty_monitoring").type == pa.bool_()
    ids = col(t["households"], "household_id")
    assert all(len(x) == 12 and x.startswith("HH") and x[2:].isdigit() for x in ids)
    mids = col(t["members"], "member_id")
    assert all(len(x) == 12 and x.startswith("P") and x[1:].isdigit() for x in mids)
    assert len(set(mids)) == len(mids) and len(set(ids)) == len(ids)


def test_vocabulary_values(t: dict[str, pa.Table]) -> None:
    def values(enum: type[StrEnum]) -> set[str]:
        return {m.value for m in enum}

    m = t["members"]
    assert set(col(m, "relation")) <= values(vocab.Relation)
    assert set(col(m, "work_capacity")) == values(vocab.WorkCapacity)
    assert set(col(m, "disability_type")) == values(vocab.DisabilityType)
    assert set(col(m, "school_stage")) == values(vocab.SchoolStage)
    assert set(col(m, "employment")) == values(vocab.Employment)
    assert set(col(t["income_items"], "income_type")) == values(vocab.IncomeType)
    assert set(col(t["property_items"], "property_type")) == values(vocab.PropertyType)
    assert set(col(t["expenses"], "expense_type")) == values(vocab.ExpenseType)
    assert set(col(t["households"], "area_type")) == values(vocab.AreaType)
    assert set(col(t["households"], "intended_category")) == {
        "tekun", "dibao", "edge", "rigid", "other", "none"}


# --------------------------------------------------------------------------- ID numbers


def test_every_id_number_is_valid_and_unique(t: dict[str, pa.Table]) -> None:
    member_ids = col(t["members"], "id_number")
    supporter_ids = col(t["supporters"], "supporter_id_number")
    assert all(is_valid_id(s) for s in member_ids)
    assert all(is_valid_id(s) for s in supporter_ids)
    assert len(set(member_ids)) == len(member_ids)
    assert not set(member_ids) & set(supporter_ids)
    for name in FEED_FILES:
        assert all(is_valid_id(s) for s in col(t[name], "id_number")), name
    # the check characters include X
    assert any(s.endswith("X") for s in member_ids)


def test_sex_and_birth_match_the_id(t: dict[str, pa.Table]) -> None:
    m = t["members"]
    for id_no, sex, birth in zip(col(m, "id_number"), col(m, "sex"), col(m, "birth_date"),
                                 strict=True):
        assert id_no[6:14] == birth.strftime("%Y%m%d")
        assert sex == ("M" if int(id_no[16]) % 2 else "F")
        assert birth < AS_OF


def test_address_codes_current_or_retired_same_city(t: dict[str, pa.Table]) -> None:
    rows = region_rows()
    retired = {r["code"]: r for r in rows if r["level"] == "county" and r["valid_to"]}
    current = {r["code"]: r for r in rows if r["level"] == "county" and not r["valid_to"]}
    hh_county = dict(zip(col(t["households"], "household_id"),
                         col(t["households"], "county_code"), strict=True))
    m = t["members"]
    n_retired = 0
    for id_no, hh, birth in zip(col(m, "id_number"), col(m, "household_id"),
                                col(m, "birth_date"), strict=True):
        code = id_no[:6]
        county = hh_county[hh]
        if code == county:
            continue
        assert code in retired, code
        r = retired[code]
        assert r["parent_code"] == current[county]["parent_code"]
        assert date.fromisoformat(r["valid_from"]) <= birth < date.fromisoformat(r["valid_to"])
        n_retired += 1
    share = n_retired / m.num_rows
    assert 0.01 <= share <= 0.03, share


# --------------------------------------------------------------------------- structure


def test_members_belong_to_households_with_one_head(t: dict[str, pa.Table]) -> None:
    hh = set(col(t["households"], "household_id"))
    heads: Counter[str] = Counter()
    for h, rel in zip(col(t["members"], "household_id"), col(t["members"], "relation"),
                      strict=True):
        assert h in hh
        heads[h] += rel == "head"
    assert set(heads) == hh
    assert set(heads.values()) == {1}
    members = set(col(t["members"], "member_id"))
    for name in ("income_items", "expenses"):
        assert set(col(t[name], "member_id")) <= members
        assert set(col(t[name], "household_id")) <= hh
    assert set(col(t["property_items"], "member_id")) - {None} <= members
    assert set(col(t["supporters"], "supported_member_id")) <= members


def test_region_codes_have_the_right_parents(t: dict[str, pa.Table]) -> None:
    current = {r["code"] for r in region_rows() if r["level"] == "county" and not r["valid_to"]}
    regions = t["regions"]
    parent = dict(zip(col(regions, "code"), col(regions, "parent_code"), strict=True))
    h = t["households"]
    for c, tw, v in zip(col(h, "county_code"), col(h, "township_code"), col(h, "village_code"),
                        strict=True):
        assert len(c) == 6 and len(tw) == 9 and len(v) == 12
        assert c in current
        assert parent[v] == tw and parent[tw] == c
        assert tw.startswith(c) and v.startswith(tw)
    assert all(len(x) == 6 and x.isdigit() for x in col(t["members"], "hukou_code"))


def test_urban_share_follows_the_county(t: dict[str, pa.Table]) -> None:
    names = {r["code"]: r["name"] for r in region_rows()}
    by: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for c, a in zip(col(t["households"], "county_code"), col(t["households"], "area_type"),
                    strict=True):
        by[names[c].endswith("区")][a] += 1
    district_urban = by[True]["urban"] / sum(by[True].values())
    county_urban = by[False]["urban"] / sum(by[False].values())
    assert district_urban > 0.6 and county_urban < 0.3


def test_demo_subdivisions() -> None:
    table = demo_subdivisions()
    assert table.column_names == ["code", "name", "level", "parent_code", "valid_from"]
    assert table.schema.field("valid_from").type == pa.date32()
    assert set(col(table, "valid_from")) == {date(1983, 1, 1)}
    rows = region_rows()
    current = {r["code"]: r["name"] for r in rows if r["level"] == "county" and not r["valid_to"]}
    assert len(current) == 100
    towns: dict[str, list[str]] = defaultdict(list)
    villages: dict[str, list[str]] = defaultdict(list)
    kind: dict[str, str] = {}
    for code, name, level, parent in zip(col(table, "code"), col(table, "name"),
                                         col(table, "level"), col(table, "parent_code"),
                                         strict=True):
        assert code.startswith(parent)
        if level == "township":
            assert len(code) == 9 and parent in current
            assert name.endswith(("街道", "镇", "乡"))
            towns[parent].append(name)
            kind[code] = name
        else:
            assert level == "village" and len(code) == 12 and parent in kind
            assert name.endswith("社区" if kind[parent].endswith("街道") else ("村", "社区"))
            if kind[parent].endswith("乡"):
                assert name.endswith("村")
            villages[parent].append(name)
    assert set(towns) == set(current)
    for county, names in towns.items():
        assert 8 <= len(names) <= 20 and len(set(names)) == len(names)
        if current[county].endswith("县"):
            assert not any(n.endswith("街道") for n in names)
        if current[county].endswith("区"):
            assert sum(n.endswith("街道") for n in names) > len(names) / 2
    for names in villages.values():
        assert 5 <= len(names) <= 15 and len(set(names)) == len(names)
    assert demo_subdivisions().equals(table)  # independent of any seed, cached


# --------------------------------------------------------------------------- people


def test_age_related_fields_are_consistent(t: dict[str, pa.Table]) -> None:
    m = t["members"].to_pylist()
    stages: dict[str, set[int]] = defaultdict(set)
    for p in m:
        age = age_on(p["birth_date"], AS_OF)
        stages[p["school_stage"]].add(age)
        assert (p["employment"] == "student") == (p["school_stage"] != "none")
        if age < 16:
            assert p["work_capacity"] == "none"
            assert p["employment"] in ("student", "not_working")
        if p["employment"] == "retired":
            assert age >= 50
        if p["disability_grade"]:
            assert p["disability_type"] != "none"
            cert = p["disability_cert_no"]
            assert cert[:18] == p["id_number"] and len(cert) == 20
            assert cert[19] == str(p["disability_grade"])
        else:
            assert p["disability_type"] == "none" and p["disability_cert_no"] is None
        if p["work_capacity"] == "none" and 16 <= age < 60:
            assert p["disability_grade"] in (1, 2)
    assert max(stages["primary"]) <= 11 and min(stages["primary"]) >= 6
    assert stages["junior"] <= {12, 13, 14}
    assert stages["preschool"] <= {3, 4, 5}
    assert stages["senior"] | stages["vocational"] <= {15, 16, 17, 18}
    assert stages["higher"] <= set(range(18, 23))


def test_population_shares(t: dict[str, pa.Table]) -> None:
    m = t["members"]
    n = m.num_rows
    grades = col(m, "disability_grade")
    disabled = sum(g > 0 for g in grades)
    assert 0.065 <= disabled / n <= 0.095
    assert 0.33 <= sum(g in (1, 2) for g in grades) / disabled <= 0.47
    ill = sum(x is not None for x in col(m, "serious_illness"))
    assert 0.04 <= ill / n <= 0.06
    ages = [age_on(b, AS_OF) for b in col(m, "birth_date")]
    assert 0.2 <= sum(a >= 60 for a in ages) / n <= 0.45
    assert 0.12 <= sum(a < 18 for a in ages) / n <= 0.3
    names = col(m, "name") + col(t["supporters"], "supporter_name")
    assert any("·" in x for x in names)
    assert any(any(ord(c) >= 0x20000 for c in x) for x in names)
    assert all(2 <= len(x) for x in names)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def test_contact_and_bank_fields(t: dict[str, pa.Table]) -> None:
    m = t["members"]
    accounts = [a for a in col(m, "bank_account") if a is not None]
    assert accounts and all(len(a) == 19 and a.isdigit() and luhn_ok(a) for a in accounts)
    phones = [p for p in col(m, "phone") if p is not None] + col(t["households"], "phone")
    assert all(len(p) == 11 and p.isdigit() and p[0] == "1" for p in phones)
    for r in m.to_pylist():
        if age_on(r["birth_date"], AS_OF) < 16:
            assert r["phone"] is None
    assert all(a.endswith(("号", "室")) for a in col(t["households"], "address"))


def test_self_care_levels_all_occur(t: dict[str, pa.Table]) -> None:
    m = t["members"]
    failed = [sum(not r[item] for item in vocab.ADL_ITEMS) for r in
              m.select(list(vocab.ADL_ITEMS)).to_pylist()]
    levels = Counter("full" if f == 0 else "partial" if f <= 3 else "total" for f in failed)
    assert levels["partial"] > 0 and levels["total"] > 0
    assert levels["full"] / len(failed) > 0.85


# --------------------------------------------------------------------------- categories


def _household_figures(t: dict[str, pa.Table]) -> dict[str, dict[str, Any]]:
    std = CALIBRATION.dibao_standard_monthly
    line = CALIBRATION.disposable_income_annual
    out: dict[str, dict[str, Any]] = {}
    for h in t["households"].to_pylist():
        urban, rural = std[h["county_code"][:4] + "00"]
        s = Decimal(urban if h["area_type"] == "urban" else rural)
        out[h["household_id"]] = {**h, "s": s, "line": Decimal(line[h["area_type"]]),
                                  "m": 0, "inc": Decimal(0), "exp": Decimal(0), "members": []}
    for p in t["members"].to_pylist():
        out[p["household_id"]]["m"] += 1
        out[p["household_id"]]["members"].append(p)
    for r in t["income_items"].to_pylist():
        if r["counted"] and r["period_start"] >= WINDOW[0] and r["period_end"] <= WINDOW[1]:
            out[r["household_id"]]["inc"] += r["amount"]
    for r in t["expenses"].to_pylist():
        assert WINDOW[0] <= r["period_start"] <= r["period_end"] <= WINDOW[1]
        out[r["household_id"]]["exp"] += r["amount"]
    return out


@pytest.fixture(scope="module")
def figures(t: dict[str, pa.Table]) -> dict[str, dict[str, Any]]:
    return _household_figures(t)


def test_category_mix(figures: dict[str, dict[str, Any]]) -> None:
    mix = Counter(h["intended_category"] for h in figures.values())
    for cat, share in CALIBRATION.category_shares.items():
        assert abs(mix[cat] / N - share) < 0.01, (cat, mix[cat])


def test_intended_categories_hold(figures: dict[str, dict[str, Any]]) -> None:
    for h in figures.values():
        s, m, inc, exp, line = h["s"], h["m"], h["inc"], h["exp"], h["line"]
        pc_month = inc / 12 / m
        cat = h["intended_category"]
        rigid = (exp > Decimal("0.6") * inc) or ((inc - exp) / 12 / m < Decimal("1.5") * s)
        if cat == "tekun":
            assert inc == 0
            for p in h["members"]:
                age = age_on(p["birth_date"], AS_OF)
                assert p["work_capacity"] == "none"
                assert age >= 60 or age < 16 or p["disability_grade"] in (1, 2)
        elif cat == "dibao":
            assert pc_month < s
        elif cat == "edge":
            assert s <= pc_month < Decimal("1.5") * s
        elif cat == "rigid":
            assert Decimal("1.5") * s <= pc_month and inc < line * m
            assert rigid
        elif cat == "other":
            assert Decimal("1.5") * s <= pc_month and inc < line * m
            assert not rigid
        else:
            assert pc_month >= Decimal("1.5") * s
            if inc < line * m:
                assert not rigid


def test_rigid_half_by_expense_ratio(figures: dict[str, dict[str, Any]]) -> None:
    rigid = [h for h in figures.values() if h["intended_category"] == "rigid"]
    by_ratio = sum(h["exp"] > Decimal("0.6") * h["inc"] for h in rigid) / len(rigid)
    assert 0.4 <= by_ratio <= 0.85


def test_boundary_households(figures: dict[str, dict[str, Any]]) -> None:
    at_std = [h for h in figures.values() if h["intended_boundary"] == "at_standard"]
    at_15 = [h for h in figures.values() if h["intended_boundary"] == "at_1_5x"]
    assert len(at_std) >= 20 and len(at_15) >= 20
    for h in at_std:
        assert h["intended_category"] == "edge"
        assert h["inc"] / 12 / h["m"] == h["s"]
    for h in at_15:
        assert h["intended_category"] in ("rigid", "none")
        assert h["inc"] / 12 / h["m"] == Decimal("1.5") * h["s"]
    assert {h["intended_category"] for h in at_15} == {"rigid", "none"}


def test_tekun_households(t: dict[str, pa.Table], figures: dict[str, dict[str, Any]]) -> None:
    tekun = [h for h in figures.values() if h["intended_category"] == "tekun"]
    assert sum(h["m"] == 1 for h in tekun) / len(tekun) > 0.85
    ages = [age_on(p["birth_date"], AS_OF) for h in tekun for p in h["members"]]
    assert sum(a >= 60 for a in ages) / len(ages) > 0.6
    assert any(a < 16 for a in ages)
    tekun_ids = {h["household_id"] for h in tekun}
    for r in t["supporters"].to_pylist():
        sid = r["supporter_id_number"]
        age = age_on(date(int(sid[6:10]), int(sid[10:12]), int(sid[12:14])), AS_OF)
        assert age >= 18
        if r["reason"] == "年满70周岁且收入低于上年人均可支配收入":
            assert age >= 70
        if r["reason"] == "本人为低保对象且年满60周岁":
            assert age >= 60
        if r["household_id"] in tekun_ids:
            assert not r["able_to_support"] and r["reason"]
        if r["able_to_support"]:
            assert r["reason"] is None
        else:
            assert r["reason"]


def test_excluded_income(t: dict[str, pa.Table]) -> None:
    basic = [r for r in t["income_items"].to_pylist() if r["subtype"] == "basic_pension"]
    assert basic
    for r in basic:
        assert r["counted"] is False and r["exclusion_reason"] == BASIC_PENSION_REASON
        assert r["income_type"] == "transfer"
    counted_reasons = pc.filter(t["income_items"]["exclusion_reason"],
                                t["income_items"]["counted"])
    assert counted_reasons.null_count == len(counted_reasons)


def test_property_exemptions(t: dict[str, pa.Table]) -> None:
    p = t["property_items"].to_pylist()
    reasons = {r["exempt_reason"] for r in p if r["exempt"]}
    assert {"残疾人代步车", "唯一住房"} <= reasons
    assert all((r["exempt_reason"] is not None) == r["exempt"] for r in p)
    assert all(r["value"] > 0 for r in p)


# --------------------------------------------------------------------------- feeds


def test_feeds_mix_registry_and_outsiders(t: dict[str, pa.Table]) -> None:
    registry = set(col(t["members"], "id_number"))
    earliest = AS_OF - timedelta(days=731)
    date_cols = {
        "dept_medical_settlements": "settle_date", "dept_unemployment": "registered_on",
        "dept_deaths": "death_date", "dept_disability_certs": "issued_on",
        "dept_serious_illness": "diagnosed_on", "dept_difficult_workers": "registered_on",
        "dept_poverty_monitoring": "identified_on", "dept_disaster_victims": "event_date",
        "dept_social_insurance": "month", "dept_hukou_changes": "change_date",
    }
    # registrations that last (a car, a home, a business): households declared theirs, registered
    # before they came into the registry, years ago
    stock_cols = {"dept_vehicles": "registered_on", "dept_real_estate": "registered_on",
                  "dept_businesses": "registered_on"}
    for name in FEED_FILES:
        ids = col(t[name], "id_number")
        outside = sum(i not in registry for i in ids) / len(ids)
        aimed = CALIBRATION.feed_external_share[name]
        assert abs(outside - aimed) <= 0.05, (name, outside)
        if name in date_cols:
            days = col(t[name], date_cols[name])
            assert min(days) >= earliest and max(days) < AS_OF, name
        if name in stock_cols:
            days = col(t[name], stock_cols[name])
            assert min(days) >= date(1960, 1, 1) and max(days) < AS_OF, name
            assert sum(d < earliest for d in days) > len(days) // 5, name
    certs = {r["id_number"]: r for r in t["members"].to_pylist() if r["disability_grade"]}
    same = sum(r["cert_no"] == certs[r["id_number"]]["disability_cert_no"]
               for r in t["dept_disability_certs"].to_pylist() if r["id_number"] in certs)
    assert same / len(certs) > 0.9
    med = t["dept_medical_settlements"]
    assert pc.all(pc.equal(pc.add(med["insurance_paid"], med["self_paid"]),
                           med["total_cost"])).as_py()
    assert len(set(col(med, "settlement_id"))) == med.num_rows


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_tables_different_seed_differs(tmp_path: Path) -> None:
    a = build_tables(1_500, 99, as_of=AS_OF)
    b = build_tables(1_500, 99, as_of=AS_OF)
    c = build_tables(1_500, 100, as_of=AS_OF)
    assert a.keys() == b.keys() == c.keys()
    for name in a:
        assert a[name].equals(b[name]), name
    assert not a["members"].equals(c["members"])
    assert not a["households"].equals(c["households"])
    generate(800, 5, tmp_path / "x", as_of=AS_OF)
    generate(800, 5, tmp_path / "y", as_of=AS_OF)
    for f in sorted((tmp_path / "x").iterdir()):
        assert f.read_bytes() == (tmp_path / "y" / f.name).read_bytes(), f.name


def test_other_as_of_dates(tmp_path: Path) -> None:
    as_of = date(2025, 3, 17)
    tables = build_tables(500, 3, as_of=as_of)
    births = col(tables["members"], "birth_date")
    assert max(births) < as_of
    income = tables["income_items"].to_pylist()
    starts = {r["period_start"] for r in income if r["counted"]}
    assert date(2024, 3, 1) in starts
    assert max(r["period_end"] for r in income) == date(2025, 2, 28)
    with pytest.raises(ValueError):
        build_tables(0, 1)
    with pytest.raises(ValueError):
        build_tables(10, -1)
