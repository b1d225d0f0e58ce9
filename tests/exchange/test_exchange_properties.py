"""Property tests: hostile bytes, valid generated files, stable hashes; generator feeds."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from exchange_helpers import TODAY, csv_bytes, make_id, xlsx_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.engine.exchange import ExchangeFileError, open_table, validate_file
from jiuzhu.rules.exchange import SOURCES, get_source

DEATHS = get_source("health_deaths")
NAMES = ["f.csv", "f.xlsx", "f.jsonl", "f.parquet"]
HEADER = b"id_number,death_date,name\n"

_fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _consume(data: bytes, name: str) -> None:
    """Open and read everything; only ExchangeFileError may escape."""
    try:
        with open_table(DEATHS, io.BytesIO(data), filename=name) as r:
            for _ in r:
                pass
    except ExchangeFileError:
        pass


@_fuzz
@given(data=st.binary(max_size=2000), name=st.sampled_from(NAMES))
def test_random_bytes_raise_only_exchange_errors(data: bytes, name: str) -> None:
    _consume(data, name)


@_fuzz
@given(body=st.binary(max_size=1000), name=st.sampled_from(["f.csv", "f.jsonl"]))
def test_random_bodies_after_a_valid_header(body: bytes, name: str) -> None:
    _consume(HEADER + body, name)


_XLSX_SEED = xlsx_bytes([["身份证号", "死亡日期"], ["110101199003071233", "2024-03-07"]])


@_fuzz
@given(st.data())
def test_mutated_workbooks_raise_only_exchange_errors(data: st.DataObject) -> None:
    blob = bytearray(_XLSX_SEED)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.integers(0, 255))
    _consume(bytes(blob), "f.xlsx")


@st.composite
def death_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """A valid deaths file with distinct IDs, random formatting, in UTF-8 or GB18030."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    n = draw(st.integers(1, 30))
    ids = {make_id(rng) for _ in range(n)}
    fmt = draw(st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d"]))
    names = draw(st.lists(st.text(alphabet="张王李赵𠀀·明华 ", min_size=1, max_size=6)
                          .filter(lambda s: s.strip()), min_size=len(ids), max_size=len(ids)))
    rows = [["身份证号", "死亡日期", "姓名"]]
    for i, (id_number, name) in enumerate(zip(sorted(ids), names, strict=True)):
        d = date(2020, 1, 1) + timedelta(days=rng.randrange(1500))
        rows.append([id_number.lower() if i % 3 == 0 else id_number, d.strftime(fmt), name])
    enc = draw(st.sampled_from(["utf-8", "gb18030"]))
    delimiter = draw(st.sampled_from([",", "\t"]))
    return csv_bytes(rows, encoding=enc, delimiter=delimiter), len(ids)


@settings(max_examples=60, deadline=None)
@given(death_files())
def test_valid_generated_files_have_no_errors(case: tuple[bytes, int]) -> None:
    data, n = case
    out = validate_file(DEATHS, io.BytesIO(data), filename="f.csv", today=TODAY)
    assert out.errors == []
    assert out.valid == n == len(out.valid_rows)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=1, max_size=3000))
def test_the_same_bytes_give_the_same_hash(data: bytes) -> None:
    payload = HEADER + data

    def digest() -> str | None:
        try:
            with open_table(DEATHS, io.BytesIO(payload), filename="f.csv") as r:
                return r.content_hash
        except ExchangeFileError:
            return None

    first = digest()
    assert first == digest()


def test_different_bytes_give_different_hashes() -> None:
    a = csv_bytes([["身份证号", "死亡日期"], ["110101199003071233", "2024-03-07"]])
    b = csv_bytes([["身份证号", "死亡日期"], ["110101199003071233", "2024-03-08"]])
    hashes = []
    for data in (a, b):
        with open_table(DEATHS, io.BytesIO(data), filename="f.csv") as r:
            hashes.append(r.content_hash)
    assert hashes[0] != hashes[1] and len(hashes[0]) == 64


# --------------------------------------------------------------------------- generator feeds


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from jiuzhu.engine.synth import generate

    out = tmp_path_factory.mktemp("province")
    generate(200, 1, out)
    return out


GENERATED = sorted((s.generator_table, s.key) for s in SOURCES.values() if s.generator_table)


@pytest.mark.parametrize(("table", "key"), GENERATED)
def test_generator_parquet_feed_validates_with_zero_errors(province: Path, table: str, key: str) -> None:
    path = province / f"{table}.parquet"
    out = validate_file(get_source(key), path)
    assert out.errors == [] and out.rows == pq.read_metadata(path).num_rows == out.valid
    assert out.rows > 0


@pytest.mark.parametrize(("table", "key"), GENERATED)
def test_generator_feed_as_csv_validates_with_zero_errors(province: Path, table: str, key: str,
                                                          tmp_path: Path) -> None:
    # The same data as a department would send it as CSV: text everywhere.
    csv_path = tmp_path / f"{table}.csv"
    pacsv.write_csv(pq.read_table(province / f"{table}.parquet"), csv_path)
    parquet = validate_file(get_source(key), province / f"{table}.parquet")
    out = validate_file(get_source(key), csv_path)
    assert out.errors == []
    assert [r.values for r in out.valid_rows] == [r.values for r in parquet.valid_rows]


def _rezip(members: dict[str, bytes]) -> bytes:
    import zipfile

    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for name, blob in members.items():
            z.writestr(name, blob)
    return bio.getvalue()


@_fuzz
@given(st.data())
def test_corrupted_xml_inside_a_valid_zip_raises_only_exchange_errors(data: st.DataObject) -> None:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_XLSX_SEED)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    target = data.draw(st.sampled_from(sorted(n for n in members if n.endswith(".xml"))))
    blob = bytearray(members[target])
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(blob) - 1))
        blob[i] = data.draw(st.sampled_from(b"<>/=\"'&x0 "))
    members[target] = bytes(blob)
    _consume(_rezip(members), "f.xlsx")
