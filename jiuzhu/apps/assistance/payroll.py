"""Monthly payrolls (发放名册): generate, compare, approve, export, reconcile (issue 7 §5).

generate → (compare with last month, every difference explained) → approve (a second
person) → export the bank file (CSV/XLSX, layout from a parameter, accounts decrypted only
into the file) → reconcile the bank's return file (failures listed and carried into the
next payroll) → every payment on the assistance chain.

Nothing is paid twice: one payroll per county and month (a second generation with the same
inputs returns the same payroll, with different inputs it is refused); a person whose
entitlement is also covered by the household's, a person now in another household, a dead
person (health / public-security records) or a person without a bank account is *held*
with the reason, not paid.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from jiuzhu.apps.core import bulkwrite
from jiuzhu.apps.core.audit import audit
from jiuzhu.apps.core.errors import RefusedError
from jiuzhu.apps.core.keys import keyring
from jiuzhu.apps.core.models import Region, User
from jiuzhu.apps.core.scoping import region_in_scope, require
from jiuzhu.apps.exchange.choices import AmountBasis
from jiuzhu.apps.exchange.models import DepartmentRecord
from jiuzhu.apps.exchange.platform import record_platform_assistance
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.apps.privacy.exports import sm3_hex
from jiuzhu.apps.registry.models import Member
from jiuzhu.pii.crypto import decrypt_field
from jiuzhu.rules.exchange.sources import PROGRAMMES
from jiuzhu.rules.params import ParameterSet
from jiuzhu.rules.programmes import add_months, as_codes, month_start, price_subsidy

from .amounts import active_in_month, amounts_in_month, determined_amounts
from .models import (
    LineChange,
    LineKind,
    LineStatus,
    Payroll,
    PayrollLine,
    PayrollState,
)
from .selectors import totals  # noqa: F401 - a read, kept importable here for its callers

DEATH_SOURCES = ("health_deaths", "public_security_hukou_changes")
PRICE_PROGRAMMES = {"dibao": "dibao", "tekun": "tekun", "dibao_individual": "dibao_individual"}
COLUMNS = {  # bank-file column code → Chinese header
    "seq": "序号", "line_ref": "流水号", "account": "银行账号", "name": "姓名", "amount": "金额（元）",
    "id_masked": "身份证号（脱敏）", "programme": "发放项目", "month": "发放月份", "household_code": "户编号",
    "county": "县（市、区）",
}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class PayrollError(RefusedError):
    pass


def _decision(ref: str) -> str:
    """An entitlement's decision in a payroll note: an application's approval in words (its reference is an
    internal key), a document number as it is."""
    if ref.startswith("application:"):
        return "经申请审批，"
    return f"{ref} " if ref else ""

def _actor(actor: User | None) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _check(actor: User | None, capability: str, county_code: str | None = None) -> None:
    if actor is None:
        return

    require(actor, capability)
    if county_code is not None and not region_in_scope(actor, county_code):
        raise PayrollError("scope", "该县不在您的管辖范围内", "That county is outside your region")


def deaths_for(person_indexes: Any) -> dict[str, dt.date]:
    """Earliest death date per person from the health and public-security feeds."""
    out: dict[str, dt.date] = {}
    rows = DepartmentRecord.objects.filter(person_index__in=person_indexes, source__in=DEATH_SOURCES,
                                           event_date__isnull=False).values_list("source", "person_index",
                                                                                 "event_date", "payload")
    for source, pidx, when, payload in rows:
        if source == "public_security_hukou_changes" and (payload or {}).get("change_type") not in (None, "death"):
            continue
        out[pidx] = min(when, out.get(pidx, when))
    return out


def _lookup(params: ParameterSet, county: str, area: str, on: dt.date) -> Any:
    return lambda path: params.resolve(path, county, area, on).value


def mismatch_reason(determined: Decimal, paid: Decimal) -> str:
    return f"金额与当月认定结果不一致：认定 {determined:,.2f}元，名册 {paid:,.2f}元；请先完成调标"


def _plan(county: Region, month: dt.date, params: ParameterSet,
          determined: dict[int, Decimal] | None = None) -> list[dict[str, Any]]:
    """The lines of ``county``'s payroll for ``month`` (not saved).

    *determined*: entitlement id → the amount the month's determination gives (``amounts``); a
    line paying another amount is held with the reason, never paid silently.
    """
    determined = determined or {}
    ents = list(active_in_month(county.code, month).select_related("household", "member").order_by("id"))
    in_force = amounts_in_month(ents, month)
    household_ids = {e.household_id for e in ents}
    carried = list(PayrollLine.objects.filter(payroll__county=county, payroll__month__lt=month,
                                              status=LineStatus.FAILED, carried_by__isnull=True)
                   .select_related("payroll", "member", "household").order_by("id"))
    household_ids |= {c.household_id for c in carried}
    members: dict[int, list[Member]] = defaultdict(list)
    for m in Member.objects.filter(household__in=household_ids).order_by("id"):
        members[m.household_id].append(m)
    everyone = [m for ms in members.values() for m in ms] + [e.member for e in ents if e.member is not None]
    deaths = deaths_for({m.id_number_index for m in everyone})
    household_level = {(e.household_id, e.programme) for e in ents if e.member is None}

    def head(household_id: int) -> Member | None:
        ms = members.get(household_id, [])
        return next((m for m in ms if m.relation == "head"), ms[0] if ms else None)

    def dead_before(ms: list[Member]) -> str:
        for m in ms:
            died = deaths.get(m.id_number_index)
            if died is not None and died < month:
                return f"{m.name}已于{died:%Y-%m-%d}死亡（部门数据），停发，请核实后终止或重新认定"
        return ""

    lines: list[dict[str, Any]] = []
    for e in ents:
        covered = [e.member] if e.member is not None else members.get(e.household_id, [])
        payee = e.member if e.member is not None else head(e.household_id)
        if payee is None:
            continue
        hold = ""
        if e.member is not None and e.member.household_id != e.household_id:
            hold = "此人现登记在另一户（一人两户），暂停发放，请核实"
        elif died := dead_before(covered):
            hold = died
        elif e.member is not None and (e.household_id, e.programme) in household_level:
            hold = "此人已在本户按户发放的同一救助中，不重复发放"
        elif not payee.bank_account_enc:
            hold = "无银行账户，暂停发放，请补录账户"
        amount, dated = in_force[e.pk]
        should = determined.get(e.pk)
        mismatch = should is not None and should != amount
        if mismatch and not hold:
            hold = mismatch_reason(should, amount)  # type: ignore[arg-type]
        lines.append({"kind": LineKind.REGULAR, "entitlement": e, "household_id": e.household_id, "member": payee,
                      "programme": e.programme, "amount": amount, "members_covered": e.members_covered,
                      "status": LineStatus.HELD if hold else LineStatus.PENDING, "hold_reason": hold,
                      "carried_from": None, "area": e.household.area_type, "mismatch": mismatch,
                      "adjusted": dated if dated is not None and dated.from_month == month else None})
    # The price-linked temporary subsidy, the month it is triggered, for the covered groups.
    per_person: dict[str, tuple[Decimal, str, Decimal]] = {}
    for line in list(lines):
        e = line["entitlement"]
        area = line["area"]
        if line["status"] != LineStatus.PENDING:
            continue
        look = _lookup(params, county.code, area, month)
        if PRICE_PROGRAMMES.get(e.programme) not in set(as_codes(look("assistance.price_subsidy.categories"))):
            continue
        if area not in per_person:
            cpi, food = look("assistance.price_subsidy.cpi_yoy"), look("assistance.price_subsidy.food_yoy")
            amount, basis = price_subsidy(
                standard=look("dibao.standard"), cpi_yoy=cpi, food_yoy=food,
                cpi_trigger=look("assistance.price_subsidy.cpi_trigger"),
                food_trigger=look("assistance.price_subsidy.food_trigger"),
                floor=look("assistance.price_subsidy.floor"))
            per_person[area] = (amount, basis, cpi if basis == "cpi" else food)
        amount, basis, value = per_person[area]
        if amount > 0:
            lines.append({**line, "kind": LineKind.PRICE, "programme": "price_subsidy",
                          "amount": amount * e.members_covered,
                          "basis_note": f"{'CPI' if basis == 'cpi' else '食品CPI'}同比上涨{value}%，"
                                        f"每人{amount}元×{e.members_covered}人"})
    for c in carried:
        hold = dead_before([c.member])
        lines.append({"kind": LineKind.CARRIED, "entitlement": c.entitlement, "household_id": c.household_id,
                      "member": c.member, "programme": c.programme, "amount": c.amount,
                      "members_covered": c.members_covered, "status": LineStatus.HELD if hold else LineStatus.PENDING,
                      "hold_reason": hold, "carried_from": c, "area": c.household.area_type})
    return lines


def _digest(lines: list[dict[str, Any]]) -> str:
    canon = [[str(x["kind"]), x["entitlement"].pk if x["entitlement"] else None, x["member"].pk, x["programme"],
              f"{x['amount']:.2f}", str(x["status"]), x["hold_reason"],
              x["carried_from"].pk if x["carried_from"] else None] for x in lines]
    return hashlib.sha256(json.dumps(canon, ensure_ascii=False).encode()).hexdigest()


def _explain(lines: list[dict[str, Any]], previous: Payroll | None, month: dt.date) -> tuple[list[dict[str, Any]], int]:
    """Set change/previous_amount/note on each line; return the previous month's lines not paid now, with why."""
    unexplained = 0
    prev: dict[tuple[str, int | None], PayrollLine] = {}
    if previous is not None:
        for p in previous.lines.exclude(kind=LineKind.CARRIED).select_related("entitlement", "household"):
            prev[(p.kind, p.entitlement_id)] = p
    seen = set()
    for x in lines:
        e = x["entitlement"]
        key = (str(x["kind"]), e.pk if e else None)
        seen.add(key)
        p = prev.get(key)
        x["previous_amount"] = p.amount if p else None
        if x["kind"] == LineKind.CARRIED:
            c = x["carried_from"]
            x["change"], x["note"] = LineChange.CARRIED, \
                f"补发{c.payroll.month:%Y-%m}未成功的发放（银行退回：{c.failure_reason or '未说明'}）"
        elif x["status"] == LineStatus.HELD:
            x["change"], x["note"] = LineChange.HELD, x["hold_reason"]
        elif p is None:
            x["change"] = LineChange.NEW
            if x["kind"] == LineKind.PRICE:
                x["note"] = f"价格临时补贴启动：{x['basis_note']}"
            elif previous is None:
                x["note"] = f"本县首次生成发放名册；{_decision(e.decision_ref)}于{e.approved_on}批准，自{e.start_month:%Y-%m}起发放"
            elif e.start_month == month:
                x["note"] = f"新增：{_decision(e.decision_ref)}于{e.approved_on}批准，自{e.start_month:%Y-%m}起发放"
            else:
                x["note"] = f"上月名册无此项：自{e.start_month:%Y-%m}起应发（上月未生成或暂停）"
        elif p.amount != x["amount"]:
            x["change"] = LineChange.CHANGED
            if x["kind"] == LineKind.PRICE:
                x["note"] = f"价格临时补贴金额由{p.amount}元调整为{x['amount']}元：{x['basis_note']}"
            elif p.status == LineStatus.HELD:
                x["note"] = "上月暂停，本月恢复发放"
            elif x.get("adjusted") is not None:
                a = x["adjusted"]
                why = a.reason.removeprefix("调标：")
                x["note"] = f"调标（清单 {a.adjustment_id} 已审批）：由{p.amount:,.2f}元调整为{x['amount']:,.2f}元；{why}"
            else:
                x["note"] = ""
                unexplained += 1
        else:
            x["change"] = LineChange.SAME
            x["note"] = "上月暂停，本月恢复发放" if p.status == LineStatus.HELD else ""
    ended = []
    for key, p in prev.items():
        if key in seen:
            continue
        e = p.entitlement
        if p.kind == LineKind.PRICE:
            why = "本月物价指数未达到启动条件，价格临时补贴停发"
        elif e is not None and e.end_month is not None and e.end_month < month:
            why = f"已于{e.end_month:%Y-%m}终止：{e.end_reason}"
        else:
            why = ""
            unexplained += 1
        ended.append({"line_ref": p.line_ref, "household": p.household.code, "programme": p.programme,
                      "amount": f"{p.amount:.2f}", "reason": why or "未能说明原因"})
    return ended, unexplained


