"""Residents and caseworkers in real Chromium: the online application from a county far from the
first ones, its receipt and status check (with and without JavaScript), and the decision letters
(their PDF text checked).  Screenshots in var/screenshots/ (apply-*.png, letter-*.png).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_journey import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FORM = {"#id_applicant_name": "刘芳", "#id_id_number": "360730195607150023", "#id_phone": "13912345678",
        "#id_address": "梅江镇城南社区2栋", "#id_household_size": "2", "#id_reason": "丈夫去世，本人患慢性病，无固定收入"}


@pytest.fixture
def browser() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def quick_form(monkeypatch: Any) -> None:
    """No five-second wait before sending in a test (the minimum fill time is a CONFIG value)."""
    from jiuzhu.apps.applications import public

    original = public._param
    monkeypatch.setattr(public, "_param", lambda name: 0 if name == "public_form_min_seconds" else original(name))


def _fill(page: Any) -> None:
    for selector, value in FORM.items():
        page.fill(selector, value)


def test_public_application_receipt_and_status(browser: Any, live_server: Any, users: dict[str, Any],
                                               quick_form: None) -> None:
    from jiuzhu.apps.applications.models import PublicIntake

    page = browser.new_page(viewport={"width": 430, "height": 900})  # a phone
    page.goto(f"{live_server.url}/apply/")
    assert page.eval_on_selector("#rc-county", "s => s.value") == ""  # nothing pre-selected
    assert page.locator("#rc-village").is_disabled()
    # 宁都县 (赣州市): beyond the 3,000 villages the old form offered.
    page.select_option("#rc-county", "360730")
    page.wait_for_selector("#rc-township option[value='360730100']", state="attached")
    page.select_option("#rc-township", "360730100")
    page.wait_for_selector("#rc-village option[value='360730100001']", state="attached")
    page.select_option("#rc-village", "360730100001")
    assert "赣州市 宁都县 梅江镇 城南社区" in page.inner_text(".rc-chosen")
    _fill(page)
    page.screenshot(path=str(SHOTS / "apply-1-form.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector(".app-receipt-no")
    receipt = page.inner_text(".app-receipt-no").strip()
    page.screenshot(path=str(SHOTS / "apply-2-receipt.png"), full_page=True)
    intake = PublicIntake.objects.get()
    assert receipt == intake.receipt and intake.village_id == "360730100001"
    assert "宁都县 梅江镇" in page.content() and FORM["#id_id_number"] not in page.content()

    page.click("a.button[href='/apply/status/']")
    page.fill("#id_receipt", receipt.lower().replace("-", " "))
    page.fill("#id_id_last4", "0023")
    page.click("button.primary")
    page.wait_for_selector("#status-result")
    result = page.inner_text("#status-result")
    page.screenshot(path=str(SHOTS / "apply-3-status.png"), full_page=True)
    assert "已提交，等待乡镇（街道）受理" in result and "梅江镇人民政府" in result
    assert "刘芳" not in page.content() and "13912345678" not in page.content()

    # The search finds a village by name and fills the three choices.
    page.goto(f"{live_server.url}/apply/")
    page.fill("#rc-q", "城南")
    page.click(".rc-results button")
    page.wait_for_function("document.querySelector('#rc-village').value === '360730100001'")
    assert page.eval_on_selector("#rc-county", "s => s.value") == "360730"


def test_the_chooser_without_javascript(browser: Any, live_server: Any, users: dict[str, Any],
                                        quick_form: None) -> None:
    from jiuzhu.apps.applications.models import PublicIntake

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/apply/")
    page.select_option("#rc-county", "360730")
    page.click("text=显示乡镇（街道）")
    page.select_option("#rc-township", "360730100")
    page.click("text=显示村（社区）")
    page.select_option("#rc-village", "360730100001")
    _fill(page)
    page.screenshot(path=str(SHOTS / "apply-4-no-javascript.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector(".app-receipt-no")
    assert PublicIntake.objects.get().village_id == "360730100001"
    context.close()


def _pdf_text(pdf: bytes) -> str:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in reader.pages).replace("\x00", ""))


def _png(pdf: bytes, name: str) -> None:
    """Keep a picture of the letter to look at (pdftoppm from poppler-utils, when installed)."""
    if shutil.which("pdftoppm") is None:
        return
    path = SHOTS / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(SHOTS / name)], check=True)
    path.unlink()


def test_refusal_and_approval_letters(browser: Any, live_server: Any, users: dict[str, Any]) -> None:
    from jiuzhu.apps.applications.letters import LetterError, font
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.registry.services import item_add
    from tests.applications.conftest import D, new_application, run, to_visited
    from tests.conftest import PASSWORD, make_household

    try:
        font()
    except LetterError:
        pytest.skip("no Chinese font installed (apt-get install fonts-noto-cjk)")
    staff = dict(users)
    staff["township2"] = user_create(actor=None, username="township2", password=PASSWORD, role="township",
                                     region=Region.objects.get(code="360124100"))
    poor = make_household(staff["township"], "360124100002", "360124199003030045")
    item_add(actor=staff["township"], household=poor, kind="income", data={
        "income_type": "wages", "amount": "3000.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    richer = make_household(staff["township"], "360124100001", "360124197007070053")
    item_add(actor=staff["township"], household=richer, kind="income", data={
        "income_type": "wages", "amount": "18000.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    approved = new_application(staff["township"], poor)
    to_visited(staff, approved)
    run(staff["township"], approved, "opinion", D(2026, 10, 9), "符合", proposal="approve")
    run(staff["township"], approved, "publish", D(2026, 10, 9))
    approved = run(staff["county"], approved, "approve", D(2026, 10, 16))
    refused = new_application(staff["township"], richer)
    to_visited(staff, refused)
    run(staff["township"], refused, "opinion", D(2026, 10, 8), "收入超过低保标准", proposal="refuse")
    refused = run(staff["county"], refused, "refuse", D(2026, 10, 9), "家庭人均收入高于低保标准")

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    login(page, live_server.url, "county")  # password, then the second factor
    page.goto(f"{live_server.url}/applications/{refused.pk}/")
    page.wait_for_selector("text=决定书（PDF）")
    page.screenshot(path=str(SHOTS / "letter-0-case.png"), full_page=True)
    texts = {}
    for name, app in (("refusal", refused), ("approval", approved)):
        response = page.request.get(f"{live_server.url}/applications/{app.pk}/letter.pdf")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        texts[name] = _pdf_text(response.body())
        _png(response.body(), f"letter-{name}")
    assert "社会救助不予确认通知书" in texts["refusal"] and "认定结果" not in texts["refusal"]
    assert "不符合最低生活保障对象条件：月人均收入1,500.00元不低于低保标准840.00元" in texts["refusal"]
    assert "社会救助审核确认决定书" in texts["approval"] and "确认你家庭为最低生活保障对象。" in texts["approval"]
    assert f"月救助金额{approved.decision_amount:,.2f}元，自2026年11月起按月发放。" in texts["approval"]
    assert "60日内向进贤县人民政府申请行政复议" in texts["approval"]
    for text in texts.values():
        assert "None" not in text and "dibao" not in text
