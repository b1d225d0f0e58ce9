"""A draft parameter revision's effect on the registry, shown to its reviewer (issue 13 item 10).

The effect is the reports app's what-if (a job queued when the revision is drafted); these tests hold
it to two plain determinations of every household of the region — with the parameters in force and
with the revision added — and check what the page says, whom it shows what, and that approving still
asks for confirmation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jiuzhu.rules.formats import yuan

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(users: dict[str, Any], tmp_path: Path) -> None:
    from jiuzhu.apps.registry.bulk import load_province
    from jiuzhu.engine.synth import generate

    generate(300, 3, tmp_path / "province")
    load_province(tmp_path / "province")


def _busiest(n: int = 2) -> list[tuple[str, str]]:
    """The (county, area) pairs with the most households."""
    from django.db.models import Count

    from jiuzhu.apps.registry.models import Household

    rows = Household.objects.values("county_id", "area_type").annotate(n=Count("id")).order_by("-n", "county_id")
    seen: list[tuple[str, str]] = []
    for r in rows:
        if r["county_id"] not in {c for c, _ in seen}:
            seen.append((r["county_id"], r["area_type"]))
        if len(seen) == n:
            break
    return seen


def _county_user(county: str, name: str) -> Any:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    return user_create(actor=None, username=name, password=PASSWORD, role="county", region=Region.objects.get(code=county))


def _effective() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=20)


@pytest.fixture
def draft(client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Draft through the screen, as a caseworker does (what waits for the commit runs, as in a real
    request: the effect's job is queued then); answers the revision."""
    def run(author: Any, **fields: str) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return _draft(client, author, **fields)
    return run


def _draft(client: Any, author: Any, **fields: str) -> Any:
    from jiuzhu.apps.policy.models import ParameterRevision

    client.force_login(author)
    resp = client.post(reverse("revision_list"), {"effective_from": _effective().isoformat(), "reference": "进民发〔2026〕20号",
                                                  "note": "", **fields})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    rev = ParameterRevision.objects.order_by("-id").first()
    assert resp["Location"] == reverse("revision_detail", args=[rev.pk])
    return rev


def _run_queued(rev: Any) -> Any:
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.reports.effects import KIND

    job = Job.objects.get(kind=KIND, params__revision=rev.pk)
    assert job.state == "queued"
    run_inline(job)  # what `jiuzhu worker` does
    job.refresh_from_db()
    assert job.state == "done", job.error_zh
    return job


def _plain_difference(county: str, rev: Any) -> dict[str, Any]:
    """Every household of the county determined twice on the single-household path: with the parameters
    in force and with the revision added; what changes."""
    from jiuzhu.apps.determination.services import determine_one
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.apps.registry.models import Household
    from jiuzhu.apps.reports.effects import effect_as_of

    base = current_parameters()
    scenario = base.with_revisions([rev.as_entry()])
    as_of = effect_as_of(rev)
    entering, leaving, p_in, p_out = Counter(), Counter(), Counter(), Counter()
    cost, households = Decimal("0.00"), 0
    for h in Household.objects.filter(county_id=county):
        try:
            b, s = determine_one(h, as_of, base), determine_one(h, as_of, scenario)
        except Exception:  # noqa: BLE001 - a household the determination refuses is left out of both, as the batch does
            continue
        if "error" in b or "error" in s:
            continue
        households += 1
        cb, cs = set(b["categories"]), set(s["categories"])
        entering.update(cs - cb)
        leaving.update(cb - cs)
        for member, mb in b["member_categories"].items():
            ms = s["member_categories"][member]
            if mb != ms:
                p_in[ms] += 1
                p_out[mb] += 1
        cost += Decimal(s["benefits"]["total"]) - Decimal(b["benefits"]["total"])
    p_in.pop("none", None)
    p_out.pop("none", None)
    return {"entering": entering, "leaving": leaving, "persons_entering": p_in, "persons_leaving": p_out,
            "monthly": cost, "households": households}


def _confirm_of(html: str, rev: Any) -> str:
    """The confirmation the approval form asks for (app.js shows it before the form is sent)."""
    action = reverse("revision_decide", args=[rev.pk])
    forms = re.findall(r"<form[^>]*>.*?</form>", html, re.S)
    approve = [f for f in forms if f'action="{action}"' in f and 'value="approve"' in f]
    assert len(approve) == 1
    found = re.search(r'data-confirm="([^"]*)"', approve[0].split(">", 1)[0])
    assert found, "approving asks for confirmation"
    return unescape(found.group(1))


