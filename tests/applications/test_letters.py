"""Decision letters (issue 13.2): built from the decision and its determination, checked on the PDF's text."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jiuzhu.apps.applications import letters
from tests.applications.conftest import D, new_application, run, to_visited
from tests.conftest import make_household

pytestmark = pytest.mark.django_db

# What must never be in a letter: placeholders, Python values, codes, gaps in the text.
BAD = [r"\bNone\b", r"\bnan\b", r"\{", r"\}", r"\b(dibao|tekun|marginal|rigid|approved|refused)\b", r"认定结果",
       r"：。", r"，。", r"（）", r"。。", r"年0\d月", r"月0\d日", r"\d元\s元"]


def pdf_text(app: Any) -> str:
    """The letter's PDF rendered to text (pypdf), lines joined: what a reader of the PDF sees."""
    import io

    pypdf = pytest.importorskip("pypdf")
    try:
        letters.font()
    except letters.LetterError:
        pytest.skip("no Chinese font installed (apt-get install fonts-noto-cjk)")
    pdf = letters.decision_letter(app)
    assert pdf.startswith(b"%PDF")
    if os.environ.get("JIUZHU_LETTERS_OUT"):  # keep the PDFs to look at (pdftoppm -png)
        Path(os.environ["JIUZHU_LETTERS_OUT"], f"{app.state}-{app.number}.pdf").write_bytes(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    # fpdf2 writes two-byte glyph codes; pypdf hands some back with NULs between characters.
    text = "".join(page.extract_text() or "" for page in reader.pages).replace("\x00", "")
    return re.sub(r"\s+", "", text)


def assert_clean(text: str) -> None:
    for pattern in BAD:
        assert not re.search(pattern, text), (pattern, text)


def _income_figures(app: Any) -> dict[str, str]:
    from jiuzhu.apps.applications.services import assess

    return assess(app.household, app.decided_on)["explanation"]["income"]["figures"]


def test_refusal_names_each_failed_criterion_with_its_figures(staff: dict[str, Any]) -> None:
    from jiuzhu.apps.registry.services import item_add

    h = make_household(staff["township"], "360124100001", "360124197007070053")
    item_add(actor=staff["township"], household=h, kind="income", data={
        "income_type": "wages", "amount": "18000.00", "period_start": "2025-10-01", "period_end": "2026-09-30"})
    app = new_application(staff["township"], h)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "收入超过低保标准", proposal="refuse")
    app = run(staff["county"], app, "refuse", D(2026, 10, 9), "家庭人均收入高于低保标准")
    text = pdf_text(app)
    assert_clean(text)
    per_capita = letters.format_amount(_income_figures(app)["per_capita_monthly_income"])
    assert "社会救助不予确认通知书" in text and "张三：" in text
    assert "你于2026年9月28日提出的社会救助申请" in text and "于2026年10月9日作出如下决定" in text
    assert "家庭人均收入高于低保标准。" in text  # the caseworker's reason
    assert f"不符合最低生活保障对象条件：月人均收入{per_capita}不低于低保标准840.00元" in text
    assert f"不符合低保边缘家庭条件：月人均收入{per_capita}不低于1.5倍低保标准1,260.00元" in text
    # The standard compared with, with its reference and date.
    assert "所依据的标准为：最低生活保障标准840.00元/人·月（南昌市2026年城乡低保标准调整通知" in text
    assert "自2026年1月1日起执行" in text
    assert "60日内向进贤县人民政府申请行政复议" in text and "6个月内依法向人民法院提起行政诉讼" in text
    assert text.endswith("进贤县民政局2026年10月9日")
    # The reasons stored on the case say the same, and never give a category as a reason.
    zh = [r["zh"] for r in app.decision_reasons]
    assert zh[0] == "家庭人均收入高于低保标准" and not any("认定结果" in r for r in zh)
    assert any(r.startswith("最低生活保障对象：月人均收入") for r in zh)


def test_a_refusal_against_the_determination_never_states_a_category_as_reason(staff: dict[str, Any],
                                                                              poor: Any) -> None:
    """The regression: a refusal letter gave "认定结果：最低生活保障对象" as its reason."""
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    run(staff["township"], app, "object", D(2026, 10, 12), "群众反映有经营收入", substantiated=True)
    run(staff["township"], app, "resolve", D(2026, 10, 19), "民主评议：异议成立")
    app = run(staff["county"], app, "refuse", D(2026, 10, 20), "经民主评议，群众反映的经营收入属实，家庭收入超过标准")
    assert app.decision_basis["contrary_to_determination"] is True
    assert app.transitions.get(action="refuse").detail["contrary_to_determination"] is True
    text = pdf_text(app)
    assert_clean(text)
    assert "经民主评议，群众反映的经营收入属实，家庭收入超过标准。" in text
    assert "最低生活保障对象" not in text and "符合最低" not in text
    assert [r["zh"] for r in app.decision_reasons] == ["经民主评议，群众反映的经营收入属实，家庭收入超过标准"]


def test_dibao_approval_names_category_amount_start_review_and_rights(staff: dict[str, Any], poor: Any) -> None:
    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 9), "符合", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 9))
    app = run(staff["county"], app, "approve", D(2026, 10, 16))
    text = pdf_text(app)
    assert_clean(text)
    assert "社会救助审核确认决定书" in text and f"编号：{app.number}" in text
    assert "确认你家庭为最低生活保障对象。" in text
    per_capita = letters.format_amount(_income_figures(app)["per_capita_monthly_income"])
    assert f"月人均收入{per_capita}低于低保标准840.00元" in text
    assert app.decision_amount and app.decision_amount > Decimal("0")
    assert f"月救助金额{app.decision_amount:,.2f}元，自2026年11月起按月发放。" in text
    assert "下一次定期核查时间为2027年4月16日。" in text
    assert "60日内向进贤县人民政府申请行政复议" in text
    assert text.endswith("进贤县民政局2026年10月16日")
    assert app.decision_reasons[0]["zh"] == "确认类别：最低生活保障对象。"


