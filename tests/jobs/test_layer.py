"""The jobs layer: start (answers at once, one of a kind per scope), run, cancel, fail, abandon, retry."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.jobs import selectors, services
from jiuzhu.apps.jobs.models import Job
from jiuzhu.apps.jobs.runner import describe_error, execute, worker_identity
from tests.jobs.kinds import HOOKS

pytestmark = pytest.mark.django_db


def _start(user: Any, kind: str = "test.count", **params: Any) -> Job:
    return services.job_start(actor=user, kind=kind, params=params or ({"n": 5} if kind == "test.count" else {}))


def test_start_queues_without_running_and_audits(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    assert job.state == "queued" and job.attempt == 1 and job.region_id == "360000"
    row = DBTaskResult.objects.get(id=job.task_id)
    assert row.status == "READY" and row.task_path == "jiuzhu.apps.jobs.runner.run_job"
    assert row.args_kwargs["args"] == [job.pk, 1]
    assert not AuditEvent.objects.filter(event="test.row").exists()  # nothing ran
    assert AuditEvent.objects.filter(event="jobs.started", object_id=str(job.pk)).exists()


def test_a_second_start_of_the_same_kind_and_scope_is_refused_naming_the_first(users: dict[str, Any]) -> None:
    first = _start(users["province"])
    with pytest.raises(services.JobRefused) as err:
        _start(users["province"])
    assert f"#{first.pk}" in err.value.message_zh and f"#{first.pk}" in err.value.message_en
    assert err.value.job == first
    assert AuditEvent.objects.filter(event="jobs.start_refused", outcome="denied").count() == 1
    # Another scope, or the same scope once the first has ended, is fine.
    services.job_start(actor=users["province"], kind="test.count", params={"n": 1}, scope_key="other")
    execute(first.pk, 1)
    assert _start(users["province"]).pk != first.pk


def test_starting_needs_the_kinds_capability_and_the_region(users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _start(users["county"])  # no run_determination
    with pytest.raises(services.JobRefused) as err:
        services.job_start(actor=users["county"], kind="test.plain", region_code="360730")
    assert err.value.code == "scope"
    assert services.job_start(actor=users["county"], kind="test.plain", region_code="360124").region_id == "360124"


def test_run_records_progress_result_and_log(users: dict[str, Any]) -> None:
    job = _start(users["province"], n=5)
    assert execute(job.pk, 1) == "done"
    job.refresh_from_db()
    assert job.state == "done" and job.result == {"rows": 5}  # set inside commit(); the return value is ignored
    assert (job.phase, job.done, job.total) == ("write", 5, 5)
    assert job.started_at and job.finished_at and job.heartbeat_at and job.worker
    assert AuditEvent.objects.filter(event="test.row").count() == 5
    assert (job.log[-1]["msg"], job.log[-1]["en"]) == ("完成", "done")
    assert execute(job.pk, 1) == "skipped"  # a queue row delivered twice runs nothing twice
    assert AuditEvent.objects.filter(event="test.row").count() == 5


def test_a_job_that_returns_without_commit_is_done_with_its_return_value(users: dict[str, Any]) -> None:
    job = services.job_start(actor=users["county"], kind="test.plain", params={"value": 7}, region_code="360124")
    execute(job.pk, 1)
    job.refresh_from_db()
    assert job.state == "done" and job.result == {"value": 7}


def test_cancel_while_queued(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    services.job_cancel(actor=users["province"], job=job)
    job.refresh_from_db()
    assert job.state == "cancelled" and job.finished_at
    assert execute(job.pk, 1) == "skipped"
    with pytest.raises(services.JobRefused):
        services.job_cancel(actor=users["province"], job=job)


def test_cancel_while_running_stops_between_chunks_and_keeps_nothing(users: dict[str, Any]) -> None:
    job = _start(users["province"], n=10)

    def cancel_after_two_chunks(ctx: Any, i: int) -> None:
        if i == 2:
            services.job_cancel(actor=users["province"], job=Job.objects.get(pk=ctx.job_id))

    HOOKS["count"] = cancel_after_two_chunks
    assert execute(job.pk, 1) == "cancelled"
    job.refresh_from_db()
    assert job.state == "cancelled" and job.cancel_requested and job.done == 4
    assert not AuditEvent.objects.filter(event="test.row").exists()  # the chunks written were rolled back


def test_cancel_request_of_a_running_job_is_recorded_and_audited(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    Job.objects.filter(pk=job.pk).update(state="running")
    job = services.job_cancel(actor=users["province"], job=job)
    assert job.state == "running" and job.cancel_requested
    assert "province 请求取消" in job.log[-1]["msg"]
    assert AuditEvent.objects.filter(event="jobs.cancelled", object_id=str(job.pk), actor=users["province"]).exists()


def test_a_job_that_raises_ends_failed_with_a_readable_message(users: dict[str, Any]) -> None:
    job = _start(users["province"], kind="test.boom", message="bad row for 360124198001010011")
    assert execute(job.pk, 1) == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and job.finished_at
    assert "任务执行出错（ValueError）" in job.error_zh and "The job failed (ValueError)" in job.error_en
    assert "360124198001010011" not in job.error_zh + job.error_en  # long digit runs are masked
    job = _start(users["province"], kind="test.refuse")
    execute(job.pk, 1)
    job.refresh_from_db()
    assert job.error_zh == "参数缺失：2027 年的低保标准尚未批准"
    assert job.error_en == "Parameters missing: no approved 2027 standard"


def test_describe_error_of_a_validation_error_in_both_languages() -> None:
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext_lazy as _

    zh, en = describe_error(ValidationError(_("Enter a valid date.")))
    assert "日期" in zh and en == "Enter a valid date."


def _running(job: Job, *, heartbeat: dt.datetime, worker: str) -> Job:
    Job.objects.filter(pk=job.pk).update(state="running", heartbeat_at=heartbeat, started_at=heartbeat, worker=worker)
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")
    job.refresh_from_db()
    return job


def test_abandoned_after_the_heartbeat_timeout_when_the_worker_is_gone(users: dict[str, Any]) -> None:
    old = timezone.now() - dt.timedelta(seconds=61)
    dead = _running(_start(users["province"]), heartbeat=old, worker=f"{os.uname().nodename}:999999:123")
    alive = _running(services.job_start(actor=users["province"], kind="test.count", params={"n": 1}, scope_key="b"),
                     heartbeat=old, worker=worker_identity())
    elsewhere = _running(services.job_start(actor=users["province"], kind="test.count", params={"n": 1},
                                            scope_key="c"), heartbeat=old, worker="another-host:1:1")
    fresh = _running(services.job_start(actor=users["province"], kind="test.count", params={"n": 1}, scope_key="d"),
                     heartbeat=timezone.now(), worker="another-host:1:1")
    assert sorted(services.mark_abandoned()) == sorted([dead.pk, elsewhere.pk])
    states = dict(Job.objects.values_list("pk", "state"))
    assert states[dead.pk] == states[elsewhere.pk] == "abandoned"
    assert states[alive.pk] == states[fresh.pk] == "running"  # alive on this host / recent heartbeat
    assert DBTaskResult.objects.get(id=dead.task_id).status == "FAILED"
    dead.refresh_from_db()
    assert "心跳超时" in dead.error_zh and "heartbeat" in dead.error_en
    assert AuditEvent.objects.filter(event="jobs.abandoned", object_id=str(dead.pk)).exists()


def test_retry_runs_the_next_attempt_and_ignores_the_old_one(users: dict[str, Any]) -> None:
    job = _start(users["province"], n=3)
    old = timezone.now() - dt.timedelta(seconds=61)
    _running(job, heartbeat=old, worker="gone:1:1")
    job = services.job_retry(actor=users["province"], job=job)  # marks it abandoned first, then queues it
    assert job.state == "queued" and job.attempt == 2 and job.error_zh == ""
    assert DBTaskResult.objects.filter(status="READY", id=job.task_id).exists()
    assert execute(job.pk, 1) == "skipped"
    outcome = execute(job.pk, 2)
    job.refresh_from_db()
    assert outcome == "done", (job.log, job.cancel_requested, job.error_en)
    assert AuditEvent.objects.filter(event="test.row").count() == 3
    with pytest.raises(services.JobRefused):
        services.job_retry(actor=users["province"], job=job)  # done jobs are not retried


def test_retry_is_refused_while_another_of_the_kind_runs(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    services.job_cancel(actor=users["province"], job=job)
    other = _start(users["province"])
    with pytest.raises(services.JobRefused) as err:
        services.job_retry(actor=users["province"], job=job)
    assert f"#{other.pk}" in err.value.message_zh


def test_a_superseded_attempt_writes_nothing(users: dict[str, Any]) -> None:
    """Fencing: an attempt marked abandoned and retried while it still runs cannot commit."""
    job = _start(users["province"], n=4)

    def supersede(ctx: Any, i: int) -> None:
        if i == 2:
            Job.objects.filter(pk=ctx.job_id).update(state="queued", attempt=2)

    HOOKS["count"] = supersede
    assert execute(job.pk, 1) == "superseded"
    assert not AuditEvent.objects.filter(event="test.row").exists()


def test_scope_other_regions_jobs_are_404(users: dict[str, Any]) -> None:
    from django.http import Http404

    province_job = _start(users["province"])
    county_job = services.job_start(actor=users["county"], kind="test.plain", region_code="360124")
    assert list(selectors.jobs_for(users["province"])) == [county_job, province_job]
    assert list(selectors.jobs_for(users["county"])) == [county_job]
    assert list(selectors.jobs_for(users["county_b"])) == []
    with pytest.raises(Http404):
        selectors.job_get(users["county_b"], county_job.pk)
    with pytest.raises(Http404):
        selectors.job_get(users["county"], province_job.pk)


def test_progress_overall_through_phase_weights_and_estimate(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(state="running", phase="write", done=50, total=100,
                                         started_at=now - dt.timedelta(seconds=100), heartbeat_at=now)
    job.refresh_from_db()
    p = selectors.progress(job, now)
    # prepare (weight 1) done + half of write (weight 3): (1 + 1.5) / 4 = 62.5 %
    assert p.percent == 62 and str(p.phase_label) == "写入"
    assert p.remaining is not None and 59 <= p.remaining.total_seconds() <= 61  # 100 s × 0.375 / 0.625
    assert not p.stale
    assert selectors.progress(job, now + dt.timedelta(seconds=61)).stale


def test_job_json_has_the_contract_fields(users: dict[str, Any]) -> None:
    job = _start(users["province"])
    data = selectors.job_json(job)
    assert {"id", "kind", "state", "done", "total"} <= set(data)
    assert (data["id"], data["kind"], data["state"]) == (job.pk, "test.count", "queued")


def test_log_lines_of_the_job_and_of_a_cancel_request_are_both_kept(users: dict[str, Any]) -> None:
    """Regression: the heartbeat wrote the job's in-memory log over the row, losing the cancel request's line."""
    from jiuzhu.apps.jobs.context import JobContext
    from jiuzhu.apps.jobs.runner import _claim

    job = _claim(_start(users["province"]).pk, 1)
    ctx = JobContext(job)
    ctx.log("第一行", "line one")
    ctx.flush()
    services.job_cancel(actor=users["province"], job=job)  # another connection, in real life
    ctx.log("第二行", "line two")
    ctx.flush()
    job.refresh_from_db()
    msgs = [e["msg"] for e in job.log]
    assert "第一行" in msgs and "第二行" in msgs and any("province 请求取消" in m for m in msgs)
    assert msgs.index("第一行") < next(i for i, m in enumerate(msgs) if "请求取消" in m) < msgs.index("第二行")
    assert ctx._cancel.is_set()
