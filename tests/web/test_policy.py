"""Parameter revisions: draft → approved by another user → in force from its date; never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.policy import services
from jiuzhu.apps.policy.models import ParameterRevision
from jiuzhu.apps.policy.selectors import current_parameters

pytestmark = pytest.mark.django_db


def _future(days: int = 30) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _draft(users: dict[str, Any], **kw: Any) -> ParameterRevision:
    args = {"path": "dibao.standard", "region": "360124", "area": "rural", "effective_from": _future(),
            "value": "900.00", "reference": "进民发〔2026〕8号"} | kw
    return services.revision_create(actor=users["county"], **args)


def test_draft_then_approval_by_another_user(users: dict[str, Any]) -> None:
    rev = _draft(users)
    day = rev.effective_from
    before = current_parameters().resolve("dibao.standard", "360124", "rural", day).value
    assert before != rev.value  # drafts change nothing
    with pytest.raises(PermissionDenied):
        services.revision_decide(actor=users["county"], revision=rev, approve=True)
    services.revision_decide(actor=users["city"], revision=rev, approve=True)
    params = current_parameters()
    assert str(params.resolve("dibao.standard", "360124", "rural", day).value) == "900.00"
    assert params.resolve("dibao.standard", "360124", "rural", day - dt.timedelta(days=1)).value == before
    assert AuditEvent.objects.filter(event="parameter.approve").exists()
    with pytest.raises(ValidationError):
        services.revision_decide(actor=users["province"], revision=rev, approve=False)


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"value": "abc"}, "value"),
        ({"path": "no.such"}, "path"),
        ({"area": "all"}, "area"),
        ({"effective_from": dt.date(2020, 1, 1)}, "effective_from"),
        ({"reference": " "}, "reference"),
        ({"region": "360730"}, "region"),  # another county
    ],
)
def test_bad_revisions_are_refused(users: dict[str, Any], kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _draft(users, **kw)
    assert field in exc.value.message_dict
    assert not ParameterRevision.objects.exists()


def test_two_values_from_the_same_day_are_refused_at_approval(users: dict[str, Any]) -> None:
    first, second = _draft(users), _draft(users, value="910.00")
    services.revision_decide(actor=users["city"], revision=first, approve=True)
    with pytest.raises(ValidationError):
        services.revision_decide(actor=users["city"], revision=second, approve=True)
    second.refresh_from_db()
    assert second.status == "draft"


def test_screens(client: Any, users: dict[str, Any]) -> None:
    client.force_login(users["county"])
    page = client.get("/policy/parameters/").content.decode()
    assert "最低生活保障标准" in page and "演示" in page
    r = client.post("/policy/revisions/", {"path": "dibao.standard", "region": "360124", "area": "rural",
                                           "effective_from": _future().isoformat(), "value": "0.1x", "reference": "x"})
    assert r.status_code == 400
    r = client.post("/policy/revisions/", {"path": "dibao.standard", "region": "360124", "area": "rural",
                                           "effective_from": _future().isoformat(), "value": "905.00", "reference": "进民发〔2026〕9号"})
    assert r.status_code == 302
    rev = ParameterRevision.objects.get()
    assert client.post(f"/policy/revisions/{rev.pk}/decide/", {"decision": "approve"}).status_code == 403
    client.force_login(users["city"])
    assert client.post(f"/policy/revisions/{rev.pk}/decide/", {"decision": "approve"}).status_code == 302


def test_local_choices_are_listed_first_with_their_reference(client: Any, users: dict[str, Any]) -> None:
    """Issue 15 item 6: the employment-cost deduction (not in the implementing opinions) is shown as a
    local choice, with its reason, reference and demo mark, before the full list."""
    client.force_login(users["county"])
    page = client.get("/policy/parameters/").content.decode()
    start = page.index('id="local-choices"')
    section = page[start:page.index("</section>", start)]
    assert "就业成本扣减" in section and "实施意见未规定就业成本扣减" in section
    assert "docs/policy-notes.md §1.1" in section and "演示" in section
    assert "tekun.no_capacity_assessed_by" in section
    assert "最低生活保障标准<" not in section  # the dibao standard is the opinions' own, not a local choice


def test_demo_prints_the_local_choices() -> None:
    from jiuzhu.apps.determination.demo import local_choices_step

    text = local_choices_step()
    assert "income.employment_cost_rate" in text and "[演示值]" in text
    assert "dibao.standard" not in text


def test_parameter_values_read_as_words_and_dates_in_one_format(client: Any, users: dict[str, Any]) -> None:
    """A caseworker reads 全体居民, not the code "all", and dates as 2023-01-01 like every other page."""
    client.force_login(users["county"])
    page = client.get("/policy/parameters/").content.decode()
    row = page[page.index("benchmark.disposable_income_basis"):]
    row = row[:row.index("</tr>")]
    assert "全体居民" in row and ">all<" not in row
    assert "2023-01-01" in row and "2023年" not in page
