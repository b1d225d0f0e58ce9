"""Dynamic monitoring (动态监测): declared early-warning indicators and the comparison run.  Pure, no Django."""

from jiuzhu.engine.monitoring.compare import FINDING_SCHEMA, Findings, run_comparison
from jiuzhu.engine.monitoring.indicators import INDICATORS, Indicator, Threshold, get_indicator

__all__ = ["FINDING_SCHEMA", "INDICATORS", "Findings", "Indicator", "Threshold", "get_indicator", "run_comparison"]
