"""Registry services: validation, scoping, encryption at rest, change records, concurrency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from jiuzhu.apps.registry import history, services
from jiuzhu.apps.registry.models import ChangeRecord, Household, IncomeItem, Member
from tests.conftest import head_data, make_household

pytestmark = pytest.mark.django_db


def test_create_household_encrypts_ids_and_records_history(users: dict[str, Any]) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    assert h.county_id == "360124" and h.township_id == "360124100"
    assert h.code.startswith("360124-")
    head = h.members.get()
    assert head.relation == "head"
    assert head.sex == "M" and head.birth_date == dt.date(1980, 1, 1)
    assert head.id_number_masked == "360124********0011"
    assert "360124198001010011" not in head.id_number_enc
    assert head.phone_masked == "" and h.phone_masked == "138****8000"
    assert ChangeRecord.objects.filter(household=h, action="create").count() == 2
    # no plaintext anywhere in the change records
    for rec in ChangeRecord.objects.filter(household=h):
        assert "360124198001010011" not in str(rec.after)
        assert "13800138000" not in str(rec.after)


def test_fifteen_digit_id_is_upgraded_and_flagged(users: dict[str, Any]) -> None:
    h = make_household(users["county"], "360124101001", "360124800101001")
    m = h.members.get()
    assert m.id_upgraded_from_15
    assert m.birth_date == dt.date(1980, 1, 1)


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"id_number": "360124198001010012"}, "id_number"),  # wrong check character
        ({"id_number": "36012419800230001X"}, "id_number"),  # 30 February
        ({"id_number": "1.10101199003071E+17"}, "id_number"),  # spreadsheet float
        ({"relation": "cousin"}, "relation"),
        ({"phone": "23800138000"}, "phone"),
    ],
)
def test_bad_member_input_is_refused_and_nothing_saved(users: dict[str, Any], bad: dict[str, Any], field: str) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    before = (Member.objects.count(), ChangeRecord.objects.count(), Household.objects.get(pk=h.pk).version)
    data = head_data("360124199001010032", relation="spouse") | bad
    with pytest.raises(ValidationError) as exc:
        services.member_add(actor=users["township"], household=h, data=data)
    assert field in exc.value.message_dict
    assert (Member.objects.count(), ChangeRecord.objects.count(), Household.objects.get(pk=h.pk).version) == before


def test_member_already_in_another_household(users: dict[str, Any]) -> None:
    make_household(users["township"], "360124100001", "360124198001010011")
    other = make_household(users["county"], "360124101001", "360124197505050020")
    # The same person, typed with a lower-case x / spaces, still matches the blind index.
    with pytest.raises(ValidationError) as exc:
        services.member_add(actor=users["county"], household=other, data=head_data(" 360124 198001010011 ", relation="child", hukou_code="360124"))
    assert "id_number" in exc.value.message_dict
    assert "household" in exc.value.message_dict["id_number"][0] or "户" in exc.value.message_dict["id_number"][0]


def test_negative_and_float_money_refused(users: dict[str, Any]) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    base = {"income_type": "wages", "period_start": "2026-01-01", "period_end": "2026-06-30"}
    for amount in ("-100", 0.1, "1234.555", "NaN", "1e3"):
        with pytest.raises(ValidationError) as exc:
            services.item_add(actor=users["township"], household=h, kind="income", data=base | {"amount": amount})
        assert "amount" in exc.value.message_dict
    assert not IncomeItem.objects.exists()
    item = services.item_add(actor=users["township"], household=h, kind="income", data=base | {"amount": "￥1,234.50"})
    assert str(item.amount) == "1234.50"


def test_region_outside_scope_is_a_field_error(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        make_household(users["township"], "360124101001", "360124198001010011")  # other township
    assert "village" in exc.value.message_dict
    assert not Household.objects.exists()


def test_out_of_scope_edit_is_404_and_no_capability_is_403(users: dict[str, Any], households: dict[str, Any]) -> None:
    with pytest.raises(Http404):
        services.household_update(actor=users["county_b"], household=households["inside"], data={"address": "x"})
    with pytest.raises(PermissionDenied):
        services.household_update(actor=users["province"], household=households["inside"], data={"address": "x"})


def test_stale_version_is_a_conflict_and_loses_nothing(users: dict[str, Any]) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    v = h.version
    services.household_update(actor=users["township"], household=h, data={"address": "新地址1"}, expected_version=v)
    with pytest.raises(services.ConflictError):
        services.household_update(actor=users["county"], household=h, data={"address": "新地址2"}, expected_version=v)
    assert Household.objects.get(pk=h.pk).address == "新地址1"


def test_update_records_old_and_new(users: dict[str, Any]) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    services.household_update(actor=users["township"], household=h, data={"address": "新地址"}, reason="搬迁")
    rec = ChangeRecord.objects.filter(household=h, action="update").get()
    assert rec.changed_fields == ["address"]
    assert rec.before["address"] == "某组1号" and rec.after["address"] == "新地址"
    assert rec.actor == users["township"] and rec.reason == "搬迁"
    # An update that changes nothing records nothing.
    services.household_update(actor=users["township"], household=h, data={"address": "新地址"})
    assert ChangeRecord.objects.filter(household=h, action="update").count() == 1


def test_household_as_of_a_past_date(users: dict[str, Any]) -> None:
    h = make_household(users["township"], "360124100001", "360124198001010011")
    tz_now = dt.datetime.now(dt.UTC)
    # Back-date the creation so that "yesterday" and "today" differ.
    ChangeRecord.objects.filter(household=h).update(at=tz_now - dt.timedelta(days=10))
    item = services.item_add(actor=users["township"], household=h, kind="income", data={
        "income_type": "wages", "amount": "1000", "period_start": "2026-01-01", "period_end": "2026-01-31",
    })
    ChangeRecord.objects.filter(object_uid=item.uid).update(at=tz_now - dt.timedelta(days=5))
    services.item_update(actor=users["township"], item=item, data={"amount": "2000"})
    services.household_update(actor=users["township"], household=h, data={"address": "新地址"})

    today = dt.date.today()
    past = history.household_state_as_of(h, today - dt.timedelta(days=7))
    assert past is not None and past["income"] == [] and past["household"]["address"] == "某组1号"
    mid = history.household_state_as_of(h, today - dt.timedelta(days=3))
    assert [i["amount"] for i in mid["income"]] == ["1000.00"]
    now = history.household_state_as_of(h, today)
    assert [i["amount"] for i in now["income"]] == ["2000.00"] and now["household"]["address"] == "新地址"
    assert now == history.household_state_now(Household.objects.get(pk=h.pk))
    assert history.household_state_as_of(h, today - dt.timedelta(days=30)) is None
    services.item_delete(actor=users["township"], item=IncomeItem.objects.get(pk=item.pk))
    assert history.household_state_as_of(h, today)["income"] == []
