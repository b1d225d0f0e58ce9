"""The demo looks like a county (issue 13 item 13; docs/decisions/0040-demo-calibration.md).

A small province goes the demo's way — generated as of today with the demo's seed, loaded, the
departments' feeds imported, determined, given its review history, compared once — and its
warnings must be a few per hundred households, with no indicator drowning the others and every
family of indicator (need, eligibility loss, policy not applied, data quality) on the screens.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 1_200
SEED = 2026  # `jiuzhu demo`'s
MAX_PER_100 = 8.0  # a county's first run: a few per hundred households (the demo measures about 5)
MIN_PER_100 = 1.0  # …and not an empty screen


@pytest.fixture
def demo_warnings(users: dict[str, Any], tmp_path: Path, settings: Any) -> Counter[str]:
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.monitoring import services
    from jiuzhu.apps.monitoring.demo import review_history
    from jiuzhu.apps.monitoring.models import Warning
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.cli import _import_feeds
    from jiuzhu.engine.synth import generate

    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")
    today = timezone.localdate()
    generate(HOUSEHOLDS, SEED, tmp_path / "province", as_of=today)
    load_province(tmp_path / "province")
    _import_feeds(tmp_path / "province")  # what `jiuzhu demo` imports, the way it imports them
    run_all(actor=None, as_of=today)
    assert review_history(today) > 0
    services.comparison_run(actor=None, mode="full")
    return Counter(Warning.objects.values_list("indicator", flat=True))


def test_the_demo_has_a_few_warnings_per_hundred_households_of_every_family(demo_warnings: Counter[str]) -> None:
    from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS, get_indicator

    total = sum(demo_warnings.values())
    per_100 = 100 * total / HOUSEHOLDS
    shown = ", ".join(f"{k} {n}" for k, n in demo_warnings.most_common())
    assert MIN_PER_100 <= per_100 <= MAX_PER_100, f"{per_100:.1f} warnings per 100 households: {shown}"
    # a mix, not one indicator drowning what matters
    top, n = demo_warnings.most_common(1)[0]
    assert n <= total * 0.35, f"{top} is {n} of {total}: {shown}"
    families = {get_indicator(k).kind for k in demo_warnings}
    assert families == set(KINDS), f"families missing: {set(KINDS) - families}; {shown}"
    # most indicators already show on this small province (all of them on the demo's 3,000 and more)
    assert len(demo_warnings) >= len(INDICATORS) - 5, shown
