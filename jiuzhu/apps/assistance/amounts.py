"""What an entitlement pays in a month, and what the determination says it should pay.

- ``amounts_in_month``: the amount in force for a month (the latest dated ``EntitlementAmount``
  from a 调标, else the decided ``monthly_amount``);
- ``determined_amounts``: each active dibao / tekun / 单人保 entitlement of a county recomputed
  from the determination as of the month — the batch engine (DuckDB) on a snapshot of the
  county's households, never a per-row loop over the ORM. Used by the 调标 run and by the payroll's
  check that no line pays an amount the month's determination does not give.

The mapping from the determination's benefits to an entitlement is the decision's
(``applications.selectors.payable``): dibao = 低保金 + 分类施保 + 单人保; tekun per person = basic
living per person + that person's care allowance.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.db.models import Q

from jiuzhu.apps.determination.services import export_snapshot
from jiuzhu.apps.registry.models import Household
from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.rules.params import ParameterSet

from .models import Entitlement, EntitlementAmount, EntitlementState

DETERMINED = ("dibao", "tekun", "dibao_individual")  # the programmes whose amount the determination gives
CENT = Decimal("0.01")


def _yuan(fen: Any) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(CENT)


def active_in_month(county: str, month: dt.date) -> Any:
    """The county's entitlements paid in ``month`` (a queryset)."""
    return (Entitlement.objects.filter(household__county_id=county, start_month__lte=month)
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month)))


def amounts_in_month(entitlements: list[Entitlement], month: dt.date) -> dict[int, tuple[Decimal, EntitlementAmount | None]]:
    """Entitlement id → (amount in force in ``month``, the dated amount row it comes from or None)."""
    out: dict[int, tuple[Decimal, EntitlementAmount | None]] = {e.pk: (e.monthly_amount, None) for e in entitlements}
    rows = EntitlementAmount.objects.filter(entitlement__in=[e.pk for e in entitlements], from_month__lte=month) \
        .order_by("entitlement_id", "from_month", "id")
    for row in rows:  # ordered: the last one of each entitlement wins
        out[row.entitlement_id] = (row.amount, row)
    return out


def _row_amount(e: Entitlement, row: dict[str, Any]) -> Decimal:
    """The monthly amount ``e`` is owed according to one household's batch result row."""
    cats = set(row.get("categories") or [])
    ids = [str(i) for i in (row.get("member_ids") or [])]
    pos = ids.index(str(e.member_id)) if e.member_id is not None and str(e.member_id) in ids else None

    def member_list(name: str) -> list[Any]:
        return list(row.get(name) or [])

    if e.programme == "dibao":
        if "dibao" not in cats:
            return Decimal("0.00")
        return _yuan(row.get("dibao_amount_fen")) + _yuan(row.get("dibao_supplement_fen")) \
            + _yuan(row.get("single_inclusion_fen"))
    if e.programme == "tekun":
        if e.member_id is None:
            return _yuan(row.get("tekun_basic_fen")) + _yuan(row.get("tekun_care_fen"))
        tekun, care = member_list("m_tekun"), member_list("m_care_fen")
        if pos is None or pos >= len(tekun) or not tekun[pos]:
            return Decimal("0.00")
        return _yuan(row.get("tekun_basic_per_person_fen")) + _yuan(care[pos] if pos < len(care) else 0)
    # dibao_individual (单人保)
    if e.member_id is None:
        return _yuan(row.get("single_inclusion_fen"))
    single, amounts = member_list("m_single"), member_list("m_single_amount_fen")
    if pos is None or pos >= len(single) or not single[pos]:
        return Decimal("0.00")
    return _yuan(amounts[pos] if pos < len(amounts) else 0)


def determined_amounts(entitlements: list[Entitlement], month: dt.date, params: ParameterSet,
                       progress: Callable[[int, int], None] | None = None) -> dict[int, Decimal]:
    """Entitlement id → the monthly amount the determination as of ``month`` (its first day) gives.

    Only the determined programmes of active entitlements; a household the engine cannot determine is left out (its lines
    are then not checked, and the run says how many).
    """
    # An ending entitlement (渐退, or stopped after a notice period) keeps its decided amount until
    # its last month: the determination no longer gives it, by design.
    wanted = [e for e in entitlements if e.programme in DETERMINED and e.state == EntitlementState.ACTIVE]
    if not wanted:
        return {}
    household_ids = sorted({e.household_id for e in wanted})
    with tempfile.TemporaryDirectory(prefix="jiuzhu-amounts-") as tmp:
        snap, out = Path(tmp) / "snapshot", Path(tmp) / "results.parquet"
        export_snapshot(snap, households=Household.objects.filter(pk__in=household_ids), progress=progress)
        run_batch(snap, month, out, params, detail="standard", threads=1)
        table = pq.read_table(out)
    rows = {r["household_id"]: r for r in table.to_pylist()}
    codes = dict(Household.objects.filter(pk__in=household_ids).values_list("id", "code"))
    result: dict[int, Decimal] = {}
    for e in wanted:
        row = rows.get(codes.get(e.household_id))
        if row is None or row.get("status") != "ok":
            continue
        result[e.pk] = _row_amount(e, row)
    return result
