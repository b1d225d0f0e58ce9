"""``jiuzhu indicators``: the declared indicators, one per line (no database needed).

Columns (tab-separated): key, severity, kind, target unit (``department:<code>`` when pushed
to a department), days to verify, days to handle, switched on, Chinese label.  Severity,
switch and deadlines are the province's parameters in force on ``--as-of`` (default today).
"""

from __future__ import annotations

import argparse
import datetime as dt

from jiuzhu.engine.monitoring.compare import PROVINCE, settings_for
from jiuzhu.engine.monitoring.indicators import INDICATORS, Indicator
from jiuzhu.rules.monitoring import deadlines
from jiuzhu.rules.params.loader import ParameterSet, load_jiangxi

__all__ = ["lines", "main", "target_label"]


def target_label(ind: Indicator) -> str:
    return f"department:{ind.department}" if ind.target == "department" else ind.target


def lines(params: ParameterSet, on: dt.date, region: str = PROVINCE) -> list[str]:
    out = []
    for ind in INDICATORS:
        s = settings_for(ind, params, region, on)
        verify, handle = deadlines(params, s.severity, region, on)
        out.append("\t".join([ind.key, s.severity, ind.kind, target_label(ind), str(verify), str(handle),
                              "on" if s.enabled else "off", ind.label_zh]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jiuzhu indicators", description="预警指标清单 / the declared indicators")
    parser.add_argument("--as-of", help="parameters in force on this date (YYYY-MM-DD; default today)")
    parser.add_argument("--region", default=PROVINCE, help="a county or city code (default the province)")
    args = parser.parse_args(argv)
    try:
        on = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    except ValueError:
        parser.error("--as-of must be YYYY-MM-DD")
    for line in lines(load_jiangxi(), on, args.region):
        print(line)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
