"""Bulk-load a synthetic province (the generator's source Parquet) into the registry.

Built for volume: rows are prepared in chunks as tuples, identifiers are
encrypted (SM4-GCM) and indexed (HMAC-SM3) on the way, and inserted with COPY
on PostgreSQL or executemany on SQLite — no ORM object per row.  The whole
load is one transaction (nothing half-loaded), and households already present
(same household number) are skipped, so loading the same files twice changes
nothing.  Every object gets its "create" change record dated the household's
registration date, so the as-of view works for loaded households too.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region
from jiuzhu.apps.core.services import regions_load
from jiuzhu.pii.crypto import Keyring, blind_index, blind_indexes, encrypt_field, encrypt_fields
from jiuzhu.pii.masking import (
    mask_bank_account,
    mask_certificate_number,
    mask_id_number,
    mask_phone,
)
from jiuzhu.rules.identity import IdNumberError, parse_id_number

from . import history
from .models import ChangeRecord, Expense, Household, IncomeItem, Member, PropertyItem, Supporter

Progress = Callable[[str, int, int], None]
CHUNK = 20_000


# Who and why, on the change records of a bulk load (shown on the household's history as they are).
BULK_ACTOR = "批量导入"
BULK_REASON = "登记数据批量导入"


class LoadError(ValueError):
    """The source files cannot be loaded; nothing was written."""


# ChangeRecord's JSON columns are written as JSON text already (json.dumps below).
_JSON_TEXT = frozenset({"before", "after", "changed_fields"})


def _insert(model: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """Full column tuples (the model's column order) through ``core.bulkwrite`` (COPY / executemany)."""
    bulkwrite.insert_rows(model, rows, encoded=_JSON_TEXT)


def _reset_sequences(models: Sequence[Any]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def _next_id(model: Any) -> int:
    last = model.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def _batches(path: Path, columns: list[str] | None = None) -> Iterator[list[dict[str, Any]]]:
    if not path.exists():
        return
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=CHUNK, columns=columns):
        yield batch.to_pylist()


def _s(value: Any) -> str:
    return "" if value is None else str(value)


class _Loader:
    def __init__(self, src: Path, ring: Keyring, progress: Progress | None) -> None:
        self.src = src
        self.ring = ring
        self.progress = progress or (lambda stage, done, total: None)
        self.now = timezone.now()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.household_pk: dict[str, int] = {}
        self.household_at: dict[str, dt.datetime] = {}
        self.member_pk: dict[str, int] = {}
        self.member_uid: dict[int, str] = {}
        self.change_rows: list[tuple[Any, ...]] = []
        self.change_id = _next_id(ChangeRecord)
        self.counts: dict[str, int] = {}
        self.field_lists: dict[Any, str] = {}

    # -- change records ---------------------------------------------------
    def _change(self, household_pk: int, at: dt.datetime, object_type: str, model: Any, values: dict[str, Any]) -> None:
        after = history.snapshot_from_values(model, values, self.member_uid.get)
        fields = self.field_lists.get(model)
        if fields is None:
            fields = self.field_lists[model] = json.dumps(sorted(after))
        self.change_rows.append((
            self.change_id, household_pk, object_type, values["uid"], "create", at, None, BULK_ACTOR,
            None, json.dumps(after, ensure_ascii=False), fields, BULK_REASON,
        ))
        self.change_id += 1

    def _flush_changes(self) -> None:
        _insert(ChangeRecord, self.change_rows)
        self.change_rows = []

    # -- stages -------------------------------------------------------------
    def regions(self) -> None:
        path = self.src / "regions.parquet"
        if not path.exists():
            return
        table = pq.read_table(path)
        rows = table.to_pylist()
        known = set(Region.objects.filter(level__in=["township", "village"]).values_list("code", flat=True))
        if {r["code"] for r in rows} - known:
            regions_load(rows)
        self.counts["regions"] = len(rows)

    def households(self) -> None:
        existing = set(Household.objects.values_list("code", flat=True))
        villages = dict(Region.objects.filter(level="village").values_list("code", "parent_id"))
        next_id = _next_id(Household)
        total = pq.ParquetFile(self.src / "households.parquet").metadata.num_rows
        done = 0
        for batch in _batches(self.src / "households.parquet"):
            rows = []
            for r in batch:
                code = r["household_id"]
                done += 1
                if code in existing:
                    continue
                village = r["village_code"]
                if village not in villages:
                    raise LoadError(f"household {code}: unknown village code {village}")
                pk, uid = next_id, uuid.uuid4()
                next_id += 1
                phone = _s(r.get("phone"))
                phone_enc = encrypt_field(self.ring, phone, table="registry_household", column="phone", row=str(uid)) if phone else ""
                registered = r["registered_on"]
                at = dt.datetime.combine(registered, dt.time(9, 0), tzinfo=self.tz)
                values = {
                    "id": pk, "uid": uid, "code": code, "county_id": r["county_code"],
                    "township_id": r["township_code"], "village_id": village, "area_type": r["area_type"],
                    "address": r["address"], "phone_enc": phone_enc, "phone_masked": mask_phone(phone) if phone else "",
                    "registered_on": registered, "version": 1, "created_at": self.now, "updated_at": self.now,
                }
                rows.append(tuple(values[f.attname] for f in Household._meta.concrete_fields))
                self.household_pk[code] = pk
                self.household_at[code] = at
                self._change(pk, at, "household", Household, values)
            _insert(Household, rows)
            self._flush_changes()
            self.progress("households", done, total)
        self.counts["households"] = len(self.household_pk)

    def members(self) -> None:
        next_id = _next_id(Member)
        path = self.src / "members.parquet"
        total = pq.ParquetFile(path).metadata.num_rows
        done = 0
        fields = Member._meta.concrete_fields
        for batch in _batches(path):
            kept = []
            for r in batch:
                done += 1
                hh = self.household_pk.get(r["household_id"])
                if hh is None:
                    continue  # household skipped (already loaded)
                try:
                    parsed = parse_id_number(r["id_number"])
                except IdNumberError as err:
                    raise LoadError(
                        f"members.parquet member {r['member_id']}: {err.message_zh} / {err.message_en} "
                        f"({mask_id_number(str(r['id_number']))})"
                    ) from err
                kept.append((r, hh, parsed, next_id, uuid.uuid4()))
                next_id += 1
            uids = [str(k[4]) for k in kept]
            # Encrypted and indexed per column, one batch call each (jiuzhu.pii.crypto).
            ids_enc = encrypt_fields(self.ring, [k[2].value for k in kept], table="registry_member",
                                     column="id_number", rows=uids)
            ids_index = blind_indexes(self.ring, [k[2].value for k in kept], purpose="id_number")
            certs = ["".join(_s(k[0].get("disability_cert_no")).split()).upper() for k in kept]
            phones = [_s(k[0].get("phone")) for k in kept]
            banks = [_s(k[0].get("bank_account")) for k in kept]
            certs_enc = self._encrypt_present(certs, "disability_cert_no", uids)
            phones_enc = self._encrypt_present(phones, "phone", uids)
            banks_enc = self._encrypt_present(banks, "bank_account", uids)
            rows = []
            for n, (r, hh, parsed, pk, uid) in enumerate(kept):
                cert, phone, bank = certs[n], phones[n], banks[n]
                values = {
                    "id": pk, "uid": uid, "household_id": hh,
                    "id_number_enc": ids_enc[n],
                    "id_number_index": ids_index[n],
                    "id_number_masked": mask_id_number(parsed.value),
                    "id_upgraded_from_15": parsed.upgraded_from_15,
                    "name": r["name"], "sex": parsed.sex, "birth_date": parsed.birth_date,
                    "relation": r["relation"], "hukou_code": r["hukou_code"], "work_capacity": r["work_capacity"],
                    "work_capacity_assessed_by": _s(r.get("work_capacity_assessed_by")) if r["work_capacity"] == "none" else "",
                    "disability_type": r["disability_type"], "disability_grade": int(r["disability_grade"] or 0),
                    "disability_cert_no_enc": certs_enc[n],
                    "disability_cert_no_masked": mask_certificate_number(cert) if cert else "",
                    "serious_illness": _s(r.get("serious_illness")),
                    "school_stage": r["school_stage"], "employment": r["employment"],
                    "adl_eating": r["adl_eating"], "adl_dressing": r["adl_dressing"], "adl_transfer": r["adl_transfer"],
                    "adl_toileting": r["adl_toileting"], "adl_walking": r["adl_walking"], "adl_bathing": r["adl_bathing"],
                    "phone_enc": phones_enc[n],
                    "phone_masked": mask_phone(phone) if phone else "",
                    "bank_account_enc": banks_enc[n],
                    "bank_account_masked": mask_bank_account(bank) if bank else "",
                }
                rows.append(tuple(values[f.attname] for f in fields))
                self.member_pk[r["member_id"]] = pk
                self.member_uid[pk] = str(uid)
                self._change(hh, self.household_at[r["household_id"]], "member", Member, values)
            _insert(Member, rows)
            self._flush_changes()
            self.progress("members", done, total)
        self.counts["members"] = len(self.member_pk)

    def _encrypt_present(self, values: list[str], column: str, uids: list[str]) -> list[str]:
        """Member *column*'s tokens ("" where the value is empty), in one batch call."""
        at = [n for n, v in enumerate(values) if v]
        tokens = encrypt_fields(self.ring, [values[n] for n in at], table="registry_member", column=column,
                                rows=[uids[n] for n in at])
        out = [""] * len(values)
        for n, token in zip(at, tokens, strict=True):
            out[n] = token
        return out

    def items(self, filename: str, model: Any, object_type: str, build: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        path = self.src / filename
        next_id = _next_id(model)
        fields = model._meta.concrete_fields
        n = 0
        for batch in _batches(path):
            rows = []
            for r in batch:
                hh = self.household_pk.get(r["household_id"])
                if hh is None:
                    continue
                uid = uuid.uuid4()
                values = {"id": next_id, "uid": uid, "household_id": hh, **build(r | {"_uid": uid})}
                next_id += 1
                rows.append(tuple(values[f.attname] for f in fields))
                self._change(hh, self.household_at[r["household_id"]], object_type, model, values)
                n += 1
            _insert(model, rows)
            self._flush_changes()
        self.progress(object_type, n, n)
        self.counts[object_type] = n

    def _member(self, ref: Any) -> int | None:
        return self.member_pk.get(ref) if ref else None

    def income(self, r: dict[str, Any]) -> dict[str, Any]:
        counted = bool(r["counted"])
        return {
            "member_id": self._member(r.get("member_id")), "income_type": r["income_type"],
            "subtype": _s(r.get("subtype")), "amount": r["amount"], "period_start": r["period_start"],
            "period_end": r["period_end"], "counted": counted,
            "exclusion_reason": "" if counted else _s(r.get("exclusion_reason")) or "不计入",
        }

    def property(self, r: dict[str, Any]) -> dict[str, Any]:
        exempt = bool(r["exempt"])
        return {
            "member_id": self._member(r.get("member_id")), "property_type": r["property_type"],
            "description": _s(r.get("description"))[:200], "value": r["value"], "exempt": exempt,
            "exempt_reason": _s(r.get("exempt_reason")) or ("豁免" if exempt else "") if exempt else "",
        }

    def expense(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "member_id": self._member(r.get("member_id")), "expense_type": r["expense_type"],
            "amount": r["amount"], "period_start": r["period_start"], "period_end": r["period_end"],
        }

    def supporter(self, r: dict[str, Any]) -> dict[str, Any]:
        raw = _s(r.get("supporter_id_number"))
        enc = index = masked = ""
        if raw:
            try:
                value = parse_id_number(raw).value
            except IdNumberError as err:
                raise LoadError(f"supporters.parquet: {err.message_zh} / {err.message_en} ({mask_id_number(raw)})") from err
            enc = encrypt_field(self.ring, value, table="registry_supporter", column="id_number", row=str(r["_uid"]))
            index = blind_index(self.ring, value, purpose="id_number")
            masked = mask_id_number(value)
        able = bool(r["able_to_support"])
        return {
            "name": r["supporter_name"],
            "id_number_enc": enc, "id_number_index": index, "id_number_masked": masked,
            "relation": _s(r.get("relation"))[:32], "able_to_support": able,
            "reason": _s(r.get("reason")) or ("" if able else "无赡养能力"),
        }


    def supporters(self) -> None:
        """Legal supporters: the source has one row per (supporter, supported member); the registry
        one supporter per person and household, with the member(s) he must support."""
        path = self.src / "supporters.parquet"
        through = Supporter.supported_members.through
        fields = Supporter._meta.concrete_fields
        next_id, next_link = _next_id(Supporter), _next_id(through)
        sup_rows: list[tuple[Any, ...]] = []
        link_rows: list[tuple[Any, ...]] = []
        pending: dict[str, dict[str, Any]] = {}  # the current household's supporters, by person
        current: str | None = None
        n = links = 0

        def flush() -> None:
            nonlocal next_link, n, links
            for entry in pending.values():
                values = entry["values"]
                sup_rows.append(tuple(values[f.attname] for f in fields))
                for member in entry["members"]:
                    link_rows.append((next_link, values["id"], member))
                    next_link += 1
                    links += 1
                self._change(values["household_id"], entry["at"], "supporter", Supporter,
                             values | {"supported_members": entry["members"]})
                n += 1
            pending.clear()

        for batch in _batches(path):
            for r in batch:
                hh = self.household_pk.get(r["household_id"])
                if hh is None:
                    continue
                if r["household_id"] != current:
                    # the generator writes supporters sorted by household; a file that is not
                    # sorted still loads, a person seen in two runs becomes two supporter rows
                    flush()
                    current = r["household_id"]
                person = _s(r.get("supporter_id_number")) or f"{_s(r.get('supporter_name'))}|{_s(r.get('relation'))}"
                entry = pending.get(person)
                if entry is None:
                    uid = uuid.uuid4()
                    values = {"id": next_id, "uid": uid, "household_id": hh, **self.supporter(r | {"_uid": uid})}
                    next_id += 1
                    entry = pending[person] = {"values": values, "members": [], "at": self.household_at[r["household_id"]]}
                member = self._member(r.get("supported_member_id"))
                if member is not None and member not in entry["members"]:
                    entry["members"].append(member)
            if len(sup_rows) >= CHUNK:
                _insert(Supporter, sup_rows)
                _insert(through, link_rows)
                self._flush_changes()
                sup_rows, link_rows = [], []
        flush()
        _insert(Supporter, sup_rows)
        _insert(through, link_rows)
        self._flush_changes()
        self.progress("supporter", n, n)
        self.counts["supporter"] = n
        self.counts["supporter_links"] = links


def load_province(src: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Load generator output from `src` into the database; returns counts and timings."""
    src = Path(src)
    if not (src / "households.parquet").exists():
        raise LoadError(f"{src}: households.parquet not found")
    started = time.perf_counter()
    loader = _Loader(src, keyring(), progress)
    with transaction.atomic():
        loader.regions()
        loader.households()
        loader.members()
        loader.items("income_items.parquet", IncomeItem, "income", loader.income)
        loader.items("property_items.parquet", PropertyItem, "property", loader.property)
        loader.items("expenses.parquet", Expense, "expense", loader.expense)
        loader.supporters()
        _reset_sequences([Household, Member, IncomeItem, PropertyItem, Expense, Supporter,
                          Supporter.supported_members.through, ChangeRecord])
    loader.counts["seconds"] = round(time.perf_counter() - started, 2)
    return loader.counts


def read_table(path: Path) -> pa.Table:
    return pq.read_table(path)
