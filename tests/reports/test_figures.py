"""The statistics beyond the categories (issue 18 item 1): coverage, money, applications and refusal reasons,
warnings, the assistance chain.  Every figure is recounted here in plain Python over the ORM, on a small
registry with payrolls, department records, applications, warnings and a matching run, for the province,
a city, a county, a township and the other county; money to the fen.  Then: scoping, the Excel sheets, the
pages in Chinese only, and the statistics (and their coverage) following each determination (and matching)
run by themselves."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 10, 31)
FIRST = dt.date(2025, 11, 1)  # the 12 months up to AS_OF's
SINCE = AS_OF - dt.timedelta(days=365)  # assistance.matching.given_lookback_days
TZ = ZoneInfo("Asia/Shanghai")
REGIONS = ("360000", "360100", "360124", "360124100", "360124101", "360700", "360730")
_seq = itertools.count(1)


def _month(d: dt.date, k: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    return dt.date(y, m + 1, 1)


# --------------------------------------------------------------------------- the small registry


def _payroll(county: str, month: dt.date, state: str, lines: list[tuple[Any, ...]]) -> None:
    from jiuzhu.apps.assistance.models import Payroll, PayrollLine

    p = Payroll.objects.create(county_id=county, month=month, state=state, digest=uuid.uuid4().hex)
    for member, programme, amount, covered, status, kind in lines:
        PayrollLine.objects.create(payroll=p, line_ref=f"L{next(_seq)}", kind=kind, household=member.household,
                                   member=member, programme=programme, amount=Decimal(amount),
                                   members_covered=covered, status=status, change="new")


def _record(member: Any, programme: str, amount: str | None, basis: str, start: dt.date | None,
            end: dt.date | None, *, source: str = "medical_insurance_settlements", household: Any = "same") -> None:
    from jiuzhu.apps.exchange.models import AssistanceRecord

    AssistanceRecord.objects.create(
        person_index=member.id_number_index if member else uuid.uuid4().hex, member=member,
        household=member.household if household == "same" else household, programme=programme,
        department="medical_insurance", start_date=start, end_date=end,
        amount=Decimal(amount) if amount is not None else None, amount_basis=basis, source=source,
        fact_key=f"f{next(_seq)}")


def _application(h: Any, number: str, state: str, submitted: dt.date, *, decided: dt.date | None = None,
                 due: dt.date | None = None, basis: dict[str, Any] | None = None) -> None:
    from jiuzhu.apps.applications.models import Application

    Application.objects.create(number=number, household=h, county=h.county, township=h.township, village=h.village,
                               channel="desk", applicant_name="王五", state=state, submitted_on=submitted,
                               decided_on=decided, due_on=due, decision_basis=basis or {})


def _ground(category: str, cid: str, passed: bool = False, who: str = "") -> dict[str, Any]:
    return {"category": category, "id": cid, "label": "", "passed": passed, "who": who, "text": "", "parameters": []}


def _warning(indicator: str, county: str, unit: str, raised: dt.datetime, verify_due: dt.date, *,
             verified: dt.datetime | None = None, closed: dt.datetime | None = None) -> None:
    from jiuzhu.apps.monitoring.models import Warning as EarlyWarning

    n = next(_seq)
    EarlyWarning.objects.create(indicator=indicator, severity="medium", kind="eligibility_loss",
                                state="closed" if closed else ("verified" if verified else "raised"),
                                subject=f"s{n}", fingerprint=f"fp{n}", county_id=county, unit_region_id=unit,
                                raised_at=raised, verify_due=verify_due, handle_due=verify_due + dt.timedelta(days=20),
                                verified_at=verified, closed_at=closed)


def _at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def world(users: dict[str, Any], households: dict[str, Any]) -> dict[str, Any]:
    from jiuzhu.apps.assistance.matching import run_matching
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.exchange.choices import PLATFORM
    from jiuzhu.apps.reports.services import statistics_compute
    from tests.assistance.helpers import add_member, born, household_with

    inside, other, outside = households["inside"], households["other_town"], households["outside"]
    t = users["township"]
    pupil = add_member(t, inside, birth=born(12, AS_OF), name="赵乙", school_stage="junior", employment="student")
    poor = household_with(users["county"], village="360124101001", head_birth=born(70, AS_OF), name="孙丁",
                          work_capacity="none", employment="not_working")
    add_member(users["county"], poor, birth=born(9, AS_OF), name="孙戊", school_stage="primary", employment="student")
    head = {h.pk: h.members.get(relation="head") for h in (inside, other, outside, poor)}
    a, b, c, d = head[inside.pk], head[other.pk], head[outside.pk], head[poor.pk]

    # payrolls: approved ones count (lines to pay or paid); held and failed lines, unapproved payrolls and
    # months outside the 12 do not; a carried line adds money but no persons
    _payroll("360124", dt.date(2026, 10, 1), "approved", [
        (a, "dibao", "1764.00", 2, "pending", "regular"), (d, "dibao", "1234.56", 2, "pending", "regular"),
        (b, "tekun", "1182.00", 1, "pending", "regular"), (d, "price_subsidy", "61.20", 2, "pending", "price"),
        (pupil, "dibao", "500.00", 1, "held", "regular"), (b, "tekun", "1182.00", 1, "pending", "carried"),
    ])
    _payroll("360124", dt.date(2026, 9, 1), "reconciled", [
        (a, "dibao", "1764.00", 2, "paid", "regular"), (d, "dibao", "1234.56", 2, "failed", "regular"),
        (b, "tekun", "1182.00", 1, "paid", "regular"),
    ])
    _payroll("360124", dt.date(2026, 11, 1), "approved", [(a, "dibao", "1800.00", 2, "pending", "regular")])
    _payroll("360124", dt.date(2025, 10, 1), "reconciled", [(a, "dibao", "1700.00", 2, "paid", "regular")])
    _payroll("360730", dt.date(2026, 10, 1), "generated", [(c, "dibao", "900.00", 1, "pending", "regular")])
    _payroll("360730", dt.date(2026, 8, 1), "exported", [(c, "dibao", "900.01", 1, "pending", "regular")])

    # the departments' assistance records (and the platform's, which are the payroll again)
    _record(pupil, "disability_subsidies", "150.00", "monthly", dt.date(2026, 6, 15), None, source="disabled_certificates")
    _record(a, "disability_subsidies", "90.50", "monthly", dt.date(2025, 9, 1), dt.date(2026, 2, 28),
            source="disabled_certificates")
    _record(a, "medical_assistance", "3210.55", "total", dt.date(2026, 10, 3), dt.date(2026, 10, 3))
    _record(d, "medical_assistance", "0.01", "total", dt.date(2026, 10, 31), dt.date(2026, 10, 31))
    _record(d, "medical_assistance", "99.99", "total", dt.date(2025, 10, 20), dt.date(2025, 10, 20))  # before the window
    _record(d, "medical_assistance", "77.00", "total", dt.date(2026, 11, 2), dt.date(2026, 11, 2))  # after it
    _record(pupil, "education_assistance", "800.00", "total", None, dt.date(2026, 3, 31), source="education_students")
    _record(d, "medical_insurance_subsidy", "380.00", "total", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
            source="medical_insurance_enrolment")
    _record(b, "public_rental_housing", None, "total", dt.date(2026, 1, 1), None, source="housing_public_rental")
    _record(a, "dibao", "1764.00", "total", dt.date(2026, 9, 1), dt.date(2026, 9, 30), source=PLATFORM)
    _record(c, "rent_subsidy", "600.00", "total", dt.date(2026, 10, 1), dt.date(2026, 10, 1), source="housing_rent_subsidy")
    _record(c, "rent_subsidy", "600.00", "total", dt.date(2026, 9, 1), dt.date(2026, 9, 1), source="housing_rent_subsidy",
            household=None)  # not on a registry household

    # applications
    dibao_fail = {"decision": "refused", "grounds": [_ground("dibao", "dibao.income"),
                                                     _ground("dibao", "dibao.property.financial"),
                                                     _ground("marginal", "marginal.income"),
                                                     _ground("dibao", "dibao.not_tekun", passed=True)]}
    tekun_fail = {"decision": "refused", "grounds": [_ground("dibao", "dibao.income"),
                                                     _ground("tekun", "tekun.no_capacity", who="孙丁"),
                                                     _ground("tekun", "tekun.no_capacity", who="孙戊")]}
    contrary = {"decision": "refused", "contrary_to_determination": True, "grounds": []}
    sep, due = dt.date(2026, 9, 1), dt.date(2026, 10, 15)
    _application(inside, "A1", "approved", sep, decided=dt.date(2026, 10, 1), due=due)
    _application(inside, "A2", "refused", sep, decided=dt.date(2026, 10, 20), due=due, basis=dibao_fail)
    _application(inside, "A3", "visited", sep, due=due)
    _application(inside, "A4", "submitted", dt.date(2026, 12, 1), due=dt.date(2027, 1, 15))
    _application(poor, "B1", "refused", sep, decided=dt.date(2026, 10, 2), due=due, basis=tekun_fail)
    _application(poor, "B2", "refused", sep, decided=dt.date(2026, 10, 3), due=due)  # no basis stored
    _application(other, "B3", "refused", sep, decided=dt.date(2026, 10, 4), due=due, basis=contrary)
    _application(other, "B4", "refused", sep, decided=dt.date(2026, 11, 4), due=due, basis=dibao_fail)  # after
    _application(other, "B5", "withdrawn", sep, due=due)
    _application(outside, "C1", "approved", sep, decided=dt.date(2026, 10, 30), due=due)
    _application(outside, "C2", "refused", sep, decided=dt.date(2026, 10, 10), due=None, basis=tekun_fail)

    # warnings: local dates decide (23:30 on the as-of day counts, 00:10 the next day does not)
    _warning("medical_self_paid", "360124", "360124100", _at(2026, 10, 1), dt.date(2026, 10, 8),
             verified=_at(2026, 10, 7), closed=_at(2026, 10, 20))
    _warning("medical_self_paid", "360124", "360124100", _at(2026, 10, 2), dt.date(2026, 10, 9),
             verified=_at(2026, 10, 12))
    _warning("medical_self_paid", "360124", "360124", _at(2026, 10, 31, 23, 30), dt.date(2026, 11, 7))
    _warning("medical_self_paid", "360124", "360124101", _at(2026, 11, 1, 0, 10), dt.date(2026, 11, 8))
    _warning("serious_illness", "360124", "360124101", _at(2026, 9, 1), dt.date(2026, 9, 8),
             verified=_at(2026, 9, 8, 23, 59), closed=_at(2026, 11, 2))
    _warning("serious_illness", "360730", "360730100", _at(2026, 10, 5), dt.date(2026, 10, 12),
             verified=_at(2026, 11, 1))
    _warning("severe_disability", "360730", "360730", _at(2026, 8, 5), dt.date(2026, 8, 12),
             verified=_at(2026, 8, 6), closed=_at(2026, 8, 30))

    det = run_all(actor=None, as_of=AS_OF)
    match = run_matching(actor=None, as_of=AS_OF, determination_run=det)
    stats = statistics_compute(det)
    return {"det": det, "match": match, "stats": stats, "people": (a, b, c, d, pupil)}


# --------------------------------------------------------------------------- plain recounts


def _under(region: str) -> set[str]:
    """Every region code under *region* (itself included), from the parent links, not the closure."""
    from jiuzhu.apps.core.models import Region

    parent = dict(Region.objects.values_list("code", "parent_id"))
    out = set()
    for code in parent:
        r: str | None = code
        while r is not None:
            if r == region:
                out.add(code)
                break
            r = parent.get(r)
    return out


def _months_of(r: Any) -> list[dt.date]:
    months = [_month(FIRST, i) for i in range(12)]
    if r.amount_basis == "monthly":
        return [m for m in months if (r.start_date is None or r.start_date < _month(m, 1))
                and (r.end_date is None or r.end_date >= m)]
    day = r.start_date or r.end_date
    return [m for m in months if day is not None and m == day.replace(day=1)]


def money_recount(region: str) -> dict[tuple[dt.date, str, str], tuple[int, int, Decimal]]:
    """(month, programme, source) → (persons, households, amount), one record or line at a time."""
    from jiuzhu.apps.assistance.models import PayrollLine
    from jiuzhu.apps.exchange.models import AssistanceRecord

    under = _under(region)
    persons: dict[Any, set[Any]] = defaultdict(set)
    households: dict[Any, set[Any]] = defaultdict(set)
    covered: dict[Any, int] = defaultdict(int)
    amount: dict[Any, Decimal] = defaultdict(lambda: Decimal("0"))
    for line in PayrollLine.objects.select_related("payroll", "household"):
        p = line.payroll
        if p.state not in ("approved", "exported", "reconciled") or line.status not in ("pending", "paid"):
            continue
        if not FIRST <= p.month <= AS_OF.replace(day=1) or line.household.township_id not in under:
            continue
        key = (p.month, line.programme, "payroll")
        households[key].add(line.household_id)
        covered[key] += 0 if line.kind == "carried" else line.members_covered
        amount[key] += line.amount
    for r in AssistanceRecord.objects.select_related("household"):
        if r.source == "platform" or r.amount is None or r.household is None or r.household.township_id not in under:
            continue
        for m in _months_of(r):
            key = (m, r.programme, "department")
            persons[key].add(r.person_index)
            households[key].add(r.household_id)
            amount[key] += r.amount
    return {k: (covered[k] if k[2] == "payroll" else len(persons[k]), len(households[k]), amount[k]) for k in amount}


def chain_recount(region: str) -> dict[str, int]:
    from jiuzhu.apps.exchange.models import AssistanceRecord

    under = _under(region)
    who: dict[str, set[str]] = defaultdict(set)
    for r in AssistanceRecord.objects.select_related("household"):
        if r.household is None or r.household.township_id not in under:
            continue
        if (r.start_date is None or r.start_date <= AS_OF) and (r.end_date is None or r.end_date >= SINCE):
            who[r.programme].add(r.person_index)
            who["all"].add(r.person_index)
    return {k: len(v) for k, v in who.items()}


def applications_recount(region: str) -> dict[str, int]:
    from jiuzhu.apps.applications.models import Application

    under = _under(region)
    n = dict.fromkeys(("received", "decided", "in_time", "approved", "refused", "overdue"), 0)
    for a in Application.objects.all():
        if a.township_id not in under or a.submitted_on > AS_OF:
            continue
        decided = a.state in ("approved", "refused") and a.decided_on is not None and a.decided_on <= AS_OF
        n["received"] += 1
        n["decided"] += decided
        n["in_time"] += decided and a.due_on is not None and a.decided_on <= a.due_on  # type: ignore[operator]
        n["approved"] += decided and a.state == "approved"
        n["refused"] += decided and a.state == "refused"
        n["overdue"] += (not decided and a.state != "withdrawn" and a.due_on is not None and a.due_on < AS_OF)
    return n


def refusals_recount(region: str) -> dict[tuple[str, str], int]:
    from jiuzhu.apps.applications.models import Application

    under = _under(region)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for a in Application.objects.filter(state="refused"):
        if a.township_id not in under or a.decided_on is None or a.decided_on > AS_OF:
            continue
        out[("", "all")] += 1
        basis = a.decision_basis
        failed = {(g["category"], g["id"]) for g in (basis or {}).get("grounds", []) if not g["passed"]}
        if not basis:
            failed = {("", "no_basis")}
        elif not failed:
            failed = {("", "reason_only")}
        for key in failed:
            out[key] += 1
    return dict(out)


def warnings_recount(region: str) -> dict[str, dict[str, int]]:
    from django.utils import timezone

    from jiuzhu.apps.monitoring.models import Warning as EarlyWarning

    under = _under(region)
    out: dict[str, dict[str, int]] = {}
    for w in EarlyWarning.objects.all():
        day = timezone.localtime(w.raised_at).date()
        if w.unit_region_id not in under or day > AS_OF:
            continue
        n = out.setdefault(w.indicator, dict.fromkeys(("raised", "verified", "in_time", "closed"), 0))
        verified = timezone.localtime(w.verified_at).date() if w.verified_at else None
        closed = timezone.localtime(w.closed_at).date() if w.closed_at else None
        n["raised"] += 1
        n["verified"] += verified is not None and verified <= AS_OF
        n["in_time"] += verified is not None and verified <= AS_OF and verified <= w.verify_due
        n["closed"] += closed is not None and closed <= AS_OF
    return out


def coverage_recount(region: str, run: Any) -> dict[tuple[str, str], int]:
    from jiuzhu.apps.assistance.models import Match

    under = _under(region)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for m in Match.objects.filter(run=run).select_related("household"):
        if m.household.township_id in under:
            out[(m.programme, m.status)] += 1
    return dict(out)


# --------------------------------------------------------------------------- the figures equal the recounts


def _region(code: str) -> Any:
    from jiuzhu.apps.core.models import Region

    return Region.objects.get(code=code)


@pytest.mark.parametrize("code", REGIONS)
def test_money_equals_a_recount_to_the_fen(world: dict[str, Any], users: dict[str, Any], code: str) -> None:
    from jiuzhu.apps.reports import selectors
    from jiuzhu.apps.reports.models import FigureRow

    expected = money_recount(code)
    stored = {(r.month, r.key, r.detail): (r.count, r.households, r.amount)
              for r in FigureRow.objects.filter(statistics=world["stats"], section="money", region_id=code)}
    assert stored == expected
    if code == "360124":  # the fixture's cases are all there
        assert expected[(dt.date(2026, 10, 1), "dibao", "payroll")] == (4, 2, Decimal("2998.56"))
        assert expected[(dt.date(2026, 10, 1), "tekun", "payroll")] == (1, 1, Decimal("2364.00"))  # + carried
        assert expected[(dt.date(2026, 10, 1), "medical_assistance", "department")] == (2, 2, Decimal("3210.56"))
        assert expected[(dt.date(2026, 3, 1), "education_assistance", "department")][2] == Decimal("800.00")
        assert expected[(dt.date(2026, 2, 1), "disability_subsidies", "department")][2] == Decimal("90.50")
        assert (dt.date(2026, 3, 1), "disability_subsidies", "department") not in expected
        assert not any(k[1] == "dibao" and k[2] == "department" for k in expected)  # the platform's entry

    page = selectors.money(users["province"], world["stats"], _region(code))
    last = AS_OF.replace(day=1)
    for p in page["programmes"]:
        month = [v for k, v in expected.items() if k[0] == last and k[1] == p["code"]]
        assert p["total"] == sum((v[2] for v in month), Decimal("0.00"))
        assert p["persons"] == sum(v[0] for v in month)
        assert p["year"] == sum((v[2] for k, v in expected.items() if k[1] == p["code"]), Decimal("0.00"))
        if p["persons"]:
            assert p["average"] == (p["total"] / p["persons"]).quantize(Decimal("0.01"))
    for m in page["months"]:
        assert m["total"] == sum((v[2] for k, v in expected.items() if k[0] == m["month"]), Decimal("0.00"))
    assert page["total"]["year"] == sum((v[2] for v in expected.values()), Decimal("0.00"))


@pytest.mark.parametrize("code", REGIONS)
def test_applications_refusals_and_warnings_equal_recounts(world: dict[str, Any], users: dict[str, Any],
                                                           code: str) -> None:
    from jiuzhu.apps.reports import selectors
    from jiuzhu.rules.determination.explain import criterion_labels

    region = _region(code)
    apps = selectors.applications(users["province"], world["stats"], region)
    expected = applications_recount(code)
    assert {k: apps["total"][k] for k in expected} == expected
    assert apps["total"] == {**expected, "in_time_rate": apps["total"]["in_time_rate"]}
    if region.level != "township":  # the live reading (statistics of an earlier version) agrees above townships
        assert selectors.application_figures(region, AS_OF) == expected

    refused = refusals_recount(code)
    assert apps["refused"] == refused.get(("", "all"), 0)
    assert {(r["category"], r["criterion"]): r["count"] for r in apps["reasons"]} == {
        k: v for k, v in refused.items() if k != ("", "all")}
    labels = criterion_labels()
    for r in apps["reasons"]:  # Chinese labels, never a code
        assert r["label"] == labels.get((r["category"], r["criterion"]), r["label"])
        assert r["criterion"] not in r["label"] and not any(ch.isascii() and ch.isalpha() for ch in r["label"])

    w = selectors.warnings(users["province"], world["stats"], region)
    assert {i["code"]: {k: i[k] for k in ("raised", "verified", "in_time", "closed")} for i in w["indicators"]} \
        == warnings_recount(code)


@pytest.mark.parametrize("code", REGIONS)
def test_coverage_and_chain_equal_recounts(world: dict[str, Any], users: dict[str, Any], code: str) -> None:
    from jiuzhu.apps.determination.models import DeterminationResult
    from jiuzhu.apps.reports import selectors

    cov = selectors.coverage(users["province"], world["stats"], _region(code))
    assert cov["coverage"] is not None and cov["coverage"].match_run_id == world["match"].pk
    expected = coverage_recount(code, world["match"])
    for p in cov["programmes"]:
        n = {s: expected.get((p["code"], s), 0) for s in ("given", "enrolled", "missing", "declined", "duplicate",
                                                          "two_households")}
        assert (p["eligible"], p["covered"], p["missing"], p["declined"], p["duplicate"], p["two_households"]) == (
            n["given"] + n["enrolled"] + n["missing"] + n["declined"], n["given"] + n["enrolled"], n["missing"],
            n["declined"], n["duplicate"], n["two_households"])
    assert cov["total"]["missing"] == sum(v for k, v in expected.items() if k[1] == "missing")
    shown = {p["code"] for p in cov["programmes"]}
    assert {k[0] for k in expected} <= shown

    chain = chain_recount(code)
    assert cov["chain_persons"] == chain.get("all", 0)
    assert {p["code"]: p["chain_persons"] for p in cov["programmes"] if p["chain_persons"]} == {
        k: v for k, v in chain.items() if k != "all"}

    under = _under(code)
    results = [r for r in DeterminationResult.objects.filter(run=world["det"]).select_related("household")
               if r.household.township_id in under]
    assert cov["registry"] == {"households": len(results),
                               "persons": sum(len(r.member_categories) for r in results)}


def test_the_world_has_something_to_count(world: dict[str, Any]) -> None:
    """The fixture exercises what the recounts compare: missing programmes, given ones, refusals, warnings."""
    province = coverage_recount("360000", world["match"])
    assert any(s == "missing" for _, s in province) and any(s == "given" for _, s in province)
    assert refusals_recount("360000")[("tekun", "tekun.no_capacity")] == 2
    assert refusals_recount("360124")[("", "no_basis")] == 1 and refusals_recount("360124")[("", "reason_only")] == 1
    assert warnings_recount("360124")["medical_self_paid"] == {"raised": 3, "verified": 2, "in_time": 1, "closed": 1}
    assert warnings_recount("360124")["serious_illness"] == {"raised": 1, "verified": 1, "in_time": 1, "closed": 0}


def test_statistics_of_a_run_are_reproducible(world: dict[str, Any]) -> None:
    """Later records do not change a run's figures: they are stored with the statistics."""
    from jiuzhu.apps.reports.models import FigureRow

    before = sorted(FigureRow.objects.filter(statistics=world["stats"]).values_list(
        "section", "region_id", "month", "key", "detail", "count", "households", "amount"))
    a = world["people"][0]
    _record(a, "medical_assistance", "5.00", "total", dt.date(2026, 10, 9), dt.date(2026, 10, 9))
    _application(a.household, "Z9", "refused", dt.date(2026, 9, 9), decided=dt.date(2026, 10, 9), basis={})
    from jiuzhu.apps.reports.services import statistics_compute

    assert statistics_compute(world["det"]).pk == world["stats"].pk
    assert sorted(FigureRow.objects.filter(statistics=world["stats"]).values_list(
        "section", "region_id", "month", "key", "detail", "count", "households", "amount")) == before


