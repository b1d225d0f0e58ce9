"""core.bulkwrite (ADR 0032, 0042): the set-based writes store exactly what the ORM would read back."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.exchange.models import AssistanceRecord, ImportBatch, OutboxMessage

pytestmark = pytest.mark.django_db

CHAIN_COLUMNS = ["record_id", "uid", "id", "person_index", "member_id", "household_id", "programme", "department",
                 "start_date", "end_date", "amount", "amount_basis", "in_kind", "source", "fact_key", "batch_id",
                 "created_at"]  # any order: the rows follow the names


def _batch() -> ImportBatch:
    return ImportBatch.objects.create(source="medical_insurance_settlements", department="medical_insurance",
                                      content_hash="0" * 64, channel="cli", filename="x.csv")


def _rows(batch: ImportBatch, n: int, now: dt.datetime) -> list[tuple[object, ...]]:
    ids = bulkwrite.allocate_ids(AssistanceRecord, n)
    uids = bulkwrite.uuid4_texts(n)
    return [(None, uids[i], ids[i], f"p{i}", None, None, "medical_assistance", "medical_insurance",
             dt.date(2026, 1, 1 + i % 28), None, Decimal("12.30") + i, "total", "", "medical_insurance_settlements",
             f"k{i}", batch.pk, now) for i in range(n)]


def test_insert_rows_by_column_names_reads_back_as_the_orm_stores() -> None:
    batch, now = _batch(), timezone.now()
    with transaction.atomic():
        rows = _rows(batch, 1200, now)
        bulkwrite.insert_rows(AssistanceRecord, rows, CHAIN_COLUMNS)
    stored = {r.fact_key: r for r in AssistanceRecord.objects.all()}
    assert len(stored) == 1200
    for row in rows[:50]:
        r = stored[str(row[14])]
        assert (r.pk, str(r.uid), r.start_date, r.amount, r.batch_id, r.created_at) == (
            row[2], row[1], row[8], row[10], batch.pk, now)
        assert isinstance(r.uid, uuid.UUID) and r.uid.version == 4


def test_insert_rows_refuses_a_column_list_that_is_not_the_models() -> None:
    with transaction.atomic(), pytest.raises(ValueError):
        bulkwrite.insert_rows(AssistanceRecord, [(1,)], ["id"])


def test_update_rows_sets_only_the_named_columns_and_passes_encoded_json() -> None:
    batch, now = _batch(), timezone.now()
    with transaction.atomic():
        rows = _rows(batch, 3, now)
        bulkwrite.insert_rows(AssistanceRecord, rows, CHAIN_COLUMNS)
        bulkwrite.update_rows(AssistanceRecord, ["amount", "in_kind"],
                              [(Decimal("99.99"), "实物·𠀀", rows[0][2]), (None, "", rows[1][2])])
    a, b, c = (AssistanceRecord.objects.get(pk=r[2]) for r in rows)
    assert (a.amount, a.in_kind, a.fact_key) == (Decimal("99.99"), "实物·𠀀", "k0")
    assert (b.amount, c.amount) == (None, Decimal("14.30"))
    payload = {"名": "张三", "q": '"\\', "n": 1, "d": None}
    with transaction.atomic():
        [pk] = bulkwrite.allocate_ids(OutboxMessage, 1)
        cols = bulkwrite.columns(OutboxMessage)
        row = {"id": pk, "uid": bulkwrite.uuid4_texts(1)[0], "key": "k", "department": "d", "topic": "t",
               "payload": json.dumps(payload, ensure_ascii=False), "state": "pending", "attempts": 0,
               "next_attempt_at": None, "last_error": "", "created_at": now, "delivered_at": None, "acked_at": None}
        bulkwrite.insert_rows(OutboxMessage, [tuple(row[c] for c in cols)], cols, encoded={"payload"})
        bulkwrite.update_rows(OutboxMessage, ["attempts"], [(3, pk)])
    m = OutboxMessage.objects.get(pk=pk)
    assert (m.payload, m.attempts) == (payload, 3)


def test_among_binds_any_number_of_values_as_one_parameter() -> None:
    batch, now = _batch(), timezone.now()
    with transaction.atomic():
        rows = _rows(batch, 2500, now)
        bulkwrite.insert_rows(AssistanceRecord, rows, CHAIN_COLUMNS)
    keys = [f"k{i}" for i in range(0, 2500, 2)] + ["absent", "k'; DROP TABLE x; --"]
    assert AssistanceRecord.objects.filter(bulkwrite.among(AssistanceRecord, "fact_key", keys)).count() == 1250
    odd = ["k1,k3", "", "k5"]  # a comma, an empty text: still exactly these values
    assert sorted(AssistanceRecord.objects.filter(bulkwrite.among(AssistanceRecord, "fact_key", odd))
                  .values_list("fact_key", flat=True)) == ["k5"]
    ids = [int(r[2]) for r in rows[:1700]]  # type: ignore[call-overload]
    assert AssistanceRecord.objects.filter(bulkwrite.among(AssistanceRecord, "id", ids)).count() == 1700
    assert AssistanceRecord.objects.filter(bulkwrite.among(AssistanceRecord, "record", [], ints=True)).count() == 0
    assert AssistanceRecord.objects.filter(bulkwrite.among(AssistanceRecord, "fact_key", []),
                                           programme="medical_assistance").count() == 0
    with pytest.raises(TypeError):
        bulkwrite.among(AssistanceRecord, "id", [1, "2"])


def test_uuid4_texts_are_distinct_version_4_uuids() -> None:
    texts = bulkwrite.uuid4_texts(5000)
    parsed = [uuid.UUID(t) for t in texts]
    assert len(set(texts)) == 5000 and all(u.version == 4 and u.variant == uuid.RFC_4122 for u in parsed)
    assert [str(u) for u in parsed] == texts and bulkwrite.uuid4_texts(0) == []


def test_read_arrow_gives_the_orms_values_column_wise() -> None:
    import pyarrow as pa
    from django.db.models import TextField
    from django.db.models.functions import Cast

    from jiuzhu.apps.core.bulkread import read_arrow

    batch, now = _batch(), timezone.now()
    with transaction.atomic():
        rows = _rows(batch, 30, now)
        bulkwrite.insert_rows(AssistanceRecord, rows, CHAIN_COLUMNS)
        bulkwrite.update_rows(AssistanceRecord, ["start_date", "in_kind"], [(None, "𠀀·", rows[0][2])])
    qs = AssistanceRecord.objects.order_by("id")
    schema = pa.schema([("id", pa.int64()), ("fact_key", pa.string()), ("start_date", pa.date32()),
                        ("created_at", pa.timestamp("us", tz="UTC")), ("created_text", pa.timestamp("us", tz="UTC")),
                        ("in_kind", pa.string())])
    got = read_arrow(qs.annotate(created_text=Cast("created_at", TextField())).values_list(
        "id", "fact_key", "start_date", "created_at", "created_text", "in_kind"), schema)
    expected = list(qs.values_list("id", "fact_key", "start_date", "created_at", "created_at", "in_kind"))
    assert [tuple(r.values()) for r in got.to_pylist()] == expected
    assert got.num_rows == 30 and got.column("start_date")[0].as_py() is None
