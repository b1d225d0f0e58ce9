"""Matching households and members to the programme matrix (issue 7 §2).

For every person: the programmes they qualify for (with the reason), which they already have
(the assistance chain, active entitlements, automatic enrolments), which are missing
(omissions) and which look like duplicates (the same programme from two sources, two
programmes meeting the same need, a person on another household's record).

One core (``_match``) serves the household page and the batch over the registry; the batch
builds its inputs with a handful of set-based queries and evaluates the matrix on numpy
columns per (county, area) group, then stores rows set-based (``core.bulkwrite``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.hooks import notify
from jiuzhu.apps.core.models import User
from jiuzhu.apps.determination.models import DeterminationResult, DeterminationRun
from jiuzhu.apps.determination.services import determine_one
from jiuzhu.apps.exchange.models import AssistanceRecord
from jiuzhu.apps.jobs.runner import run_inline
from jiuzhu.apps.jobs.services import job_start
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.registry.models import Household, Member
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.programmes import (
    PROGRAMMES,
    Lookup,
    Programme,
    columns_from_rows,
    describe,
    eligible_mask,
    lookup_for,
)
from jiuzhu.rules.programmes.eligibility import category_bits

from .models import Enrolment, Entitlement, EntitlementState, Match, MatchRun, MatchStatus

DETERMINED = ("dibao", "tekun", "dibao_individual")  # paid through entitlements from decisions
_MEMBER_FIELDS = ("id", "household_id", "id_number_index", "birth_date", "sex", "relation", "work_capacity",
                  "disability_grade", "school_stage", "employment", "serious_illness", "adl_eating", "adl_dressing",
                  "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing")
_ADL = ("adl_eating", "adl_dressing", "adl_transfer", "adl_toileting", "adl_walking", "adl_bathing")


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _person(v: dict[str, Any], county: str, area: str, categories: Iterable[str], as_of: dt.date) -> dict[str, Any]:
    return {
        "member_id": v["id"], "household_id": v["household_id"], "person_index": v["id_number_index"],
        "county": county, "area": area, "categories": category_bits(categories),
        "age": age_on(v["birth_date"], as_of), "sex": v["sex"], "disability_grade": v["disability_grade"] or 0,
        "school_stage": v["school_stage"], "work_capacity": v["work_capacity"], "employment": v["employment"],
        "serious_illness": bool(v["serious_illness"]), "self_care": all(v[a] for a in _ADL),
        "is_head": v["relation"] == "head",
    }


class Inputs:
    """What a person already has: chain entries, entitlements, enrolments (sets for fast look-up)."""

    def __init__(self) -> None:
        self.given: dict[int, set[str]] = defaultdict(set)  # member id → programmes
        self.sources: dict[tuple[int, str], set[str]] = defaultdict(set)  # (member, programme) → sources
        self.elsewhere: dict[int, list[tuple[str, int]]] = defaultdict(list)  # member → (programme, household)
        self.entitled: dict[int, set[str]] = defaultdict(set)  # household id → programmes with an active entitlement
        self.enrolled: dict[tuple[int, str], str] = {}  # (member, programme) → state

    def load(self, members: dict[str, tuple[int, int]], household_ids: Any, as_of: dt.date, lookback: int) -> None:
        """``members``: person index → (member id, household id); household_ids: their households' ids."""
        since = as_of - dt.timedelta(days=lookback)
        active = (Q(start_date__isnull=True) | Q(start_date__lte=as_of)) & (Q(end_date__isnull=True)
                                                                            | Q(end_date__gte=since))
        records = AssistanceRecord.objects.filter(active)
        if len(members) <= 2000:  # a household or a few: by person; the registry: one scan of the chain
            records = records.filter(person_index__in=list(members))
        for pidx, programme, household_id, source, fact_key in records.values_list(
                "person_index", "programme", "household_id", "source", "fact_key").iterator(chunk_size=20000):
            who = members.get(pidx)
            if who is None:
                continue
            member_id, home = who
            self.given[member_id].add(programme)
            if not fact_key.startswith("enrol:"):
                self.sources[(member_id, programme)].add(source)
            if household_id is not None and household_id != home:
                self.elsewhere[member_id].append((programme, household_id))
        for household_id, programme in Entitlement.objects.filter(
                household__in=household_ids, state=EntitlementState.ACTIVE).values_list("household_id", "programme"):
            self.entitled[household_id].add(programme)
        for member_id, programme, state in Enrolment.objects.filter(household__in=household_ids).values_list(
                "member_id", "programme", "state"):
            self.enrolled[(member_id, programme)] = state