def _words_only(html: str) -> None:
    """No code, English word or Python repr in what the reviewer reads (tests/ui/test_raw_codes.py)."""
    from jiuzhu.apps.core.models import User
    from tests.ui.test_raw_codes import problems, visible_text

    assert problems(visible_text(html), set(User.objects.values_list("username", flat=True))) == []


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def test_raised_dibao_standard_effect_equals_two_plain_determinations(client: Any, users: dict[str, Any],
                                                                      registry: None, draft: Any) -> None:
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.apps.reports.models import RevisionEffect
    from jiuzhu.apps.reports.selectors import revision_effect

    (county, area), = _busiest(1)
    author, reviewer = _county_user(county, "drafter"), _county_user(county, "reviewer")
    before = current_parameters()
    standard = Decimal(str(before.resolve("dibao.standard", county, area, _effective()).value))
    rev = draft(author, path="dibao.standard", region=county, area=area, value=f"{standard * 2:.2f}")

    # queued when drafted, never computed inside the request; the page says so and refreshes itself
    assert not RevisionEffect.objects.exists()
    client.force_login(reviewer)
    page = client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    assert "计算中" in page and 'hx-trigger="every 3s"' in page
    assert "仍在测算中" in _confirm_of(page, rev)
    _words_only(page)

    _run_queued(rev)
    expected = _plain_difference(county, rev)
    assert sum(expected["entering"].values()) > 0 and expected["monthly"] > 0, "the revision must change something"

    total = revision_effect(reviewer, rev)["figures"]["total"]
    assert _nonzero(total["entering"]) == dict(expected["entering"])
    assert _nonzero(total["leaving"]) == dict(expected["leaving"])
    assert _nonzero(total["persons_entering"]) == dict(expected["persons_entering"])
    assert _nonzero(total["persons_leaving"]) == dict(expected["persons_leaving"])
    assert total["monthly"] == expected["monthly"] and total["annual"] == expected["monthly"] * 12
    assert total["households"] == expected["households"]

    page = client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    assert "计算中" not in page and "hx-trigger" not in page
    assert f"每月救助支出增加 {yuan(expected['monthly'])}，全年增加 {yuan(expected['monthly'] * 12)}" in page
    assert f"{expected['monthly']:,.2f}" in page  # the cost table: thousands separators, two decimals
    assert f"低保：进入 {expected['entering']['dibao']:,} 户" in page
    confirm = _confirm_of(page, rev)
    assert yuan(expected["monthly"]) in confirm and "确认批准" in confirm
    _words_only(page)
    # working it out never touched the parameters in force
    assert current_parameters().version == before.version


def test_a_revision_without_effect_says_so(client: Any, users: dict[str, Any], registry: None, draft: Any) -> None:
    from jiuzhu.apps.policy.selectors import current_parameters

    (county, _area), = _busiest(1)
    author, reviewer = _county_user(county, "drafter"), _county_user(county, "reviewer")
    days = current_parameters().resolve("applications.notice_days", county, "urban", _effective()).value
    rev = draft(author, path="applications.notice_days", region=county, area="", value=str(int(days) + 2))
    _run_queued(rev)
    client.force_login(reviewer)
    page = client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    assert "这项修订不改变任何家庭的类别，也不改变救助金额" in page
    _words_only(page)
    assert "不改变任何家庭的类别" in _confirm_of(page, rev)
    assert "批准后户数" not in page and "每月救助支出增加" not in page  # no tables of zeros
    assert "可能已经过时" not in page
    # another revision approved since: the figures are flagged, in the page and in the question
    from jiuzhu.apps.policy import services as policy

    other = policy.revision_create(actor=author, path="dibao.marginal_multiplier", region=county, area="all",
                                   effective_from=_effective(), value="1.6", reference="进民发〔2026〕21号")
    policy.revision_decide(actor=reviewer, revision=other, approve=True)
    page = client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    assert "可能已经过时" in page and "可能已经过时" in _confirm_of(page, rev)


