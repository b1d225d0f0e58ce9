"""The commit's texts computed per column equal their per-row definitions (ADR 0042).

``jiuzhu.engine.exchange.commit.prepare`` gives, for a block of staged rows, the inputs of the
natural-key and values digests, the person's ID and its mask, the JSON payload and the event
date. The stored digests must not change with the method (a re-sent file is matched against
records stored by earlier versions), so each is checked against the per-row reference on staged
rows of every field type: text with quotes, backslashes and rare characters, dates, money,
integers, booleans, absent optional values, 15-digit upgraded IDs.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.engine.exchange.commit import (
    SEP,
    canon,
    canon_column,
    event_date,
    payload_value,
    prepare,
)
from jiuzhu.engine.exchange.validate.columns import rows_to_batch, staging_schema
from jiuzhu.pii.masking import mask_id_number
from jiuzhu.rules.exchange import get_source
from jiuzhu.rules.exchange.sources import Field, Source
from jiuzhu.rules.identity import check_char

SOURCES = [get_source(k) for k in (
    "medical_insurance_settlements",  # text, id, date, money, code, bool, region, an encrypted name
    "disabled_certificates",  # int, optional dates and money
    "medical_insurance_enrolment",  # year (int), bool, money
    "hrss_social_insurance",  # natural key of two fields
)]

TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12) | st.sampled_from(
    ['"', "\\", '\\"', "𠀀·", "张三", "a\u3000b", "{}", "null"])
DATES = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
MONEY = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("999999999999.99"), places=2,
                    allow_nan=False, allow_infinity=False)


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    born = draw(st.dates(dt.date(1930, 1, 1), dt.date(2020, 12, 31)))
    first17 = f"360102{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + check_char(first17)


def _value(f: Field) -> st.SearchStrategy[Any]:
    kind = {"date": DATES, "money": MONEY, "decimal": MONEY, "int": st.integers(-2**40, 2**40), "bool": st.booleans(),
            "id_number": id_numbers() | st.sampled_from(["360102800101001", "x"])}.get(f.type, TEXT)
    return kind if f.required else st.none() | kind


@st.composite
def staged(draw: st.DrawFn, source: Source) -> list[tuple[str | None, int, dict[str, object], tuple[str, ...]]]:
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        values = {f.name: draw(_value(f)) for f in source.fields}
        flags = (f"{source.person_field}:upgraded_from_15",) if draw(st.booleans()) else ()
        rows.append((draw(st.none() | st.sampled_from(["表1", "Sheet2"])), i + 2, values, flags))
    return rows


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_prepare_equals_the_per_row_definitions(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(SOURCES))
    items = data.draw(staged(source))
    batch = rows_to_batch(source, staging_schema(source), items)
    got = prepare(source, batch)
    assert len(got) == len(items)
    names = source.field_names
    dates = tuple(f.name for f in source.fields if f.type == "date")
    hidden = set(source.encrypt)
    for i, (sheet, _row, values, flags) in enumerate(items):
        # The values as staged (Arrow round trip: the commit's input).
        stored = got.values(i)
        assert stored == values
        assert got.sheets[i] == sheet
        assert got.upgraded[i] == (f"{source.person_field}:upgraded_from_15" in flags)
        assert got.key_text[i] == SEP.join(canon(values[k]) for k in source.natural_key)
        assert got.values_text[i] == SEP.join(canon(values[k]) for k in names)
        assert got.person[i] == str(values[source.person_field])
        assert got.masked[i] == mask_id_number(str(values[source.person_field]))
        assert json.loads(got.payload[i]) == {k: payload_value(v) for k, v in values.items() if k not in hidden}
        assert list(json.loads(got.payload[i])) == [k for k in names if k not in hidden]  # field order
        assert got.event_date[i] == event_date(values, dates)


@given(st.lists(st.none() | st.booleans(), max_size=8), st.lists(st.none() | DATES, max_size=8),
       st.lists(st.none() | MONEY, max_size=8), st.lists(st.none() | st.integers(-2**62, 2**62), max_size=8),
       st.lists(st.none() | TEXT, max_size=8))
def test_canonical_text_of_every_staged_type(bools: list[Any], dates: list[Any], money: list[Any],
                                             ints: list[Any], texts: list[Any]) -> None:
    for values, kind in ((bools, pa.bool_()), (dates, pa.date32()), (money, pa.decimal128(17, 2)),
                         (ints, pa.int64()), (texts, pa.string())):
        assert canon_column(pa.array(values, kind)).to_pylist() == [canon(v) for v in values]
