"""The public form's abuse fixes (issue 12.9): quota, single-use tokens, the client address behind a proxy."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.urls import reverse
from django.utils.crypto import get_random_string

from jiuzhu.apps.applications import public
from jiuzhu.apps.applications.models import PublicIntake

pytestmark = pytest.mark.django_db

FORM = {"village": "360124100001", "applicant_name": "王五", "id_number": "360124198505050033",
        "phone": "13912345678", "address": "东门村3组", "household_size": "3", "reason": "丈夫患病无收入",
        "website": ""}
BAD_ID = "360124198505050034"  # wrong check character


def _token(age: int = 60, nonce: str | None = None) -> str:
    """A form token issued ``age`` seconds ago (a fresh random nonce unless given)."""
    signer = signing.TimestampSigner(salt=public.SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - age)  # type: ignore[method-assign]
    return signer.sign(nonce or get_random_string(12))


def _post(client: Any, **extra: Any) -> Any:
    meta = {k: v for k, v in extra.items() if k.isupper()}
    data = {**FORM, "token": _token(), **{k: v for k, v in extra.items() if not k.isupper()}}
    return client.post(reverse("applications_public_apply"), data, **meta)


def test_refused_attempts_do_not_consume_the_quota(client: Any, users: dict[str, Any]) -> None:
    """A resident who mistypes the ID number five times can still apply (the quota is 5 an hour)."""
    for _ in range(6):
        assert _post(client, id_number=BAD_ID).status_code == 400
    assert _post(client, website="http://spam").status_code == 400
    response = _post(client)
    assert response.status_code == 200, response.content.decode()[:1500]
    assert PublicIntake.objects.count() == 1


def test_successful_submissions_are_still_limited(client: Any, users: dict[str, Any]) -> None:
    statuses = [_post(client, household_size=str(i + 1)).status_code for i in range(7)]
    assert statuses == [200] * 5 + [429, 429]
    assert PublicIntake.objects.count() == 5


def test_hammering_with_refused_attempts_is_limited_separately(client: Any, users: dict[str, Any],
                                                               monkeypatch: Any) -> None:
    limits = {"public_form_refused_per_hour": 3}
    original = public._param
    monkeypatch.setattr(public, "_param", lambda name: limits.get(name, original(name)))
    assert [_post(client, website="x").status_code for _ in range(4)] == [400, 400, 400, 429]
    # Another resident behind another address is not affected.
    assert _post(client, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_token_is_single_use(client: Any, users: dict[str, Any]) -> None:
    token = _token()
    first = client.post(reverse("applications_public_apply"), {**FORM, "token": token})
    assert first.status_code == 200
    replay = client.post(reverse("applications_public_apply"), {**FORM, "token": token, "household_size": "4"})
    assert replay.status_code == 409
    assert "已经提交" in replay.content.decode()
    assert PublicIntake.objects.count() == 1


def test_a_token_refused_for_bad_input_can_be_used_once_the_input_is_fixed(client: Any,
                                                                           users: dict[str, Any]) -> None:
    token = _token()
    assert client.post(reverse("applications_public_apply"), {**FORM, "token": token,
                                                               "id_number": BAD_ID}).status_code == 400
    assert client.post(reverse("applications_public_apply"), {**FORM, "token": token}).status_code == 200


def test_the_limit_is_keyed_on_the_configured_proxy_header(client: Any, users: dict[str, Any],
                                                          settings: Any) -> None:
    """Behind a reverse proxy every request comes from the proxy: the client is in X-Forwarded-For."""
    settings.JIUZHU_CLIENT_IP_HEADER = "X-Forwarded-For"
    for i in range(7):  # seven residents, one proxy
        response = _post(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}",
                         household_size="2")
        assert response.status_code == 200, i
    statuses = [_post(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.99",
                      household_size="2").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # one resident: the address the proxy appended (the last one)


def test_the_proxy_header_is_ignored_unless_configured(client: Any, users: dict[str, Any], settings: Any) -> None:
    """Without the setting, a client cannot escape its limit by sending its own X-Forwarded-For."""
    settings.JIUZHU_CLIENT_IP_HEADER = ""
    statuses = [_post(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(6)]
    assert statuses == [200] * 5 + [429]


def test_client_ip_helper(rf: Any, settings: Any) -> None:
    from jiuzhu.apps.core.clientip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8", HTTP_X_REAL_IP="9.9.9.9")
    settings.JIUZHU_CLIENT_IP_HEADER = ""
    assert client_ip(request) == "10.0.0.1"
    settings.JIUZHU_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(request) == "5.6.7.8"
    settings.JIUZHU_CLIENT_IP_PROXIES = 2  # two proxies in front: the one before the last
    assert client_ip(request) == "1.2.3.4"
    settings.JIUZHU_CLIENT_IP_PROXIES = 1
    settings.JIUZHU_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    assert client_ip(request) == "9.9.9.9"
    # A header that is missing or not an address: the socket address, never the junk.
    settings.JIUZHU_CLIENT_IP_HEADER = "X-Client-Ip"
    assert client_ip(request) == "10.0.0.1"
    junk = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    settings.JIUZHU_CLIENT_IP_HEADER = "X-Forwarded-For"
    assert client_ip(junk) == "10.0.0.1"


# ------------------------------------------------------------------ receipt and status check

def _status(client: Any, receipt: str, last4: str, **meta: Any) -> Any:
    return client.post(reverse("applications_public_status"), {"receipt": receipt, "id_last4": last4}, **meta)


def test_the_success_page_gives_a_receipt_number(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.rules.receipt import parse_receipt

    first = _post(client)
    second = _post(client, REMOTE_ADDR="10.9.9.9")
    a, b = PublicIntake.objects.order_by("pk")
    assert a.receipt and b.receipt and a.receipt != b.receipt
    year = a.received_at.astimezone().year
    assert parse_receipt(a.receipt) == (year, 1) and parse_receipt(b.receipt) == (year, 2)
    page = first.content.decode()
    assert a.receipt in page and "受理回执号" in page and "民和镇" in page and "东门村" in page
    assert b.receipt in second.content.decode()
    assert FORM["id_number"] not in page and FORM["phone"] not in page


def test_status_check_by_receipt_and_last_four(client: Any, staff: dict[str, Any]) -> None:
    _post(client)
    intake = PublicIntake.objects.get()
    page = _status(client, intake.receipt, "0033")
    assert page.status_code == 200
    text = page.content.decode()
    assert "等待乡镇（街道）受理" in text and "民和镇人民政府" in text
    # Nothing personal: no name, ID number, phone, address, reason, household size.
    for secret in ("王五", FORM["id_number"], intake.id_number_masked, FORM["phone"], intake.phone_masked,
                   "东门村3组", "丈夫患病"):
        assert secret not in text, secret
    # Typed loosely: lower case, no dashes, full-width digits.
    assert _status(client, intake.receipt.lower().replace("-", ""), "００３３").status_code == 200
    # The township takes it in; the resident sees the stage move on, never more.
    from jiuzhu.apps.applications.public import accept

    app = accept(actor=staff["township"], intake=intake)
    text = _status(client, intake.receipt, "0033").content.decode()
    assert "已登记" in text and app.number not in text and app.household.code not in text


def test_a_wrong_receipt_or_last_four_says_the_same_and_is_limited(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.rules.receipt import format_receipt

    _post(client)
    intake = PublicIntake.objects.get()
    wrong_digits = _status(client, intake.receipt, "1234")
    unknown = _status(client, format_receipt(2026, 999), "0033")
    assert wrong_digits.status_code == unknown.status_code == 404
    message = "未找到与该回执号及身份证号码后四位相符的申请"
    assert message in wrong_digits.content.decode() and message in unknown.content.decode()
    # Malformed input is explained, not counted as a guess.
    bad = _status(client, "SQ-2026-1", "12")
    assert bad.status_code == 400 and "例如 SQ-2026-000123-5" in bad.content.decode()


def test_guessing_the_last_four_is_stopped_per_receipt_across_addresses(client: Any, users: dict[str, Any]) -> None:
    _post(client)
    receipt = PublicIntake.objects.get().receipt
    codes = [_status(client, receipt, f"{1000 + i}", REMOTE_ADDR=f"10.0.1.{i}").status_code for i in range(6)]
    assert codes == [404] * 5 + [429]
    # Even the right four characters are refused for the rest of the day: a guess cannot be confirmed.
    assert _status(client, receipt, "0033", REMOTE_ADDR="10.0.2.1").status_code == 429


def test_status_look_ups_are_limited_per_address(client: Any, users: dict[str, Any]) -> None:
    from jiuzhu.rules.receipt import format_receipt

    codes = [_status(client, format_receipt(2026, 100 + i), "0033").status_code for i in range(11)]
    assert codes == [404] * 10 + [429]


def test_status_of_a_rejected_intake_gives_the_reason_for_the_resident(client: Any, staff: dict[str, Any]) -> None:
    from jiuzhu.apps.applications.public import reject

    _post(client)
    intake = PublicIntake.objects.get()
    reject(actor=staff["township"], intake=intake, note="与李某家重复申请", reason="duplicate")
    text = _status(client, intake.receipt, "0033").content.decode()
    assert "未受理" in text and "该家庭已有正在办理的申请" in text and "李某" not in text


# ------------------------------------------------------------------ the region chooser

def test_apply_page_lists_every_county_and_preselects_nothing(client: Any, users: dict[str, Any]) -> None:
    import re

    from jiuzhu.apps.core.models import Region

    page = client.get(reverse("applications_public_apply")).content.decode()
    counties = set(re.findall(r'<option value="(\d{6})"', page))
    current = set(Region.objects.filter(level="county", valid_to__isnull=True).values_list("code", flat=True))
    assert counties == current and len(current) == 100
    assert "360782" not in counties  # retired (南康市): not offered
    assert " selected" not in page.replace('value="" selected', "")
    assert '<optgroup label="赣州市">' in page


def test_endpoints_list_townships_and_villages_of_current_regions_only(client: Any, users: dict[str, Any]) -> None:
    townships = client.get(reverse("applications_public_region", args=["360124"]))
    assert townships.status_code == 200 and townships["Cache-Control"].startswith("public")
    data = townships.json()
    assert data["parent"] == {"code": "360124", "name": "进贤县", "level": "county"}
    assert [t["code"] for t in data["regions"]] == ["360124100", "360124101"]
    villages = client.get(reverse("applications_public_region", args=["360124100"])).json()
    assert villages["regions"] == [{"code": "360124100001", "name": "东门村", "level": "village"},
                                   {"code": "360124100002", "name": "西门村", "level": "village"}]
    for code in ("360782", "360124100001", "999999", "abc"):  # retired, a village, unknown, junk
        assert client.get(reverse("applications_public_region", args=[code])).status_code == 404
    counties = client.get(reverse("applications_public_regions")).json()["regions"]
    assert len(counties) == 100 and {"code": "360124", "name": "进贤县", "city": "南昌市",
                                     "city_code": "360100"} in counties
    found = client.get(reverse("applications_public_regions_search"), {"q": "门村"}).json()["regions"]
    assert [f["code"] for f in found] == ["360124100001", "360124100002"]
    assert found[0]["path"] == "南昌市 进贤县 民和镇" and found[0]["township"] == "360124100"


def test_the_chooser_works_without_javascript(client: Any, users: dict[str, Any]) -> None:
    url = reverse("applications_public_apply")
    step1 = client.get(url, {"county": "360730"}).content.decode()
    assert '<option value="360730100">梅江镇</option>' in step1 and "城南社区" not in step1
    step2 = client.get(url, {"county": "360730", "township": "360730100"}).content.decode()
    assert '<option value="360730100001">城南社区</option>' in step2
    # A township of another county is ignored, not trusted.
    assert "城南社区" not in client.get(url, {"county": "360124", "township": "360730100"}).content.decode()
    search = client.get(url, {"q": "城南"}).content.decode()
    assert '?village=360730100001' in search and "赣州市 宁都县 梅江镇" in search
    chosen = client.get(url, {"village": "360730100001"}).content.decode()
    assert '<option value="360730100001" selected>城南社区</option>' in chosen and "您选择的是" in chosen


def test_an_application_from_a_county_outside_the_old_list(client: Any, users: dict[str, Any]) -> None:
    """宁都县 (赣州市) was beyond the 3,000 villages the old form offered."""
    response = _post(client, village="360730100001", id_number="360730195607150023")
    assert response.status_code == 200, response.content.decode()[:2000]
    intake = PublicIntake.objects.get()
    assert intake.village_id == "360730100001" and "宁都县 梅江镇" in response.content.decode()


def test_a_missing_or_retired_village_is_refused_clearly(client: Any, users: dict[str, Any]) -> None:
    for village in ("", "360124100", "360782100001"):
        response = _post(client, village=village)
        assert response.status_code == 400
        assert "请依次选择县（市、区）、乡镇（街道）和村（社区）" in response.content.decode()
    assert not PublicIntake.objects.exists()


def test_region_look_ups_are_rate_limited(client: Any, users: dict[str, Any], monkeypatch: Any) -> None:
    limits = {"public_regions_per_minute": 3}
    original = public._param
    monkeypatch.setattr(public, "_param", lambda name: limits.get(name, original(name)))
    codes = [client.get(reverse("applications_public_region", args=["360124"])).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(reverse("applications_public_region", args=["360124"]),
                      REMOTE_ADDR="10.3.3.3").status_code == 200


def test_every_current_village_of_the_province_is_reachable_from_apply(client: Any, db: Any,
                                                                      monkeypatch: Any) -> None:
    """The acceptance check: GET /apply/ → counties → /apply/regions/<county>/ → /apply/regions/<township>/."""
    import re

    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import regions_load, shipped_region_rows
    from jiuzhu.engine.synth import demo_subdivisions

    monkeypatch.setattr(public, "_param", lambda name: 10**6 if name == "public_regions_per_minute" else None)
    regions_load(shipped_region_rows() + [{**r, "valid_to": None, "note": ""}
                                          for r in demo_subdivisions().to_pylist()])
    page = client.get(reverse("applications_public_apply")).content.decode()
    reached: set[str] = set()
    for county in re.findall(r'<option value="(\d{6})"', page):
        for township in client.get(f"/apply/regions/{county}/").json()["regions"]:
            reached.update(v["code"] for v in client.get(f"/apply/regions/{township['code']}/").json()["regions"])
    current = set(Region.objects.filter(level="village", valid_to__isnull=True).values_list("code", flat=True))
    assert len(current) > 14_000 and reached == current
