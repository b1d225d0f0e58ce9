"""The monitoring demo step: one comparison run, not one per `jiuzhu demo`."""

from __future__ import annotations

from typing import Any

import pytest

from jiuzhu.apps.core.hooks import DEMO_STEPS
from jiuzhu.apps.monitoring.demo import demo_step
from jiuzhu.apps.monitoring.models import ComparisonRun

pytestmark = pytest.mark.django_db


def test_demo_step_runs_the_comparison_once(households: dict[str, Any]) -> None:
    """Regression: the step asked for a run's free-text status, which runs no longer have (their job has the state)."""
    assert any(step.run is demo_step for step in DEMO_STEPS)
    demo_step()
    assert ComparisonRun.objects.completed().count() == 1
    demo_step()
    assert ComparisonRun.objects.count() == 1
