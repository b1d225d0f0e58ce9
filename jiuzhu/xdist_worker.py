"""Each pytest-xdist worker gets its own JIUZHU_VAR_DIR (audit chain, keyring, uploads, job files).

Loaded with ``-p jiuzhu.xdist_worker`` (pyproject addopts) so it runs before pytest-django reads
the settings; without a worker (plain ``pytest``) it changes nothing.  It lives in the package, not
under tests/, because ``-p`` imports it before pytest puts anything on the path: ``.venv/bin/pytest``
(no current directory on sys.path) could not import ``tests.xdist_worker``.  Nothing else imports it.
"""

from __future__ import annotations

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _base = os.environ.get("JIUZHU_VAR_DIR") or os.path.join(os.getcwd(), "var", "test")
    os.environ["JIUZHU_VAR_DIR"] = os.path.join(_base, _worker)