def _status(p: Programme, member_ids: list[int], household_id: int, inputs: Inputs) -> tuple[str, str]:
    """(status, detail) of a qualifying person (or household: all its members) for ``p``."""
    for m in member_ids:
        state = inputs.enrolled.get((m, p.key))
        if state == "declined":
            return MatchStatus.DECLINED, "本人已放弃"
        if state == "enrolled":
            return MatchStatus.ENROLLED, "免申即享已纳入"
    wanted = {p.key, *p.alternatives}
    if p.key in DETERMINED and p.key in inputs.entitled[household_id]:
        return MatchStatus.GIVEN, "正在发放"
    for m in member_ids:
        have = inputs.given.get(m, set())
        if wanted & have:
            return MatchStatus.GIVEN, "救助链已有记录"
    return MatchStatus.MISSING, "应享未享"


def _findings(people: list[dict[str, Any]], inputs: Inputs) -> list[dict[str, Any]]:
    """Duplicates and people on another household's record, per member."""
    out: list[dict[str, Any]] = []
    by_key = {p.key: p for p in PROGRAMMES}
    for person in people:
        m = person["member_id"]
        have = inputs.given.get(m, set())
        for programme in sorted(have):
            p = by_key.get(programme)
            sources = inputs.sources.get((m, programme), set())
            clash = sorted(q for q in (p.not_with if p else ()) if q in have)
            if len(sources) > 1:
                detail = "同一救助由多个来源同时记录：" + "、".join(sorted(sources))
            elif clash:
                detail = "与同类需求救助重复：" + "、".join(clash)
            else:
                continue
            out.append({"household_id": person["household_id"], "member_id": m, "programme": programme,
                        "department": p.department if p else "", "status": MatchStatus.DUPLICATE,
                        "reason": detail})
        for programme, other in inputs.elsewhere.get(m, []):
            p = by_key.get(programme)
            out.append({"household_id": person["household_id"], "member_id": m, "programme": programme,
                        "department": p.department if p else "", "status": MatchStatus.TWO_HOUSEHOLDS,
                        "reason": f"此人在另一户（户ID {other}）的救助记录上：请核实是否一人两户"})
    return out


def _match(people: list[dict[str, Any]], lookups: Callable[[str, str], Lookup], inputs: Inputs) -> list[dict[str, Any]]:
    """Rows {household_id, member_id, programme, department, status, reason} for the matchable programmes."""
    out: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, person in enumerate(people):
        groups[(person["county"], person["area"])].append(i)
    members_of: dict[int, list[int]] = defaultdict(list)
    for person in people:
        members_of[person["household_id"]].append(person["member_id"])
    for (county, area), index in groups.items():
        rows = [people[i] for i in index]
        cols = columns_from_rows(rows)
        lookup = lookups(county, area)
        heads = np.array([r["is_head"] for r in rows], dtype=np.bool_)
        for p in PROGRAMMES:
            if not p.matchable:
                continue
            mask = eligible_mask(p, cols, lookup)
            if p.unit == "household" or p.key in DETERMINED:
                mask &= heads
            hits = np.flatnonzero(mask)
            if not hits.size:
                continue
            reasons: dict[tuple[Any, ...], str] = {}
            for i in hits:
                r = rows[int(i)]
                key = (r["categories"], *(r[c.field] for c in p.conds if c.op == "in" and c.param))
                if key not in reasons:
                    reasons[key] = describe(p, lookup, r)[0]
                reason = reasons[key]
                household_level = p.unit == "household" or p.key in DETERMINED
                ids = members_of[r["household_id"]] if household_level else [r["member_id"]]
                status, detail = _status(p, ids, r["household_id"], inputs)
                out.append({"household_id": r["household_id"], "member_id": None if household_level
                            else r["member_id"], "programme": p.key, "department": p.department,
                            "status": status, "reason": f"{detail}：{reason}"[:300]})
    out += _findings(people, inputs)
    return out


