"""The demo step: determines the registry once, adds department accounts, is idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.apps.core.hooks import DEMO_STEPS
from jiuzhu.apps.core.models import User
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.sharing.demo import DEMO_DEPARTMENTS, demo_step

pytestmark = pytest.mark.django_db


def test_demo_step_is_registered_and_idempotent(households: dict[str, Any]) -> None:
    assert any(step.run is demo_step for step in DEMO_STEPS)
    line = demo_step()
    assert "ran the determination (3 households)" in line and "dept_education" in line
    assert DeterminationRun.objects.completed().count() == 1
    assert set(User.objects.filter(role="department").values_list("username", flat=True)) >= set(DEMO_DEPARTMENTS)
    again = demo_step()
    assert "ran the determination" not in again
    assert DeterminationRun.objects.count() == 1
