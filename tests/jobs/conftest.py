"""Test kinds of job (tests/jobs/kinds.py) and fast heartbeats."""

from __future__ import annotations

from typing import Any

import pytest

from tests.jobs.kinds import HOOKS


@pytest.fixture(autouse=True)
def _fast_jobs(settings: Any) -> Any:
    settings.JIUZHU_JOBS = {**settings.JIUZHU_JOBS, "heartbeat_seconds": 0.0, "abandoned_after": 60.0}
    HOOKS.clear()
    yield
    HOOKS.clear()