def generate_payroll(*, actor: User | None, county: str, month: dt.date, ctx: Any = None) -> Payroll:
    """The payroll of ``county`` for ``month``: generated once; again with the same inputs → the same payroll.

    With *ctx* (the job ``assistance.payroll``) it writes inside the job's ``commit()`` and reports progress.
    """
    _check(actor, "manage_payroll", county)
    region = Region.objects.filter(code=county, level="county").first()
    if region is None:
        raise PayrollError("county", f"{county} 不是县级区划", f"{county} is not a county")
    month = month_start(month)
    params = current_parameters()
    if ctx is not None:
        ctx.phase("plan", total=1)
    # The month's determination of the paid households (batch engine, outside the transaction).
    determined = determined_amounts(list(active_in_month(county, month)), month, params)
    with (ctx.commit() if ctx is not None else transaction.atomic()):
        Region.objects.select_for_update().filter(pk=region.pk).first()  # one generation per county at a time
        lines = _plan(region, month, params, determined)
        digest = _digest(lines)
        existing = Payroll.objects.filter(county=region, month=month).first()
        if existing is not None:
            if existing.digest == digest:
                if ctx is not None:
                    ctx.set_result(_summary(existing))
                return existing
            raise PayrollError(
                "exists", f"{region.name}{month:%Y年%m月}的发放名册已生成（状态：{existing.get_state_display()}），"
                          "本次计算结果与之不同；同一月份不能生成两份名册。如需重新生成，请先作废未审批的名册。",
                f"The payroll of {county} for {month:%Y-%m} already exists and differs from this computation; "
                "discard the unapproved payroll first")
        previous = Payroll.objects.filter(county=region, month=add_months(month, -1)).first()
        ended, unexplained = _explain(lines, previous, month)
        payroll = Payroll.objects.create(
            county=region, month=month, digest=digest, parameter_version=params.version,
            lines_count=len(lines), previous=previous, ended=ended, unexplained=unexplained,
            total_amount=sum((x["amount"] for x in lines if x["status"] == LineStatus.PENDING), Decimal("0")),
            held_count=sum(1 for x in lines if x["status"] == LineStatus.HELD),
            mismatched=sum(1 for x in lines if x.get("mismatch")), generated_by=_actor(actor))
        if ctx is not None:
            ctx.phase("store", total=len(lines))
        # Set-based (core.bulkwrite: COPY on PostgreSQL, executemany on SQLite), rows as tuples.
        for start in range(0, len(lines), STORE_CHUNK):
            chunk = lines[start:start + STORE_CHUNK]
            ids = bulkwrite.allocate_ids(PayrollLine, len(chunk))
            bulkwrite.insert_rows(PayrollLine, [
                (pk, payroll.pk, f"{county}{month:%Y%m}{i:06d}", str(x["kind"]), _pk(x["entitlement"]), x["household_id"],
                 _pk(x["member"]), x["programme"], x["amount"], x["members_covered"], str(x["status"]),
                 x["hold_reason"][:200], "", str(x["change"]), x["previous_amount"], x["note"][:300], _pk(x["carried_from"]))
                for i, (pk, x) in enumerate(zip(ids, chunk, strict=True), start=start + 1)], _LINE_COLUMNS)
            if ctx is not None:
                ctx.progress(min(start + STORE_CHUNK, len(lines)))
        audit("assistance.payroll_generated", actor=_actor(actor), object_type="payroll", object_id=payroll.pk,
              county=county, month=f"{month:%Y-%m}", lines=len(lines), total=str(payroll.total_amount),
              held=payroll.held_count, unexplained=unexplained, mismatched=payroll.mismatched)
        if ctx is not None:
            ctx.set_result(_summary(payroll))
    return payroll


