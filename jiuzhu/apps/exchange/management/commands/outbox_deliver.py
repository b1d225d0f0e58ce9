"""``manage.py outbox_deliver [--loop] [--interval S]``: send due outbox messages (RELIABILITY K6).

Without ``--loop`` one pass is made and the counts are printed as JSON.  With ``--loop`` the
worker runs until stopped (SIGTERM/Ctrl-C finish the current message first); several workers
may run at once (rows are claimed with SKIP LOCKED where the database supports it).  Each pass
also sweeps expired nonces and idempotency records, and stale temporary export/report files.
"""

from __future__ import annotations

import json
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand

from jiuzhu.apps.exchange import outbox, services, signing


class Command(BaseCommand):
    help = "Deliver due outbox messages to the departments' receivers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running, one pass every --interval seconds")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between passes (with --loop)")

    def handle(self, *args: Any, loop: bool = False, interval: float = 10.0, **options: Any) -> None:
        stop = False

        def _stop(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        if loop:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
        while True:
            stats = outbox.deliver_due()
            stats["swept"] = signing.sweep_expired() + services.sweep_stale_temp()
            if not loop or any(stats[k] for k in ("claimed",)):
                self.stdout.write(json.dumps(stats))
            if not loop or stop:
                return
            deadline = time.monotonic() + interval
            while not stop and time.monotonic() < deadline:
                time.sleep(min(0.5, interval))
