"""``jiuzhu determine``: households from JSON lines (or a snapshot) → one result per line.

    jiuzhu determine --input FILE.jsonl --as-of YYYY-MM-DD [--explain] [--output FILE]
                     [--set PATH=VALUE ...]
    jiuzhu determine --snapshot DIR --as-of YYYY-MM-DD --output RESULTS.parquet

Works without a database (parameters from the shipped YAML).  Each input line is one
household in the interchange format (docs/schemas/household.schema.json); each output line
is its result, in input order, with ``household_id``, ``categories`` (main tier first),
``benefits`` (yuan, strings), ``parameter_version`` and, with ``--explain``, the
``explanation``.  A bad line gets an error object naming the line, household and field
(Chinese and English) and the rest is still processed; the exit code is then 1.  Output
is written to a temporary file and renamed, so nothing is ever half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from jiuzhu.engine.determination.batch import run_batch
from jiuzhu.engine.determination.features import item_lines
from jiuzhu.engine.determination.single import determine_rows, result_to_dict
from jiuzhu.rules.determination.household import HouseholdError, parse_household
from jiuzhu.rules.determination.paramtable import build_param_table
from jiuzhu.rules.params.loader import Override, ParameterError, ParameterSet, load_jiangxi

__all__ = ["main"]

CHUNK = 2000


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jiuzhu determine", description="低收入人口认定 / determination of the six categories")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--input", help="JSON Lines file of households ('-' = stdin)")
    src.add_argument("--snapshot", help="snapshot directory (Parquet) for the batch")
    p.add_argument("--as-of", required=True, help="认定日期 YYYY-MM-DD")
    p.add_argument("--explain", action="store_true", help="include the explanation of every criterion")
    p.add_argument("--output", help="output file (default: stdout for --input; required for --snapshot)")
    p.add_argument("--detail", default="standard", choices=["summary", "standard", "full"],
                   help="columns of the batch results (with --snapshot)")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="what-if parameter override for this run (not saved), e.g. dibao.marginal_multiplier=1.6")
    return p


def _error_obj(line: int, hid: Any, code: str, field: str | None, zh: str, en: str, version: str) -> dict[str, Any]:
    return {
        "line": line, "household_id": hid if isinstance(hid, str) else None,
        "error": {"code": code, "field": field, "message_zh": f"第{line}行：{zh}", "message_en": f"line {line}: {en}"},
        "categories": [], "benefits": {}, "parameter_version": version,
    }


_FIELD_OF: dict[str, str] = {
    "region_unknown": "county_code", "region_format": "county_code", "area_unknown": "area_type",
    "before_first_value": "as_of", "no_value": "as_of", "no_members": "members",
    "birth_date_missing": "members",
}


def _params(overrides: Sequence[str]) -> ParameterSet:
    params = load_jiangxi()
    items: list[Override] = []
    for text in overrides:
        path, sep, value = text.partition("=")
        if not sep:
            raise ParameterError("override_format", f"覆盖值格式应为 PATH=VALUE：{text}", f"Override must be PATH=VALUE: {text}")
        parsed: Any = value
        node = params.node(path.strip())
        if node.kind == "int":
            parsed = int(value)
        elif node.kind == "bool":
            parsed = value.strip().lower() in ("1", "true", "yes")
        elif node.kind == "list":
            parsed = [v.strip() for v in value.split(",") if v.strip()]
        items.append(Override(path=path.strip(), value=parsed))
    return params.with_overrides(items) if items else params


def _process_chunk(
    lines: list[tuple[int, str]], as_of: date, params: ParameterSet, explain: bool, seen: set[str]
) -> list[dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    line_of: dict[str, int] = {}
    for n, text in lines:
        hid: Any = None
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            out[n] = _error_obj(n, None, "json", None, f"不是有效的 JSON（第{exc.colno}列）", f"not valid JSON (column {exc.colno})", params.version)
            continue
        if isinstance(obj, dict):
            hid = obj.get("household_id")
        try:
            parsed = parse_household(obj, as_of)
        except HouseholdError as exc:
            out[n] = _error_obj(n, hid, exc.code, exc.field or None, f"家庭 {hid}：{exc.message_zh}" if isinstance(hid, str) else exc.message_zh,
                                f"household {hid}: {exc.message_en}" if isinstance(hid, str) else exc.message_en, params.version)
            continue
        if hid in seen:
            out[n] = _error_obj(n, hid, "duplicate", "household_id", f"家庭编号 {hid} 在文件中重复", f"household_id {hid} is repeated in the file", params.version)
            continue
        seen.add(hid)
        line_of[hid] = n
        for name, items in parsed.items():
            rows.setdefault(name, []).extend(items)
    if line_of:
        keys = {(h["county_code"], h["area_type"]) for h in rows["households"]}
        ptab = build_param_table(params, keys, as_of)
        table, ptab = determine_rows(rows, as_of, params, ptab=ptab)
        item_detail = item_lines(rows, ptab, as_of) if explain else {}
        for row in table.to_pylist():
            n = line_of[row["household_id"]]
            if row["status"] != "ok":
                code = row["error_code"]
                out[n] = _error_obj(n, row["household_id"], code, _FIELD_OF.get(code, "county_code"),
                                    f"家庭 {row['household_id']}：{row['error_zh']}", f"household {row['household_id']}: {row['error_en']}", params.version)
                continue
            k = int(row["param_idx"])
            res = result_to_dict(row, ptab.resolved[k], explain=explain, lines=item_detail.get(row["household_id"]))
            out[n] = {"line": n, **res}
    return [out[n] for n, _ in lines]


def _run_lines(src: TextIO, dst: TextIO, as_of: date, params: ParameterSet, explain: bool) -> int:
    failed = 0
    seen: set[str] = set()
    chunk: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal failed
        for obj in _process_chunk(chunk, as_of, params, explain, seen):
            failed += "error" in obj
            dst.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        chunk.clear()

    for n, line in enumerate(src, start=1):
        if not line.strip():
            continue
        chunk.append((n, line))
        if len(chunk) >= CHUNK:
            flush()
    if chunk:
        flush()
    return failed


def main(argv: list[str]) -> int:
    """Entry point of ``jiuzhu determine`` (argv without the program and subcommand names)."""
    args = list(argv)
    if args and args[0] == "determine":
        args = args[1:]
    ns = _parser().parse_args(args)
    try:
        as_of = date.fromisoformat(ns.as_of)
    except ValueError:
        print("认定日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD", file=sys.stderr)
        return 2
    try:
        params = _params(ns.set)
    except (ParameterError, ValueError) as exc:
        print(f"{exc}", file=sys.stderr)
        return 2

    if ns.snapshot:
        if not ns.output:
            print("--snapshot 需要 --output / --snapshot needs --output", file=sys.stderr)
            return 2

        def progress(done: int, total: int) -> None:
            print(f"\r已认定 {done}/{total} 户 / determined {done}/{total}", end="", file=sys.stderr, flush=True)

        summary = run_batch(ns.snapshot, as_of, ns.output, params, progress=progress, detail=ns.detail)
        print(file=sys.stderr)
        print(json.dumps({"households": summary.households, "ok": summary.ok, "errors": summary.errors,
                          "categories": summary.categories, "parameter_version": summary.parameter_version,
                          "seconds": round(summary.seconds, 3), "output": summary.output,
                          "error_samples": summary.error_samples}, ensure_ascii=False))
        return 1 if summary.errors else 0

    src: TextIO
    if ns.input == "-":
        src = sys.stdin
    else:
        try:
            src = open(ns.input, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            print(f"无法读取输入文件 / cannot read input: {exc}", file=sys.stderr)
            return 2
    try:
        if ns.output:
            out_path = Path(ns.output)
            fd, tmp = tempfile.mkstemp(prefix=out_path.name + ".", suffix=".partial", dir=out_path.parent or ".")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as dst:
                    failed = _run_lines(src, dst, as_of, params, ns.explain)
                os.replace(tmp, out_path)
            except BaseException:
                os.unlink(tmp)
                raise
        else:
            failed = _run_lines(src, sys.stdout, as_of, params, ns.explain)
    finally:
        if src is not sys.stdin:
            src.close()
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