STORE_CHUNK = 5000
_LINE_COLUMNS = ("id", "payroll_id", "line_ref", "kind", "entitlement_id", "household_id", "member_id", "programme",
                 "amount", "members_covered", "status", "hold_reason", "failure_reason", "change", "previous_amount",
                 "note", "carried_from_id")


def _pk(obj: Any) -> Any:
    return None if obj is None else obj.pk


def _summary(p: Payroll) -> dict[str, Any]:
    return {"payroll": p.pk, "county": p.county_id, "month": f"{p.month:%Y-%m}", "lines": p.lines_count,
            "total": f"{p.total_amount:.2f}", "held": p.held_count}


def payroll_job(ctx: Any, *, county: str, month: str) -> dict[str, Any]:
    """The job ``assistance.payroll``: generate ``county``'s payroll for ``month`` (YYYY-MM)."""
    generate_payroll(actor=ctx.actor, county=county, month=dt.date.fromisoformat(f"{month}-01"), ctx=ctx)
    return {}


def discard_payroll(*, actor: User, payroll: Payroll) -> None:
    """Throw away a payroll not yet approved (e.g. to regenerate after a correction)."""
    _check(actor, "manage_payroll", payroll.county_id)
    with transaction.atomic():
        p = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if p.state != PayrollState.GENERATED:
            raise PayrollError("state", "已审批的名册不能作废", "An approved payroll cannot be discarded")
        audit("assistance.payroll_discarded", actor=_actor(actor), object_type="payroll", object_id=p.pk,
              county=p.county_id, month=f"{p.month:%Y-%m}")
        p.lines.all().delete()
        p.delete()