# --------------------------------------------------------------------------- scope, Excel, Chinese pages


PAGES = ("reports_coverage", "reports_money", "reports_applications", "reports_warnings")


def test_a_county_sees_only_its_county(world: dict[str, Any], users: dict[str, Any], client: Client) -> None:
    from jiuzhu.apps.reports import selectors

    stats = world["stats"]
    client.force_login(users["county"])
    for name in PAGES:
        assert client.get(reverse(name), {"stats": stats.pk}).status_code == 200
        assert client.get(reverse(name), {"region": "360730", "stats": stats.pk}).status_code == 404
        assert client.get(reverse(name), {"region": "360000", "stats": stats.pk}).status_code == 404
        assert client.get(reverse(name), {"region": "360124100", "stats": stats.pk}).status_code == 200
    assert client.get(reverse("reports_export"), {"region": "360730", "stats": stats.pk}).status_code == 404
    mine = client.get(reverse("reports_money"), {"stats": stats.pk}).context["money"]
    assert mine == selectors.money(users["province"], stats, _region("360124"))
    assert mine["total"]["year"] == sum((v[2] for v in money_recount("360124").values()), Decimal("0.00"))
    # the county's own page has no other county's money in it
    assert mine["total"]["year"] < selectors.money(users["province"], stats, _region("360000"))["total"]["year"]
    client.force_login(users["township"])
    page = client.get(reverse("reports_applications"), {"stats": stats.pk}).context["apps"]
    assert page["total"]["received"] == applications_recount("360124100")["received"]
    assert client.get(reverse("reports_warnings"), {"region": "360124", "stats": stats.pk}).status_code == 404


