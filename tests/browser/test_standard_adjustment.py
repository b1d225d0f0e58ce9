"""Browser journey (issue 13 item 1): a new standard reaches the payroll.

Approve a new standard (参数修订), after reading its effect on the registry → the 调标 run is queued (run here in the test process, as the
worker would) → a second caseworker approves the changed amounts → the payroll is generated → its
amounts follow. Screenshots in var/screenshots/ (40-*).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.assistance.test_payroll import world  # noqa: F401 - the fixture
from tests.browser.test_journey import SHOTS, login, page  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_standard_rise_reaches_the_payroll(page: Any, live_server: Any, users: dict[str, Any],  # noqa: F811
                                           world: dict[str, Any]) -> None:  # noqa: F811
    from jiuzhu.apps.assistance import payroll as pay
    from jiuzhu.apps.assistance.models import Adjustment, Payroll
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.policy import services as policy
    from jiuzhu.rules.programmes import add_months, month_start
    from tests.conftest import PASSWORD

    w = world  # the payroll tests' two households (dibao, tekun) in 进贤县
    user_create(actor=None, username="county2", password=PASSWORD, role="county", region=users["county"].region)
    month = add_months(month_start(timezone.localdate()), 1)
    last = pay.generate_payroll(actor=None, county="360124", month=add_months(month, -1))
    pay.approve_payroll(actor=users["county"], payroll=last)
    old = last.lines.get(programme="dibao").amount
    rev = policy.revision_create(actor=users["city"], path="dibao.standard", region="360124", area="rural",
                                 effective_from=month, value="1000.00", reference="进民发〔2026〕12号")
    base = live_server.url

    # 1. the county opens the new standard, reads its effect on the registry, and approves it
    run_inline(Job.objects.get(kind="reports.revision_effect"))  # queued when drafted; what `jiuzhu worker` does
    login(page, base, "county")
    page.goto(f"{base}/policy/revisions/")
    page.screenshot(path=str(SHOTS / "40-revision-to-approve.png"), full_page=True)
    page.click(f"a.button[href='/policy/revisions/{rev.pk}/']")
    page.wait_for_selector("text=对登记数据的影响")
    assert "每月救助支出增加" in page.content()
    page.screenshot(path=str(SHOTS / "40b-revision-effect.png"), full_page=True)
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)  # the approval asks for confirmation first, with the effect in the question
    page.click(f"form[action='/policy/revisions/{rev.pk}/decide/'] button[value=approve]")
    page.wait_for_load_state()
    assert asked and "每月救助支出增加" in asked[0]
    job = Job.objects.get(kind="assistance.adjustment")  # queued by the approval
    assert job.state == "queued" and job.params["month"] == f"{month:%Y-%m}"
    run_inline(job)  # what `jiuzhu worker` does
    adj = Adjustment.objects.get(job=job)
    line = adj.lines.get(programme="dibao")
    assert line.old_amount == old and line.new_amount > old

    # 2. a second caseworker approves the list of changed amounts
    page.context.clear_cookies()
    login(page, base, "county2")
    page.goto(f"{base}/assistance/adjustments/")
    page.screenshot(path=str(SHOTS / "41-adjustments.png"), full_page=True)
    page.click(f"a[href='/assistance/adjustments/{adj.pk}/']")
    page.wait_for_selector("text=金额变化清单")
    html = page.content()
    assert f"{line.new_amount:,.2f}" in html and f"{line.old_amount:,.2f}" in html and "最低生活保障标准" in html
    page.screenshot(path=str(SHOTS / "42-adjustment-list.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_selector("text=已批准")
    adj.refresh_from_db()
    assert adj.status == "approved"

    # 3. the payroll of the effective month pays the new amounts
    page.goto(f"{base}/assistance/payrolls/")
    page.select_option("select[name=county]", "360124")
    page.fill("input[name=month]", f"{month:%Y-%m}")
    page.click("form.search button.primary")
    page.wait_for_load_state()
    run_inline(Job.objects.get(kind="assistance.payroll"))
    payroll = Payroll.objects.get(county_id="360124", month=month)
    page.goto(f"{base}/assistance/payrolls/{payroll.pk}/?show=all")
    html = page.content()
    page.screenshot(path=str(SHOTS / "43-payroll-after-adjustment.png"), full_page=True)
    assert f"{line.new_amount:,.2f}" in html and "调标" in html and "不一致" not in html
    dibao = payroll.lines.get(programme="dibao", kind="regular")
    assert dibao.amount == line.new_amount and dibao.status == "pending" and payroll.mismatched == 0
    assert payroll.total_amount == sum((x.amount for x in payroll.lines.filter(status="pending")), Decimal("0"))
    assert w["dibao"].monthly_amount == old  # the decided amount is kept; the new one is dated
