"""Rules of the early-warning work (预警处置规则) that are not indicators: the deadlines.

How many days a warning of each severity gives to verify it on the ground and to handle it
are dated, region-keyed parameters (``monitoring.deadline.<severity>.verify_days`` /
``.handle_days`` in ``rules/params/data/jiangxi/monitoring.yaml``; docs/policy-notes.md §3.3).
The indicators themselves are declared in ``jiuzhu.engine.monitoring.indicators``.
"""

from __future__ import annotations

import datetime as dt

from jiuzhu.rules.params.loader import ParameterSet

__all__ = ["deadlines"]


def deadlines(params: ParameterSet, severity: str, region: str, on: dt.date) -> tuple[int, int]:
    """(days to verify, days to handle) of a severity for a region on a date."""
    # the deadlines do not differ between urban and rural: any area resolves them
    verify = params.resolve(f"monitoring.deadline.{severity}.verify_days", region, "rural", on).value
    handle = params.resolve(f"monitoring.deadline.{severity}.handle_days", region, "rural", on).value
    return int(verify), int(handle)
