"""Monthly payrolls: generated once, compared with last month, four eyes, bank file, reconciliation,
failures carried over, death and duplicates held, the price subsidy, gradual exit, totals, the chain."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from jiuzhu.apps.assistance import payroll as pay
from jiuzhu.apps.assistance.models import Entitlement, LineStatus, Payroll, PayrollLine
from jiuzhu.apps.assistance.services import end_entitlement, start_entitlement, start_gradual_exit
from jiuzhu.apps.core.models import AuditEvent
from jiuzhu.apps.exchange.models import AssistanceRecord

from .helpers import add_member, born, death_record, household_with

pytestmark = pytest.mark.django_db
NOV, DEC, JAN = dt.date(2026, 11, 1), dt.date(2026, 12, 1), dt.date(2027, 1, 1)


def approve_revision(path: str, value: str, on: dt.date, users: dict[str, Any]) -> None:
    """An approved parameter revision (drafted by one person, approved by another)."""
    from jiuzhu.apps.core.models import Region
    from jiuzhu.apps.policy.models import ParameterRevision

    ParameterRevision.objects.create(path=path, region=Region.objects.get(code="360000"), area="all",
                                     effective_from=on, value=value, reference="测试", status="approved",
                                     created_by=users["province"], decided_by=users["auditor"])


@pytest.fixture
def world(users: dict[str, Any]) -> dict[str, Any]:
    t = users["township"]
    a = household_with(t, head_birth=born(45, NOV), name="赵甲", bank_account="6222000011112222")
    add_member(t, a, birth=born(12, NOV), name="赵乙", school_stage="junior", employment="student")
    b = household_with(users["county"], village="360124101001", head_birth=born(70, NOV), name="=SUM(1)",
                       bank_account="0012345678901")
    kid = add_member(users["county"], b, birth=born(8, NOV), name="钱丙", bank_account="6222000033334444")
    dibao = start_entitlement(actor=users["county"], household=a, programme="dibao", monthly_amount=Decimal("1764.00"),
                              approved_on=dt.date(2026, 10, 20), decision_ref="application:a", category="dibao")
    tekun = start_entitlement(actor=users["county"], household=b, member=b.members.get(relation="head"),
                              programme="tekun", monthly_amount=Decimal("1182.00"), approved_on=dt.date(2026, 10, 5),
                              decision_ref="application:b", category="tekun")
    return {"a": a, "b": b, "kid": kid, "dibao": dibao, "tekun": tekun}


def return_file(payroll: Payroll, fail: dict[str, str] | None = None, amounts: dict[str, str] | None = None,
                drop: int = 0) -> bytes:
    fail, amounts = fail or {}, amounts or {}
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["流水号", "金额", "结果", "失败原因"])
    lines = list(payroll.lines.filter(status=LineStatus.PENDING).order_by("id"))
    for line in lines[: len(lines) - drop]:
        w.writerow([line.line_ref, amounts.get(line.line_ref, f"{line.amount:.2f}"),
                    "失败" if line.line_ref in fail else "成功", fail.get(line.line_ref, "")])
    return buf.getvalue().encode("utf-8")


def test_generate_once_identical_or_refused(world: dict[str, Any], users: dict[str, Any]) -> None:
    p = pay.generate_payroll(actor=users["county"], county="360124", month=dt.date(2026, 11, 17))
    assert p.month == NOV and p.lines_count == 2 and p.total_amount == Decimal("2946.00")
    assert {(x.programme, x.amount, x.change) for x in p.lines.all()} == {
        ("dibao", Decimal("1764.00"), "new"), ("tekun", Decimal("1182.00"), "new")}
    assert all("首次" in x.note for x in p.lines.all())
    again = pay.generate_payroll(actor=users["county"], county="360124", month=NOV)
    assert again.pk == p.pk and PayrollLine.objects.count() == 2  # identical: the same payroll
    # the inputs change: a second, different payroll for the same month is refused
    start_entitlement(actor=users["county"], household=world["a"], programme="temporary_assistance",
                      monthly_amount=Decimal("100.00"), approved_on=dt.date(2026, 10, 1), decision_ref="x")
    with pytest.raises(pay.PayrollError) as err:
        pay.generate_payroll(actor=users["county"], county="360124", month=NOV)
    assert err.value.code == "exists" and "同一月份不能生成两份名册" in err.value.message_zh
    assert Payroll.objects.count() == 1 and PayrollLine.objects.count() == 2
    pay.discard_payroll(actor=users["county"], payroll=p)
    assert pay.generate_payroll(actor=users["county"], county="360124", month=NOV).lines_count == 3


def test_scope_and_county_checks(world: dict[str, Any], users: dict[str, Any]) -> None:
    with pytest.raises(pay.PayrollError) as err:
        pay.generate_payroll(actor=users["county_b"], county="360124", month=NOV)
    assert err.value.code == "scope"
    with pytest.raises(pay.PayrollError):
        pay.generate_payroll(actor=None, county="360124100", month=NOV)  # a township, not a county


def test_four_eyes(world: dict[str, Any], users: dict[str, Any]) -> None:
    from jiuzhu.apps.core.services import user_create
    from tests.conftest import PASSWORD

    p = pay.generate_payroll(actor=users["county"], county="360124", month=NOV)
    with pytest.raises(pay.PayrollError) as err:
        pay.approve_payroll(actor=users["county"], payroll=p)
    assert err.value.code == "four_eyes"
    with pytest.raises(pay.PayrollError):
        pay.export_bank_file(actor=users["county"], payroll=p)  # not approved yet
    second = user_create(actor=None, username="county2", password=PASSWORD, role="county", region=users["county"].region)
    p = pay.approve_payroll(actor=second, payroll=p)
    assert p.state == "approved" and p.approved_by == second
    assert AuditEvent.objects.filter(event="assistance.payroll_approved", actor=second).exists()
    with pytest.raises(pay.PayrollError):
        pay.discard_payroll(actor=users["county"], payroll=p)


def approved(users: dict[str, Any], month: dt.date) -> Payroll:
    p = pay.generate_payroll(actor=None, county="360124", month=month)
    return pay.approve_payroll(actor=users["county"], payroll=p)


def test_bank_file_csv_and_xlsx_exact_and_formula_safe(world: dict[str, Any], users: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    p = approved(users, NOV)
    content, name, ctype = pay.export_bank_file(actor=users["county"], payroll=p, fmt="csv")
    assert name == "payroll-360124-202611.csv" and ctype.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["流水号", "银行账号", "姓名", "金额（元）", "身份证号（脱敏）", "发放项目", "发放月份", "户编号"]
    by_name = {r[2]: r for r in rows[1:]}
    assert by_name["赵甲"][1] == "6222000011112222" and by_name["赵甲"][3] == "1764.00"
    tekun = by_name["'=SUM(1)"]  # a name starting with "=" cannot become a formula
    assert tekun[1] == "0012345678901" and tekun[3] == "1182.00"  # leading zeros and fen kept
    assert "*" in tekun[4]
    p.refresh_from_db()
    assert p.state == "exported"
    assert AuditEvent.objects.filter(event="assistance.bank_file_exported").count() == 1
    event = AuditEvent.objects.get(event="assistance.bank_file_exported")
    assert "6222000011112222" not in str(event.detail)
    xlsx, _, _ = pay.export_bank_file(actor=users["county"], payroll=p, fmt="xlsx")
    ws = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][3] == "金额（元）" and {v[3] for v in values[1:]} == {"1764.00", "1182.00"}
    assert {v[1] for v in values[1:]} == {"6222000011112222", "0012345678901"}


def test_bank_file_layout_is_a_parameter(world: dict[str, Any], users: dict[str, Any]) -> None:
    approve_revision("assistance.bank_file.columns", "seq,account,amount", dt.date(2026, 11, 1), users)
    p = approved(users, NOV)
    rows = list(csv.reader(io.StringIO(pay.export_bank_file(actor=None, payroll=p)[0].decode("utf-8-sig"))))
    assert rows[0] == ["序号", "银行账号", "金额（元）"]
    assert sorted(r[2] for r in rows[1:]) == ["1182.00", "1764.00"] and [r[0] for r in rows[1:]] == ["1", "2"]


def test_return_file_not_matching_is_refused(world: dict[str, Any], users: dict[str, Any]) -> None:
    p = approved(users, NOV)
    with pytest.raises(pay.PayrollError):
        pay.reconcile(actor=users["county"], payroll=p, content=return_file(p), filename="r.csv")  # not exported
    pay.export_bank_file(actor=users["county"], payroll=p)
    p.refresh_from_db()
    first = p.lines.order_by("id").first()
    for bad in (return_file(p, amounts={first.line_ref: "1764.01"}), return_file(p, drop=1),
                return_file(p).replace(first.line_ref.encode(), b"360124209901000001"),
                "流水号,金额\n1,2\n".encode()):
        with pytest.raises(pay.PayrollError) as err:
            pay.reconcile(actor=users["county"], payroll=p, content=bad, filename="r.csv")
        assert err.value.code in ("mismatch", "columns")
    p.refresh_from_db()
    assert p.state == "exported" and not p.lines.exclude(status=LineStatus.PENDING).exists()
    assert not AssistanceRecord.objects.filter(source="platform", end_date=dt.date(2026, 11, 30)).exists()


def test_round_trip_failures_carried_death_and_end(world: dict[str, Any], users: dict[str, Any]) -> None:
    p = approved(users, NOV)
    pay.export_bank_file(actor=users["county"], payroll=p)
    p.refresh_from_db()
    dibao_line = p.lines.get(programme="dibao")
    content = return_file(p, fail={dibao_line.line_ref: "账户已冻结"})
    p = pay.reconcile(actor=users["county"], payroll=p, content=content, filename="r.csv")
    assert p.state == "reconciled"
    dibao_line.refresh_from_db()
    assert dibao_line.status == "failed" and dibao_line.failure_reason == "账户已冻结"
    assert p.lines.get(programme="tekun").status == "paid"
    # the paid one is on the chain, with its month; the failed one is not
    paid = AssistanceRecord.objects.get(source="platform", end_date=dt.date(2026, 11, 30))
    assert (paid.programme, paid.amount, paid.start_date, paid.end_date) == (
        "tekun", Decimal("1182.00"), NOV, dt.date(2026, 11, 30))
    # the same file again: nothing changes
    assert pay.reconcile(actor=users["county"], payroll=p, content=content, filename="r.csv").pk == p.pk
    with pytest.raises(pay.PayrollError):
        pay.reconcile(actor=users["county"], payroll=p, content=content + b"\n", filename="r.csv")
    # December: the failure is paid again; the tekun person died on 20 November
    death_record(world["b"].members.get(relation="head"), dt.date(2026, 11, 20))
    dec = pay.generate_payroll(actor=None, county="360124", month=DEC)
    lines = {(x.kind, x.programme): x for x in dec.lines.all()}
    carried = lines[("carried", "dibao")]
    assert carried.carried_from_id == dibao_line.pk and carried.amount == Decimal("1764.00")
    assert "账户已冻结" in carried.note and carried.change == "carried"
    assert lines[("regular", "dibao")].change == "same"
    held = lines[("regular", "tekun")]
    assert held.status == "held" and "死亡" in held.hold_reason and held.change == "held"
    assert dec.total_amount == Decimal("3528.00") and dec.unexplained == 0
    # January: dibao ended after December with a reason; the carried line is not carried twice
    pay.approve_payroll(actor=users["county"], payroll=dec)
    end_entitlement(actor=users["county"], entitlement=world["dibao"], last_month=DEC, reason="收入超过标准")
    jan = pay.generate_payroll(actor=None, county="360124", month=JAN)
    assert not jan.lines.filter(programme="dibao").exists()
    assert [e["reason"] for e in jan.ended if e["programme"] == "dibao"] == ["已于2026-12终止：收入超过标准"]
    assert jan.unexplained == 0


def test_unexplained_difference_blocks_approval(world: dict[str, Any], users: dict[str, Any]) -> None:
    # a programme the determination does not give (so not checked against it) changes amount unexplained
    other = start_entitlement(actor=None, household=world["a"], programme="disability_subsidies",
                              monthly_amount=Decimal("50.00"), approved_on=dt.date(2026, 10, 1), decision_ref="h")
    approved(users, NOV)
    Entitlement.objects.filter(pk=other.pk).update(monthly_amount=Decimal("60.00"))  # changed behind our back
    dec = pay.generate_payroll(actor=None, county="360124", month=DEC)
    assert dec.unexplained == 1 and dec.mismatched == 0
    with pytest.raises(pay.PayrollError) as err:
        pay.approve_payroll(actor=users["county"], payroll=dec)
    assert err.value.code == "unexplained"


def test_amount_differing_from_the_determination_is_held(world: dict[str, Any], users: dict[str, Any]) -> None:
    """Issue 13 item 1: a dibao paid at another amount than the month's determination is held, with the reason."""
    approved(users, NOV)
    Entitlement.objects.filter(pk=world["dibao"].pk).update(monthly_amount=Decimal("600.00"))  # changed behind our back
    dec = pay.generate_payroll(actor=None, county="360124", month=DEC)
    line = dec.lines.get(programme="dibao", kind="regular")
    assert line.status == "held" and line.amount == Decimal("600.00")
    assert line.hold_reason == "金额与当月认定结果不一致：认定 1,764.00元，名册 600.00元；请先完成调标"
    assert dec.mismatched == 1 and dec.total_amount == Decimal("1182.00")  # the held line is not in the total
    with pytest.raises(pay.PayrollError) as err:
        pay.approve_payroll(actor=users["county"], payroll=dec)
    assert err.value.code == "mismatched" and "调标" in err.value.message_zh


