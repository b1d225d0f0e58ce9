"""The process keyring (SM4 data keys, HMAC-SM3 index key), read from configuration."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.pii.crypto import Keyring


@functools.cache
def keyring() -> Keyring:
    """Load the keyring once: JIUZHU_KEYRING_JSON, else the JIUZHU_KEYRING_FILE file."""
    if settings.JIUZHU_KEYRING_JSON:
        return Keyring.from_json(settings.JIUZHU_KEYRING_JSON)
    path = Path(settings.JIUZHU_KEYRING_FILE)
    if not path.exists():
        raise ImproperlyConfigured(
            f"No keyring at {path}: run `jiuzhu demo` (demo) or set JIUZHU_KEYRING_FILE "
            "to the file issued by the key service (docs/operators.md)."
        )
    return Keyring.from_json(path.read_text(encoding="utf-8"))


def ensure_demo_keyring() -> Path | None:
    """Create a demo keyring file if none is configured.  Returns the path if created."""
    if settings.JIUZHU_KEYRING_JSON:
        return None
    path = Path(settings.JIUZHU_KEYRING_FILE)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(Keyring.generate().to_json(), encoding="utf-8")
    path.chmod(0o600)
    keyring.cache_clear()
    return path
