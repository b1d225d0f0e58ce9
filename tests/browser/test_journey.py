"""Main journey in real Chromium (Debian's), screenshots kept in var/screenshots/.

Skipped when Playwright or /usr/bin/chromium is not installed (`apt-get install chromium`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def page() -> Any:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser.new_page(viewport={"width": 1366, "height": 900})
        browser.close()


def _code(device: Any) -> str:
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def login(page: Any, base: str, username: str) -> None:
    """The real login: password, then the two-factor code (RELIABILITY R4)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.apps.core.models import User
    from tests.conftest import PASSWORD

    user = User.objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="phone", confirmed=True)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("#id_token")
    page.fill("#id_token", _code(device))
    page.click("button.primary")
    page.wait_for_selector("header.top nav")


def test_first_login_with_two_factor_enrolment(page: Any, live_server: Any, users: dict[str, Any]) -> None:
    """A new account: password set by the system administrator, QR enrolment, recovery codes, own password."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    u = user_create(actor=users["sysadmin"], username="xinren", password=PASSWORD, full_name="新人")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "xinren")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("img.qr")
    page.screenshot(path=str(SHOTS / "10-otp-enrol.png"), full_page=True)
    device = TOTPDevice.objects.get(user=u, confirmed=False)
    page.fill("#id_token", _code(device))
    page.click("button.primary")
    page.wait_for_selector("ol.codes")
    assert page.locator("ol.codes li").count() == 10
    page.screenshot(path=str(SHOTS / "11-recovery-codes.png"), full_page=True)
    page.click("text=继续")
    page.wait_for_selector("#id_new_password1")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "Xinren#2026-ok")
    page.fill("#id_new_password2", "Xinren#2026-ok")
    page.screenshot(path=str(SHOTS / "12-password-change.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector("text=密码已修改")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_caseworker_journey(page: Any, live_server: Any, households: dict[str, Any]) -> None:

    base = live_server.url
    login(page, base, "county")
    page.screenshot(path=str(SHOTS / "01-home.png"))
    assert "进贤县" in page.content()
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    page.goto(f"{base}/households/")
    page.fill("input[name=q]", "360124198001010011")
    page.click("form.search button")
    page.wait_for_selector(f"text={households['inside'].code}")
    page.screenshot(path=str(SHOTS / "02-search.png"))
    assert households["outside"].code not in page.content()

    page.click(f"text={households['inside'].code}")
    page.wait_for_selector("text=360124********0011")
    page.screenshot(path=str(SHOTS / "03-household.png"), full_page=True)
    assert "360124198001010011" not in page.content()

    page.click("text=修改家庭信息")
    page.fill("#id_address", "东门村8组")
    page.click("button.primary")
    page.wait_for_selector("text=东门村8组")
    page.click("text=变更记录")
    page.wait_for_selector("text=东门村8组")
    page.screenshot(path=str(SHOTS / "04-history.png"), full_page=True)
    assert "某组1号" in page.content()

    page.click("text=English")
    page.wait_for_selector("text=Change history")
    page.screenshot(path=str(SHOTS / "05-english.png"))
    assert not csp_errors, csp_errors


def test_chain_omission_and_conflict_journey(page: Any, live_server: Any, households: dict[str, Any],
                                             users: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    """A county caseworker sees a flagged chain, a person's chain, and decides a department difference."""
    from jiuzhu.apps.exchange.services import batch_import

    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")
    head = "360124198001010011"
    for name, text in (
        ("disabled_certificates.csv", "id_number,cert_no,disability_type,grade,issued_on,living_subsidy_monthly\n"
                                      f"{head},36012419800101001141,physical,2,2026-03-01,90\n"),
        ("housing_dilapidated_renovation.csv", "id_number,project_no,renovation_type,approved_on,completed_on,"
                                               f"subsidy_amount\n{head},WG2026-1,rebuild,2026-03-01,2026-08-01,30000\n"),
        ("emergency_disaster_victims.csv", "id_number,event_date,disaster_type,house_damage,relief_amount\n"
                                           f"{head},2026-02-10,flood,collapsed,20000\n"),
    ):
        path = tmp_path / name
        path.write_text(text, "utf-8")
        assert batch_import(users["county"], name[:-4], path, name, "ui").batch.state == "committed"

    base = live_server.url
    login(page, base, "county")
    page.goto(f"{base}/households/{households['inside'].pk}/")
    page.wait_for_selector("#assistance-chain")
    chain = page.inner_text("#assistance-chain")
    assert "可能与其他记录重复" in chain  # renovation + disaster rebuilding of one house (§18)
    assert "资助参加城乡居民医保" in chain  # a marginal household's member without subsidised insurance
    page.locator("#assistance-chain").screenshot(path=str(SHOTS / "06-chain.png"))

    page.click("text=救助链 >> nth=0")
    page.wait_for_selector("text=个人救助链")
    page.screenshot(path=str(SHOTS / "07-person-chain.png"), full_page=True)
    assert head not in page.content()

    page.goto(f"{base}/exchange/conflicts/")
    page.wait_for_selector("text=残疾等级")
    page.fill("form.conflict-decide input[name=reason] >> nth=0", "残联新证，已核实")
    page.screenshot(path=str(SHOTS / "08-conflicts.png"), full_page=True)
    page.click("form.conflict-decide button[value=accept] >> nth=0")
    page.wait_for_selector("text=已处理")
    from jiuzhu.apps.registry.models import Member

    assert Member.objects.get(household=households["inside"], relation="head").disability_grade == 2


def test_department_upload_preview_and_mapping_journey(page: Any, live_server: Any, households: dict[str, Any],
                                                       users: dict[str, Any], tmp_path: Path, settings: Any) -> None:
    """Issue 14 items 7–9: a medical-insurance officer uploads the office's own XLSX template (a
    merged title, its own column names, a 合计 row with SUM, a footer, a 字典 and a hidden
    sheet), saves the department's column names from the preview, checks the first rows as
    read, and confirms."""
    import io

    import openpyxl

    from jiuzhu.apps.exchange.models import ImportBatch

    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "结算明细"
    ws.append(["进贤县2026年10月医疗救助结算明细表"])
    ws.merge_cells("A1:K1")
    ws.append(["制表单位：进贤县医疗保障局", None, None, None, None, None, None, None, None, "单位：元"])
    ws.append(["序号", "结算编号", "身份证号码", "结算时间", "医疗总费用", "统筹支付", "个人自付", "病种", "慢特病",
               "医疗救助支付", "备注"])
    ws.append([1, "JS20261005001", "360124198001010011", "2026/10/5 14:32", 12000.5, 8000, 4000.5, "尿毒症", "是",
               2400, "住院"])
    ws.append([2, "JS20261006002", "360124197505050020", "2026-10-06", 356.2, 200, 156.2, "高血压", "否", "-", None])
    ws.append([3, "JS20261007003", "3.60124E+17", "2026-10-07", 100, 50, 50, "糖尿病", "否", None, "身份证号被改成数字"])
    ws.append(["合计", None, None, None, "=SUM(E4:E6)", "=SUM(F4:F6)", "=SUM(G4:G6)", None, None, "=SUM(J4:J6)"])
    ws.append(["制表人：张三", None, None, "审核人：李四"])
    d = wb.create_sheet("字典")
    d.append(["病种代码", "病种名称"])
    d.append(["uremia", "尿毒症"])
    h = wb.create_sheet("旧表")
    h.append(["旧数据"])
    h.sheet_state = "hidden"
    path = tmp_path / "进贤县10月结算.xlsx"
    bio = io.BytesIO()
    wb.save(bio)
    path.write_bytes(bio.getvalue())

    base = live_server.url
    login(page, base, "department")
    page.goto(f"{base}/exchange/upload/")
    page.select_option("#id_source", "medical_insurance_settlements")
    page.set_input_files("#id_file", str(path))
    page.screenshot(path=str(SHOTS / "09-upload.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector("#unknown-columns")
    page.screenshot(path=str(SHOTS / "10-preview-unknown-columns.png"), full_page=True)
    text = page.inner_text("main")
    assert "结算时间" in text and "医疗总费用" in text and "统筹支付" in text

    page.click("text=设置本部门的列名对应")
    page.wait_for_selector("text=无需设置即可识别的列名")
    # The nearest fields come chosen; the officer checks them and saves.
    assert page.input_value("select[name=form-0-target]") == "settle_date"
    assert page.input_value("select[name=form-1-target]") == "total_cost"
    assert page.input_value("select[name=form-2-target]") == "insurance_paid"
    page.screenshot(path=str(SHOTS / "11-mapping.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector("text=确认导入 2 行")
    page.screenshot(path=str(SHOTS / "12-preview.png"), full_page=True)
    text = page.inner_text("main")
    assert "合计行" in text and "隐藏的工作表" in text and "字典" in text and "表尾" in text
    assert "360124********0011" in text and "360124198001010011" not in page.content()
    assert "12,000.50" in text and "2026-10-05" in text and "尿毒症" in text
    assert "身份证号列须为文本格式" in text  # the row whose ID Excel turned into a number

    page.click("button[value=confirm]")
    page.wait_for_selector("text=导入批次")
    page.screenshot(path=str(SHOTS / "13-batch.png"), full_page=True)
    batch = ImportBatch.objects.get()
    assert batch.state == "committed" and batch.rows_valid == 2 and batch.chain_added == 1
    assert "新增 1 条" in page.inner_text("main")