def _heads_fixed(people: list[dict[str, Any]]) -> None:
    """A household without a member marked head: its first member stands for the household."""
    seen: dict[int, bool] = {}
    for person in people:
        seen[person["household_id"]] = seen.get(person["household_id"], False) or person["is_head"]
    first: set[int] = set()
    for person in people:
        h = person["household_id"]
        if not seen[h] and h not in first:
            person["is_head"] = True
            first.add(h)


# --- one household (the household page) ------------------------------------------------------------------


def household_categories(household: Household, as_of: dt.date, params: ParameterSet | None = None
                         ) -> tuple[list[str], dict[str, str], str]:
    """The household's categories and benefits: the latest determination result, else determined now."""
    r = (DeterminationResult.objects.filter(household=household, as_of__lte=as_of, error="")
         .order_by("-as_of", "-id").first())
    if r is not None:
        return list(r.categories), dict(r.benefits), f"认定批次 {r.run_id}（{r.as_of}）"

    try:
        result = determine_one(household, as_of, params)
    except Exception as exc:  # noqa: BLE001 - shown on the page, never a stack trace
        return [], {}, f"无法认定：{getattr(exc, 'message_zh', exc)}"
    return list(result.get("categories", [])), dict(result.get("benefits", {})), "按当前登记数据即时认定"


def household_matches(household: Household, as_of: dt.date | None = None, *, categories: list[str] | None = None,
                      params: ParameterSet | None = None) -> dict[str, Any]:
    """What the household's members qualify for, have, miss, and the duplicates (for the page)."""
    as_of = as_of or timezone.localdate()
    params = params or current_parameters()
    source = "本页认定结果"
    if categories is None:
        categories, _benefits, source = household_categories(household, as_of, params)
    members = list(household.members.order_by("id").values(*_MEMBER_FIELDS, "name"))
    people = [_person(v, household.county_id, household.area_type, categories, as_of) for v in members]
    _heads_fixed(people)
    inputs = Inputs()
    lookback = int(params.resolve("assistance.matching.given_lookback_days", household.county_id,
                                  household.area_type, as_of).value)
    inputs.load({v["id_number_index"]: (v["id"], household.pk) for v in members}, [household.pk], as_of, lookback)
    rows = _match(people, lambda c, a: lookup_for(params, c, a, as_of), inputs)
    lookup = lookup_for(params, household.county_id, household.area_type, as_of)
    cols = columns_from_rows(people) if people else None
    on_event = []
    for p in PROGRAMMES:
        if p.matchable or p.trigger == "price_index" or cols is None:
            continue
        if eligible_mask(p, cols, lookup).any():
            on_event.append(p)
    return {"rows": rows, "categories": categories, "source": source, "as_of": as_of, "on_event": on_event,
            "members": {v["id"]: v for v in members}}


# --- the whole registry (batch) ----------------------------------------------------------------------------


