"""Demo data for department sharing (`jiuzhu demo`): a determination to share, more department accounts."""

from __future__ import annotations

from django.utils import timezone

from jiuzhu.apps.core.demo_accounts import DEMO_PASSWORD
from jiuzhu.apps.core.models import User
from jiuzhu.apps.core.services import user_create
from jiuzhu.apps.determination.models import DeterminationRun
from jiuzhu.apps.determination.services import run_all
from jiuzhu.apps.registry.models import Household

from . import selectors

# Department accounts besides the CLI's dept_medical, to show how differently each catalogue cuts.
DEMO_DEPARTMENTS = {
    "dept_education": ("education", "教育局数据员"),
    "dept_housing": ("housing", "住建局数据员"),
    "dept_disabled": ("disabled_federation", "残联数据员"),
    "dept_justice": ("justice", "司法局法律援助员"),
}


def demo_step() -> str:
    """Idempotent: runs the determination once if none has completed, creates the accounts if missing."""
    ran = ""
    if Household.objects.exists() and not DeterminationRun.objects.completed().exists():
        run = run_all(actor=User.objects.filter(username="province").first(), as_of=timezone.localdate())
        ran = f"ran the determination ({run.households:,} households); "
    for username, (department, full_name) in DEMO_DEPARTMENTS.items():
        if not User.objects.filter(username=username).exists():
            user_create(actor=None, username=username, password=DEMO_PASSWORD, role="department", region=None,
                        department=department, full_name=full_name)
    counts = []
    for username in ("dept_medical", *DEMO_DEPARTMENTS):
        user = User.objects.filter(username=username).first()
        if user is not None:
            counts.append(f"{username} {selectors.people_for(user).count():,}")
    return f"sharing: {ran}people shared — " + ", ".join(counts) + f" (department logins, password {DEMO_PASSWORD})"
