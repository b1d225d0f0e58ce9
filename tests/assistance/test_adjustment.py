"""调标 (issue 13 item 1): a rise of the standard reaches the payroll.

Approve a new standard → the 调标 run is queued (a job) → the list of changed amounts → approved by
a second person → the payroll of the effective month pays the new amounts; before that, lines paying
the old amount are held with the reason. Running it again changes nothing; history is kept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.apps.assistance import adjustment as adjust
from jiuzhu.apps.assistance import payroll as pay
from jiuzhu.apps.assistance.amounts import amounts_in_month
from jiuzhu.apps.assistance.models import Adjustment, EntitlementAmount
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.policy import services as policy
from jiuzhu.rules.programmes import add_months, month_start

from .test_payroll import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _raise_standard(users: dict[str, Any], month: dt.date, value: str, capture: Any) -> Any:
    rev = policy.revision_create(actor=users["city"], path="dibao.standard", region="360124", area="rural",
                                 effective_from=month, value=value, reference="进民发〔2026〕12号")
    with capture(execute=True):
        policy.revision_decide(actor=users["county"], revision=rev, approve=True)
    return rev


@pytest.fixture
def second(users: dict[str, Any]) -> Any:
    """A second county caseworker (four eyes)."""
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    return user_create(actor=None, username="county2", password=PASSWORD, role="county", region=users["county"].region)


def test_standard_rise_reaches_the_payroll(world: dict[str, Any], users: dict[str, Any],  # noqa: F811
                                           second: Any, django_capture_on_commit_callbacks: Any) -> None:
    month = add_months(month_start(timezone.localdate()), 1)
    before = add_months(month, -1)
    last = pay.generate_payroll(actor=None, county="360124", month=before)
    pay.approve_payroll(actor=users["county"], payroll=last)
    old_dibao = last.lines.get(programme="dibao").amount

    _raise_standard(users, month, "1000.00", django_capture_on_commit_callbacks)
    # approving the revision queued the county's 调标 run for the month it takes effect
    job = Job.objects.get(kind="assistance.adjustment")
    assert job.state == "queued" and job.params["county"] == "360124" and job.params["month"] == f"{month:%Y-%m}"
    assert job.started_by is None and job.params["requested_by"] == users["county"].pk  # the system's job

    # before the adjustment is approved, the new month's payroll holds the old amounts with the reason
    held = pay.generate_payroll(actor=None, county="360124", month=month)
    line = held.lines.get(programme="dibao", kind="regular")
    assert line.status == "held" and line.amount == old_dibao
    assert line.hold_reason.startswith("金额与当月认定结果不一致：认定 ") and "请先完成调标" in line.hold_reason
    assert held.mismatched == 2
    with pytest.raises(pay.PayrollError):
        pay.approve_payroll(actor=users["county"], payroll=held)
    pay.discard_payroll(actor=users["county"], payroll=held)

    job = run_inline(job)
    assert job.state == "done", job.error_en
    adj = Adjustment.objects.get(job=job)
    assert adj.status == "proposed" and adj.entitlements == 2 and adj.changed == 2
    assert adj.requested_by == users["county"] and "最低生活保障标准" in adj.trigger
    lines = {x.programme: x for x in adj.lines.all()}
    assert lines["dibao"].old_amount == old_dibao and lines["dibao"].new_amount > old_dibao
    assert "最低生活保障标准由840.00元/人·月调整为1,000.00元/人·月" in lines["dibao"].reason
    assert lines["tekun"].new_amount > lines["tekun"].old_amount  # tekun basic living follows the standard
    assert adj.total_new - adj.total_old == sum(x.new_amount - x.old_amount for x in lines.values())
    assert any(p["path"] == "dibao.standard" and p["new"] == "1,000.00元/人·月" for p in adj.parameters)

    # four eyes: the starter (the revision's approver) cannot approve the list
    with pytest.raises(adjust.AdjustmentError) as err:
        adjust.adjustment_approve(actor=users["county"], adjustment=adj)
    assert err.value.code == "four_eyes" and not EntitlementAmount.objects.exists()
    adjust.adjustment_approve(actor=second, adjustment=adj)
    assert AuditEvent.objects.filter(event="assistance.adjustment_approved", object_id=str(adj.pk)).exists()

    # amounts are dated: the month before still pays the old amount, the effective month the new
    dibao = world["dibao"]
    dibao.refresh_from_db()
    assert dibao.monthly_amount == old_dibao  # never overwritten
    assert amounts_in_month([dibao], before)[dibao.pk][0] == old_dibao
    assert amounts_in_month([dibao], month)[dibao.pk][0] == lines["dibao"].new_amount

    p = pay.generate_payroll(actor=None, county="360124", month=month)
    paid = {x.programme: x for x in p.lines.filter(kind="regular")}
    assert paid["dibao"].amount == lines["dibao"].new_amount and paid["dibao"].status == "pending"
    assert paid["tekun"].amount == lines["tekun"].new_amount
    assert paid["dibao"].change == "changed" and "调标" in paid["dibao"].note
    assert p.mismatched == 0 and p.unexplained == 0
    pay.approve_payroll(actor=users["county"], payroll=p)

    # idempotent: running it again finds nothing to change and writes no amounts
    again = adjust.run_adjustment(actor=users["county"], county="360124", month=month)
    assert again.status == "no_change" and again.changed == 0
    assert EntitlementAmount.objects.count() == 2


def test_unapproved_list_superseded_and_rejected(world: dict[str, Any], users: dict[str, Any],  # noqa: F811
                                                second: Any, django_capture_on_commit_callbacks: Any) -> None:
    month = add_months(month_start(timezone.localdate()), 1)
    _raise_standard(users, month, "1000.00", django_capture_on_commit_callbacks)
    Job.objects.filter(kind="assistance.adjustment").update(state="cancelled")
    first = adjust.run_adjustment(actor=users["county"], county="360124", month=month)
    latest = adjust.run_adjustment(actor=users["county"], county="360124", month=month)
    first.refresh_from_db()
    assert first.status == "superseded" and latest.status == "proposed"
    with pytest.raises(adjust.AdjustmentError):
        adjust.adjustment_approve(actor=second, adjustment=first)
    with pytest.raises(adjust.AdjustmentError):
        adjust.adjustment_reject(actor=second, adjustment=latest, note=" ")
    adjust.adjustment_reject(actor=second, adjustment=latest, note="标准文件有误")
    latest.refresh_from_db()
    assert latest.status == "rejected" and not EntitlementAmount.objects.exists()


def test_pages(world: dict[str, Any], users: dict[str, Any], client: Any,  # noqa: F811
               django_capture_on_commit_callbacks: Any) -> None:
    month = add_months(month_start(timezone.localdate()), 1)
    _raise_standard(users, month, "1000.00", django_capture_on_commit_callbacks)
    Job.objects.filter(kind="assistance.adjustment").update(state="cancelled")
    adj = adjust.run_adjustment(actor=None, county="360124", month=month)
    client.force_login(users["county"])
    page = client.get(f"/assistance/adjustments/{adj.pk}/").content.decode()
    line = adj.lines.get(programme="dibao")
    assert f"{line.new_amount:,.2f}" in page and f"{line.old_amount:,.2f}" in page and "最低生活保障标准" in page
    assert "审批" in page
    r = client.post(f"/assistance/adjustments/{adj.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    adj.refresh_from_db()
    assert adj.status == "approved" and adj.decided_by == users["county"]
    assert Decimal(str(EntitlementAmount.objects.get(entitlement__programme="dibao").amount)) == line.new_amount
    listing = client.get("/assistance/adjustments/").content.decode()
    assert "已批准" in listing and "每月差额（元）" in listing
