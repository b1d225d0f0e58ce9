"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
application = get_wsgi_application()

# Outside demo mode, refuse to serve on a published secret, the demo keyring or DEBUG (R33).
from jiuzhu.apps.core.checks import enforce_release_checks  # noqa: E402

enforce_release_checks()
