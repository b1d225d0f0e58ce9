"""Bulk exports of personal data (issue 12 item 6, ADR 0025): purpose, cap, second person, once, audited."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from django.urls import reverse

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.privacy.models import ExportRequest
from tests.conftest import PASSWORD

from .helpers import PURPOSE, export_csv

pytestmark = pytest.mark.django_db

NEW = "/exports/new/registry.households/"


def _sm3(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def _ask(client: Any, user: Any, url: str = NEW, **data: Any) -> Any:
    client.force_login(user)
    return client.post(url, {"purpose": PURPOSE, **data})


def test_within_the_cap_ready_at_once_downloaded_once_hashed(client: Any, households: dict[str, Any],
                                                             users: dict[str, Any]) -> None:
    r = _ask(client, users["county"], note="年度复核")
    assert r.status_code == 302
    req = ExportRequest.objects.get()
    assert (req.state, req.rows, req.purpose, req.note) == ("approved", 2, PURPOSE, "年度复核")
    download = client.get(reverse("privacy_export_download", kwargs={"uid": req.uid}))
    content = b"".join(download.streaming_content)
    assert download["Cache-Control"] == "no-store" and content.startswith("\ufeff".encode())
    assert households["inside"].code.encode() in content and households["outside"].code.encode() not in content
    req.refresh_from_db()
    assert req.state == "produced" and req.produced_rows == 2 and req.sm3 == _sm3(content)
    produced = AuditEvent.objects.get(event="privacy.export_produced")
    assert produced.detail["sm3"] == req.sm3 and produced.detail["rows"] == 2 and produced.detail["purpose"] == PURPOSE
    # Once: the same request cannot be downloaded again.
    again = client.get(reverse("privacy_export_download", kwargs={"uid": req.uid}))
    assert again.status_code == 409 and "重新申请" in again.content.decode()


def test_a_purpose_from_the_list_is_required(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    for purpose in ("", "看看数据", "anything"):  # any four characters used to do for the departments
        r = client.post(NEW, {"purpose": purpose})
        assert r.status_code == 400, purpose
    assert not ExportRequest.objects.exists()
    page = client.get(NEW).content.decode()
    assert "落实救助政策" in page and "部门数据比对核实" in page  # the configured purposes, in Chinese


def test_above_the_cap_a_second_person_in_scope_approves(client: Any, households: dict[str, Any],
                                                        users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_EXPORT_APPROVAL_ROWS = 1
    assert _ask(client, users["county"]).status_code == 302
    req = ExportRequest.objects.get()
    assert req.state == "pending" and req.rows == 2 and req.cap == 1
    url = reverse("privacy_export_download", kwargs={"uid": req.uid})
    assert client.get(url).status_code == 409  # not before the approval
    decide = reverse("privacy_export_decide", kwargs={"uid": req.uid})
    assert client.post(decide, {"action": "approve"}).status_code == 403  # never one's own
    assert AuditEvent.objects.filter(event="privacy.export_decided", outcome="denied").count() == 1
    for other in ("county_b", "township", "auditor"):  # another county; no approval right: not even seen
        client.force_login(users[other])
        assert client.get(reverse("privacy_export", kwargs={"uid": req.uid})).status_code == 404, other
    client.force_login(users["city"])  # 南昌市 above 进贤县: may approve, sees the request, never the file
    assert "待您审批" in client.get(reverse("privacy_exports")).content.decode()
    assert client.post(decide, {"action": "refuse", "note": ""}).status_code == 400  # a refusal says why
    assert client.post(decide, {"action": "approve", "note": "年度复核所需"}).status_code == 302
    assert client.get(url).status_code == 404
    req.refresh_from_db()
    assert req.state == "approved" and req.decided_by == users["city"]
    client.force_login(users["county"])
    assert client.get(url).status_code == 200
    assert client.post(decide, {"action": "refuse", "note": "太晚了吧"}).status_code in (403, 409)


def test_refused_and_withdrawn_requests_give_no_file(client: Any, households: dict[str, Any],
                                                    users: dict[str, Any], settings: Any) -> None:
    settings.JIUZHU_EXPORT_APPROVAL_ROWS = 1
    _ask(client, users["county"])
    _ask(client, users["county"])
    first, second = ExportRequest.objects.order_by("id")
    client.force_login(users["province"])
    assert client.post(reverse("privacy_export_decide", kwargs={"uid": first.uid}),
                       {"action": "refuse", "note": "用途与数量不符"}).status_code == 302
    client.force_login(users["county"])
    assert client.post(reverse("privacy_export_decide", kwargs={"uid": second.uid}),
                       {"action": "withdraw"}).status_code == 302
    for req in (first, second):
        assert client.get(reverse("privacy_export_download", kwargs={"uid": req.uid})).status_code == 409
    assert set(ExportRequest.objects.values_list("state", flat=True)) == {"refused", "withdrawn"}


def test_a_departments_province_wide_list_waits_for_the_province(client: Any, households: dict[str, Any],
                                                                users: dict[str, Any], settings: Any) -> None:
    from tests.sharing.conftest import department_user, determine

    determine({households["inside"]: ["dibao"], households["outside"]: ["dibao"]})
    settings.JIUZHU_EXPORT_APPROVAL_ROWS = 1
    dept = department_user("medical_insurance")
    client.login(username=dept.username, password=PASSWORD)
    start = client.get(reverse("sharing_people_export"), {"purpose": PURPOSE})
    assert "conditional=1" in start["Location"]  # the list showed the full numbers: the file may too
    assert client.post(start["Location"], {"purpose": PURPOSE}).status_code == 302
    req = ExportRequest.objects.get()
    assert req.state == "pending" and req.params == {"conditional": "1"} and req.region is None
    client.force_login(users["county"])  # a county caseworker does not approve a department's list
    assert client.get(reverse("privacy_export", kwargs={"uid": req.uid})).status_code == 404
    client.force_login(users["province"])
    client.post(reverse("privacy_export_decide", kwargs={"uid": req.uid}), {"action": "approve", "note": "资助参保"})
    client.login(username=dept.username, password=PASSWORD)
    text = b"".join(client.get(reverse("privacy_export_download", kwargs={"uid": req.uid})).streaming_content).decode()
    assert "360124198001010011" in text and "360730195607150023" in text  # approved: the full numbers


def test_people_to_serve_csv_neutralises_formulas(client: Any, users: dict[str, Any]) -> None:
    """Item 9: the "people to serve" CSV wrote names without formula neutralising."""
    import datetime as dt

    from django.utils import timezone

    from jiuzhu.apps.assistance.matching import run_matching
    from tests.assistance.helpers import determined, household_with

    home = household_with(users["township"], head_birth=dt.date(1950, 1, 1))
    home.members.update(name='=HYPERLINK("http://x","点我")')
    determined(home, ["dibao"], timezone.localdate())
    run_matching(actor=None, as_of=timezone.localdate())
    client.force_login(users["county"])
    text = export_csv(client, reverse("assistance_department_list"), {"format": "csv"})
    names = [row[1] for row in csv.reader(io.StringIO(text)) if row and row[1]]
    assert names[1:] and all(n.startswith("'=") for n in names[1:])


def test_household_export_cells_are_text_not_formulas(client: Any, households: dict[str, Any],
                                                      users: dict[str, Any]) -> None:
    from jiuzhu.apps.core.models import Region

    Region.objects.filter(code="360124100001").update(name="=1+1")
    client.force_login(users["county"])
    text = export_csv(client, reverse("household_export"))
    assert "'=1+1" in text and ",=1+1" not in text
