"""Dated, region-keyed policy parameters (参数：按日期、按区划生效，附文号).

Every number the rules use — dibao standards, the 1.5 multiplier, the 60 % ratio, property
limits, windows, care rates — is a *parameter*: a list of dated values, each keyed by a
region (province default 360000, a city or a county override) and, where it matters, by
area (urban / rural), each with its legal reference (文号) and a ``demo`` flag for values
not verified in public sources.

Look-up for (path, county code, area, date): county value > city value > province value;
within a region, the value with the latest ``from`` on or before the date (and, if it has
a ``to``, not after it).  A revision set with a gap or an overlap, or an as-of date before
any value exists, is an error with a clear message — never a silent fallback.

What-if: :meth:`ParameterSet.with_overrides` returns a new set with some values replaced
for one run; nothing is saved.  Every set has a :attr:`~ParameterSet.version` (sha256 of
the canonical content, overrides included) that every result records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, cast

import yaml

from jiuzhu.rules.params.regions import PROVINCE, RegionError, region_chain, regions
from jiuzhu.rules.text import InputError

__all__ = [
    "KINDS",
    "Override",
    "ParameterError",
    "ParameterNode",
    "ParameterSet",
    "Resolved",
    "ValueEntry",
    "load_jiangxi",
]

Kind = Literal["money", "ratio", "int", "bool", "str", "list"]
KINDS: Final[tuple[str, ...]] = ("money", "ratio", "int", "bool", "str", "list")
AREAS: Final[tuple[str, ...]] = ("urban", "rural")
ALL_AREAS: Final = "all"


class ParameterError(InputError):
    """A parameter file, revision set, override or look-up that cannot be accepted."""


def _err(code: str, zh: str, en: str) -> ParameterError:
    return ParameterError(code, zh, en)


_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _DecimalLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """YAML loader that reads ``1.5`` as ``Decimal('1.5')``: parameters never pass through float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(cast(yaml.ScalarNode, node))).replace("_", "")
    return Decimal(text)


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


@dataclass(frozen=True, slots=True)
class ValueEntry:
    """One dated value of a parameter for one region (and area)."""

    region: str
    area: str  # "urban" | "rural" | "all"
    start: date
    end: date | None
    value: Any
    ref: str
    demo: bool
    override: bool = False

    def canonical(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "area": self.area,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "value": _canonical_value(self.value),
            "ref": self.ref,
            "demo": self.demo,
        }


@dataclass(frozen=True, slots=True)
class ParameterNode:
    """A parameter: metadata plus all its dated, region-keyed values."""

    path: str
    label_zh: str
    label_en: str
    kind: Kind
    unit: str
    clause: str
    by_area: bool
    choices: tuple[Any, ...]
    entries: tuple[ValueEntry, ...]
    # A local choice (地方选择): a rule the implementing opinions do not name, chosen by the
    # province or a locality, that changes who falls into a category (listed on the parameters
    # screen with its note and reference; issue 15 item 6).
    local: bool = False
    local_note: str = ""

    def canonical(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "by_area": self.by_area,
            "unit": self.unit,
            "clause": self.clause,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "local": self.local,
            "local_note": self.local_note,
            "entries": [e.canonical() for e in self.entries],
        }


