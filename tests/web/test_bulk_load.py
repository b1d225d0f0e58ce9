"""Loading a generated province: complete, encrypted, atomic, idempotent, readable as of a past date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.registry import history
from jiuzhu.apps.registry.bulk import LoadError, load_province
from jiuzhu.apps.registry.models import ChangeRecord, Household, IncomeItem, Member, Supporter
from jiuzhu.engine.synth import generate
from jiuzhu.pii.crypto import decrypt_field

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def province(tmp_path_factory: Any) -> Path:
    out = tmp_path_factory.mktemp("province")
    generate(300, 7, out)
    return out


def test_load_is_complete_and_encrypted(regions: None, province: Path) -> None:
    counts = load_province(province)
    members = pq.read_table(province / "members.parquet")
    assert counts["households"] == Household.objects.count() == 300
    assert counts["members"] == Member.objects.count() == members.num_rows
    assert IncomeItem.objects.count() == pq.read_table(province / "income_items.parquet").num_rows
    # supporters: one row per (household, person) with the member(s) he must support (issue 15)
    sup = pq.read_table(province / "supporters.parquet").to_pylist()
    assert Supporter.objects.count() == len({(r["household_id"], r["supporter_id_number"]) for r in sup})
    linked = [r for r in sup if r["supported_member_id"]]
    assert Supporter.supported_members.through.objects.count() == counts["supporter_links"] == len(linked)
    # Every ID number decrypts to the source value, bound to its own row.
    source = {r["id_number"] for r in members.select(["id_number"]).to_pylist()}
    stored = {
        decrypt_field(keyring(), m.id_number_enc, table="registry_member", column="id_number", row=str(m.uid))
        for m in Member.objects.all()
    }
    assert stored == source
    assert not Member.objects.filter(id_number_masked__in=list(source)).exists()
    # One create record per object, dated at registration.
    objects = sum(counts[k] for k in ("households", "members", "income", "property", "expense", "supporter"))
    assert ChangeRecord.objects.count() == objects
    h = Household.objects.order_by("code").first()
    assert history.household_state_as_of(h, h.registered_on - dt.timedelta(days=1)) is None
    state = history.household_state_as_of(h, h.registered_on)
    assert state is not None and len(state["member"]) == h.members.count()
    assert state == history.household_state_now(h)


def test_loading_twice_changes_nothing(regions: None, province: Path) -> None:
    load_province(province)
    before = (Household.objects.count(), Member.objects.count(), ChangeRecord.objects.count(), Supporter.objects.count())
    again = load_province(province)
    assert again["households"] == 0
    assert (Household.objects.count(), Member.objects.count(), ChangeRecord.objects.count(), Supporter.objects.count()) == before


def test_a_bad_row_loads_nothing(regions: None, province: Path, tmp_path: Path) -> None:
    for f in province.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    members = pq.read_table(province / "members.parquet")
    ids = members.column("id_number").to_pylist()
    ids[-1] = ids[-1][:17] + ("0" if ids[-1][17] != "0" else "1")  # wrong check character, last row
    bad = members.set_column(members.schema.get_field_index("id_number"), "id_number", pa.array(ids))
    pq.write_table(bad, tmp_path / "members.parquet")
    with pytest.raises(LoadError) as exc:
        load_province(tmp_path)
    assert ids[-1] not in str(exc.value)  # the message masks the number
    assert Household.objects.count() == Member.objects.count() == ChangeRecord.objects.count() == 0
