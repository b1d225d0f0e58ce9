"""A province caseworker starts a comparison run, watches it to the end, starts another and cancels it —
in Chromium, against the real stack `make run` starts: `jiuzhu serve` (gunicorn, WhiteNoise, and the
job worker) on a private SQLite province of 300 households.  Screenshots in var/screenshots/jobs-*.png.

``JIUZHU_JOBS_TEST_PAUSE=compare:6`` holds each run for a few seconds at its comparing step, so the
journey sees it running and can cancel the second one there.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEYRING

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "var" / "screenshots"
DEMO_PASSWORD = "Jiuzhu@2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "jiuzhu.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, f"jiuzhu {' '.join(args)}: {r.stdout}\n{r.stderr}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    tmp = tmp_path_factory.mktemp("jobs-journey")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIUZHU_DATABASE_URL", "JIUZHU_JOBS_"))}
    env.update(JIUZHU_SQLITE_PATH=str(tmp / "db.sqlite3"), JIUZHU_VAR_DIR=str(tmp / "var"),
               JIUZHU_KEYRING_JSON=TEST_KEYRING, JIUZHU_STATIC_ROOT=str(tmp / "static"), PYTHONPATH=str(ROOT),
               JIUZHU_JOBS_HEARTBEAT_SECONDS="0.5", JIUZHU_JOBS_TEST_PAUSE="compare:6", JIUZHU_WEB_WORKERS="2",
               JIUZHU_ACCESS_LOG="")
    _run(env, "manage", "migrate", "--verbosity", "0")
    _run(env, "manage", "shell", "-c", "from jiuzhu.apps.core.services import regions_load, shipped_region_rows; "
                                       "regions_load(shipped_region_rows())")
    _run(env, "generate", "--households", "300", "--seed", "5")
    _run(env, "manage", "shell", "-c", "from jiuzhu.apps.core.demo_accounts import ensure_demo_users; ensure_demo_users(); "
                                       "from jiuzhu.apps.core.models import User; from jiuzhu.apps.core.otp import demo_enrol; "
                                       "demo_enrol(User.objects.get(username='province'))")
    port = _free_port()
    log = (tmp / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "jiuzhu.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    break
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, (tmp / "serve.log").read_text()
        time.sleep(1)
    yield base
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C: stops gunicorn and the worker
    assert proc.wait(timeout=90) == 0, (tmp / "serve.log").read_text()
    log.close()
    served = (tmp / "serve.log").read_text()
    assert "stopped." in served and "Traceback" not in served, served


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser.new_page(viewport={"width": 1366, "height": 900})
        browser.close()


def test_start_watch_and_cancel_comparison_runs(server: str, page: Any) -> None:
    page.goto(f"{server}/accounts/login/")
    page.fill("#id_username", "province")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button.primary")
    # The second factor: the demo account's code of the moment (its fixed demo secret).
    from binascii import unhexlify

    from django_otp.oath import TOTP

    from jiuzhu.apps.core.otp import demo_key

    page.wait_for_selector("#id_token")
    page.fill("#id_token", f"{TOTP(unhexlify(demo_key('province'))).token():06d}")
    page.click("button.primary")
    page.wait_for_selector("header.top nav")
    page.goto(f"{server}/monitoring/runs/")
    page.check("input[name=mode][value=full]")
    page.click("form.card button.primary")
    # Answered at once with the job's page; the worker runs it and the page follows it (htmx).
    page.wait_for_url("**/jobs/*/")
    first = page.url
    page.wait_for_selector("#job-progress >> text=运行中", timeout=60_000)
    page.wait_for_selector("#job-progress >> text=运行预警指标", timeout=60_000)
    page.screenshot(path=str(SHOTS / "jobs-1-running.png"), full_page=True)
    assert "已用时间" in page.content() and "取消任务" in page.content()
    page.wait_for_selector(".job-state.job-done", timeout=120_000)  # the page reloads itself when it ends
    page.screenshot(path=str(SHOTS / "jobs-2-done.png"), full_page=True)
    text = page.inner_text("main")
    assert "新增预警" in text or "Warnings raised" in text
    assert "预警工作台" in text and "100%" in text

    # A second run, cancelled while it compares: it ends cancelled and keeps nothing.
    page.goto(f"{server}/monitoring/runs/")
    page.check("input[name=mode][value=full]")
    page.click("form.card button.primary")
    page.wait_for_url("**/jobs/*/")
    assert page.url != first
    page.wait_for_selector("#job-progress >> text=运行预警指标", timeout=60_000)
    page.click("#job-cancel")
    page.wait_for_selector("text=正在取消", timeout=10_000)
    page.screenshot(path=str(SHOTS / "jobs-3-cancelling.png"), full_page=True)
    page.wait_for_selector(".job-state.job-cancelled", timeout=60_000)
    page.screenshot(path=str(SHOTS / "jobs-4-cancelled.png"), full_page=True)
    assert "未保留任何结果" in page.inner_text("main") and "province 请求取消" in page.inner_text("main")

    page.goto(f"{server}/monitoring/runs/")
    rows = page.locator("table.grid tbody tr")
    assert rows.count() == 1  # one run: the cancelled one left no run and no warnings
    page.goto(f"{server}/jobs/")
    page.screenshot(path=str(SHOTS / "jobs-5-list.png"), full_page=True)
    listed = page.inner_text("table.grid")
    assert "成功" in listed and "已取消" in listed and "比对运行" in listed  # the done and the cancelled run
