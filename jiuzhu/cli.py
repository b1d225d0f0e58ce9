"""The `jiuzhu` command.

Subcommands that can answer from the shipped data work on a fresh checkout: ``idcheck``,
``generate --out``, ``determine --input``, ``sources`` and ``indicators`` never start Django;
``programmes`` and ``parameters`` add the approved parameter revisions when the database is set
up and use the shipped parameter files otherwise.  The others set Django up, check that the
database is set up — else one line, in Chinese and English, names what to run, and the exit
code is 4 — and call the same services the UI uses.

This module is the top of the layers (docs/developers.md): it imports the apps inside the
commands, because an app module cannot be imported before Django is set up and a command
answering from shipped data must not load Django at all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from jiuzhu.pii.files import private_umask

EXIT_NOT_SET_UP = 4  # the database (or the keyring) is not set up: the message says what to run
NOT_SET_UP = ("数据库尚未建立：请先运行 make run，或 jiuzhu demo（装入演示数据）、jiuzhu manage migrate（空库）"
              " / The database is not set up: run `make run`, or `jiuzhu demo` (demo data) or "
              "`jiuzhu manage migrate` (an empty database)")


class NotSetUp(Exception):
    """What a command needs is not there yet; the message names what to run."""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.config.settings")
    import django

    django.setup()


def _database_problem() -> str | None:
    """Why the configured database cannot serve the commands yet (a message naming what to run), or None."""
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    name = str(connection.settings_dict.get("NAME") or "")
    if (connection.vendor == "sqlite" and connection.connection is None and name != ":memory:"
            and not name.startswith("file:") and not Path(name).exists()):
        return NOT_SET_UP  # and connecting would leave an empty database file behind
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return (f"无法连接数据库，请检查 JIUZHU_DATABASE_URL 及数据库服务（{reason}） / "
                f"Cannot reach the database: check JIUZHU_DATABASE_URL and that the server runs ({reason})")
    return NOT_SET_UP if pending else None


def _need_database(keys: bool = False) -> None:
    """Django set up on a database that is set up (and, with ``keys``, the keyring the command
    encrypts or indexes with): checked before any work starts, so none is left half-done."""
    _django()
    problem = _database_problem()
    if problem:
        raise NotSetUp(problem)
    if keys:
        from django.core.exceptions import ImproperlyConfigured

        from jiuzhu.apps.core.keys import keyring

        try:
            keyring()
        except ImproperlyConfigured as err:
            raise NotSetUp(f"加密密钥尚未配置：演示请运行 jiuzhu demo，生产请设置 JIUZHU_KEYRING_FILE（见 docs/operators.md）"
                           f" / {err}") from err


def _parameters() -> tuple[Any, str]:
    """The parameters in force and where they come from: the shipped files plus the approved
    revisions when the database is set up, the shipped files alone otherwise."""
    _django()
    if _database_problem() is None:
        from jiuzhu.apps.policy.selectors import current_parameters

        return current_parameters(), "参数：随附参数文件及已批准的修订 / parameters: shipped files and approved revisions"
    from jiuzhu.rules.params import load_jiangxi

    return load_jiangxi(), ("参数：随附参数文件（未连接到已建立的数据库，未含本地修订） / parameters: the shipped "
                            "files (no database set up and reachable, so no local revisions)")


def _progress(stage: str, done: int, total: int) -> None:
    """A progress bar on a terminal, plain progress lines otherwise (jiuzhu.apps.jobs.terminal)."""
    global _REPORTER
    if _REPORTER is None:
        from jiuzhu.apps.jobs.terminal import reporter

        _REPORTER = reporter()
    _REPORTER(stage, done, total)


_REPORTER: Any = None


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

    _need_database()
    from jiuzhu.apps.core.keys import ensure_demo_keyring
    from jiuzhu.apps.jobs.cli import run_cli

    ensure_demo_keyring()
    with tempfile.TemporaryDirectory(prefix="jiuzhu-gen-") as tmp:
        generate(args.households, args.seed, Path(tmp), as_of=as_of, progress=_progress)
        # The registry load is the job "registry.load", in the foreground (the directory is temporary).
        code = run_cli("registry.load", {"directory": tmp}, summary=lambda job: f"loaded into the database: {job.result}")
        if code:
            return code
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
    """The job ``registry.load`` in the foreground with progress (or queued with --background)."""
    _need_database(keys=True)
    from jiuzhu.apps.jobs.cli import run_cli

    return run_cli("registry.load", {"directory": str(Path(args.dir).resolve())}, background=args.background,
                   summary=lambda job: f"loaded: {job.result} (job {job.pk})")


def cmd_cycle(args: argparse.Namespace) -> int:
    """The monthly cycle (issue 17): one job with phases, in the foreground (or queued with --background)."""
    _need_database(keys=True)
    from jiuzhu.apps.cycle.cli import run

    return run(month=args.month, feeds=args.feeds, backend=args.backend, as_json=args.json, background=args.background)


def _demo_history() -> None:
    from jiuzhu.apps.core.demo_accounts import ensure_demo_users
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
        # The province as of the day it is loaded: the comparison, the review history and the
        # determinations run as of today, and their look-back windows then see the generated news.
        args.out = None
        args.as_of = _today().isoformat()
        cmd_generate(args)
        _demo_history()
    from jiuzhu.apps.core.demo_accounts import DEMO_ADMIN_PASSWORD, DEMO_PASSWORD, ensure_demo_users
    from jiuzhu.apps.core.hooks import DEMO_STEPS
    from jiuzhu.apps.core.models import User

    ensure_demo_users()

    for step in DEMO_STEPS:  # the feature apps' demo data (warnings, applications, payrolls), idempotent
        started = time.perf_counter()
        print(f"{step.run()}  [{step.name}, {time.perf_counter() - started:.0f}s]")
    users = ensure_demo_users()
    listed = {u for u, _, _ in users}
    users += [(u.username, str(u.get_role_display()), str(u.region or u.get_department_display() or ""))
              for u in User.objects.exclude(username__in=listed).order_by("role", "username")]  # made by demo steps
    from jiuzhu.apps.core.otp import demo_enrol

    secrets = {u.username: demo_enrol(u) for u in User.objects.filter(username__in=[u for u, _, _ in users])}
    print(f"\nDemo logins (password {DEMO_PASSWORD}; the three administrators {DEMO_ADMIN_PASSWORD}).")
    print("Two-factor login: the code of the moment is printed by `jiuzhu otp USER-NAME`, or add the")
    print("secret below to an authenticator app (TOTP, 6 digits, 30 s):")
    for username, role, region in users:
        print(f"  {username:<13} {role:<24} {region:<22} {secrets.get(username, '')}")
    return 0


def _date_arg(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD / use YYYY-MM-DD: {raw}") from None


def _region_arg(raw: str) -> str:
    from jiuzhu.rules.params import RegionError, region_chain

    try:
        region_chain(raw)
    except RegionError as err:
        raise argparse.ArgumentTypeError(f"{err.message_zh} / {err.message_en}") from None
    return raw


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()  # the platform's day (Asia/Shanghai), whatever the machine's zone


def cmd_programmes(args: argparse.Namespace) -> int:
    """The programme matrix (issue 7), one line per programme; works without a database."""
    from jiuzhu.rules.params import ParameterError
    from jiuzhu.rules.programmes import lookup_for, matrix_lines

    params, source = _parameters()
    print(source, file=sys.stderr)
    try:
        lines = matrix_lines(lookup_for(params, args.region, "rural", args.as_of or _today()))
    except ParameterError as err:  # e.g. a date before the first values
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


def cmd_parameters(args: argparse.Namespace) -> int:
    """Every parameter in force for a region and date, one per line; works without a database."""
    from jiuzhu.rules.params import ParameterError

    params, source = _parameters()
    on = args.as_of or _today()
    print(f"{source}; {args.region} {on}; version {params.version}", file=sys.stderr)
    for path in sorted(params.nodes):
        node = params.nodes[path]
        for area in ((args.area,) if args.area else ("urban", "rural")) if node.by_area else ("all",):
            try:
                r = params.resolve(path, args.region, area if area != "all" else "urban", on)
            except ParameterError as err:
                print(f"{path}\t{area}\t-\t\t\t\t{err.message_zh} / {err.message_en}\t{node.label_zh}")
                continue
            value = r.as_dict()["value"]
            shown = ",".join(map(str, value)) if isinstance(value, list) else str(value)
            print(f"{path}\t{area}\t{shown}\t{r.unit}\t{r.start}\t{r.region}\t{r.ref}\t{node.label_zh}")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    # Not checked beforehand: `manage migrate` is how a database gets set up.  A command that
    # needs the tables and finds none is answered by main() with what to run.
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
    parser.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")
    args = parser.parse_args(rest)
    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError:
        print(f"日期格式应为 YYYY-MM-DD / --as-of must be YYYY-MM-DD: {args.as_of}", file=sys.stderr)
        return 2
    _need_database()
    from jiuzhu.apps.jobs.cli import run_cli

    def summary(job: Any) -> str:
        r = job.result
        return (f"run {r['run']}: {r['households']:,} households as of {r['as_of']} (job {job.pk}, "
                f"parameter version {r['parameter_version']})")

    return run_cli("determination.run", {"as_of": as_of.isoformat()}, background=args.background, summary=summary)


def _stats_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=1, default=str))


def cmd_stats(rest: list[str]) -> int:
    """`jiuzhu stats --as-of D [--region CODE] [--run ID] --json`: households and persons per category."""
    parser = argparse.ArgumentParser(prog="jiuzhu stats", description="低收入人口统计 / counts per category (docs/statistics.md)")
    parser.add_argument("--as-of", required=True, type=_date_arg, help="统计日期 YYYY-MM-DD")
    parser.add_argument("--region", help="区划代码（省、市、县、乡镇） / region code (default: the province)")
    parser.add_argument("--run", type=int, help="认定批次号（默认：该日期最近完成的批次；没有则按当前登记数据现算）")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(rest)
    as_of = args.as_of
    _need_database()
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.determination.models import DeterminationRun
    from jiuzhu.apps.reports.services import live_statistics, stored_rows
    from jiuzhu.engine.stats import totals
    from jiuzhu.rules.money import from_fen

    region = None
    if args.region:
        region = Region.objects.filter(code=args.region).first()
        if region is None:
            print(f"区划代码不存在：{args.region} / unknown region code: {args.region}", file=sys.stderr)
            return 2
    runs = DeterminationRun.objects.completed()
    run = runs.filter(pk=args.run).first() if args.run else runs.filter(as_of=as_of).order_by("-pk").first()
    if args.run and (run is None or run.as_of != as_of):
        print(f"没有该日期的已完成认定批次 {args.run} / no finished run {args.run} as of {as_of}", file=sys.stderr)
        return 2
    rows = stored_rows(run, region) if run else live_statistics(as_of, region)
    cats = totals(rows)
    money = totals(rows, kind="benefit")
    out = {
        "as_of": as_of.isoformat(), "region": region.code if region else "360000",
        "source": f"run {run.pk}" if run else "registry (determined now, not stored)",
        "households": {k: v["households"] for k, v in cats.items() if k != "all"},
        "persons": {k: v["persons"] for k, v in cats.items() if k != "all"},
        "low_income_households": cats.get("all", {}).get("households", 0),
        "low_income_persons": cats.get("all", {}).get("persons", 0),
        "monthly_benefits": {k: str(from_fen(v["amount_fen"])) for k, v in money.items()},
    }
    if args.json:
        _stats_json(out)
    else:
        for key in ("households", "persons"):
            print(key, ", ".join(f"{k} {v:,}" for k, v in out[key].items()))
    return 0


def cmd_whatif(rest: list[str]) -> int:
    """`jiuzhu whatif --as-of D --set PATH=VALUE … --json`: a scenario over the loaded registry."""
    parser = argparse.ArgumentParser(prog="jiuzhu whatif", description="政策模拟测算 / what-if over the registry (docs/statistics.md)")
    parser.add_argument("--as-of", type=_date_arg, help="测算日期 YYYY-MM-DD")
    parser.add_argument("--set", action="append", default=[], metavar="PATH[@REGION[/AREA]]=VALUE",
                        help="e.g. dibao.marginal_multiplier=1.8, dibao.standard@360100=+5%%")
    parser.add_argument("--cliff-step", default="1", help="cliff probe: extra monthly income in yuan (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(rest)
    as_of = args.as_of
    if as_of is None:
        parser.error("--as-of is required")
    if not args.set:
        print("至少需要一个 --set / give at least one --set PATH=VALUE", file=sys.stderr)
        return 2
    _need_database()
    from decimal import Decimal, InvalidOperation

    from jiuzhu.apps.reports.services import whatif_over_registry
    from jiuzhu.rules.money import to_fen
    from jiuzhu.rules.params import ParameterError

    try:
        step = to_fen(Decimal(args.cliff_step))
    except (InvalidOperation, ValueError):
        print(f"--cliff-step 应为金额：{args.cliff_step}", file=sys.stderr)
        return 2
    try:
        out = whatif_over_registry(as_of, args.set, cliff_step_fen=step)
    except ParameterError as err:
        print(f"{err.message_zh} / {err.message_en}", file=sys.stderr)
        return 2
    if args.json:
        _stats_json(out)
    else:
        print(f"entering {out['entering']}\nleaving {out['leaving']}\nmonthly cost change {out['monthly_cost_change']} yuan")
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
    print(f"未知的部门 / unknown department {text!r}; known: {', '.join(DEPARTMENTS)}", file=sys.stderr)
    raise SystemExit(2)


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
    period_end = args.period_end
    _django()
    from jiuzhu.engine.exchange import CLI_LIMITS

    if args.dry_run and _database_problem() is not None:
        # A fresh machine (no database yet): the file's own checks still answer, and the report
        # says what only the database can check (region codes, persons, mapping, earlier imports).
        from jiuzhu.engine.exchange import validate_file

        out = validate_file(source, str(path), limits=CLI_LIMITS, keep_rows=False, max_errors=args.max_errors,
                            period_end=period_end)
        report = out.to_dict()
        report["database"] = False
        prior: Any = report.get("notices") or []
        report["notices"] = [*prior, {
            "code": "no_database", "count": 0, "rows": [],
            "message": "数据库尚未建立，未核对区划代码、人员所属地区、本部门的列名对应和是否已导入",
            "message_en": "No database yet: region codes, persons' regions, the department's column "
                          "mapping and earlier imports were not checked"}]
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        return 1 if out.rejected else 0
    _need_database(keys=True)
    from jiuzhu.apps.exchange.services import batch_import, batch_preview

    if args.dry_run:
        preview = batch_preview(None, source.key, path, path.name, limits=CLI_LIMITS, department=department,
                                period_end=period_end, channel="cli")
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


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the background jobs' queue (docs/operators.md "Jobs")."""
    _need_database()
    from jiuzhu.apps.jobs.worker import serve

    return serve(interval=args.interval, once=args.once, verbosity=args.verbosity)