@dataclass(frozen=True, slots=True)
class Resolved:
    """A parameter value as resolved for one region, area and date, with its provenance."""

    path: str
    value: Any
    start: date
    end: date | None
    region: str
    area: str
    ref: str
    demo: bool
    override: bool
    label_zh: str
    label_en: str
    unit: str
    clause: str
    local: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready provenance (used in explanations)."""
        return {
            "path": self.path,
            "value": _canonical_value(self.value),
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "region": self.region,
            "area": self.area,
            "ref": self.ref,
            "demo": self.demo,
            "override": self.override,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "unit": self.unit,
            "local": self.local,
        }


@dataclass(frozen=True, slots=True)
class Override:
    """A what-if value for one run: *path* set to *value* (optionally only for one region/area)."""

    path: str
    value: Any
    region: str | None = None
    area: str | None = None


def _canonical_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_canonical_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical_value(v) for k, v in sorted(value.items())}
    return value


_TRUE: Final = frozenset({"true", "1", "是", "yes", "y"})
_FALSE: Final = frozenset({"false", "0", "否", "no", "n"})


def _from_text(path: str, kind: str, text: str) -> Any:
    """A revision's value as typed on the screen (text) → the parameter's kind.

    Money, ratios and strings stay text (``_parse_value`` reads them); whole numbers are
    digits only, booleans 是/否 (true/false, 1/0), lists a JSON array or comma-separated items.
    """
    raw = text.strip()
    bad = _err("value_type", f"参数 {path} 的取值类型不符（应为 {kind}）",
               f"Parameter {path}: value does not match kind {kind}")
    if kind == "int":
        if not raw.isdigit():
            raise bad
        return int(raw)
    if kind == "bool":
        low = raw.lower()
        if low not in _TRUE | _FALSE:
            raise bad
        return low in _TRUE
    if kind == "list":
        if raw.startswith("["):
            def no_float(_: str) -> Any:
                raise bad  # never a float (money, ratios are text)

            try:
                value = json.loads(raw, parse_float=no_float)
            except ValueError:
                raise bad from None
            if not isinstance(value, list):
                raise bad
            return value
        return [item.strip() for item in raw.replace("，", ",").split(",") if item.strip()]
    return text


def _parse_value(path: str, kind: str, raw: Any, choices: tuple[Any, ...]) -> Any:
    """Validate and normalise one value by kind; floats are refused (money never floats)."""
    bad = _err(
        "value_type",
        f"参数 {path} 的取值类型不符（应为 {kind}）",
        f"Parameter {path}: value does not match kind {kind}",
    )
    if isinstance(raw, float):
        raise _err(
            "value_float",
            f"参数 {path} 的取值不能是浮点数，请写成字符串或定点数",
            f"Parameter {path}: a float is not accepted; give the value as text or Decimal",
        )
    value: Any
    if kind in ("money", "ratio"):
        if isinstance(raw, bool):
            raise bad
        try:
            value = Decimal(raw) if isinstance(raw, int | str | Decimal) else None
        except InvalidOperation:
            raise bad from None
        if value is None or not value.is_finite() or value < 0:
            raise bad
        if kind == "money" and value != value.quantize(Decimal("0.01")):
            raise _err(
                "value_precision",
                f"参数 {path} 的金额最多保留两位小数",
                f"Parameter {path}: money has at most two decimals",
            )
        if kind == "money":
            value = value.quantize(Decimal("0.01"))
    elif kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise bad
        value = raw
    elif kind == "bool":
        if not isinstance(raw, bool):
            raise bad
        value = raw
    elif kind == "str":
        if not isinstance(raw, str):
            raise bad
        value = raw
    elif kind == "list":
        if not isinstance(raw, list):
            raise bad
        value = [dict(v) if isinstance(v, Mapping) else v for v in raw]
    else:  # pragma: no cover - kinds are checked before
        raise bad
    if choices and kind == "list":
        unknown = [v for v in value if v not in choices]
        if unknown:
            raise _err(
                "value_choice",
                f"参数 {path} 的取值 {unknown!r} 不在允许范围 {list(choices)} 内",
                f"Parameter {path}: {unknown!r} not among {list(choices)}",
            )
    elif choices and value not in choices:
        raise _err(
            "value_choice",
            f"参数 {path} 的取值 {value!r} 不在允许范围 {list(choices)} 内",
            f"Parameter {path}: value {value!r} is not one of {list(choices)}",
        )
    return value


def _as_date(path: str, raw: Any, what: str) -> date:
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise _err(
        "date_format",
        f"参数 {path} 的 {what} 日期格式错误（应为 YYYY-MM-DD）",
        f"Parameter {path}: '{what}' must be a date YYYY-MM-DD",
    )


def _check_revisions(path: str, entries: list[ValueEntry]) -> None:
    """Reject duplicates, overlaps and gaps inside each (region, area) revision set."""
    groups: dict[tuple[str, str], list[ValueEntry]] = {}
    for e in entries:
        groups.setdefault((e.region, e.area), []).append(e)
    for (region, area), group in groups.items():
        group.sort(key=lambda e: e.start)
        for prev, nxt in zip(group, group[1:], strict=False):
            where_zh = f"参数 {path}（区划 {region}，{area}）"
            where_en = f"Parameter {path} (region {region}, {area})"
            if nxt.start == prev.start:
                raise _err(
                    "revision_overlap",
                    f"{where_zh} 有两个取值同于 {nxt.start} 生效（重叠）",
                    f"{where_en}: two values take effect on {nxt.start} (overlap)",
                )
            if prev.end is not None:
                if prev.end >= nxt.start:
                    raise _err(
                        "revision_overlap",
                        f"{where_zh} 的取值 {prev.start}–{prev.end} 与 {nxt.start} 起的取值重叠",
                        f"{where_en}: value {prev.start}–{prev.end} overlaps the value from {nxt.start}",
                    )
                if prev.end + timedelta(days=1) < nxt.start:
                    raise _err(
                        "revision_gap",
                        f"{where_zh} 在 {prev.end + timedelta(days=1)} 至 {nxt.start - timedelta(days=1)} 期间没有取值（断档）",
                        f"{where_en}: no value from {prev.end + timedelta(days=1)} to "
                        f"{nxt.start - timedelta(days=1)} (gap)",
                    )
        for e in group:
            if e.end is not None and e.end < e.start:
                raise _err(
                    "revision_range",
                    f"参数 {path} 的取值结束日期 {e.end} 早于生效日期 {e.start}",
                    f"Parameter {path}: 'to' {e.end} is before 'from' {e.start}",
                )


def _parse_node(path: str, spec: Any, source: str) -> ParameterNode:
    if not isinstance(spec, Mapping):
        raise _err("node_format", f"{source}: 参数 {path} 格式错误", f"{source}: parameter {path} is malformed")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise _err(
            "node_kind",
            f"{source}: 参数 {path} 的 kind 无效：{kind!r}",
            f"{source}: parameter {path} has an invalid kind {kind!r}",
        )
    by_area = bool(spec.get("by_area", False))
    choices = tuple(spec.get("choices") or ())
    raw_values = spec.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise _err(
            "node_values",
            f"{source}: 参数 {path} 没有取值",
            f"{source}: parameter {path} has no values",
        )
    table = regions()
    entries: list[ValueEntry] = []
    for raw in raw_values:
        if not isinstance(raw, Mapping):
            raise _err("value_format", f"{source}: 参数 {path} 的取值格式错误", f"{source}: parameter {path}: malformed value")
        region = str(raw.get("region", ""))
        if region not in table or table[region].retired:
            raise _err(
                "value_region",
                f"{source}: 参数 {path} 的区划 {region!r} 不是现行江西区划代码",
                f"{source}: parameter {path}: region {region!r} is not a current Jiangxi code",
            )
        area = str(raw.get("area", ALL_AREAS))
        if by_area and area not in AREAS:
            raise _err(
                "value_area",
                f"{source}: 参数 {path} 按城乡区分，取值须注明 area: urban 或 rural",
                f"{source}: parameter {path} is by area: each value needs area urban or rural",
            )
        if not by_area and area != ALL_AREAS:
            raise _err(
                "value_area",
                f"{source}: 参数 {path} 不分城乡，取值不能注明 area",
                f"{source}: parameter {path} is not by area: values must not name an area",
            )
        if "from" not in raw or "ref" not in raw or "value" not in raw:
            raise _err(
                "value_fields",
                f"{source}: 参数 {path} 的每个取值须有 from、value、ref",
                f"{source}: parameter {path}: each value needs from, value and ref",
            )
        start = _as_date(path, raw["from"], "from")
        end = _as_date(path, raw["to"], "to") if raw.get("to") is not None else None
        entries.append(
            ValueEntry(
                region=region,
                area=area,
                start=start,
                end=end,
                value=_parse_value(path, str(kind), raw["value"], choices),
                ref=str(raw["ref"]),
                demo=bool(raw.get("demo", False)),
            )
        )
    _check_revisions(path, entries)
    entries.sort(key=lambda e: (e.region, e.area, e.start))
    return ParameterNode(
        path=path,
        label_zh=str(spec.get("label_zh", path)),
        label_en=str(spec.get("label_en", path)),
        kind=cast(Kind, kind),
        unit=str(spec.get("unit", "")),
        clause=str(spec.get("clause", "")),
        by_area=by_area,
        choices=choices,
        entries=tuple(entries),
        local=bool(spec.get("local", False)),
        local_note=str(spec.get("local_note", "")),
    )


# Keyed by id(node) but holding the node: an id is reused once its object is freed, and a revised or
# what-if node born at a freed node's address must not read the old node's entries (it did: a money
# revision resolved to the value of a boolean node freed just before).  Bounded: cleared when large.
_INDEX: dict[int, tuple[ParameterNode, dict[tuple[str, str], tuple[ValueEntry, ...]]]] = {}
_INDEX_MAX = 4096


def _entry_index(node: ParameterNode) -> dict[tuple[str, str], tuple[ValueEntry, ...]]:
    """Entries of a node grouped by (region, area), built once per node (nodes are immutable)."""
    hit = _INDEX.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    groups: dict[tuple[str, str], list[ValueEntry]] = {}
    for e in node.entries:
        groups.setdefault((e.region, e.area), []).append(e)
    idx = {k: tuple(v) for k, v in groups.items()}
    if len(_INDEX) >= _INDEX_MAX:
        _INDEX.clear()
    _INDEX[id(node)] = (node, idx)
    return idx


def _default_dir() -> Path:
    return Path(str(resources.files("jiuzhu.rules.params").joinpath("data/jiangxi")))


@dataclass(frozen=True)
class ParameterSet:
    """An immutable set of parameters (shipped YAML plus optional what-if overrides)."""

    nodes: Mapping[str, ParameterNode]
    overrides: tuple[Override, ...] = ()
    source: str = "jiangxi"
    version: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.version:
            object.__setattr__(self, "version", self._compute_version())

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], source: str = "<mapping>") -> ParameterSet:
        """Build from an already-parsed mapping ``{path: spec}`` (validates everything)."""
        nodes: dict[str, ParameterNode] = {}
        for path, spec in data.items():
            if path in nodes:
                raise _err("node_duplicate", f"参数 {path} 重复定义", f"Parameter {path} is defined twice")
            nodes[str(path)] = _parse_node(str(path), spec, source)
        return cls(nodes=nodes, source=source)

    @classmethod
    def load(cls, directory: str | Path | None = None) -> ParameterSet:
        """Load every ``*.yaml`` file of *directory* (default: the shipped Jiangxi tree)."""
        root = Path(directory) if directory is not None else _default_dir()
        merged: dict[str, Any] = {}
        for file in sorted(root.glob("*.yaml")):
            data = yaml.load(file.read_text("utf-8"), Loader=_DecimalLoader)  # noqa: S506 - SafeLoader subclass
            if not isinstance(data, Mapping):
                raise _err("file_format", f"参数文件 {file.name} 格式错误", f"Parameter file {file.name} is malformed")
            for path, spec in data.items():
                if path in merged:
                    raise _err(
                        "node_duplicate",
                        f"参数 {path} 在多个文件中定义（{file.name}）",
                        f"Parameter {path} is defined in more than one file ({file.name})",
                    )
                merged[path] = spec
        return cls.from_mapping(merged, source=str(root.name))

    def with_overrides(
        self, overrides: Mapping[str, Any] | Iterable[Override]
    ) -> ParameterSet:
        """A new set with what-if values for one run (not saved).  The version changes.

        *overrides* is ``{path: value}`` (applies to every region, area and date) or a list
        of :class:`Override` (optionally limited to a region — province, city or county —
        and an area).  Values are validated like YAML values; floats are refused.
        """
        items = (
            [Override(path=k, value=v) for k, v in overrides.items()]
            if isinstance(overrides, Mapping)
            else list(overrides)
        )
        checked: list[Override] = []
        for ov in items:
            node = self.nodes.get(ov.path)
            if node is None:
                raise _err(
                    "override_unknown",
                    f"没有名为 {ov.path} 的参数",
                    f"No parameter named {ov.path}",
                )
            if ov.region is not None and ov.region not in regions():
                raise _err("override_region", f"覆盖值的区划 {ov.region} 未知", f"Override region {ov.region} is unknown")
            if ov.area is not None and ov.area not in AREAS:
                raise _err("override_area", f"覆盖值的城乡类别 {ov.area} 无效", f"Override area {ov.area} is invalid")
            checked.append(
                Override(
                    path=ov.path,
                    value=_parse_value(ov.path, node.kind, ov.value, node.choices),
                    region=ov.region,
                    area=ov.area,
                )
            )
        return ParameterSet(
            nodes=self.nodes, overrides=self.overrides + tuple(checked), source=self.source
        )

    def with_revisions(self, revisions: Iterable[Mapping[str, Any]]) -> ParameterSet:
        """A new set with additional dated values (approved revisions entered by counties).

        Each revision is ``{path, region, area?, from, value, ref, demo?}``: it joins the
        parameter's values exactly as a YAML entry would, so the same validation applies
        (kind, region, area, no two values from the same day).  A later ``from``
        supersedes the earlier open-ended value from that date on.
        """
        added: dict[str, list[dict[str, Any]]] = {}
        for rev in revisions:
            entry = {k: v for k, v in rev.items() if k != "path"}
            node = self.nodes.get(str(rev["path"]))
            if node is not None and isinstance(entry.get("value"), str):
                entry["value"] = _from_text(str(rev["path"]), node.kind, entry["value"])
            added.setdefault(str(rev["path"]), []).append(entry)
        nodes = dict(self.nodes)
        for path, entries in added.items():
            node = self.nodes.get(path)
            if node is None:
                raise _err("revision_unknown", f"没有名为 {path} 的参数", f"No parameter named {path}")
            spec = {
                "kind": node.kind, "by_area": node.by_area, "choices": list(node.choices),
                "label_zh": node.label_zh, "label_en": node.label_en, "unit": node.unit,
                "clause": node.clause,
                "values": [e.canonical() for e in node.entries] + entries,
            }
            nodes[path] = _parse_node(path, spec, "revisions")
        return ParameterSet(nodes=nodes, overrides=self.overrides, source=self.source)

    # -- identity -----------------------------------------------------------------------
    def _compute_version(self) -> str:
        payload = {
            "nodes": [self.nodes[p].canonical() for p in sorted(self.nodes)],
            "overrides": [
                {"path": o.path, "value": _canonical_value(o.value), "region": o.region, "area": o.area}
                for o in self.overrides
            ],
        }
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    # -- look-up ------------------------------------------------------------------------
    def node(self, path: str) -> ParameterNode:
        try:
            return self.nodes[path]
        except KeyError:
            raise _err("node_unknown", f"没有名为 {path} 的参数", f"No parameter named {path}") from None

    def resolve(self, path: str, region_code: str, area: str, on: date) -> Resolved:
        """The value of *path* for a county (or city) code, area and date, with provenance.

        Raises :class:`ParameterError` for an unknown region or path, and when no value is
        in force on *on* (e.g. an as-of date before the first value).
        """
        node = self.node(path)
        if area not in AREAS:
            raise _err("area_unknown", f"城乡类别 {area!r} 无效（应为 urban 或 rural）", f"Area {area!r} must be urban or rural")
        try:
            chain = region_chain(region_code)
        except RegionError as exc:
            raise _err(exc.code, exc.message_zh, exc.message_en) from None
        key_area = area if node.by_area else ALL_AREAS
        # 1. what-if overrides: region-specific along the chain, then global
        for level in (*chain, None):
            for ov in reversed(self.overrides):
                if ov.path == path and ov.region == level and (ov.area is None or ov.area == area):
                    return Resolved(
                        path=path, value=ov.value, start=date.min, end=None,
                        region=level or PROVINCE, area=key_area, ref="模拟测算覆盖值（未保存） / what-if override (not saved)",
                        demo=True, override=True, label_zh=node.label_zh, label_en=node.label_en,
                        unit=node.unit, clause=node.clause, local=node.local,
                    )
        # 2. shipped values: county > city > province, latest `from` <= date
        earliest: date | None = None
        index = _entry_index(node)
        for level in chain:
            best: ValueEntry | None = None
            for e in index.get((level, key_area), ()):
                earliest = e.start if earliest is None or e.start < earliest else earliest
                if e.start <= on and (e.end is None or on <= e.end):
                    if best is None or e.start > best.start:
                        best = e
            if best is not None:
                return Resolved(
                    path=path, value=best.value, start=best.start, end=best.end, region=level,
                    area=key_area, ref=best.ref, demo=best.demo, override=False,
                    label_zh=node.label_zh, label_en=node.label_en, unit=node.unit,
                    clause=node.clause, local=node.local,
                )
        if earliest is not None and on < earliest:
            raise _err(
                "before_first_value",
                f"参数 {path}（{node.label_zh}）在 {on} 尚无生效取值，最早取值自 {earliest} 起",
                f"Parameter {path} has no value in force on {on}; the first value starts {earliest}",
            )
        raise _err(
            "no_value",
            f"参数 {path}（{node.label_zh}）在 {on} 对区划 {region_code}（{area}）没有生效取值",
            f"Parameter {path} has no value in force on {on} for region {region_code} ({area})",
        )

    def resolve_all(self, region_code: str, area: str, on: date) -> dict[str, Resolved]:
        """Every parameter resolved for one (region, area, date)."""
        return {p: self.resolve(p, region_code, area, on) for p in sorted(self.nodes)}

    def earliest_start(self) -> date:
        """The first date on which every parameter has a province value."""
        return max(min(e.start for e in n.entries) for n in self.nodes.values())


_JIANGXI: ParameterSet | None = None


def load_jiangxi() -> ParameterSet:
    """The shipped Jiangxi parameter tree (cached; immutable)."""
    global _JIANGXI
    if _JIANGXI is None:
        _JIANGXI = ParameterSet.load()
    return _JIANGXI