def test_a_county_user_sees_only_their_county(client: Any, users: dict[str, Any], registry: None, draft: Any) -> None:
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import user_create
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.policy.selectors import current_parameters
    from jiuzhu.apps.reports.effects import KIND
    from jiuzhu.apps.reports.selectors import effect_figures, revision_effect
    from tests.conftest import PASSWORD

    (a, _area_a), (b, _area_b) = _busiest(2)
    mine, other = _county_user(a, "countya"), _county_user(b, "countyb")
    standard = Decimal(str(current_parameters().resolve("dibao.standard", b, "rural", _effective()).value))
    rev_b = draft(_county_user(b, "drafterb"), path="dibao.standard", region=b, area="rural",
                   value=f"{standard * 2:.2f}")
    _run_queued(rev_b)
    client.force_login(mine)
    assert client.get(reverse("revision_detail", args=[rev_b.pk])).status_code == 404
    assert client.post(reverse("reports_revision_effect", args=[rev_b.pk])).status_code == 404
    client.force_login(other)
    assert client.get(reverse("revision_detail", args=[rev_b.pk])).status_code == 200
    seen = revision_effect(other, rev_b)["figures"]
    assert [c["code"] for g in seen["cities"] for c in g["counties"]] == [b]  # the county's households only

    # a provincial revision, worked out over the whole registry: the province reads it by city,
    # a county user's figures are their county's alone
    rev_p = draft(users["province"], path="dibao.marginal_multiplier", region="360000", area="", value="2.5")
    _run_queued(rev_p)
    client.force_login(users["city"])
    assert client.get(reverse("revision_detail", args=[rev_p.pk])).status_code == 404  # above the city's region
    reader = user_create(actor=None, username="province2", password=PASSWORD, role="province",
                         region=Region.objects.get(code="360000"))
    client.force_login(reader)
    page = client.get(reverse("revision_detail", args=[rev_p.pk])).content.decode()
    whole = revision_effect(reader, rev_p)["figures"]
    assert len(whole["cities"]) > 1 and "<details>" in page
    _words_only(page)
    assert whole["total"]["households"] == sum(g["households"] for g in whole["cities"])
    result = revision_effect(reader, rev_p)["effect"].result
    own = effect_figures(mine, result)
    assert [c["code"] for g in own["cities"] for c in g["counties"]] == [a]
    assert own["total"]["households"] == result["by_county"][a]["households"]
    assert own["total"]["monthly"] == Decimal(result["by_county"][a]["monthly_cost_change"])
    assert Job.objects.filter(kind=KIND).count() == 2  # the refused start queued nothing


def test_approving_still_asks_for_confirmation_and_the_list_sends_to_the_effect(
        client: Any, users: dict[str, Any], households: dict[str, Any], draft: Any) -> None:
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.policy.models import ParameterRevision
    from jiuzhu.apps.reports.effects import KIND

    rev = draft(users["county"], path="dibao.standard", region="360124", area="rural", value="990.00")
    client.force_login(users["city"])
    listing = client.get(reverse("revision_list")).content.decode()
    # no approving from the list: the reviewer opens the revision, where its effect is shown
    assert reverse("revision_decide", args=[rev.pk]) not in listing
    assert reverse("revision_detail", args=[rev.pk]) in listing
    page = client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    confirm = _confirm_of(page, rev)
    assert "最低生活保障标准" in confirm and "990.00" in confirm and "确认批准" in confirm
    # the author sees no decision buttons
    client.force_login(users["county"])
    assert reverse("revision_decide", args=[rev.pk]) not in client.get(reverse("revision_detail", args=[rev.pk])).content.decode()
    client.force_login(users["city"])
    assert client.post(reverse("revision_decide", args=[rev.pk]), {"decision": "approve"}).status_code == 302
    rev.refresh_from_db()
    assert rev.status == "approved"
    # a decided revision's effect is no longer worked out
    queued = Job.objects.filter(kind=KIND).count()
    Job.objects.filter(kind=KIND).update(state="cancelled")
    assert client.post(reverse("reports_revision_effect", args=[rev.pk])).status_code == 302
    assert Job.objects.filter(kind=KIND).count() == queued
    assert ParameterRevision.objects.get(pk=rev.pk).status == "approved"