def test_person_in_two_households_and_duplicate_held(world: dict[str, Any], users: dict[str, Any]) -> None:
    # a member-level entitlement recorded on household A for a person who lives in household B
    start_entitlement(actor=None, household=world["a"], member=world["kid"], programme="dibao_individual",
                      monthly_amount=Decimal("300.00"), approved_on=dt.date(2026, 10, 1), decision_ref="d1")
    # a member-level dibao for someone whose household already gets dibao
    start_entitlement(actor=None, household=world["a"], member=world["a"].members.get(relation="child"),
                      programme="dibao", monthly_amount=Decimal("200.00"), approved_on=dt.date(2026, 10, 1),
                      decision_ref="d2")
    p = pay.generate_payroll(actor=None, county="360124", month=NOV)
    held = {x.programme: x.hold_reason for x in p.lines.filter(status="held")}
    assert "一人两户" in held["dibao_individual"]
    assert "不重复发放" in held["dibao"]
    assert p.total_amount == Decimal("2946.00")  # nothing paid twice


def test_no_bank_account_held_and_start_month_respected(world: dict[str, Any], users: dict[str, Any]) -> None:
    c = household_with(users["township"], head_birth=born(50, NOV), name="孙无卡")
    start_entitlement(actor=None, household=c, programme="dibao", monthly_amount=Decimal("100.00"),
                      approved_on=dt.date(2026, 11, 3), decision_ref="c")  # starts in December
    assert not pay.generate_payroll(actor=None, county="360124", month=NOV).lines.filter(household=c).exists()
    dec = pay.generate_payroll(actor=None, county="360124", month=DEC)
    line = dec.lines.get(household=c)
    assert line.status == "held" and "银行账户" in line.hold_reason


