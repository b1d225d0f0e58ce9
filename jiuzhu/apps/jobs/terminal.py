"""Progress of a job run from the command line: a bar on a terminal, plain lines otherwise (logs, CI)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

# (step label, done, total); no Django import here: commands that need no database use it too.
Reporter = Callable[[str, int, int], None]


def reporter(stream: TextIO | None = None) -> Reporter:
    stream = stream or sys.stderr
    return _Bar(stream) if stream.isatty() else _Lines(stream)


class _Bar:
    def __init__(self, stream: TextIO) -> None:
        self.stream, self.bar, self.label = stream, None, ""

    def __call__(self, label: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if label != self.label or self.bar is None:
            if self.bar is not None:
                self.bar.close()
            self.label = label
            self.bar = tqdm(total=total or None, desc=f"{label:<10}", file=self.stream, unit=" rows",
                            unit_scale=True, leave=True, dynamic_ncols=True)
        bar: Any = self.bar
        if total and bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()


class _Lines:
    """One line per step, then at most one every 5 seconds (and at the end of the step)."""

    def __init__(self, stream: TextIO, every: float = 5.0) -> None:
        self.stream, self.every, self.label, self.last = stream, every, "", 0.0

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        new = label != self.label
        if new or now - self.last >= self.every or (total and done >= total):
            self.label, self.last = label, now
            share = f" ({done * 100 // total}%)" if total else ""
            amount = f"{done:,}/{total:,}{share}" if total else (f"{done:,}" if done else "")
            print(f"[{time.strftime('%H:%M:%S')}] {label} {amount}".rstrip(), file=self.stream, flush=True)
