"""The platform refuses to start when the SM3/SM4 known-answer tests fail (RELIABILITY R19)."""

from __future__ import annotations

import pytest
from django.apps import apps

from jiuzhu.pii import crypto


def test_start_up_runs_the_self_test(monkeypatch: pytest.MonkeyPatch) -> None:
    config = apps.get_app_config("core")
    config.ready()  # passes with the real OpenSSL
    monkeypatch.setattr(crypto, "_sm3", lambda data: b"\\x00" * 32)
    with pytest.raises(crypto.CryptoSelfTestError):
        config.ready()
