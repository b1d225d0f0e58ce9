"""The `jiuzhu` command.

Subcommands that need no database (generate --out, idcheck, determine) do not
start Django; the others set it up and call the same services the UI uses.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

DEMO_PASSWORD = "Jiuzhu@2026"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    import django

    django.setup()


def _progress(stage: str, done: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * done / total) if total else width
        sys.stderr.write(f"\r{stage:<12} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_idcheck(args: argparse.Namespace) -> int:
    from jiuzhu.rules.identity import IdNumberError, parse_id_number

    bad = 0
    for raw in args.ids:
        try:
            parsed = parse_id_number(raw)
        except IdNumberError as err:
            bad += 1
            print(f"INVALID\t{raw}\t{err.code}\t{err.message_zh} / {err.message_en}")
            continue
        note = "\tupgraded from 15 digits" if parsed.upgraded_from_15 else ""
        print(f"{parsed.value}{note}")
    return 1 if bad else 0


def cmd_generate(args: argparse.Namespace) -> int:
    from jiuzhu.engine.synth import generate

    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date(2026, 11, 1)
    started = time.perf_counter()
    if args.out:
        stats = generate(args.households, args.seed, Path(args.out), as_of=as_of, progress=_progress)
        print(f"wrote {args.out}: {stats} in {time.perf_counter() - started:.1f}s")
        return 0
    import tempfile

    _django()
    from jiuzhu.apps.core.keys import ensure_demo_keyring
    from jiuzhu.apps.registry.bulk import load_province

    ensure_demo_keyring()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-gen-") as tmp:
        generate(args.households, args.seed, Path(tmp), as_of=as_of, progress=_progress)
        counts = load_province(Path(tmp), progress=_progress)
        print(f"loaded into the database: {counts}")
        _import_feeds(Path(tmp))
    return 0


def _import_feeds(directory: Path) -> None:
    """Import the generated department feeds through the normal exchange pipeline (as departments would)."""
    from jiuzhu.apps.exchange.services import batch_import
    from jiuzhu.engine.exchange import CLI_LIMITS
    from jiuzhu.rules.exchange.sources import SOURCES

    for source in SOURCES.values():
        path = directory / f"{source.generator_table}.parquet" if source.generator_table else None
        if path is None or not path.exists():
            continue
        batch = batch_import(None, source.key, path, path.name, "cli", limits=CLI_LIMITS).batch
        print(f"  {source.key:<28} {batch.state:<10} {batch.rows_valid:>8,} rows")


def cmd_load(args: argparse.Namespace) -> int:
    _django()
    from jiuzhu.apps.registry.bulk import LoadError, load_province

    try:
        counts = load_province(Path(args.dir), progress=_progress)
    except LoadError as err:
        print(f"导入失败，未写入任何数据 / Load failed, nothing written: {err}", file=sys.stderr)
        return 1
    print(f"loaded: {counts}")
    return 0


DEMO_USERS: list[dict[str, Any]] = [
    {"username": "province", "role": "province", "region": "360000", "full_name": "省厅经办员"},
    {"username": "city", "role": "city", "region": "360100", "full_name": "南昌市经办员"},
    {"username": "county", "role": "county", "region": "360124", "full_name": "进贤县经办员"},
    {"username": "county_b", "role": "county", "region": "360730", "full_name": "宁都县经办员"},
    {"username": "township", "role": "township", "region": None, "full_name": "乡镇经办员", "township_of": "360124"},
    {"username": "dept_medical", "role": "department", "region": None, "department": "medical_insurance", "full_name": "医保局数据员"},
    {"username": "auditor", "role": "auditor", "region": "360000", "full_name": "审计员"},
    {"username": "sysadmin", "role": "sysadmin", "region": "360000", "full_name": "系统管理员"},
    {"username": "secadmin", "role": "secadmin", "region": "360000", "full_name": "安全管理员"},
    {"username": "auditadmin", "role": "auditadmin", "region": "360000", "full_name": "审计管理员"},
]


def ensure_demo_users() -> list[tuple[str, str, str]]:
    """One demo account per role (idempotent).  Returns (username, role label, region)."""
    from jiuzhu.apps.core.models import Region, User
    from jiuzhu.apps.core.services import user_create

    out = []
    for spec in DEMO_USERS:
        region_code = spec.get("region")
        if spec.get("township_of"):
            region_code = (
                Region.objects.filter(parent_id=spec["township_of"], level="township")
                .order_by("code").values_list("code", flat=True).first()
            )
        region = Region.objects.filter(code=region_code).first() if region_code else None
        user = User.objects.filter(username=spec["username"]).first()
        if user is None:
            user = user_create(
                actor=None, username=spec["username"], password=DEMO_PASSWORD, role=spec["role"],
                region=region, department=spec.get("department", ""), full_name=spec["full_name"],
            )
        out.append((user.username, str(user.get_role_display()), str(user.region or user.get_department_display() or "")))
    return out


def _demo_history() -> None:
    from jiuzhu.apps.core.models import User
    from jiuzhu.apps.registry.demo import add_demo_history

    ensure_demo_users()
    n = add_demo_history(User.objects.get(username="county"), "360124")
    print(f"gave {n} households of 进贤县 a dated change history (see 变更记录 on their pages)")


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything `make run` needs: migrate, regions, keys, a demo province, demo users (idempotent)."""
    _django()
    from django.core.management import call_command

    from jiuzhu.apps.core.keys import ensure_demo_keyring
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.core.services import regions_load, shipped_region_rows
    from jiuzhu.apps.registry.models import Household

    Path(os.environ.get("JIUZHU_VAR_DIR", "var")).mkdir(parents=True, exist_ok=True)
    created = ensure_demo_keyring()
    if created:
        print(f"generated a DEMO keyring at {created} (production keys come from the key service)")
    call_command("migrate", verbosity=0)
    if not Region.objects.filter(code="360000").exists():
        regions_load(shipped_region_rows())
    if Household.objects.exists():
        print(f"demo province already loaded: {Household.objects.count():,} households")
    else:
        args.out = None
        args.as_of = None
        cmd_generate(args)
        _demo_history()
    ensure_demo_users()
    from jiuzhu.apps.core.hooks import DEMO_STEPS
    from jiuzhu.apps.core.models import User

    for step in DEMO_STEPS:  # the feature apps' demo data (warnings, applications, payrolls), idempotent
        started = time.perf_counter()
        print(f"{step.run()}  [{step.name}, {time.perf_counter() - started:.0f}s]")
    users = ensure_demo_users()
    listed = {u for u, _, _ in users}
    users += [(u.username, str(u.get_role_display()), str(u.region or u.get_department_display() or ""))
              for u in User.objects.exclude(username__in=listed).order_by("role", "username")]  # made by demo steps
    print(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, region in users:
        print(f"  {username:<13} {role:<24} {region}")
    return 0


def cmd_programmes(args: argparse.Namespace) -> int:
    """The programme matrix (issue 7), one line per programme."""
    _django()
    from django.core.management import call_command

    call_command("programmes")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiuzhu manage", *args.rest])
    return 0


def cmd_determine(rest: list[str]) -> int:
    """`--all --as-of D` runs over the registry (Django); everything else is the engine's CLI (no database)."""
    if "--all" not in rest:
        from jiuzhu.engine.determination.cli import main as determine_main

        return determine_main(rest)
    parser = argparse.ArgumentParser(prog="jiuzhu determine --all")
    parser.add_argument("--all", action="store_true", required=True)
    parser.add_argument("--as-of", required=True)
    args = parser.parse_args(rest)
    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError:
        print(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {args.as_of}", file=sys.stderr)
        return 2
    _django()
    from jiuzhu.apps.determination.services import run_all
    from jiuzhu.rules.params import ParameterError

    try:
        run = run_all(actor=None, as_of=as_of, progress=_progress)
    except ParameterError as err:
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 1
    print(f"run {run.pk}: {run.households:,} households as of {as_of} in {run.seconds}s "
          f"(parameter version {run.parameter_version})")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """The declared department feeds: one line per feed (key, department, fields), then one
    indented line per field (name, type, required, Chinese label, aliases).  No database needed."""
    from jiuzhu.rules.exchange.sources import SOURCES

    kinds = {"id_number": "身份证号", "date": "日期", "money": "金额", "decimal": "数值", "int": "整数",
             "bool": "是/否", "code": "代码", "region_code": "区划代码", "mobile": "手机号", "text": "文本"}
    chosen = [SOURCES[args.source]] if args.source else list(SOURCES.values())
    for source in chosen:
        fields = ",".join(f.name + ("" if f.required else "?") for f in source.fields)
        print(f"{source.key}\t{source.department}\t{fields}")
        for f in source.fields:
            kind = "编号（须为文本）" if f.ident else ("月份" if f.month else kinds.get(f.type, f.type))
            aliases = "、".join(f.aliases) if f.aliases else "-"
            print(f"  {f.name}\t{kind}\t{'必填' if f.required else '可选'}\t{f.label_zh}\t别名：{aliases}")
    return 0


def _department_arg(text: str | None) -> str | None:
    """A department given by its code (medical_insurance) or its Chinese name (医疗保障部门)."""
    from jiuzhu.rules.exchange.sources import DEPARTMENTS

    if not text:
        return None
    if text in DEPARTMENTS:
        return text
    by_label = {label: code for code, label in DEPARTMENTS.items()}
    if text in by_label:
        return by_label[text]
    raise SystemExit(f"未知的部门 / unknown department {text!r}; known: {', '.join(DEPARTMENTS)}")


def _date_arg(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise SystemExit(f"日期格式应为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}") from None


def cmd_import(args: argparse.Namespace) -> int:
    """Import a department file (CLI limits, streaming) or, with --dry-run, only validate it.

    Both go through the same validation (the department's column mapping, region codes, dates,
    duplicates, "no valid row"); the dry run prints it as one JSON object and exits 1 when the
    file would be rejected.
    """
    import json

    from jiuzhu.rules.exchange.sources import SOURCES

    source = SOURCES.get(args.source)
    if source is None:
        print(f"未知的数据源 / unknown source {args.source!r}; known: {', '.join(sorted(SOURCES))}", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"文件不存在 / no such file: {path}", file=sys.stderr)
        return 2
    department = _department_arg(args.department)
    period_end = _date_arg(args.period_end)
    _django()
    from jiuzhu.apps.exchange.services import batch_import, batch_preview
    from jiuzhu.engine.exchange import CLI_LIMITS

    from django.db import OperationalError

    if args.dry_run:
        # The dry run is the import's own validation (region codes, persons, "already imported"),
        # so it needs the database: say so plainly rather than print a stack trace.
        try:
            preview = batch_preview(None, source.key, path, path.name, limits=CLI_LIMITS, department=department,
                                    period_end=period_end, channel="cli")
        except OperationalError as exc:
            print(f"无法连接数据库，试运行需要数据库来核对区划、人员和是否已导入 / cannot reach the database, "
                  f"which the dry run needs to check region codes, persons and earlier imports: {exc}",
                  file=sys.stderr)
            return 2
        print(json.dumps(preview.to_dict(max_errors=args.max_errors), ensure_ascii=False, indent=1, default=str))
        return 1 if preview.checked.rejected else 0
    result = batch_import(None, source.key, path, path.name, "cli", limits=CLI_LIMITS, department=department,
                          period_end=period_end)
    b = result.batch
    if not result.created:
        status = {"committed": "already imported earlier (nothing changed)",
                  "rejected": "rejected earlier (nothing changed)"}.get(b.state, "seen before")
    else:
        status = {"committed": "imported", "rejected": "rejected",
                  "failed": "failed (database error; run the same command again)"}.get(b.state, b.state)
    print(f"batch {b.pk} {b.state}: {status}; rows {b.rows_total:,}, valid {b.rows_valid:,}, "
          f"with errors {b.rows_error:,}; new {b.rows_new:,}, updated {b.rows_updated:,}, "
          f"unchanged {b.rows_unchanged:,}; chain entries removed {b.chain_removed:,}")
    if b.file_error:
        print(f"文件被拒绝 / file rejected: {b.file_error}", file=sys.stderr)
    for e in b.errors_preview[:20]:
        print(f"  row {e.get('row')} {e.get('column') or ''} {e.get('code')}: {e.get('message')}", file=sys.stderr)
    if b.state == "failed":
        return 3
    return 1 if b.state == "rejected" else 0


def cmd_mapping(args: argparse.Namespace) -> int:
    """A department's own column names for a feed: set, show or clear (see docs/exchange.md)."""
    import json

    from jiuzhu.rules.exchange.sources import SOURCES

    source = SOURCES.get(args.source) if args.source else None
    if args.source and source is None:
        print(f"未知的数据源 / unknown source {args.source!r}; known: {', '.join(sorted(SOURCES))}", file=sys.stderr)
        return 2
    _django()
    from django.core.exceptions import ValidationError

    from jiuzhu.apps.exchange.mapping import mapping_clear, mapping_for, mapping_set, parse_field

    department = _department_arg(args.department) or (source.department if source else None)
    try:
        if args.action == "show":
            keys = [source.key] if source else sorted(SOURCES)
            shown = {k: mapping_for(k, department) for k in keys}
            print(json.dumps({k: v for k, v in shown.items() if v or source}, ensure_ascii=False, indent=1))
            return 0
        if source is None or department is None:
            print("请指定数据源 / give the data source: jiuzhu mapping set SOURCE --map 列名=field", file=sys.stderr)
            return 2
        if args.action == "clear":
            n = mapping_clear(None, source.key, department, args.column or None)
            print(f"removed {n} column name(s) of {department} for {source.key}")
            return 0
        entries: dict[str, str | None] = {}
        for item in args.map or []:
            header, sep, target = item.partition("=")
            if not sep or not header.strip():
                print(f"--map 须为“列名=字段” / --map takes COLUMN=FIELD: {item!r}", file=sys.stderr)
                return 2
            entries[header.strip()] = parse_field(source, target)
        if not entries:
            print("至少需要一个 --map / give at least one --map COLUMN=FIELD", file=sys.stderr)
            return 2
        final = mapping_set(None, source.key, department, entries, replace=args.replace)
    except ValidationError as err:
        print(f"未保存 / not saved: {' '.join(err.messages)}", file=sys.stderr)
        return 1
    print(json.dumps({"source": source.key, "department": department, "mapping": final}, ensure_ascii=False,
                     indent=1))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jiuzhu", description="江西省社会救助平台命令行 / jiuzhu platform command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("idcheck", help="validate and normalise ID numbers (GB 11643)")
    p.add_argument("ids", nargs="+")
    p.set_defaults(func=cmd_idcheck)

    p = sub.add_parser("generate", help="generate a synthetic province")
    p.add_argument("--households", type=int, required=True)
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--out", help="write source Parquet here instead of loading the database")
    p.add_argument("--as-of", help="reference date of the data (default 2026-11-01)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("load", help="load generator output (a directory of Parquet) into the database")
    p.add_argument("dir")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("demo", help="set up the demo: migrate, regions, keys, province, users")
    p.add_argument("--households", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="import a department file as one batch (see docs/exchange.md)")
    p.add_argument("source", help="a declared data source key")
    p.add_argument("file")
    p.add_argument("--dry-run", action="store_true", help="validate only and print a JSON report")
    p.add_argument("--max-errors", type=int, default=1000, help="errors listed by --dry-run")
    p.add_argument("--department", help="use this department's saved column names (default: the feed's)")
    p.add_argument("--period-end", help="the last day the file covers (YYYY-MM-DD): later dates are refused")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("mapping", help="a department's own column names for a feed (set / show / clear)")
    p.add_argument("action", choices=["set", "show", "clear"])
    p.add_argument("source", nargs="?", help="a declared data source key")
    p.add_argument("--department", help="the department (default: the feed's own)")
    p.add_argument("--map", action="append", metavar="列名=field",
                   help="a column name and the field it feeds (field name or Chinese label; empty or - ignores)")
    p.add_argument("--replace", action="store_true", help="set: replace the whole saved mapping")
    p.add_argument("--column", action="append", help="clear: only these column names")
    p.set_defaults(func=cmd_mapping)

    p = sub.add_parser("sources", help="the declared department feeds and their fields (labels, aliases)")
    p.add_argument("source", nargs="?", help="only this feed")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("programmes", help="list the programme matrix (see docs/assistance.md)")
    p.set_defaults(func=cmd_programmes)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    sub.add_parser("determine", help="determine categories and benefits (see `jiuzhu determine --help`)", add_help=False)
    sub.add_parser("indicators", help="list the early-warning indicators (see docs/monitoring.md)", add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "determine":
        return cmd_determine(argv[1:])
    if argv and argv[0] == "indicators":  # the monitoring indicators, no database needed
        from jiuzhu.engine.monitoring.cli import main as indicators_main

        return int(indicators_main(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


def run() -> int:
    """Console entry point: like main(), but quiet when the output pipe closes early (`| head`)."""
    try:
        return main()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(run())