def test_marginal_approval_gives_the_income_reason_and_no_empty_amount(staff: dict[str, Any],
                                                                       households: dict[str, Any]) -> None:
    """The regression: a 低保边缘 approval named only property tests, no income, no amount, with gaps."""
    app = new_application(staff["township"], households["inside"], consent_next_tier=True)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "低保边缘", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    app = run(staff["county"], app, "approve", D(2026, 10, 15))
    text = pdf_text(app)
    assert_clean(text)
    assert "确认你家庭为低保边缘家庭。" in text
    # the exact per-capita income (a fraction of a fen here) is cut to the fen, never rounded up
    # toward the line (docs/decisions/0016 §5): within a fen below the stored, rounded figure
    shown = re.search(r"月人均收入([\d,]+\.\d\d)元低于1\.5倍低保标准1,260\.00元", text)
    assert shown, text
    stored = Decimal(str(_income_figures(app)["per_capita_monthly_income"]))
    assert stored - Decimal("0.01") <= Decimal(shown.group(1).replace(",", "")) <= stored
    assert "金融资产（不含豁免）5,000.00元，不超过上限30,240.00元" in text
    assert "本次确认的类别不按月发放基本生活救助金" in text and "月救助金额" not in text
    assert "下一次定期核查时间为2027年4月15日" in text
    assert "最低生活保障对象" not in text  # not a category granted


def test_tekun_approval_names_the_person(staff: dict[str, Any]) -> None:
    elderly = make_household(staff["township"], "360124100002", "360124195505050072")
    app = new_application(staff["township"], elderly)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "特困供养", proposal="approve")
    run(staff["township"], app, "publish", D(2026, 10, 8))
    app = run(staff["county"], app, "approve", D(2026, 10, 15))
    text = pdf_text(app)
    assert_clean(text)
    assert "确认张三为特困人员" in text and "张三：无劳动能力：年满60周岁（71岁）" in text
    assert f"月救助金额{app.decision_amount:,.2f}元" in text


def test_a_letter_of_an_older_decision_drops_the_category_summary(staff: dict[str, Any], poor: Any) -> None:
    """Decisions taken before bases were stored: rebuilt from their own fields, summary line dropped."""
    from jiuzhu.apps.applications.models import Application

    app = new_application(staff["township"], poor)
    Application.objects.filter(pk=app.pk).update(
        state="refused", decided_on=D(2026, 10, 9), decision_basis={},
        decision_reasons=[{"zh": "存款超过规定", "en": ""}, {"zh": "认定结果：最低生活保障对象。", "en": ""}])
    app.refresh_from_db()
    text = pdf_text(app)
    assert_clean(text)
    assert "存款超过规定。" in text and "最低生活保障对象" not in text


def test_undecided_applications_have_no_letter(staff: dict[str, Any], poor: Any) -> None:
    with pytest.raises(letters.LetterError):
        letters.letter_paragraphs(new_application(staff["township"], poor))


@pytest.mark.parametrize("raw, expected", [
    ("月人均收入 915.07 元不低于低保标准 840.00 元（高出 75.07 元），不符合。", "月人均收入915.07元不低于低保标准840.00元（高出75.07元）。"),
    ("金融资产 25000.00 元，超过上限 20160.00 元（1 人 × 24 个月 × 低保标准），不符合。",
     "金融资产25,000.00元，超过上限20,160.00元（1人×24个月×低保标准）。"),
    ("县级认定：否。", "县级认定：否。"),
    ("", ""),
])
def test_sentences_in_letter_typography(raw: str, expected: str) -> None:
    assert letters.sentence(raw) == expected


def test_dates_and_amounts() -> None:
    assert letters.format_date(D(2026, 12, 7)) == "2026年12月7日"
    assert letters.format_month("2026-11-01") == "2026年11月"
    assert letters.format_amount(Decimal("1234567.5")) == "1,234,567.50元"
    assert letters.format_amount("850") == "850.00元"


def test_the_refuse_step_warns_when_the_determination_finds_the_household_eligible(client: Any,
                                                                                  staff: dict[str, Any],
                                                                                  poor: Any) -> None:
    from django.urls import reverse

    from tests.conftest import PASSWORD

    app = new_application(staff["township"], poor)
    to_visited(staff, app)
    run(staff["township"], app, "opinion", D(2026, 10, 8), "符合", proposal="approve")
    assert client.login(username="county", password=PASSWORD)
    page = client.get(reverse("applications_step", args=[app.pk, "refuse"])).content.decode()
    assert "认定结果显示该家庭符合条件（最低生活保障对象）" in page
    assert "认定结果显示" not in client.get(reverse("applications_step", args=[app.pk, "withdraw"])).content.decode()


def test_an_exact_per_capita_figure_is_cut_to_the_fen_never_rounded_up_to_the_line() -> None:
    """The determination shows 849.9966… as ≈849.9966 (exact comparison, docs/decisions/0016 §5); the
    letter must not turn it into 850.00元 "below" a standard of 850.00元."""
    text = letters.sentence("月人均收入 ≈849.9966 元低于低保标准 850.00 元（低 ≈0.0033 元），符合。")
    assert text == "月人均收入849.99元低于低保标准850.00元（低0.00元）。"