def test_excel_has_the_new_sheets_with_number_formats(world: dict[str, Any], users: dict[str, Any],
                                                      client: Client) -> None:
    client.force_login(users["province"])
    resp = client.get(reverse("reports_export"), {"stats": world["stats"].pk, "region": "360124"})
    assert resp.status_code == 200
    wb = load_workbook(io.BytesIO(resp.content))
    names = wb.sheetnames
    for title in ("救助覆盖", "救助覆盖（按区划）", "资金发放（按项目）", "资金发放（按月）", "资金发放（按县、月）",
                  "申请审批", "不予批准原因", "预警处置", "预警处置（按区划）"):
        assert title in names

    def formats(sheet: str, header: str) -> set[str]:
        ws = wb[sheet]
        col = next(c.column for c in ws[2] if c.value == header)
        return {ws.cell(row=r, column=col).number_format for r in range(3, ws.max_row + 1)
                if ws.cell(row=r, column=col).value not in (None, "")}

    assert formats("资金发放（按项目）", "当月合计（元）") == {"#,##0.00"}
    assert formats("资金发放（按项目）", "人数") == {"#,##0"}
    assert formats("资金发放（按月）", "月份") == {"yyyy-mm-dd"}
    assert formats("救助覆盖", "覆盖率") <= {"0.0%"} and formats("救助覆盖", "应享未享") == {"#,##0"}
    assert formats("不予批准原因", "不予批准申请数") == {"#,##0"}
    ws = wb["资金发放（按县、月）"]
    amounts = [ws.cell(row=r, column=8).value for r in range(3, ws.max_row + 1)]
    assert sum(Decimal(str(v)) for v in amounts) == sum((v[2] for v in money_recount("360124").values()),
                                                         Decimal("0.00"))
    reasons = wb["不予批准原因"]
    assert {reasons.cell(row=r, column=1).value for r in range(3, reasons.max_row + 1)} >= {
        "月人均收入低于当地低保标准", "无劳动能力", "决定未记录认定依据（早期决定）"}