def cmd_serve(args: argparse.Namespace) -> int:
    """gunicorn and the job worker together (`make run`); Ctrl-C stops both."""
    _need_database()  # before starting anything: gunicorn and the worker would both fail on a fresh machine
    from jiuzhu.serve import main as serve_main

    return serve_main(host=args.host, port=args.port, workers=args.workers)


def cmd_jobs(args: argparse.Namespace) -> int:
    """List jobs (newest first), or retry / cancel one."""
    _need_database()
    from jiuzhu.apps.jobs.cli import list_jobs, steer
    from jiuzhu.apps.jobs.services import mark_abandoned

    mark_abandoned()  # so a dead worker's job shows as interrupted, ready for --retry
    if args.retry is not None or args.cancel is not None:
        return steer(retry=args.retry, cancel=args.cancel)
    return list_jobs(as_json=args.json, state=args.state, kind=args.kind, limit=args.limit)


def cmd_mapping(args: argparse.Namespace) -> int:
    """A department's own column names for a feed: set, show or clear (see docs/exchange.md)."""
    import json

    from jiuzhu.rules.exchange.sources import SOURCES

    source = SOURCES.get(args.source) if args.source else None
    if args.source and source is None:
        print(f"未知的数据源 / unknown source {args.source!r}; known: {', '.join(sorted(SOURCES))}", file=sys.stderr)
        return 2
    _need_database()
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
    p.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("cycle", help="run the monthly cycle: import feeds, determine, compare, warn, match, payrolls")
    p.add_argument("--month", required=True, help="YYYY-MM")
    p.add_argument("--feeds", required=True, help="a directory of department files (`generate --out` or <source>.<fmt>)")
    p.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb", help="engine of the comparison")
    p.add_argument("--json", action="store_true", help="print one JSON object: phases, total_seconds")
    p.add_argument("--background", action="store_true", help="queue the job for `jiuzhu worker` and return")
    p.set_defaults(func=cmd_cycle)

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
    p.add_argument("--period-end", type=_date_arg, help="the last day the file covers (YYYY-MM-DD): later dates are refused")
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

    p = sub.add_parser("programmes", help="list the programme matrix (see docs/assistance.md); no database needed")
    p.add_argument("--as-of", type=_date_arg, help="parameters in force on this date (YYYY-MM-DD, default today)")
    p.add_argument("--region", type=_region_arg, default="360000", help="county or city code for the parameters")
    p.set_defaults(func=cmd_programmes)

    p = sub.add_parser("worker", help="run the background jobs (determination, comparison runs, payrolls…)")
    p.add_argument("--once", action="store_true", help="run what is queued, then exit")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between looks at an empty queue")
    p.add_argument("-v", "--verbosity", type=int, default=1, choices=[0, 1, 2])
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("serve", help="serve the platform (gunicorn + static files) and run the job worker")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, help="gunicorn worker processes (default: 2 × cores + 1, at most 9)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("jobs", help="list background jobs (--json for machines); --retry/--cancel ID")
    p.add_argument("--json", action="store_true", help="a JSON list: id, kind, state, done, total, …")
    p.add_argument("--state", default="", help="queued, running, done, failed, cancelled or abandoned")
    p.add_argument("--kind", default="")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--retry", type=int, metavar="ID", help="queue a failed, cancelled or interrupted job again")
    p.add_argument("--cancel", type=int, metavar="ID", help="cancel a queued or running job")
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("parameters", help="list the parameters in force (see docs/determination.md); no database needed")
    p.add_argument("--as-of", type=_date_arg, help="in force on this date (YYYY-MM-DD, default today)")
    p.add_argument("--region", type=_region_arg, default="360000", help="county or city code (default the province)")
    p.add_argument("--area", choices=("urban", "rural"), help="one area only (default both)")
    p.set_defaults(func=cmd_parameters)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)

    sub.add_parser("determine", help="determine categories and benefits (see `jiuzhu determine --help`)", add_help=False)
    sub.add_parser("indicators", help="list the early-warning indicators (see docs/monitoring.md)", add_help=False)
    sub.add_parser("audit", help="verify | anchor | archive the hash-chained audit log (docs/operators.md)",
                   add_help=False)
    sub.add_parser("stats", help="households and persons per category as of a date (see docs/statistics.md)", add_help=False)
    sub.add_parser("whatif", help="what-if scenario over the registry: entering/leaving, cost change, cliffs", add_help=False)
    sub.add_parser("otp", help="print a demo account's current two-factor code (demo mode only)", add_help=False)
    return parser


