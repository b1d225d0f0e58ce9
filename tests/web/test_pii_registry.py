"""Issue 12 items 1 and 9 on the registry's pages, forms and API: each finding, as it was filed.

Every test here failed on the code before the fix (the finding it names), and passes now.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.registry import services
from jiuzhu.apps.registry.models import ChangeRecord, Member
from jiuzhu.pii.scan import find_id_numbers, rebuild
from jiuzhu.rules.identity import age_on

pytestmark = pytest.mark.django_db

HEAD_ID = "360124198001010011"  # the conftest "inside" household's head
CERT = HEAD_ID + "42"  # 残疾人证号: the ID number + type digit + grade digit


def _registry(number: str) -> bool:
    from jiuzhu.apps.registry.services import id_index

    return Member.objects.filter(id_number_index=id_index(number)).exists()


def _leaks(text: str) -> set[str]:
    """ID numbers the text shows in clear or lets one rebuild (ADR 0024)."""
    return set(find_id_numbers(text)) | rebuild(text, _registry, on=timezone.localdate())


def _disabled_head(households: dict[str, Any], users: dict[str, Any]) -> Member:
    head = households["inside"].members.get()
    services.member_update(actor=users["county"], member=head, data={
        "disability_type": "physical", "disability_grade": 2, "disability_cert_no": CERT})
    return Member.objects.get(pk=head.pk)


# --- item 1: the masked ID beside the birth date was the full ID -----------------------------


def test_household_page_shows_the_age_not_the_birth_date(client: Any, households: dict[str, Any],
                                                          users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    page = client.get(f"/households/{households['inside'].pk}/").content.decode()
    assert "360124********0011" in page
    assert "1980-01-01" not in page and _leaks(page) == set()
    assert f">{age_on(dt.date(1980, 1, 1), timezone.localdate())}<" in page
    past = client.get(f"/households/{households['inside'].pk}/", {"as_of": timezone.localdate().isoformat()})
    assert "360124********0011" in past.content.decode() and _leaks(past.content.decode()) == set()


def test_history_masks_the_birth_date_of_a_changed_id(client: Any, households: dict[str, Any],
                                                       users: dict[str, Any]) -> None:
    head = households["inside"].members.get()
    services.member_update(actor=users["county"], member=head, data={"id_number": "360124199002020021"})
    client.force_login(users["county"])
    page = client.get(f"/households/{households['inside'].pk}/history/").content.decode()
    assert "360124********0021" in page and "1990-**-**" in page and "1980-**-**" in page
    assert "1990-02-02" not in page and "1980-01-01" not in page and _leaks(page) == set()


def test_api_returns_the_age_and_never_rebuilds(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    _disabled_head(households, users)
    client.force_login(users["county"])
    h = households["inside"]
    for url, params in ((f"/api/households/{h.pk}/", {}),
                        (f"/api/households/{h.pk}/", {"as_of": timezone.localdate().isoformat()}),
                        (f"/api/members/{h.members.get().pk}/", {}),
                        ("/api/households/", {"purpose": "case_handling"})):
        body = client.get(url, params).content.decode()
        assert "birth_date" not in body and _leaks(body) == set(), url
    member = client.get(f"/api/members/{h.members.get().pk}/").json()
    assert member["age"] == age_on(dt.date(1980, 1, 1), timezone.localdate())
    assert member["disability_cert_no_masked"] == "360124********0011**"


# --- item 1: certificate numbers (ID + 2 digits) in clear -----------------------------------


def test_certificate_number_is_encrypted_masked_and_not_prefilled(client: Any, households: dict[str, Any],
                                                                  users: dict[str, Any]) -> None:
    head = _disabled_head(households, users)
    assert head.disability_cert_no_masked == "360124********0011**" and head.disability_cert_no_enc.startswith("v1:")
    # Nowhere in the database in clear: not in the member row, not in the change records.
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM registry_member")
        rows = str(cur.fetchall())
        cur.execute("SELECT before, after FROM registry_changerecord")
        changes = str(cur.fetchall())
    assert CERT not in rows and HEAD_ID not in rows and CERT not in changes and HEAD_ID not in changes
    client.force_login(users["county"])
    page = client.get(f"/households/{households['inside'].pk}/").content.decode()
    assert "360124********0011**" in page and CERT not in page
    form = client.get(f"/members/{head.pk}/edit/").content.decode()
    assert CERT not in form and HEAD_ID not in form and "360124********0011**" in form  # shown masked only
    # An empty input keeps the stored number.
    data = {"name": head.name, "relation": "head", "work_capacity": "full", "employment": "farming",
            "disability_type": "physical", "disability_grade": "2", "school_stage": "none",
            "disability_cert_no": "", "version": households["inside"].version + 1}
    from jiuzhu.apps.registry.models import Household

    data["version"] = Household.objects.get(pk=households["inside"].pk).version
    assert client.post(f"/members/{head.pk}/edit/", data).status_code == 302
    head.refresh_from_db()
    assert head.disability_cert_no_masked == "360124********0011**"


def test_certificate_of_another_person_is_refused_and_no_disability_clears_it(households: dict[str, Any],
                                                                              users: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    head = _disabled_head(households, users)
    with pytest.raises(ValidationError) as err:
        services.member_update(actor=users["county"], member=head, data={"disability_cert_no": "360124197505050020" + "42"})
    assert "disability_cert_no" in err.value.message_dict
    services.member_update(actor=users["county"], member=head, data={"disability_type": "none"})
    head.refresh_from_db()
    assert head.disability_cert_no_enc == "" and head.disability_cert_no_masked == ""


def test_unmask_reveals_one_field_with_a_reason_audited(client: Any, households: dict[str, Any],
                                                        users: dict[str, Any]) -> None:
    head = _disabled_head(households, users)
    client.force_login(users["township"])
    r = client.post(f"/members/{head.pk}/unmask/", {"field": "disability_cert_no", "reason": "核对残疾人证"})
    assert r.status_code == 200 and CERT in r.content.decode() and r["Cache-Control"] == "no-store"
    event = AuditEvent.objects.filter(event="pii.unmask", outcome="ok").latest("id")
    assert event.detail["field"] == "disability_cert_no" and CERT not in str(event.detail)
    r = client.post(f"/members/{head.pk}/unmask/", {"field": "bank_account", "reason": "核对银行账号"})
    assert r.status_code == 400  # nothing on record: refused, audited
    assert AuditEvent.objects.filter(event="pii.unmask", outcome="denied", detail__field="bank_account").exists()


def test_phone_and_bank_account_are_never_prefilled(client: Any, households: dict[str, Any],
                                                    users: dict[str, Any]) -> None:
    head = households["inside"].members.get()
    services.member_update(actor=users["county"], member=head, data={"phone": "13912345678",
                                                                     "bank_account": "6222021234567890123"})
    client.force_login(users["county"])
    form = client.get(f"/members/{head.pk}/edit/").content.decode()
    assert "13912345678" not in form and "6222021234567890123" not in form
    assert "139****5678" in form and "6222***********0123" in form


# --- item 9: the smaller findings -------------------------------------------------------------


def test_household_list_shows_the_village_not_the_street_address(client: Any, households: dict[str, Any],
                                                                 users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    page = client.get("/households/").content.decode()
    assert "东门村" in page and "某组1号" not in page
    listed = client.get("/api/households/", {"purpose": "case_handling"}).json()["results"][0]
    assert "address" not in listed and "phone_masked" not in listed


def test_an_id_search_is_posted_never_put_in_the_url(client: Any, households: dict[str, Any],
                                                     users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    page = client.get("/households/").content.decode()
    assert 'method="post" id="household-search"' in page and 'hx-get' not in page.split('id="household-search"')[1][:200]
    found = client.post("/households/", {"q": HEAD_ID}).content.decode()
    assert households["inside"].code in found and households["other_town"].code not in found
    # A search in the query string (an old bookmark, a copied link) is not run, and says so.
    from_url = client.get("/households/", {"q": HEAD_ID}).content.decode()
    assert households["other_town"].code in from_url and "不从网址读取查询条件" in from_url


def test_as_of_far_in_the_future_is_a_message_not_a_500(client: Any, households: dict[str, Any],
                                                        users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["inside"]
    for day in ("9999-12-31", "2999-01-01"):
        r = client.get(f"/households/{h.pk}/", {"as_of": day})
        assert r.status_code == 200 and "不能选择将来的日期" in r.content.decode()
        api = client.get(f"/api/households/{h.pk}/", {"as_of": day})
        assert api.status_code == 400 and "as_of" in api.json()
    r = client.get(f"/households/{h.pk}/", {"as_of": "0001-01-01"})
    assert r.status_code == 200 and "1949-10-01" in r.content.decode()


def test_an_oversized_json_body_is_a_json_413(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    big = json.dumps({"address": "x" * (6 * 1024 * 1024)})
    for method, url in (("post", "/api/households/"), ("patch", f"/api/households/{households['inside'].pk}/")):
        r = getattr(client, method)(url, big, content_type="application/json")
        assert r.status_code == 413 and r["Content-Type"].startswith("application/json")
        assert r.json()["code"] == "too_large"


def test_an_unknown_head_relation_is_refused_not_dropped(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.registry.models import Household

    client.force_login(users["township"])
    head = {"id_number": "360124199001010032", "name": "王芳", "work_capacity": "full", "employment": "farming"}
    body = {"village": "360124100001", "area_type": "rural", "address": "东门村3组"}
    r = client.post("/api/households/", json.dumps({**body, "head": {**head, "relation": "cousin"}}),
                    content_type="application/json")
    assert r.status_code == 400 and "head.relation" in r.json()
    assert not Household.objects.exists()
    ok = client.post("/api/households/", json.dumps({**body, "head": {**head, "relation": "head"}}),
                     content_type="application/json")
    assert ok.status_code == 201


def test_change_records_keep_no_plaintext_certificate(households: dict[str, Any], users: dict[str, Any]) -> None:
    _disabled_head(households, users)
    rec = ChangeRecord.objects.filter(object_type="member").latest("id")
    assert rec.after["disability_cert_no_masked"] == "360124********0011**"
    assert "disability_cert_no" not in rec.after and "disability_cert_no_masked" in rec.changed_fields
