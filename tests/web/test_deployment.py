"""The production profile and the release checks (issue 12 items 9 and 10; RELIABILITY R33)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.pii.crypto import Keyring

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "k3J9x!Qp2@Lm7#Vb4$Nz8%Rt1^Wc6&Hy5*Ds0(Fg)Ae-Uo+Ij=Pl?Ks"


def _run(env: dict[str, str], *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # The child sees the operator's environment, not the test run's switches (JIUZHU_*, or a
    # DJANGO_ALLOW_ASYNC_UNSAFE a browser test may have set).
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("JIUZHU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base.update({"PYTHONPATH": str(ROOT), "JIUZHU_VAR_DIR": str(tmp_path), **env})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=300)


def _production(**extra: str) -> dict[str, str]:
    return {"JIUZHU_PROFILE": "production", "JIUZHU_SECRET_KEY": STRONG_SECRET,
            "JIUZHU_KEYRING_JSON": Keyring.generate().to_json(), "JIUZHU_ALLOWED_HOSTS": "jiuzhu.example.gov.cn",
            **extra}


def test_check_deploy_is_clean_in_the_production_profile(tmp_path: Path) -> None:
    r = _run(_production(), "manage.py", "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_deploy_fails_in_the_demo_profile(tmp_path: Path) -> None:
    r = _run({}, "manage.py", "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert r.returncode != 0 and "jiuzhu.W001" in r.stdout + r.stderr


@pytest.mark.parametrize("change, error", [
    ({"JIUZHU_SECRET_KEY": ""}, "jiuzhu.E001"),                        # unset: the published default
    ({"JIUZHU_SECRET_KEY": "insecure-dev-only-key-change-me"}, "jiuzhu.E001"),
    ({"JIUZHU_DEBUG": "1"}, "jiuzhu.E002"),
    ({"JIUZHU_KEYRING_JSON": ""}, "jiuzhu.E003"),                      # the demo keyring file
])
def test_production_refuses_to_start_on_demo_settings(tmp_path: Path, change: dict[str, str], error: str) -> None:
    env = {k: v for k, v in _production(**change).items() if v}
    r = _run(env, "manage.py", "check", tmp_path=tmp_path)
    assert r.returncode != 0 and error in r.stdout + r.stderr
    # The WSGI entry point (gunicorn) refuses too.
    w = _run(env, "-c", "import jiuzhu.config.wsgi", tmp_path=tmp_path)
    assert w.returncode != 0 and "refusing to start" in w.stderr and error in w.stderr


def test_the_demo_has_its_own_random_secret(tmp_path: Path) -> None:
    code = "from django.conf import settings; import django; django.setup(); print(settings.SECRET_KEY)"
    env = {"DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings"}
    first = _run(env, "-c", code, tmp_path=tmp_path).stdout.strip()
    again = _run(env, "-c", code, tmp_path=tmp_path).stdout.strip()
    assert first == again and len(first) >= 50 and first != "insecure-dev-only-key-change-me"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    other = _run(env, "-c", code, tmp_path=tmp_path / "elsewhere").stdout.strip()
    assert other != first


def test_pages_carry_a_strict_csp_and_no_store(client: Any, households: dict[str, Any], users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    r = client.get(f"/households/{households['inside'].pk}/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["Cache-Control"] == "no-store"
    assert client.get("/api/households/")["Cache-Control"] == "no-store"


def test_no_template_has_inline_script_or_event_handlers() -> None:
    """CSP without 'unsafe-inline': every script is a static file."""
    offenders = []
    for path in (ROOT / "jiuzhu").rglob("*.html"):
        text = path.read_text("utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=\s*[\"']", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders
