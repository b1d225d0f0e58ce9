"""From a batch of household features (Arrow) to a batch of results (Arrow).

Shared by every path: one household, the DuckDB batch (per record batch, streaming) and
Spark (inside ``mapInArrow``).  It converts the feature columns to integer arrays, gathers
the resolved parameters by ``param_idx``, runs :func:`jiuzhu.rules.determination.formulas.compute`
and packs every named intermediate back into Arrow — household-level ones as columns,
member-level ones as list columns aligned with ``member_ids``.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.engine.determination.features import MEMBER_FLAGS, PACKED_OFFSETS
from jiuzhu.rules.determination.categories import PERSON_PRECEDENCE
from jiuzhu.rules.determination.codes import TIERS
from jiuzhu.rules.determination.formulas import (
    BENEFIT_FORMULAS,
    HOUSEHOLD_OUTPUTS,
    MEMBER_OUTPUTS,
    SPECS,
    compute,
)
from jiuzhu.rules.determination.paramtable import ParamTable

__all__ = [
    "BENEFIT_COLUMNS", "FEATURE_INTS", "MEMBER_INPUTS", "RESULT_SCHEMA", "evaluate_batch", "param_key_tables", "result_columns",
]

_MIN_DAY: Final = -(2**31)

BENEFIT_COLUMNS: Final[dict[str, str]] = BENEFIT_FORMULAS  # benefits key in results → formula (fen)

_CATEGORY_ORDER: Final[tuple[str, ...]] = (
    "tekun", "dibao", "marginal", "rigid", "tekun", "dibao_individual", "other", "poverty_monitoring",
)


def _arrow_type(unit: str) -> pa.DataType:
    return pa.bool_() if unit == "bool" else pa.int64()


def _result_schema() -> pa.Schema:
    fields: list[pa.Field] = [
        pa.field("household_id", pa.string()),
        pa.field("status", pa.string()),
        pa.field("error_code", pa.string()),
        pa.field("error_zh", pa.string()),
        pa.field("error_en", pa.string()),
        pa.field("main_category", pa.string()),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("county_code", pa.string()),
        pa.field("area_type", pa.string()),
        pa.field("param_idx", pa.int64()),
        pa.field("parameter_version", pa.string()),
        pa.field("as_of", pa.date32()),
    ]
    for name in FEATURE_INTS:
        fields.append(pa.field(name, pa.int64()))
    for name in ("county_confirmed", "poverty_monitoring", "left_improved"):
        fields.append(pa.field(name, pa.bool_()))
    fields.append(pa.field("member_ids", pa.list_(pa.string())))
    fields.append(pa.field("member_categories", pa.list_(pa.string())))
    for name in MEMBER_INPUTS:
        fields.append(pa.field(name, pa.list_(pa.int64())))
    for name in HOUSEHOLD_OUTPUTS:
        fields.append(pa.field(name, _arrow_type(SPECS[name].unit)))
    for name in MEMBER_OUTPUTS:
        fields.append(pa.field(name, pa.list_(_arrow_type(SPECS[name].unit))))
    return pa.schema(fields)


FEATURE_INTS: Final[tuple[str, ...]] = (
    "n_members", "n_excluded", "n_no_birth", "income_counted_fen", "income_excluded_fen", "earned_fen",
    "exp_medical_fen", "exp_education_fen", "exp_rehab_fen", "financial_fen", "vehicle_max_fen",
    "vehicle_count", "real_estate_count", "business_count", "exempt_count", "able_supporters",
    "n_supporters", "refused_day", "left_day", "able_unlinked", "unattr_income_fen", "unattr_fin_fen",
    "unattr_vehicle_count", "unattr_vehicle_max_fen", "unattr_re_count", "unattr_biz_count",
)
# member-level inputs kept in the results (the trace the sentences and parity tests read)
MEMBER_INPUTS: Final[tuple[str, ...]] = (
    "m_age", "m_own_counted_fen", "m_own_fin_fen", "m_own_vehicle_max_fen", "m_relation", "m_assessed_by",
    "m_able_links", "m_own_vehicles", "m_own_real_estate", "m_own_business",
)

RESULT_SCHEMA: Final[pa.Schema] = _result_schema()

_SUMMARY: Final[tuple[str, ...]] = (
    "household_id", "status", "error_code", "error_zh", "error_en", "main_category", "categories",
    "county_code", "area_type", "parameter_version", "as_of", "n_members", "per_capita_income_fen",
    *BENEFIT_COLUMNS.values(), "member_ids", "member_categories", "m_tekun", "m_single",
)
_STANDARD_MEMBER: Final[tuple[str, ...]] = ("m_care_level", "m_care_fen", "m_single_amount_fen", "m_supplement_fen", "m_age")


def result_columns(detail: str) -> list[str]:
    """Columns written by the batch for a detail level.

    ``summary``: categories, benefits, per-capita income, who is tekun / included; ``standard``
    (default): plus every household-level intermediate and the key member-level ones;
    ``full``: every intermediate (what the parity tests compare).
    """
    if detail == "full":
        return list(RESULT_SCHEMA.names)
    if detail == "summary":
        return [n for n in RESULT_SCHEMA.names if n in _SUMMARY]
    if detail == "standard":
        return [n for n in RESULT_SCHEMA.names if not n.startswith("m_") or n in (*_SUMMARY, *_STANDARD_MEMBER)]
    raise ValueError(f"unknown detail level {detail!r} (summary | standard | full)")


def param_key_tables(ptab: ParamTable) -> tuple[pa.Table, pa.Table]:
    """The ``pk`` and ``px`` tables the feature query joins (see ``features``)."""
    pk = pa.table({
        "county_code": pa.array([k[0] for k in ptab.keys], pa.string()),
        "area_type": pa.array([k[1] for k in ptab.keys], pa.string()),
        "param_idx": pa.array(list(range(len(ptab.keys))), pa.int64()),
        "w_start": pa.array([w[0] for w in ptab.windows], pa.date32()),
        "w_end": pa.array([w[1] for w in ptab.windows], pa.date32()),
    })
    px_idx: list[int] = []
    px_sub: list[str] = []
    for i, subtypes in enumerate(ptab.excluded_subtypes):
        for s in subtypes:
            px_idx.append(i)
            px_sub.append(s)
    px = pa.table({"param_idx": pa.array(px_idx, pa.int64()), "subtype": pa.array(px_sub, pa.string())})
    return pk, px


def _ints(col: pa.Array | pa.ChunkedArray, fill: int = 0) -> npt.NDArray[np.int64]:
    return np.asarray(pc.fill_null(col, fill).to_numpy(zero_copy_only=False), dtype=np.int64)


def _bools(col: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(col, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _days(col: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.int64]:
    return _ints(pc.cast(col, pa.int32()), _MIN_DAY)


def _unpack(packed: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[Any]]:
    """Member fields from the packed integer (see ``features.PACKED_FIELDS``)."""
    bits = {name: (packed >> off) & ((1 << width) - 1) for name, (off, width) in PACKED_OFFSETS.items()}
    flags = bits["flags"]
    out: dict[str, npt.NDArray[Any]] = {
        "m_age": bits["age"],
        "m_work_capacity": bits["work_capacity"] - 1,
        "m_disability_type": bits["disability_type"] - 1,
        "m_disability_grade": bits["disability_grade"],
        "m_school_stage": bits["school_stage"] - 1,
        "m_employment": bits["employment"] - 1,
        "m_adl_failed_in": bits["adl_failed"],
        "m_relation": bits["relation"] - 1,
        "m_assessed_by": bits["assessed_by"] - 1,
        "m_own_vehicles": bits["own_vehicles"],
        "m_own_real_estate": bits["own_real_estate"],
        "m_own_business": bits["own_business"],
        "m_able_links": bits["able_links"],
    }
    for k, name in enumerate(MEMBER_FLAGS):
        out[f"m_{name}"] = (flags & (1 << k)) != 0
    return out


def _list(offsets: npt.NDArray[np.int64], values: npt.NDArray[Any], typ: pa.DataType) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), pa.array(values, type=typ))


def evaluate_batch(batch: pa.RecordBatch | pa.Table, ptab: ParamTable) -> pa.RecordBatch:
    """Run every formula over a batch of household features; return the results batch."""
    if isinstance(batch, pa.Table):
        batch = batch.combine_chunks().to_batches()[0] if batch.num_rows else pa.RecordBatch.from_pylist([], schema=batch.schema)
    h = batch.num_rows
    members = batch.column("members")
    lengths = _ints(pc.list_value_length(members), 0)
    offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)]).astype(np.int64)
    flat = pc.list_flatten(members) if h else pa.array([], members.type.value_type)
    if isinstance(flat, pa.ChunkedArray):
        flat = flat.combine_chunks()
    assert len(flat) == int(offsets[-1])

    def mf(name: str) -> pa.Array:
        return flat.field(name)

    pidx_raw = _ints(batch.column("param_idx"), -1)
    ok_keys = np.array([e is None for e in ptab.errors] + [False], dtype=np.bool_)
    pidx = np.where(pidx_raw >= 0, pidx_raw, len(ptab.errors))
    param_ok = ok_keys[pidx]
    gather_idx = np.where(param_ok, pidx, 0)

    v: dict[str, npt.NDArray[Any]] = {
        "offsets": offsets,
        "param_ok": param_ok,
        "n_members": lengths.astype(np.int64),
        **_unpack(_ints(mf("packed"))),
        "m_own_counted_fen": _ints(mf("own_counted_fen")),
        "m_own_fin_fen": _ints(mf("own_fin_fen")),
        "m_own_vehicle_max_fen": _ints(mf("own_vehicle_max_fen")),
        "county_confirmed": _bools(batch.column("county_confirmed")),
        "poverty_monitoring": _bools(batch.column("poverty_monitoring")),
        "refused_day": _days(batch.column("refused_on")),
        "left_day": _days(batch.column("left_assistance_on")),
        "left_improved": _bools(pc.equal(batch.column("left_assistance_reason"), "improved")),
    }
    for name in FEATURE_INTS:
        if name not in v and name not in ("refused_day", "left_day"):
            v[name] = _ints(batch.column(name))
    if ptab.arrays:
        for name, arr in ptab.arrays.items():
            v[name] = arr[gather_idx] if h else arr[:0]
    else:  # no key resolved at all: every row is an error; formulas still need shapes
        param_ok[:] = False
    if not ptab.arrays:
        return _all_errors(batch, ptab, pidx_raw)

    r = compute(v)

    # categories: main tier first, then overlapping categories (fixed order)
    tier = r["main_tier"]
    flags = np.stack([
        tier == 1, tier == 2, tier == 3, tier == 4,
        (r["n_tekun"] > 0) & ~r["tekun_household"],
        r["has_single"],
        r["is_other"],
        r["is_poverty_monitoring"],
    ], axis=1) if h else np.zeros((0, len(_CATEGORY_ORDER)), dtype=np.bool_)
    cat_codes = np.nonzero(flags.reshape(-1))[0] % len(_CATEGORY_ORDER)
    cat_offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(flags.sum(axis=1))])
    categories = pa.ListArray.from_arrays(
        pa.array(cat_offsets.astype(np.int32)),
        pa.array(_CATEGORY_ORDER, pa.string()).take(pa.array(cat_codes.astype(np.int32))),
    )
    main = pa.array(TIERS, pa.string()).take(pa.array(tier.astype(np.int32)))

    # errors
    err_code: list[str | None] = [None] * h
    err_zh: list[str | None] = [None] * h
    err_en: list[str | None] = [None] * h
    bad = np.nonzero(~r["valid"])[0]
    hh_ids = batch.column("household_id")
    for i in bad.tolist():
        if pidx_raw[i] < 0 or not param_ok[i]:
            k = int(pidx_raw[i])
            e = ptab.errors[k] if 0 <= k < len(ptab.errors) else None
            if e is None:
                e = ("param_missing", "该户县级区划或城乡类别无法匹配参数", "No parameters for this county/area")
            err_code[i], err_zh[i], err_en[i] = e
        elif v["n_no_birth"][i] > 0:
            hid = hh_ids[i].as_py()
            err_code[i] = "birth_date_missing"
            err_zh[i] = f"家庭 {hid} 有 {int(v['n_no_birth'][i])} 名成员缺少出生日期，无法计算年龄"
            err_en[i] = f"Household {hid}: {int(v['n_no_birth'][i])} member(s) without birth_date; ages cannot be computed"
        else:
            hid = hh_ids[i].as_py()
            err_code[i] = "no_members"
            err_zh[i] = f"家庭 {hid} 没有共同生活的家庭成员（members 为空或全部被排除）"
            err_en[i] = f"Household {hid} has no members (members empty or all excluded)"
    status = pa.array(["error", "ok"], pa.string()).take(pa.array(r["valid"].astype(np.int32)))

    cols: dict[str, pa.Array] = {
        "household_id": hh_ids,
        "status": status,
        "error_code": pa.array(err_code, pa.string()),
        "error_zh": pa.array(err_zh, pa.string()),
        "error_en": pa.array(err_en, pa.string()),
        "main_category": main,
        "categories": categories,
        "county_code": batch.column("county_code"),
        "area_type": batch.column("area_type"),
        "param_idx": pa.array(np.where(param_ok, pidx, -1), pa.int64()),
        "parameter_version": pa.array([ptab.version], pa.string()).take(pa.array(np.zeros(h, dtype=np.int32))),
        "as_of": pa.array([ptab.as_of], pa.date32()).take(pa.array(np.zeros(h, dtype=np.int32))),
    }
    for name in FEATURE_INTS:
        cols[name] = pa.array(v[name], pa.int64())
    for name in ("county_confirmed", "poverty_monitoring", "left_improved"):
        cols[name] = pa.array(v[name], pa.bool_())
    cols["member_ids"] = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), mf("member_id"))
    person = pa.array(("none", *PERSON_PRECEDENCE), pa.string()).take(pa.array(r["m_category"].astype(np.int32)))
    cols["member_categories"] = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), person)
    for name in MEMBER_INPUTS:
        cols[name] = _list(offsets, v[name], pa.int64())
    for name in HOUSEHOLD_OUTPUTS:
        cols[name] = pa.array(r[name], _arrow_type(SPECS[name].unit))
    for name in MEMBER_OUTPUTS:
        cols[name] = _list(offsets, r[name], _arrow_type(SPECS[name].unit))
    return pa.RecordBatch.from_arrays([cols[f.name] for f in RESULT_SCHEMA], schema=RESULT_SCHEMA)


def _all_errors(batch: pa.RecordBatch, ptab: ParamTable, pidx_raw: npt.NDArray[np.int64]) -> pa.RecordBatch:
    """Results for a batch where no parameter key could be resolved."""
    h = batch.num_rows
    rows: list[dict[str, Any]] = []
    for i in range(h):
        k = int(pidx_raw[i])
        e = ptab.errors[k] if 0 <= k < len(ptab.errors) else None
        e = e or ("param_missing", "该户县级区划或城乡类别无法匹配参数", "No parameters for this county/area")
        rows.append({
            "household_id": batch.column("household_id")[i].as_py(),
            "status": "error", "error_code": e[0], "error_zh": e[1], "error_en": e[2],
            "main_category": "none", "categories": [],
            "county_code": batch.column("county_code")[i].as_py(),
            "area_type": batch.column("area_type")[i].as_py(),
            "param_idx": -1, "parameter_version": ptab.version, "as_of": ptab.as_of,
        })
    return pa.RecordBatch.from_pylist(rows, schema=RESULT_SCHEMA)
