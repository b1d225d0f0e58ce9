"""Each pytest-xdist worker gets its own JIUZHU_VAR_DIR (audit chain, keyring, uploads, job files).

Loaded with ``-p tests.xdist_worker`` (pyproject addopts) so it runs before pytest-django reads
the settings; without a worker (plain ``pytest``) it changes nothing.
"""

from __future__ import annotations

import os

_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _base = os.environ.get("JIUZHU_VAR_DIR") or os.path.join(os.getcwd(), "var", "test")
    os.environ["JIUZHU_VAR_DIR"] = os.path.join(_base, _worker)
