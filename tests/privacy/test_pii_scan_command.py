"""`jiuzhu manage pii_scan`: the release check for ID numbers in clear and loose file modes (ADR 0024)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

VALID = "360124198001010011"  # a valid GB 11643 number (check character 1)


def _scan(*paths: Path) -> str:
    out = io.StringIO()
    call_command("pii_scan", *map(str, paths), stdout=out)
    return out.getvalue()


def test_a_clean_private_directory_passes(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    f = tmp_path / "export.csv"
    f.write_text("户号,身份证号\nH1,360124********0011\n", encoding="utf-8")
    f.chmod(0o600)
    assert "scanned 1 files: 0 ID numbers in clear, 0 paths readable by others" in _scan(tmp_path)


def test_an_id_in_clear_fails_and_is_reported_masked(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    f = tmp_path / "dump.sql"
    f.write_bytes(b"INSERT INTO t VALUES ('" + VALID.encode() + b"42');")  # a certificate = ID + 2 digits
    f.chmod(0o600)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pii_scan", str(tmp_path), stdout=out)
    text = out.getvalue()
    assert "ID numbers in clear" in text and "360124********0011" in text and VALID not in text


def test_a_world_readable_file_fails(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    f = tmp_path / "jiuzhu.sqlite3"
    f.write_bytes(b"nothing personal")
    f.chmod(0o644)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pii_scan", str(f), stdout=out)
    assert "readable by others" in out.getvalue()