def match_registry(ctx: Any, *, as_of: str, county: str | None = None,
                   determination_run: int | None = None, reason: str = "") -> dict[str, Any]:
    """The job ``assistance.matching``: match every low-income household of the latest determination run
    (or ``county``'s) and store the rows.

    Replaces the rows of earlier runs (the run records stay).  *reason*: why it was queued
    (``determination`` / ``import`` when kept current automatically, see ``freshness``).  Set-based: a few queries, numpy
    masks per (county, area), bulk inserts — written in the job's ``commit()``, in chunks.
    """
    on = dt.date.fromisoformat(as_of)
    params = current_parameters()
    runs = DeterminationRun.objects.completed().order_by("-id")
    det = runs.filter(pk=determination_run).first() if determination_run else runs.first()
    ctx.phase("read", total=1)
    results = DeterminationResult.objects.filter(run=det).exclude(categories=[]) if det else \
        DeterminationResult.objects.none()
    if county:
        results = results.filter(household__county_id=county)
    cats = dict(results.values_list("household_id", "categories").iterator(chunk_size=20000))
    ids = results.values("household_id")  # a subquery: no million-element IN lists
    households = {h: (c, a) for h, c, a in Household.objects.filter(pk__in=ids).values_list(
        "id", "county_id", "area_type").iterator(chunk_size=20000)}
    people = []
    index: dict[str, tuple[int, int]] = {}
    for v in Member.objects.filter(household__in=ids).values(*_MEMBER_FIELDS).iterator(chunk_size=20000):
        c, a = households[v["household_id"]]
        people.append(_person(v, c, a, cats[v["household_id"]], on))
        index[v["id_number_index"]] = (v["id"], v["household_id"])
    _heads_fixed(people)
    inputs = Inputs()
    lookback = int(params.resolve("assistance.matching.given_lookback_days", "360000", "rural", on).value)
    inputs.load(index, ids, on, lookback)
    ctx.progress(1)
    lookups: dict[tuple[str, str], Lookup] = {}

    def get(c: str, a: str) -> Lookup:
        if (c, a) not in lookups:
            lookups[(c, a)] = lookup_for(params, c, a, on)
        return lookups[(c, a)]

    ctx.phase("match", total=len(people))
    rows = _match(people, get, inputs)
    ctx.progress(len(people))
    ctx.phase("store", total=len(rows))
    with ctx.commit():
        missing = sum(1 for r in rows if r["status"] == MatchStatus.MISSING)
        run = MatchRun.objects.create(job_id=ctx.job_id, as_of=on, determination_run=det, county=county or "",
                                      parameter_version=params.version, households=len(cats), rows=len(rows),
                                      missing=missing)
        old = Match.objects.filter(run_id__lt=run.pk)
        (old.filter(household__county_id=county) if county else old).delete()
        _insert(run.pk, rows, progress=ctx.progress)
        audit("assistance.match_run", actor=ctx.actor, object_type="match_run", object_id=run.pk,
              as_of=on.isoformat(), households=len(cats), rows=len(rows), missing=missing, county=county or "",
              job=ctx.job_id)
        ctx.set_result({"run": run.pk, "as_of": on.isoformat(), "county": county or "", "households": len(cats),
                        "rows": len(rows), "missing": missing})
        notify("assistance.matched", match_run=run, actor=ctx.actor)  # e.g. the statistics' coverage follows
    return {}


def run_matching(*, actor: User | None, as_of: dt.date, determination_run: DeterminationRun | None = None,
                 county: str | None = None) -> MatchRun:
    """Matching in this process (commands, tests): the job ``assistance.matching`` in the foreground."""

    job = job_start(actor=actor, kind="assistance.matching", region_code=county or "360000",
                    params={"as_of": as_of.isoformat(), "county": county,
                            "determination_run": determination_run.pk if determination_run else None},
                    channel="ui" if getattr(actor, "pk", None) else "cli", enqueue=False)
    job = run_inline(job)
    if job.state != "done":
        raise RefusedError(job.state, job.error_zh or "匹配未完成", job.error_en or "the matching did not complete")
    return MatchRun.objects.get(job=job)


_COLUMNS = ("id", "run_id", "household_id", "member_id", "programme", "department", "status", "reason")
STORE_CHUNK = 5000


def _insert(run_id: int, rows: list[dict[str, Any]], progress: Callable[[int, int], None] | None = None) -> None:
    """Set-based inserts (``core.bulkwrite``: COPY on PostgreSQL, executemany on SQLite), as tuples."""
    for start in range(0, len(rows), STORE_CHUNK):
        chunk = rows[start:start + STORE_CHUNK]
        ids = bulkwrite.allocate_ids(Match, len(chunk))
        bulkwrite.insert_rows(Match, [(pk, run_id, r["household_id"], r["member_id"], r["programme"], r["department"],
                                       str(r["status"]), r["reason"]) for pk, r in zip(ids, chunk, strict=True)],
                              _COLUMNS)
        if progress:
            progress(min(start + STORE_CHUNK, len(rows)), len(rows))


def latest_run() -> MatchRun | None:
    return MatchRun.objects.completed().order_by("-id").first()