def test_price_subsidy_paid_in_the_triggered_month(world: dict[str, Any], users: dict[str, Any]) -> None:
    approve_revision("assistance.price_subsidy.cpi_yoy", "3.5", DEC, users)
    approve_revision("assistance.price_subsidy.cpi_yoy", "1.0", JAN, users)
    approved(users, NOV)
    dec = pay.generate_payroll(actor=None, county="360124", month=DEC)
    price = {x.household_id: x for x in dec.lines.filter(kind="price")}
    # 进贤县 (南昌市) rural standard 2026: 840.00 → 29.40 per person
    assert price[world["a"].pk].amount == Decimal("58.80")  # 2 members covered
    assert price[world["b"].pk].amount == Decimal("29.40")
    assert price[world["a"].pk].change == "new" and "3.5" in price[world["a"].pk].note
    pay.approve_payroll(actor=users["county"], payroll=dec)
    jan = pay.generate_payroll(actor=None, county="360124", month=JAN)
    assert not jan.lines.filter(kind="price").exists()
    assert sum(1 for e in jan.ended if "未达到启动条件" in e["reason"]) == 2 and jan.unexplained == 0


def test_gradual_exit(world: dict[str, Any], users: dict[str, Any]) -> None:
    e = start_gradual_exit(actor=users["county"], entitlement=world["dibao"], income_rose_on=dt.date(2026, 12, 10),
                           reason="户主在县工业园就业")
    assert e.end_month == dt.date(2027, 6, 1) and e.end_reason.startswith("渐退（6个月）")  # 6 months (parameter)
    p = pay.generate_payroll(actor=None, county="360124", month=dt.date(2027, 6, 1))
    assert p.lines.filter(programme="dibao").exists()
    assert not pay.generate_payroll(actor=None, county="360124", month=dt.date(2027, 7, 1)).lines.filter(
        programme="dibao").exists()