def test_pages_show_chinese_labels_only(world: dict[str, Any], users: dict[str, Any]) -> None:
    from tests.ui.test_raw_codes import problems, visible_text

    for role in ("province", "county", "township"):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(users[role])
        for name in (*PAGES, "reports_dashboard"):
            html = client.get(reverse(name), {"stats": world["stats"].pk}).content.decode()
            assert "chart-data" in html
            found = problems(visible_text(html), set(users))
            assert not found, f"{name} as {role}: {found}"
    html = client.get(reverse("reports_money"), {"stats": world["stats"].pk}).content.decode()
    assert "1,764.00元" in html  # amounts through |yuan


# --------------------------------------------------------------------------- kept current by themselves


def test_statistics_and_coverage_follow_the_runs(users: dict[str, Any], households: dict[str, Any],
                                                 django_capture_on_commit_callbacks: Any) -> None:
    from jiuzhu.apps.assistance.matching import run_matching
    from jiuzhu.apps.assistance.models import MatchRun
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.jobs.models import Job
    from jiuzhu.apps.jobs.runner import run_inline
    from jiuzhu.apps.reports.models import FIGURES_VERSION, CoverageRun, StatisticsRun

    _application(households["inside"], "A1", "submitted", dt.date(2026, 9, 1), due=dt.date(2026, 10, 15))
    with django_capture_on_commit_callbacks(execute=True):
        det = run_all(actor=users["province"], as_of=AS_OF)
    (job,) = Job.objects.filter(kind="reports.statistics", state="queued")
    assert job.params == {"run": det.pk} and job.channel == "system"
    assert not StatisticsRun.objects.exists()  # nothing computed in the determination's own job
    run_inline(job)  # what the worker does
    stats = StatisticsRun.objects.get(run=det)
    assert stats.version == FIGURES_VERSION and stats.figures.exists() and stats.rows.exists()

    # the determination also queued the matching of the programme matrix (the assistance app's follow-up)
    (matching,) = Job.objects.filter(kind="assistance.matching", state="queued")
    with django_capture_on_commit_callbacks(execute=True):
        run_inline(matching)
    match = MatchRun.objects.get(job=matching)
    (cov_job,) = Job.objects.filter(kind="reports.coverage", state="queued")
    assert cov_job.params == {"match_run": match.pk}
    run_inline(cov_job)
    cov = CoverageRun.objects.get(match_run=match)
    assert cov.determination_run_id == det.pk and cov.rows.exists()
    # a county's matching run does not replace the province's rows everywhere: its coverage is not kept
    with django_capture_on_commit_callbacks(execute=True):
        run_matching(actor=None, as_of=AS_OF, determination_run=det, county="360124")
    assert not Job.objects.filter(kind="reports.coverage", state="queued").exists()