def approve_payroll(*, actor: User, payroll: Payroll) -> Payroll:
    """Four eyes: a second person approves; every difference with last month must be explained."""
    if actor is None or not getattr(actor, "pk", None):
        raise PayrollError("actor", "审批须由经办人员本人进行", "A person must approve")
    _check(actor, "manage_payroll", payroll.county_id)
    with transaction.atomic():
        p = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if p.state != PayrollState.GENERATED:
            raise PayrollError("state", "该名册已审批", "The payroll is already approved")
        if p.generated_by_id == actor.pk:
            raise PayrollError("four_eyes", "生成名册的人员不能审批同一名册，须由另一名经办人员审批",
                               "The person who generated the payroll cannot approve it: a second person must")
        if p.mismatched:
            raise PayrollError("mismatched", f"有{p.mismatched}笔金额与当月认定结果不一致（已暂停），请先完成调标、"
                               "作废本名册后重新生成",
                               f"{p.mismatched} amounts differ from the month's determination: run and approve "
                               "the adjustment, discard this payroll and generate it again")
        if p.unexplained:
            raise PayrollError("unexplained", f"与上月相比有{p.unexplained}处差异未能说明原因，不能审批",
                               f"{p.unexplained} differences with last month are unexplained")
        p.state, p.approved_by, p.approved_at = PayrollState.APPROVED, actor, timezone.now()
        p.save(update_fields=["state", "approved_by", "approved_at"])
        audit("assistance.payroll_approved", actor=actor, object_type="payroll", object_id=p.pk,
              county=p.county_id, month=f"{p.month:%Y-%m}", total=str(p.total_amount))
    return p


