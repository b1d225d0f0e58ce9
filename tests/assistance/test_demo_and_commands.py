"""The demo step (idempotent) and the management commands."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiuzhu.apps.assistance.amounts import amounts_in_month
from jiuzhu.apps.assistance.demo import demo_step
from jiuzhu.apps.assistance.models import Entitlement, Match, Payroll
from jiuzhu.rules.programmes import PROGRAMMES

from .helpers import born, determined, household_with

pytestmark = pytest.mark.django_db


def test_demo_step_starts_entitlements_and_approves_one_payroll(users: dict[str, Any]) -> None:
    today = timezone.localdate()
    h = household_with(users["township"], head_birth=born(50, today), bank_account="6222000055556666")
    determined(h, ["dibao"], today, {"dibao": "500.00", "dibao_supplement": "20.00", "total": "520.00"})
    line = demo_step()
    assert "1 entitlements" in line
    e = Entitlement.objects.get(household=h)
    assert (e.programme, e.monthly_amount, e.start_month) == ("dibao", Decimal("520.00"), today.replace(day=1))
    p = Payroll.objects.get(county_id="360124")
    # the month's own determination gives another amount than the stored result: the demo's 调标
    # brings the entitlement in line (dated), so the payroll holds nothing and is approved
    paid = amounts_in_month([e], p.month)[e.pk][0]
    assert p.state == "approved" and p.approved_by == users["county"] and p.total_amount == paid
    assert p.mismatched == 0 and p.held_count == 0
    assert "already" in demo_step()
    assert Entitlement.objects.count() == 1 and Payroll.objects.count() == 1


def test_programmes_command_lists_every_programme() -> None:
    out = io.StringIO()
    call_command("programmes", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("\t")[0] for line in lines] == [p.key for p in PROGRAMMES]
    assert all(len(line.split("\t")) == 5 for line in lines)


def test_match_and_payroll_commands(users: dict[str, Any]) -> None:
    today = timezone.localdate()
    h = household_with(users["township"], head_birth=born(61, today))
    determined(h, ["dibao"], today)
    out = io.StringIO()
    call_command("assistance_match", "--auto-enrol", stdout=out)
    assert "1 households" in out.getvalue() and "resident_pension 1" in out.getvalue()
    assert Match.objects.filter(household=h, programme="resident_pension", status="enrolled").exists()
    call_command("assistance_payroll", "--county", "360124", "--month", "2026-11", stdout=out)
    assert Payroll.objects.filter(county_id="360124").count() == 1


@pytest.mark.parametrize("command", ["assistance_payroll", "assistance_adjust"])
def test_county_month_commands_refuse_a_bad_month(command: str) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command(command, "--county", "360124", "--month", "2026-13")


def test_adjust_command_runs_the_county_month(users: dict[str, Any]) -> None:
    from jiuzhu.apps.jobs.models import Job

    out = io.StringIO()
    call_command("assistance_adjust", "--county", "360124", "--month", "2026-11", stdout=out)
    job = Job.objects.get(kind="assistance.adjustment")
    assert job.params["county"] == "360124" and job.params["month"] == "2026-11"
    assert f"(job {job.pk})" in out.getvalue()


def test_jiuzhu_programmes_lists_the_matrix(capsys: Any) -> None:
    from jiuzhu.cli import main

    assert main(["programmes"]) == 0
    out = capsys.readouterr().out
    assert all(p.key in out for p in PROGRAMMES), out
