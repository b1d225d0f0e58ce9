"""Main journey in real Chromium (Debian's), screenshots kept in var/screenshots/.

Skipped when Playwright or /usr/bin/chromium is not installed (`apt-get install chromium`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

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


def test_caseworker_journey(page: Any, live_server: Any, households: dict[str, Any]) -> None:
    from tests.conftest import PASSWORD

    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "county")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.screenshot(path=str(SHOTS / "01-home.png"))
    assert "进贤县" in page.content()

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
