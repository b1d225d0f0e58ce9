"""Release checks of the platform's own (RELIABILITY R33; issue 12 items 9 and 10).

Outside demo mode (JIUZHU_PROFILE=production) the platform refuses to start on the published
secret key, a short one, the demo keyring, or DEBUG on: these are Django system checks
(errors block `runserver`, `migrate` and every management command) and the WSGI entry point
runs them too (`enforce_release_checks`), so gunicorn does not start either.  In demo mode
`check --deploy` warns that this is not a production profile, so the release gate
(`check --deploy --fail-level WARNING`) passes only in the production profile.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

TAG = "jiuzhu_release"


def demo_keyring_in_use() -> bool:
    """The keyring `jiuzhu demo` generated (a file with a .demo marker beside it)."""
    if settings.JIUZHU_KEYRING_JSON:
        return False
    path = Path(settings.JIUZHU_KEYRING_FILE)
    return Path(str(path) + ".demo").exists() or "JIUZHU_KEYRING_FILE" not in os.environ


@register(TAG, Tags.security)
def release_checks(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEMO_MODE:
        return []
    errors = []
    key = settings.SECRET_KEY or ""
    if key == settings.PUBLISHED_SECRET_KEY or len(key) < 50 or len(set(key)) < 5:
        errors.append(Error("JIUZHU_SECRET_KEY is unset, the published default or too short (50+ random "
                            "characters are needed).", id="jiuzhu.E001"))
    if settings.DEBUG:
        errors.append(Error("JIUZHU_DEBUG is on outside demo mode.", id="jiuzhu.E002"))
    if demo_keyring_in_use():
        errors.append(Error("The demo keyring is in use: production keys come from the key service "
                            "(JIUZHU_KEYRING_JSON or an issued JIUZHU_KEYRING_FILE).", id="jiuzhu.E003"))
    return errors


@register(TAG, Tags.security, deploy=True)
def profile_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if settings.DEMO_MODE:
        return [Warning("JIUZHU_PROFILE is demo: set JIUZHU_PROFILE=production for a deployment.",
                        id="jiuzhu.W001")]
    return []


@register(TAG, Tags.security, deploy=True)
def no_superuser_check(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """RELIABILITY R8/R33: no superuser in production (the three administrators instead)."""
    if settings.DEMO_MODE or not databases:
        return []
    from django.db import DatabaseError

    from .models import User  # deferred: wsgi imports the release checks before the apps are loaded

    try:
        count = User.objects.filter(is_superuser=True, is_active=True).count()
    except DatabaseError:
        return []
    if count:
        return [Error(f"{count} active superuser account(s): use the three administrator roles.",
                      id="jiuzhu.E004")]
    return []


def enforce_release_checks() -> None:
    """Called by the WSGI entry point: refuse to serve when a release check fails."""
    from django.core.checks import run_checks
    from django.core.exceptions import ImproperlyConfigured

    problems = [m for m in run_checks(tags=[TAG]) if m.is_serious()]
    if problems:
        raise ImproperlyConfigured("refusing to start: " + "; ".join(f"{m.id} {m.msg}" for m in problems))
