"""Prepare a load test against a loaded database: load-test accounts and the targets they click.

    JIUZHU_DATABASE_URL=… JIUZHU_VAR_DIR=… python bench/load/prepare.py --out var/load/targets.json

Picks the five counties with most households (进贤县 360124, where the demo walks warnings and
applications, always among them), creates per county ten county caseworkers ``load_<county>_<n>`` and
five department data officers ``load_dept_<n>`` (each its own account: the exact-ID query is
rate-limited per account, 30 a minute), samples households, decrypts a few members' ID numbers for
"search by ID" and the department query, and lists the counties' applications.  The targets file
holds synthetic ID numbers in clear: it is written 0600 under var/ and never committed.
Idempotent: accounts that exist are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
django.setup()

from django.db.models import Count  # noqa: E402 - after django.setup()

from jiuzhu.apps.applications.models import Application  # noqa: E402
from jiuzhu.apps.core.demo_accounts import DEMO_PASSWORD  # noqa: E402
from jiuzhu.apps.core.keys import keyring  # noqa: E402
from jiuzhu.apps.core.models import Region, User  # noqa: E402
from jiuzhu.apps.core.services import user_create  # noqa: E402
from jiuzhu.apps.registry.models import Household, Member  # noqa: E402
from jiuzhu.pii.crypto import decrypt_field  # noqa: E402

DEMO_COUNTY = "360124"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="var/load/targets.json")
    parser.add_argument("--counties", type=int, default=5)
    parser.add_argument("--per-county", type=int, default=10)
    parser.add_argument("--departments", type=int, default=5)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    ring = keyring()

    biggest = [r["county_id"] for r in Household.objects.values("county_id").annotate(n=Count("id")).order_by("-n")
               [: args.counties]]
    counties = [DEMO_COUNTY, *[c for c in biggest if c != DEMO_COUNTY]][: args.counties]
    targets: dict[str, object] = {"password": DEMO_PASSWORD, "counties": {}, "departments": []}
    all_ids: list[str] = []
    for code in counties:
        region = Region.objects.get(code=code)
        users = []
        for n in range(1, args.per_county + 1):
            name = f"load_{code}_{n}"
            if not User.objects.filter(username=name).exists():
                user_create(actor=None, username=name, password=DEMO_PASSWORD, role="county", region=region,
                            full_name=f"压测经办员 {code}-{n}")
            users.append(name)
        pks = list(Household.objects.filter(county_id=code).values_list("pk", flat=True))
        sample = rnd.sample(pks, min(300, len(pks)))
        ids = []
        for m in Member.objects.filter(household_id__in=sample[:60]).order_by("household_id", "pk")[:60]:
            ids.append(decrypt_field(ring, m.id_number_enc, table="registry_member", column="id_number", row=str(m.uid)))
        all_ids += ids
        apps = list(Application.objects.filter(county_id=code).values_list("pk", flat=True)[:50])
        targets["counties"][code] = {"users": users, "households": sample, "ids": ids,  # type: ignore[index]
                                     "applications": apps}
    for n in range(1, args.departments + 1):
        name = f"load_dept_{n}"
        if not User.objects.filter(username=name).exists():
            user_create(actor=None, username=name, password=DEMO_PASSWORD, role="department", region=None,
                        department="medical_insurance", full_name=f"压测数据员 {n}")
        targets["departments"].append(name)  # type: ignore[attr-defined]
    targets["query_ids"] = all_ids
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(targets, ensure_ascii=False, indent=1), encoding="utf-8")
    out.chmod(0o600)
    print(f"{out}: {len(counties)} counties, {sum(len(c['users']) for c in targets['counties'].values())} "  # type: ignore[attr-defined]
          f"caseworkers, {args.departments} department officers, {len(all_ids)} ID numbers")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
