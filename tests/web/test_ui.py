"""The screens: login and lockout, list and search, forms with field errors, export, unmasking, languages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.apps.core.models import AuditEvent, User
from jiuzhu.apps.registry.models import Household, Member
from tests.conftest import PASSWORD
from tests.privacy.helpers import export_csv

pytestmark = pytest.mark.django_db


def _login(client: Any, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_after_five_failures_and_identical_messages(client: Any, users: dict[str, Any]) -> None:
    unknown = _login(client, "nobody", "Wrong@Pass1")
    wrong = _login(client, "county", "Wrong@Pass1")
    assert unknown.status_code == wrong.status_code == 200
    def page(r: Any, name: bytes) -> bytes:
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", r.content.replace(name, b"X"))

    assert page(unknown, b"nobody") == page(wrong, b"county")  # nothing tells which accounts exist
    for _ in range(4):
        _login(client, "county", "Wrong@Pass1")
    locked = _login(client, "county", PASSWORD)  # right password, but locked
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(event="auth.lockout").count() == 1
    User.objects.filter(username="county").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(client, "county", PASSWORD).status_code == 302


def test_household_list_is_scoped_and_searchable(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    page = client.get("/households/").content.decode()
    assert households["inside"].code in page
    assert households["other_town"].code not in page and households["outside"].code not in page
    by_name = client.post("/households/", {"q": "张三"}).content.decode()
    assert households["inside"].code in by_name and households["outside"].code not in by_name
    by_village = client.post("/households/", {"q": "东门村"}).content.decode()
    assert households["inside"].code in by_village
    by_id = client.post("/households/", {"q": "360124 19800101 001x".replace("x", "1")})
    assert households["inside"].code in by_id.content.decode() and by_id["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(event="registry.search").exists()
    logged = [str(e.detail) for e in AuditEvent.objects.filter(event="registry.search")]
    assert not any("360124198001010011" in d for d in logged)


def test_household_page_shows_members_items_and_history(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["inside"]
    page = client.get(f"/households/{h.pk}/").content.decode()
    for text in ("张三", "360124********0011", "12000.00", "李四", "重度残疾", "138****8000"):
        assert text in page
    assert "360124198001010011" not in page and "13800138000" not in page
    past = client.get(f"/households/{h.pk}/", {"as_of": "2000-01-01"})
    assert past.status_code == 200 and "张三" not in past.content.decode()
    history = client.get(f"/households/{h.pk}/history/").content.decode()
    assert "收入项" in history and "新建" in history


def test_create_household_form_shows_field_errors_and_saves_nothing(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    form = {
        "village": "360124100001", "area_type": "rural", "address": "东门村5组",
        "head-id_number": "360124199001010031", "head-name": "王芳", "head-work_capacity": "full",
        "head-disability_type": "none", "head-disability_grade": "0", "head-school_stage": "none",
        "head-employment": "farming",
    }
    bad = client.post("/households/new/", form)
    assert bad.status_code == 400
    assert "校验码" in bad.content.decode() or "check character" in bad.content.decode()
    assert not Household.objects.exists()
    good = client.post("/households/new/", form | {"head-id_number": "360124199001010032"})
    assert good.status_code == 302
    h = Household.objects.get()
    assert h.members.get().name == "王芳"


def test_edit_member_and_stale_form_conflict(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    h = households["inside"]
    h.refresh_from_db()
    member = h.members.get()
    data = {
        "name": "张三丰", "relation": "head", "work_capacity": "none", "disability_type": "physical",
        "disability_grade": "1", "school_stage": "none", "employment": "not_working", "version": h.version,
        "adl_eating": "on",
    }
    assert client.post(f"/members/{member.pk}/edit/", data).status_code == 302
    member.refresh_from_db()
    assert member.name == "张三丰" and member.disability_grade == 1 and member.adl_bathing is False
    assert member.id_number_masked == "360124********0011"  # kept when the field is left empty
    stale = client.post(f"/members/{member.pk}/edit/", data | {"name": "别人"})
    assert stale.status_code == 409
    member.refresh_from_db()
    assert member.name == "张三丰"


def test_export_contains_only_the_users_region(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    body = export_csv(client, "/households/export.csv")
    assert households["inside"].code in body and households["other_town"].code in body
    assert households["outside"].code not in body
    assert AuditEvent.objects.filter(event="privacy.export_produced", actor=users["county"]).exists()
    client.force_login(users["department"])
    assert client.get("/households/export.csv").status_code == 403


def test_unmask_needs_a_reason_and_is_audited(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["township"])
    member = households["inside"].members.get()
    assert client.post(f"/members/{member.pk}/unmask/", {"reason": ""}).status_code == 400
    assert AuditEvent.objects.filter(event="pii.unmask", outcome="denied", actor=users["township"]).count() == 1
    r = client.post(f"/members/{member.pk}/unmask/", {"reason": "入户核查需核对身份证"})
    assert r.status_code == 200 and "360124198001010011" in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(event="pii.unmask", outcome="ok")
    assert event.actor == users["township"] and event.detail["reason"] == "入户核查需核对身份证"
    assert "360124198001010011" not in str(event.detail)
    outside = households["outside"].members.get()
    assert client.post(f"/members/{outside.pk}/unmask/", {"reason": "好奇看看"}).status_code == 404


def test_english_switch(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    # Chinese first, even when the browser asks for English.
    zh = client.get("/households/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "家庭户" in zh and 'lang="zh-hans"' in zh
    client.post("/i18n/setlang/", {"language": "en", "next": "/households/"})
    en = client.get("/households/").content.decode()
    assert "Households" in en and 'lang="en"' in en


def test_admin_separation(client: Any, users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    from jiuzhu.apps.core.services import user_set_role

    with pytest.raises(PermissionDenied):
        user_set_role(actor=users["secadmin"], target=users["secadmin"], role="auditadmin")
    with pytest.raises(PermissionDenied):
        user_set_role(actor=users["sysadmin"], target=users["county"], role="province")
    changed = user_set_role(actor=users["secadmin"], target=users["county"], role="auditor", region=users["county"].region)
    assert changed.role == "auditor"
    client.force_login(users["sysadmin"])
    assert client.get("/console/audit/").status_code == 403
    assert AuditEvent.objects.filter(event="audit.read", outcome="denied").exists()
    client.force_login(users["auditadmin"])
    assert client.get("/console/audit/").status_code == 200
    assert client.get("/households/").status_code == 403


def test_role_change_ends_sessions(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.core.services import user_set_role

    client.force_login(users["county"])
    assert client.get("/households/").status_code == 200
    user_set_role(actor=users["secadmin"], target=users["county"], role="auditor", region=users["county"].region)
    assert client.get("/households/").status_code == 302  # back to the login page


def test_a_weak_password_is_refused(users: dict[str, Any]) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("short1A", "alllowercase", "12345678", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("Xian9-Tong")


def test_members_are_never_in_two_households_via_forms(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    h = households["other_town"]
    h.refresh_from_db()
    r = client.post(f"/households/{h.pk}/members/new/", {
        "id_number": "360124198001010011", "name": "张三", "relation": "child", "work_capacity": "full",
        "disability_type": "none", "disability_grade": "0", "school_stage": "none", "employment": "farming",
        "version": h.version,
    })
    assert r.status_code == 400
    assert Member.objects.filter(household=h).count() == 1


def test_list_and_detail_query_counts_do_not_grow_with_data(
    client: Any, households: dict[str, Any], users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from jiuzhu.rules.identity import check_char
    from tests.conftest import make_household

    for i in range(20):
        first17 = f"36012419850101{i:03d}"
        make_household(users["county"], "360124101001", first17 + check_char(first17))
    client.force_login(users["county"])
    with django_assert_max_num_queries(12):
        assert client.get("/households/").status_code == 200
    # incl. the on-screen determination and the sections of warnings, applications, programmes, the chain,
    # the two-factor device, the read record (one chained insert) and 查阅记录 (who looked)
    with django_assert_max_num_queries(48):
        assert client.get(f"/households/{households['inside'].pk}/").status_code == 200


def test_export_cells_cannot_become_formulas() -> None:
    from jiuzhu.apps.core.exports import csv_line as _csv_line

    line = _csv_line(['=HYPERLINK("http://x",A1)', "+1", "普通文本", 3])
    assert line.startswith("\"'=HYPERLINK") and ",'+1," in line and "普通文本" in line