def test_statistics_of_an_earlier_version_are_computed_again(users: dict[str, Any], households: dict[str, Any],
                                                             client: Client) -> None:
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.apps.reports import selectors
    from jiuzhu.apps.reports.models import FigureRow, StatisticsRun, StatRow
    from jiuzhu.apps.reports.services import statistics_compute

    det = run_all(actor=None, as_of=AS_OF)
    stats = statistics_compute(det)
    rows = sorted(StatRow.objects.filter(statistics=stats, kind="category").values_list(
        "township_id", "area_type", "key", "households", "persons"))
    summed = {code: selectors.overview(users["province"], stats, _region(code)) for code in REGIONS}
    trend = {code: selectors.trend(users["province"], _region(code)) for code in REGIONS}
    StatisticsRun.objects.filter(pk=stats.pk).update(version=1)
    FigureRow.objects.filter(statistics=stats).delete()
    stats.refresh_from_db()
    # the dashboard's figures summed per region by the engine equal those summed from the townships' rows
    for code in REGIONS:
        assert selectors.overview(users["province"], stats, _region(code)) == summed[code]
        assert selectors.trend(users["province"], _region(code)) == trend[code]
    assert summed["360000"]["total"]["households"] > 0
    client.force_login(users["province"])
    page = client.get(reverse("reports_money"), {"stats": stats.pk})
    assert page.status_code == 200 and "重新计算" in page.content.decode()
    dash = client.get(reverse("reports_dashboard"), {"stats": stats.pk})
    assert det.pk in [r.pk for r in dash.context["pending_runs"]]  # offered to compute again
    again = statistics_compute(det)
    assert again.pk == stats.pk and again.version == 2
    assert sorted(StatRow.objects.filter(statistics=stats, kind="category").values_list(
        "township_id", "area_type", "key", "households", "persons")) == rows
