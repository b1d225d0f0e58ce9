"""One measured bulk load into a fresh database (run by bench_load.py in a subprocess).

Usage: _load_once.py SRC_DIR MODE  (MODE = encrypted | plaintext)
`plaintext` swaps SM4/HMAC-SM3 for identity functions: the same-run baseline
that shows what encryption costs.  Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
import django  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from jiuzhu.apps.core.keys import ensure_demo_keyring  # noqa: E402
from jiuzhu.apps.core.services import regions_load, shipped_region_rows  # noqa: E402
from jiuzhu.apps.registry import bulk  # noqa: E402

src, mode = Path(sys.argv[1]), sys.argv[2]
ensure_demo_keyring()
call_command("migrate", verbosity=0)
regions_load(shipped_region_rows())
# Regions are set-up, not part of the measured load.
regions_load(pq.read_table(src / "regions.parquet").to_pylist())
if mode == "plaintext":
    bulk.encrypt_field = lambda ring, value, **kw: value  # type: ignore[assignment]
    bulk.blind_index = lambda ring, value, **kw: value  # type: ignore[assignment]
started = time.perf_counter()
counts = bulk.load_province(src)
seconds = time.perf_counter() - started
print(json.dumps({
    "vendor": connection.vendor, "mode": mode, "seconds": seconds,
    "households": counts["households"], "members": counts["members"],
    "rows": sum(v for k, v in counts.items() if k not in ("seconds", "regions")),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
