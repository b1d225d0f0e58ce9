"""Audit chain: append rate through `audit()` and `jiuzhu audit verify` over N rows (docs/benchmarks.md).

    python bench/bench_audit.py [ROWS]          # default 1,000,000; a scratch SQLite database in a temp dir
    JIUZHU_DATABASE_URL=postgres://… python bench/bench_audit.py 1000000

Rows beyond the first 2,000 are written in bulk with the same chain function (what matters is
the verifier's speed on a long chain); the first 2,000 go through `audit()` to time appends.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    tmp = tempfile.mkdtemp(prefix="jiuzhu-bench-audit-")
    os.environ.setdefault("JIUZHU_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    from jiuzhu.pii.crypto import Keyring

    os.environ.setdefault("JIUZHU_KEYRING_JSON", Keyring.generate().to_json())
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from jiuzhu.apps.core import chain
    from jiuzhu.apps.core.audit import audit
    from jiuzhu.apps.core.models import AuditEvent

    started = time.perf_counter()
    for i in range(2000):
        audit("bench.append", object_type="household", object_id=i, view="household_detail")
    append_s = time.perf_counter() - started
    print(f"audit(): 2,000 appends in {append_s:.2f}s ({append_s / 2000 * 1000:.2f} ms each)")
    key = chain._key()
    previous = AuditEvent.objects.order_by("-id").values_list("chain_hash", flat=True).first()
    batch: list[AuditEvent] = []
    done = 2000
    started = time.perf_counter()
    while done < rows:
        e = AuditEvent(at=timezone.now(), actor_username="county", role="county", region_code="360124",
                       event="record.read", object_type="household", object_id=str(done),
                       detail={"view": "household_detail"})
        e.chain_hash = previous = chain.row_hash(key, previous, {f: getattr(e, f) for f in chain.FIELDS})
        batch.append(e)
        done += 1
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    print(f"bulk-wrote {rows - 2000:,} chained rows in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    result = chain.verify()
    seconds = time.perf_counter() - started
    print(f"verify: {result.rows:,} rows in {seconds:.1f}s ({result.rows / seconds:,.0f} rows/s), ok={result.ok}")


if __name__ == "__main__":
    main()
