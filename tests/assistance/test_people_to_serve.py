"""The people-to-serve list is kept current (issue 13 item 5): recomputed by a job after each
determination run and each import adding assistance records (debounced), with its freshness shown;
the household page's 应享未享 programmes are the list's entries for that household."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jiuzhu.apps.assistance.freshness import freshness, refresh_now
from jiuzhu.apps.assistance.matching import household_matches
from jiuzhu.apps.assistance.models import Match, MatchStatus
from jiuzhu.apps.core.hooks import notify
from jiuzhu.apps.determination.services import run_all
from jiuzhu.apps.jobs.models import Job

from .test_matching import family  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _queued() -> list[Job]:
    return list(Job.objects.filter(kind="assistance.matching", state__in=("queued", "running")))


def test_list_follows_the_determination(family: dict[str, Any], users: dict[str, Any], client: Any,  # noqa: F811
                                        django_capture_on_commit_callbacks: Any) -> None:
    assert freshness()["level"] == "never" and not Match.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        det = run_all(actor=users["province"], as_of=timezone.localdate())
    # the stored determination queued the recomputation: no command-line run needed
    (job,) = _queued()
    assert job.params["reason"] == "determination" and job.region_id == "360000"
    with django_capture_on_commit_callbacks(execute=True):
        notify("determination.stored", run=det, actor=None)  # again while queued: debounced
    assert len(_queued()) == 1
    run = refresh_now()
    assert run is not None and run.job_id == job.pk and run.determination_run_id == det.pk
    fresh = freshness()
    assert fresh["level"] == "current" and fresh["run"] == run and fresh["stale"] == []

    # the household page's 应享未享 programmes are the list's entries for the household
    h = family["h"]
    page = {(r["member_id"], r["programme"]) for r in household_matches(h)["rows"]
            if r["status"] == MatchStatus.MISSING}
    listed = {(m.member_id, m.programme) for m in Match.objects.filter(household=h, status=MatchStatus.MISSING)}
    assert page and page == listed

    client.force_login(users["county"])
    html = client.get("/assistance/serve/").content.decode()
    assert "名单为最新" in html and "数据截至" in html and "计算于" in html
    assert f"认定批次 {det.pk}" in html
    # a department sees its part of the list, non-empty
    client.force_login(users["department"])
    dept = client.get("/assistance/serve/").content.decode()
    assert "名单为最新" in dept

    # a newer determination not yet matched: the list says it is not current
    run_all(actor=users["province"], as_of=timezone.localdate())
    fresh = freshness()
    assert fresh["level"] == "stale" and "新的认定结果" in fresh["stale"][0]
    assert "名单不是最新" in client.get("/assistance/serve/").content.decode()


def test_import_with_assistance_records_queues_the_list(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify("exchange.committed", batch=None, source="health_deaths", counts={"assistance": 0, "new": 5})
    assert _queued() == []  # nothing the matching reads
    with django_capture_on_commit_callbacks(execute=True):
        notify("exchange.committed", batch=None, source="education_students", counts={"assistance": 3})
        notify("exchange.committed", batch=None, source="education_students", counts={"assistance": 2})
    (job,) = _queued()
    assert job.params["reason"] == "import"
