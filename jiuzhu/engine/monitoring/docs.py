"""The indicator list of docs/monitoring.md, generated from the declarations (a test keeps them equal).

``python -m jiuzhu.engine.monitoring.docs --write docs/monitoring.md`` rewrites the block between
the ``<!-- indicators:begin -->`` and ``<!-- indicators:end -->`` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Final

from jiuzhu.engine.monitoring.cli import target_label
from jiuzhu.engine.monitoring.compare import PROVINCE, settings_for
from jiuzhu.engine.monitoring.indicators import INDICATORS, KINDS
from jiuzhu.rules.monitoring import deadlines
from jiuzhu.rules.params.loader import ParameterSet, load_jiangxi

__all__ = ["BEGIN", "END", "indicator_table", "main"]

BEGIN: Final = "<!-- indicators:begin -->"
END: Final = "<!-- indicators:end -->"
AS_OF: Final = dt.date(2026, 11, 1)


def indicator_table(params: ParameterSet | None = None, on: dt.date = AS_OF) -> str:
    """One Markdown row per indicator with the province's parameters in force on *on*."""
    params = params or load_jiangxi()
    out = [
        f"Province parameters in force on {on.isoformat()} (省级默认值).",
        "",
        "| key | 指标 / indicator | kind | severity | unit | verify/handle days | sources | thresholds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ind in INDICATORS:
        s = settings_for(ind, params, PROVINCE, on)
        verify, handle = deadlines(params, s.severity, PROVINCE, on)
        thresholds = "; ".join(f"`{t.name}` {t.label_zh} = {s.thresholds[t.name]} {t.unit}".strip()
                               for t in ind.thresholds) or "—"
        sources = ", ".join(f"`{x}`" for x in ind.sources) or "registry (full run only)"
        out.append(f"| `{ind.key}` | {ind.label_zh} / {ind.label_en} | {KINDS[ind.kind][0]} ({ind.kind}) | "
                   f"{s.severity} | {target_label(ind)} | {verify} / {handle} | {sources} | {thresholds} |")
    return "\n".join(out)


def rewrite(text: str, table: str) -> str:
    head, _sep, rest = text.partition(BEGIN)
    _old, _sep2, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jiuzhu.engine.monitoring.docs")
    parser.add_argument("--write", help="rewrite the indicator block of this Markdown file")
    args = parser.parse_args(argv)
    table = indicator_table()
    if args.write:
        path = Path(args.write)
        path.write_text(rewrite(path.read_text("utf-8"), table), "utf-8")
    else:
        print(table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