def cmd_management(name: str, rest: list[str]) -> int:
    """`jiuzhu audit …` and `jiuzhu otp …`: core's management commands, with their exit codes."""
    _need_database(keys=True)
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(name, *rest)
    except CommandError as err:
        print(str(err), file=sys.stderr)
        return int(getattr(err, "returncode", 1) or 1)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # What the subcommands write (generated provinces, results, exports) may hold personal data:
    # owner-only files, also for the commands that never load the Django settings (ADR 0024).
    private_umask()
    try:
        return _dispatch(argv)
    except NotSetUp as err:
        print(err, file=sys.stderr)
        return EXIT_NOT_SET_UP
    except Exception as err:
        # What is missing on a fresh machine (tables, a reachable database, the keyring) is one
        # line naming what to run; anything else is a fault and keeps its traceback.
        problem = _not_set_up(err)
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        return EXIT_NOT_SET_UP


def _not_set_up(err: Exception) -> str | None:
    if "django.db" not in sys.modules:  # the command never started Django
        return None
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    if isinstance(err, ImproperlyConfigured):
        return f"配置不完整（见 docs/operators.md） / Not configured: {err}"
    if isinstance(err, DatabaseError):
        return _database_problem()
    return None


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] in ("audit", "otp"):
        return cmd_management(argv[0], argv[1:])
    if argv and argv[0] == "determine":
        return cmd_determine(argv[1:])
    if argv and argv[0] == "stats":
        return cmd_stats(argv[1:])
    if argv and argv[0] == "whatif":
        return cmd_whatif(argv[1:])
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
