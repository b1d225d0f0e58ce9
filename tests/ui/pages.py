"""What the raw-code test walks besides the access matrix's own targets: the pages that the matrix
reaches only empty (statistics, a scenario that has run, the comparison of two scenarios, a published
notice), and the matrix pages that answer something other than a page."""

from __future__ import annotations

import datetime as dt
from typing import Any

# Matrix entries with a GET whose answer is a file, JSON or a redirect, never a page to read.
NOT_PAGES: dict[str, str] = {
    "household_export": "redirects to the privacy app's export request",
    "household_chain_export": "CSV",
    "assistance_payroll_export": "CSV",
    "exchange_batch_report": "the error report workbook",
    "job_download": "the job's file",
    "reports_export": "workbook",
    "reports_scenario_export": "workbook",
    "applications_public_region": "JSON for the public form's region pickers",
    "applications_public_regions": "JSON for the public form's region pickers",
    "applications_public_regions_search": "JSON for the public form's region pickers",
    "otp_enrol": "redirects a user whose second factor is already verified",
    "otp_verify": "redirects a user whose second factor is already verified",
    "sharing_people_export": "redirects to the privacy app's export request",
    "monitoring_attachment": "the visit attachment's file",
}

AS_OF = dt.date(2026, 10, 31)


def filled(households: dict[str, Any], users: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Records that fill the pages the matrix sees empty, as (URL name, URL kwargs, query): statistics of
    a determination run over the test world, a scenario run over it (with changes limited to a city and
    to an area), the two scenarios compared, the statistics' tabs, a draft revision with its effect worked out,
    deliveries waiting and given up, and an application's printable notice once published."""
    from jiuzhu.apps.applications.models import Application
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.exchange.models import OutboxMessage
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.policy.models import ParameterRevision
    from jiuzhu.apps.reports.effects import revision_effect_start
    from jiuzhu.apps.reports.services import scenario_create, scenario_run, statistics_compute

    stats = statistics_compute(run_all(actor=None, as_of=AS_OF))
    scenarios = [
        scenario_run(scenario_create(actor=users["province"], name=name, as_of=AS_OF, changes=changes))
        for name, changes in (
            ("边缘倍数一点八", ["dibao.marginal_multiplier=1.8", "income.excluded_subtypes=basic_pension,scholarship"]),
            ("南昌农村标准提高", ["dibao.standard@360100/rural=+5%", "income.window_months=6"]),
        )]
    for state, key in (("dead", "gave-up"), ("pending", "waiting")):  # the outbox page's two lists
        OutboxMessage.objects.create(key=f"pages-{key}", department="medical_insurance", topic="monitoring.warning",
                                     payload={}, state=state, attempts=3, last_error="HTTP 503")
    app = Application.objects.filter(household=households["inside"]).first()
    out: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
        ("reports_dashboard", {}, {"stats": stats.pk}),
        ("reports_dashboard", {}, {"stats": stats.pk, "region": "360124"}),
        ("reports_monthly", {}, {"stats": stats.pk}),
        *((tab, {}, {"stats": stats.pk}) for tab in ("reports_coverage", "reports_money", "reports_applications",
                                                     "reports_warnings")),
        ("reports_scenarios", {}, {}),
        *(("reports_scenario", {"pk": sc.pk}, {}) for sc in scenarios),
        ("reports_scenario_compare", {}, {"ids": [sc.pk for sc in scenarios]}),
        ("exchange_outbox", {}, {}),
    ]
    revision = ParameterRevision.objects.filter(status="draft").order_by("pk").first()
    if revision is not None:  # a draft revision whose effect on the registry has been worked out
        run_inline(revision_effect_start(actor=users["province"], revision=revision, enqueue=False))
        out.append(("revision_detail", {"pk": revision.pk}, {}))
    if app is not None:
        Application.objects.filter(pk=app.pk).update(notice_start=AS_OF, notice_end=AS_OF + dt.timedelta(days=7))
        out.append(("applications_notice_print", {"pk": app.pk}, {}))
    return out