def _safe(value: str) -> str:
    """Formula-safe text cell (a leading =, +, -, @ is neutralised)."""
    return "'" + value if value.startswith(_FORMULA) else value


def bank_rows(payroll: Payroll, columns: list[str]) -> list[list[str]]:
    out = []
    lines = payroll.lines.filter(status__in=(LineStatus.PENDING, LineStatus.PAID, LineStatus.FAILED)) \
        .select_related("member", "household").order_by("id")
    ring = keyring()
    for seq, line in enumerate(lines, start=1):
        m = line.member
        values = {
            "seq": str(seq), "line_ref": line.line_ref, "name": m.name, "amount": f"{line.amount:.2f}",
            "id_masked": m.id_number_masked, "programme": PROGRAMMES.get(line.programme, (line.programme,))[0],
            "month": f"{payroll.month:%Y-%m}", "household_code": line.household.code, "county": payroll.county_id,
            "account": decrypt_field(ring, m.bank_account_enc, table="registry_member", column="bank_account",
                                     row=str(m.uid)) if "account" in columns else "",
        }
        out.append([_safe(values[c]) for c in columns])
    return out


def export_bank_file(*, actor: User, payroll: Payroll, fmt: str = "csv") -> tuple[bytes, str, str]:
    """The bank file of an approved payroll: (content, file name, content type). Audited."""
    _check(actor, "manage_payroll", payroll.county_id)
    if fmt not in ("csv", "xlsx"):
        raise PayrollError("format", "格式须为 csv 或 xlsx", "The format must be csv or xlsx")
    if payroll.state == PayrollState.GENERATED:
        raise PayrollError("state", "名册审批后才能导出银行代发文件", "Approve the payroll before exporting it")
    columns = as_codes(current_parameters().resolve("assistance.bank_file.columns", payroll.county_id, "rural",
                                                    payroll.month).value)
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise PayrollError("columns", f"银行文件列设置有误：{'、'.join(unknown)}", f"Unknown bank-file columns: {', '.join(unknown)}")
    rows = bank_rows(payroll, columns)
    header = [COLUMNS[c] for c in columns]
    name = f"payroll-{payroll.county_id}-{payroll.month:%Y%m}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(header)
        w.writerows(rows)
        content, ctype = buf.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("发放名册")
        ws.append(header)
        for row in rows:
            ws.append(row)  # every cell text: amounts exact, accounts keep leading zeros
        out = io.BytesIO()
        wb.save(out)
        content, ctype = out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with transaction.atomic():
        p = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if p.state == PayrollState.APPROVED:
            p.state, p.exported_at = PayrollState.EXPORTED, timezone.now()
            p.save(update_fields=["state", "exported_at"])
        # The bank file is the county's legitimate bulk need (its own four-eyes approval of the payroll);
        # what left the platform is identified by its SM3 (ADR 0025).
        audit("assistance.bank_file_exported", actor=_actor(actor), object_type="payroll", object_id=p.pk,
              format=fmt, rows=len(rows), total=str(p.total_amount), columns=",".join(columns),
              sm3=sm3_hex(content))
    payroll.refresh_from_db()
    return content, name, ctype