def test_totals(world: dict[str, Any], users: dict[str, Any]) -> None:
    p = approved(users, NOV)
    rows = pay.totals(Payroll.objects.all())
    by = {r["programme"]: r for r in rows}
    assert by["dibao"]["to_pay"] == Decimal("1764.00") and by["tekun"]["lines"] == 1
    assert by["dibao"]["paid"] == Decimal("0.00") and by["dibao"]["payroll__month"] == p.month


def test_hukou_death_holds_but_a_move_does_not(world: dict[str, Any], users: dict[str, Any]) -> None:
    head_a = world["a"].members.get(relation="head")
    rec = death_record(head_a, dt.date(2026, 10, 2), source="public_security_hukou_changes")
    rec.payload = {"change_type": "move_out"}
    rec.save()
    p = pay.generate_payroll(actor=None, county="360124", month=NOV)
    assert p.lines.get(programme="dibao").status == "pending"
    pay.discard_payroll(actor=None, payroll=p)
    death_record(head_a, dt.date(2026, 10, 3), source="public_security_hukou_changes")
    p = pay.generate_payroll(actor=None, county="360124", month=NOV)
    assert p.lines.get(programme="dibao").status == "held"


def test_temporary_assistance_small_amounts_by_the_township(world: dict[str, Any], users: dict[str, Any]) -> None:
    from django.core.exceptions import PermissionDenied

    from jiuzhu.apps.assistance.services import EntitlementError, grant_temporary

    kid, on = world["kid"], dt.date(2026, 11, 10)  # registered elsewhere (hukou not checked)
    record, route = grant_temporary(actor=users["township"], member=kid, amount=Decimal("1000.00"), kind="urgent",
                                    reason="火灾", on=on)
    assert route == "township" and record.programme == "temporary_assistance" and record.amount == Decimal("1000.00")
    with pytest.raises(PermissionDenied):  # above the small-amount cap: the county decides
        grant_temporary(actor=users["township"], member=kid, amount=Decimal("1000.01"), kind="urgent", reason="火灾",
                        on=on)
    _, route = grant_temporary(actor=users["county"], member=kid, amount=Decimal("3000.00"), kind="urgent",
                               reason="火灾", on=on)
    assert route == "county"
    with pytest.raises(EntitlementError) as err:  # 6 × 840 = 5,040: above only case by case
        grant_temporary(actor=users["county"], member=kid, amount=Decimal("5040.01"), kind="urgent", reason="火灾",
                        on=on)
    assert err.value.code == "cap"
    grant_temporary(actor=users["county"], member=kid, amount=Decimal("5040.01"), kind="urgent", reason="火灾", on=on,
                    case_by_case=True)
    with pytest.raises(EntitlementError):
        grant_temporary(actor=users["county"], member=kid, amount=Decimal("10.001"), kind="urgent", reason="x", on=on)
    assert AssistanceRecord.objects.filter(programme="temporary_assistance").count() == 3
