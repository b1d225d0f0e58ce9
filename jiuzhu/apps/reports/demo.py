"""Demo: statistics of every finished determination run, and one what-if scenario run (idempotent)."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from jiuzhu.apps.core.models import User
from jiuzhu.apps.determination.models import DeterminationRun

from .models import FIGURES_VERSION, Scenario
from .services import scenario_create, scenario_run, statistics_compute


def demo_step() -> str:
    runs = DeterminationRun.objects.completed().filter(
        Q(statistics__isnull=True) | Q(statistics__version__lt=FIGURES_VERSION))
    computed = [statistics_compute(run).pk for run in runs]
    actor = User.objects.filter(username="province").first()
    scenario = Scenario.objects.filter(name="低保边缘倍数 1.5 → 1.8").first()
    if scenario is None:
        scenario = scenario_create(actor=actor, name="低保边缘倍数 1.5 → 1.8", as_of=timezone.localdate(),
                                   changes=["dibao.marginal_multiplier=1.8"],
                                   note="示例：低保边缘家庭认定倍数由1.5倍提高到1.8倍")
    if scenario.status != "done":
        scenario_run(scenario, actor=actor)
    return f"reports: statistics of {len(computed)} run(s); scenario {scenario.pk} ({scenario.name}) done"