_RETURN_HEADERS = {
    "line_ref": ("line_ref", "流水号"), "amount": ("amount", "金额", "金额（元）"),
    "result": ("result", "结果", "处理结果", "status"), "reason": ("reason", "失败原因", "原因"),
}
_OK = {"success", "paid", "ok", "成功", "已发放"}
_FAIL = {"failed", "fail", "失败", "退回"}


def _read_return(content: bytes, filename: str) -> list[dict[str, str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001 - a broken file is refused with a message
            raise PayrollError("file", "无法读取回盘文件（xlsx）", "The return file cannot be read") from exc
        table = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise PayrollError("file", "回盘文件编码无法识别", "Unknown encoding") from exc
        table = list(csv.reader(io.StringIO(text)))
    if not table:
        raise PayrollError("file", "回盘文件为空", "The return file is empty")
    header = [h.strip().lstrip("'") for h in table[0]]
    index = {}
    for key, names in _RETURN_HEADERS.items():
        for i, h in enumerate(header):
            if h.lower() in names or h in names:
                index[key] = i
    missing = [k for k in ("line_ref", "amount", "result") if k not in index]
    if missing:
        raise PayrollError("columns", f"回盘文件缺少列：{'、'.join(_RETURN_HEADERS[k][1] for k in missing)}",
                           f"The return file lacks columns: {missing}")
    rows = []
    for row in table[1:]:
        if not any(c.strip() for c in row):
            continue
        rows.append({k: (row[i].strip().lstrip("'") if i < len(row) else "") for k, i in index.items()})
    return rows


def reconcile(*, actor: User, payroll: Payroll, content: bytes, filename: str) -> Payroll:
    """Apply the bank's return file. A file not matching the payroll exactly is refused, nothing saved."""
    _check(actor, "manage_payroll", payroll.county_id)
    digest = hashlib.sha256(content).hexdigest()
    if payroll.state == PayrollState.RECONCILED:
        if payroll.return_hash == digest:
            return payroll
        raise PayrollError("state", "该名册已对账", "The payroll is already reconciled")
    if payroll.state != PayrollState.EXPORTED:
        raise PayrollError("state", "名册导出银行文件后才能对账", "Export the bank file before reconciling")
    rows = _read_return(content, filename)
    lines = {x.line_ref: x for x in payroll.lines.filter(status=LineStatus.PENDING).select_related("member")}
    problems: list[str] = []
    seen: set[str] = set()
    for n, r in enumerate(rows, start=2):
        ref = r["line_ref"]
        line = lines.get(ref)
        if line is None:
            problems.append(f"第{n}行：流水号 {ref} 不在本名册中")
            continue
        if ref in seen:
            problems.append(f"第{n}行：流水号 {ref} 重复")
        seen.add(ref)
        try:
            amount = Decimal(r["amount"].replace(",", ""))
        except InvalidOperation:
            problems.append(f"第{n}行：金额 {r['amount']!r} 无法识别")
            continue
        if amount != line.amount:
            problems.append(f"第{n}行：金额 {amount} 与名册 {line.amount} 不符")
        result = r["result"].lower()
        if result not in _OK and result not in _FAIL:
            problems.append(f"第{n}行：结果 {r['result']!r} 应为 成功/失败")
    absent = sorted(set(lines) - seen)
    if absent:
        problems.append(f"名册中有{len(absent)}笔在回盘文件中没有结果（如 {absent[0]}）")
    if problems:
        raise PayrollError("mismatch", "回盘文件与发放名册不符，未做任何处理：" + "；".join(problems[:8])
                           + ("……" if len(problems) > 8 else ""),
                           f"The return file does not match the payroll ({len(problems)} problems); nothing saved")
    county, month = payroll.county_id, payroll.month
    month_end = add_months(month, 1) - dt.timedelta(days=1)
    with transaction.atomic():
        p = Payroll.objects.select_for_update().get(pk=payroll.pk)
        if p.state != PayrollState.EXPORTED:
            raise PayrollError("state", "该名册状态已变化，请刷新", "The payroll changed; reload")
        failed = 0
        for r in rows:
            line = lines[r["line_ref"]]
            if r["result"].lower() in _OK:
                line.status = LineStatus.PAID
                record_platform_assistance(
                    member=line.member, programme=line.programme,
                    fact_key=f"payroll:{county}:{month:%Y-%m}:{line.member.uid}:{line.programme}:{line.kind}",
                    start_date=month, end_date=month_end, amount=line.amount, basis=AmountBasis.TOTAL)
            else:
                line.status, line.failure_reason = LineStatus.FAILED, (r.get("reason") or "银行未说明原因")[:200]
                failed += 1
        PayrollLine.objects.bulk_update(list(lines.values()), ["status", "failure_reason"], batch_size=2000)
        p.state, p.reconciled_at, p.return_hash = PayrollState.RECONCILED, timezone.now(), digest
        p.save(update_fields=["state", "reconciled_at", "return_hash"])
        audit("assistance.payroll_reconciled", actor=_actor(actor), object_type="payroll", object_id=p.pk,
              paid=len(rows) - failed, failed=failed, file=digest)
    return p
