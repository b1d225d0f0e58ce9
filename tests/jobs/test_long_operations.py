"""No screen or API runs registry-wide work inside the request: every long operation answers at once
with its job still queued (no worker is running here) and nothing of its result written; the job,
run by the worker afterwards, writes it.

``test_every_kind_is_walked`` fails when a kind of job is added without an entry here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token

from jiuzhu.apps.jobs.kinds import KINDS
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import execute
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
HEAD_INSIDE = "360124198001010011"


def _deaths_csv() -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["id_number", "death_date"], [HEAD_INSIDE, "2025-03-07"]])
    return buf.getvalue().encode("utf-8")


def _count(model: str) -> Callable[[], int]:
    def count() -> int:
        from django.apps import apps

        return apps.get_model(model).objects.count()

    return count


# kind → (user, how to start it: client → response, results that must not exist before the job runs)
def _upload_and_confirm(c: Any) -> Any:
    """Upload → preview (nothing imported) → confirm: a large file's confirmation queues the import."""
    preview = c.post(reverse("exchange_upload"), {"source": "health_deaths",
                                                  "file": SimpleUploadedFile("deaths.csv", _deaths_csv())})
    assert preview.status_code == 302 and "/exchange/upload/" in preview["Location"]
    return c.post(preview["Location"], {"action": "confirm"})


WALK: dict[str, tuple[str, Callable[[Any], Any], Callable[[], int]]] = {
    "determination.run": ("province", lambda c: c.post(reverse("determination_runs"), {"as_of": "2026-11-15"}),
                          _count("determination.DeterminationResult")),
    "monitoring.comparison": ("province", lambda c: c.post(reverse("monitoring_runs"), {"mode": "full"}),
                              _count("monitoring.ComparisonRun")),
    "assistance.matching": ("province", lambda c: c.post(reverse("assistance_matching")),
                            _count("assistance.MatchRun")),
    "assistance.payroll": ("county", lambda c: c.post(reverse("assistance_payrolls"),
                                                      {"county": "360124", "month": "2026-11"}),
                           _count("assistance.Payroll")),
    "assistance.adjustment": ("county", lambda c: c.post(reverse("assistance_adjustments"),
                                                         {"county": "360124", "month": "2027-01"}),
                              _count("assistance.Adjustment")),
    "exchange.import": ("county", lambda c: _upload_and_confirm(c), _count("exchange.ImportBatch")),
}
# Started from screens that need a stored run or a saved scenario first; tests/reports/test_pages.py
# starts each and asserts nothing was computed in the request.  A revision's effect is queued when the
# revision is drafted and shown on the revision's page: tests/reports/test_revision_effect.py.
# reports.coverage has no screen: a finished matching run queues it (tests/reports/test_figures.py runs it
# as the worker does).
WALKED_IN_THEIR_APP = {"reports.scenario", "reports.statistics", "reports.revision_effect", "reports.coverage"}
CLI_ONLY = {"registry.load", "cycle.monthly"}  # `jiuzhu load DIR`, `jiuzhu cycle --feeds DIR`: a directory on the server, no screen


@pytest.fixture(autouse=True)
def _small_limits(settings: Any, tmp_path: Any) -> None:
    settings.JIUZHU_JOBS = {**settings.JIUZHU_JOBS, "import_background_bytes": 10, "export_background_rows": 0}
    settings.JIUZHU_EXCHANGE_DIR = str(tmp_path / "exchange")


def test_every_kind_is_walked() -> None:
    real = {k for k in KINDS if not k.startswith("test.")}
    assert real == set(WALK) | CLI_ONLY | WALKED_IN_THEIR_APP, f"kinds of job without a walk entry: {sorted(real - set(WALK) - CLI_ONLY)}"


@pytest.mark.parametrize("kind", sorted(WALK))
def test_starting_answers_with_the_queued_job(client: Any, households: dict[str, Any], kind: str) -> None:
    user, start, results = WALK[kind]
    assert client.login(username=user, password=PASSWORD)
    before = results()
    response = start(client)
    job = Job.objects.get(kind=kind)
    assert response.status_code == 302 and response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.state == "queued" and job.task_id  # still in the queue: the request did not do the work
    assert results() == before
    page = client.get(response["Location"]).content.decode()
    assert "排队中" in page and "job-progress" in page and 'hx-trigger="every 2s"' in page
    # The worker then does it.
    assert execute(job.pk, job.attempt) == "done"
    job.refresh_from_db()
    assert job.state == "done", (job.error_zh, job.error_en)


def test_a_second_start_is_refused_naming_the_running_job(client: Any, households: dict[str, Any]) -> None:
    assert client.login(username="province", password=PASSWORD)
    first = client.post(reverse("monitoring_runs"), {"mode": "daily"})
    second = client.post(reverse("monitoring_runs"), {"mode": "full"}, follow=True)
    job = Job.objects.get(kind="monitoring.comparison")
    assert Job.objects.filter(kind="monitoring.comparison").count() == 1
    assert first["Location"] == second.redirect_chain[-1][0] == reverse("job_detail", args=[job.pk])
    assert f"#{job.pk}" in second.content.decode() and "已有同类任务正在进行" in second.content.decode()


def test_the_api_answers_202_with_the_jobs_url(client: Any, users: dict[str, Any], households: dict[str, Any]) -> None:
    token = Token.objects.create(user=users["county"])
    r = client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths_csv(), content_type="text/csv",
                    HTTP_AUTHORIZATION=f"Token {token.key}")
    job = Job.objects.get(kind="exchange.import")
    assert r.status_code == 202 and r["Location"].endswith(reverse("api-job-detail", args=[job.pk]))
    body = r.json()
    assert (body["id"], body["kind"], body["state"], body["done"], body["total"]) == (job.pk, "exchange.import",
                                                                                      "queued", 0, 0)
    # The same file again while it is queued: the same job, not a second import.
    again = client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths_csv(), content_type="text/csv",
                        HTTP_AUTHORIZATION=f"Token {token.key}")
    assert again.status_code == 202 and again.json()["id"] == job.pk
    execute(job.pk, job.attempt)
    followed = client.get(r["Location"], HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert followed["state"] == "done" and followed["result"]["state"] == "committed"
    # Imported before: answered at once with the batch, as a small upload is.
    done = client.post("/api/exchange/health_deaths/?filename=d.csv", _deaths_csv(), content_type="text/csv",
                       HTTP_AUTHORIZATION=f"Token {token.key}")
    assert done.status_code == 200 and done.json()["id"] == followed["result"]["batch"]


@pytest.mark.parametrize("page", ["monitoring_runs", "determination_runs"])
def test_run_pages_link_to_a_job_only_for_who_may_open_it(client: Any, households: dict[str, Any], page: str) -> None:
    """A run page lists the province's runs; a county user sees the job's number, not a link to a 404."""
    assert client.login(username="province", password=PASSWORD)
    start = WALK["monitoring.comparison" if page == "monitoring_runs" else "determination.run"][1]
    job = Job.objects.get(pk=int(start(client)["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert execute(job.pk, job.attempt) == "done"
    link = f'href="{reverse("job_detail", args=[job.pk])}"'
    assert link in client.get(reverse(page)).content.decode()
    assert client.login(username="county", password=PASSWORD)
    html = client.get(reverse(page)).content.decode()
    assert client.get(reverse("job_detail", args=[job.pk])).status_code == 404
    assert link not in html and f"#{job.pk}" in html
