"""Decision letters (审核确认决定书 / 不予确认通知书): built from the decision and its determination.

At the decision the service stores the *basis* of the decision (``Application.decision_basis``,
:func:`decision_basis`): the categories decided, the amount, its start month, the next review,
and the criteria of the determination that carry the decision — for an approval the criteria
met by the categories granted, for a refusal the criteria that failed, each with its figures
and the parameter values (with their 文号 and dates) they were compared with.  The criteria are
the determination's explanation (``rules.determination.explain``), taken as they are — their
labels and sentences are never re-typed here — and set in letter typography (one date format,
2026年12月7日; amounts with thousands separators, two decimals and 元).  The letter is printed
from that stored basis, so it says what was decided, on the data of the day, even if the
household's record changes later; and it can never give a category as the reason for a refusal.

PDF via fpdf2 with the Noto Sans CJK collection (``fonts-noto-cjk``) or the TTF/OTF named in
``settings.JIUZHU_CJK_FONT``.  Without a font the letter cannot be made: ``LetterError`` with a
clear message, never a PDF of empty boxes.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from jiuzhu.apps.assistance.models import Entitlement
from jiuzhu.apps.policy.selectors import current_parameters
from jiuzhu.rules.determination.codes import CATEGORY_LABELS
from jiuzhu.rules.exchange.sources import PROGRAMMES

from .models import ReviewTask

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese (SC)
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)
BASIS_VERSION = 1
# Categories a decision grants (poverty_monitoring is agriculture's, received, not decided here).
DECIDED = ("tekun", "dibao", "dibao_individual", "marginal", "rigid", "other")
HOUSEHOLD_LEVEL = ("dibao", "marginal", "rigid", "other")
PAID = ("tekun", "dibao", "dibao_individual")
# A refusal explains, per category, the criteria that failed (not "is not already in a higher
# tier": that is not a reason the household could act on).
_NOT_A_REASON = ("marginal.not_higher", "rigid.not_higher", "other.not_in_five")
CN_NUMBERS = "一二三四五六七八九十"


class LetterError(Exception):
    pass


# ------------------------------------------------------------------ typography

def format_date(day: dt.date | str | None) -> str:
    """2026年12月7日 (no leading zeros), the one date format of letters."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def format_month(day: dt.date | str | None) -> str:
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月"


def format_amount(value: Any) -> str:
    """1234.5 → "1,234.50元" (thousands separators, two decimals)."""
    try:
        amount = Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}元"


_MONEY = re.compile(r"(≈?)(-?\d+(?:\.\d+)?)\s*元")
_VERDICT = re.compile(r"[，,：:]\s*(?:不符合|符合|met|not met)\s*[。.]?\s*$")


def _money(m: re.Match[str]) -> str:
    # An exact quotient the determination shows as "≈849.9966元" (docs/decisions/0016 §5) is cut to
    # the fen, never rounded: 849.9966 below a line of 850 must not read "850.00元低于…850.00元".
    if m.group(1):
        try:
            return format_amount(Decimal(m.group(2)).quantize(Decimal("0.01"), rounding=ROUND_DOWN))
        except InvalidOperation:
            pass
    return format_amount(m.group(2))


def sentence(text: str) -> str:
    """An explanation sentence in letter typography: amounts as 1,234.50元, no spaces between
    Chinese and figures, no trailing verdict (the letter says what was decided), one full stop."""
    text = _VERDICT.sub("", (text or "").strip())
    text = _MONEY.sub(_money, text)
    text = re.sub(r"\s+", "", text)
    text = text.rstrip("。.；;，,")
    return f"{text}。" if text else ""


def _param_text(p: dict[str, Any]) -> str:
    """A parameter value as cited in a letter: 最低生活保障标准840.00元/人·月（文号，自2026年1月1日起执行）."""
    value, unit = p.get("value"), p.get("unit") or ""
    if isinstance(value, list | dict | bool) or value in (None, ""):
        return ""
    if unit.startswith("元"):
        shown = format_amount(value) + unit.removeprefix("元")
    elif unit == "比例":  # a ratio parameter reads as a percentage
        try:
            shown = f"{(Decimal(str(value)) * 100).normalize():f}%"
        except InvalidOperation:
            shown = str(value)
    else:
        shown = f"{value}{unit}"
    ref = p.get("ref") or ""
    start = format_date(p.get("from")) if p.get("from") else ""
    where = "，".join(x for x in (ref, f"自{start}起执行" if start else "") if x)
    return f"{p.get('label_zh', '')}{shown}" + (f"（{where}）" if where else "")


# ------------------------------------------------------------------ the basis of a decision

def _crit(category: str, c: dict[str, Any], who: str = "") -> dict[str, Any]:
    return {
        "category": category, "id": c.get("id", ""), "label": c.get("label_zh", ""), "passed": bool(c.get("passed")),
        "who": who, "text": sentence(c.get("text_zh", "")), "text_en": c.get("text_en", ""),
        "parameters": [{k: p.get(k) for k in ("path", "label_zh", "value", "unit", "ref", "from")}
                       for p in c.get("parameters", []) if isinstance(p, dict)],
    }


def _grounds(explanation: dict[str, Any], granted: list[str], passed: bool,
             names: dict[str, str]) -> list[dict[str, Any]]:
    """The criteria of ``granted`` categories with ``passed`` (an approval: met; a refusal: failed)."""
    cats = explanation.get("categories") or {}
    out: list[dict[str, Any]] = []
    for code in granted:
        cat = cats.get(code) or {}
        if code == "tekun":
            members = [m for m in cat.get("members", []) if bool(m.get("tekun")) == passed]
            if not passed:  # only people who could be tekun (no capacity to work) are worth a reason
                members = [m for m in members if any(c.get("id") == "tekun.no_capacity" and c.get("passed")
                                                     for c in m.get("criteria", []))]
            for m in members:
                who = names.get(str(m.get("member_id")), "")
                out += [_crit(code, c, who) for c in m.get("criteria", []) if bool(c.get("passed")) == passed]
            if members:
                out += [_crit(code, c) for c in cat.get("criteria", []) if bool(c.get("passed")) == passed]
        elif code == "dibao_individual":
            for m in cat.get("members", []):
                if bool(m.get("included")) == passed:
                    who = names.get(str(m.get("member_id")), "")
                    out += [_crit(code, c, who) for c in m.get("criteria", []) if bool(c.get("passed")) == passed]
        else:
            out += [_crit(code, c) for c in cat.get("criteria", [])
                    if bool(c.get("passed")) == passed and (passed or c.get("id") not in _NOT_A_REASON)]
    return out


def decision_basis(*, decision: str, on: dt.date, result: dict[str, Any], reason: str, categories: list[str],
                   amount: Decimal | None, entitlements: list[Any], review_on: dt.date | None,
                   names: dict[str, str], parameter_version: str) -> dict[str, Any]:
    """What the letter and the decision's reasons are built from (stored on the application)."""
    explanation = result.get("explanation") or {}
    determined = [c for c in result.get("categories", []) if c in DECIDED]
    granted = [c for c in DECIDED if c in categories] if decision == "approved" else []
    contrary = decision == "refused" and any(c in PAID for c in determined)
    if decision == "approved":
        grounds = _grounds(explanation, granted, True, names)
    elif contrary:  # the caseworker's reason alone: no determination figure supports the refusal
        grounds = []
    else:
        considered = [c for c in ("dibao", "tekun", "marginal", "rigid") if c not in determined]
        grounds = _grounds(explanation, considered, False, names)
    income = (explanation.get("income") or {}).get("figures") or {}
    return {
        "version": BASIS_VERSION, "decision": decision, "decided_on": on.isoformat(),
        "parameter_version": parameter_version, "reason": reason,
        "categories": [{"code": c, "label": CATEGORY_LABELS[c][0]} for c in granted],
        "tekun_members": [names.get(str(m), "") for m in result.get("tekun_members", []) if "tekun" in granted],
        "individual_members": [names.get(str(m), "") for m in result.get("individual_members", [])
                               if "dibao_individual" in granted],
        "amount": str(amount) if amount is not None else None,
        "payments": [{"programme": e.programme, "label": PROGRAMMES.get(e.programme, (e.programme,))[0],
                      "who": e.member.name if getattr(e, "member", None) is not None else "",
                      "amount": str(e.monthly_amount), "start_month": e.start_month.isoformat()}
                     for e in entitlements],
        "review_on": review_on.isoformat() if review_on else None,
        "contrary_to_determination": contrary,
        "also_qualifies": [{"code": c, "label": CATEGORY_LABELS[c][0]} for c in determined
                           if decision == "refused" and not contrary and c in HOUSEHOLD_LEVEL],
        "income": {k: income.get(k) for k in ("members_counted", "household_income", "per_capita_monthly_income")},
        "grounds": grounds,
    }


def reason_lines(basis: dict[str, Any]) -> list[dict[str, str]]:
    """The decision's reasons as stored on the application (screen, API, appeals): never a category
    given as the reason for a refusal."""
    lines: list[dict[str, str]] = []
    reason = (basis.get("reason") or "").strip()
    if basis.get("decision") == "approved":
        labels = "、".join(c["label"] for c in basis.get("categories", []))
        if labels:
            lines.append({"zh": f"确认类别：{labels}。", "en": f"Categories granted: {labels}."})
    elif reason:
        lines.append({"zh": reason, "en": reason})
    for g in basis.get("grounds", []):
        label = CATEGORY_LABELS.get(g["category"], ("", ""))
        who = f"（{g['who']}）" if g.get("who") else ""
        lines.append({"zh": f"{label[0]}{who}：{g['text']}", "en": f"{label[1]}: {g.get('text_en', '')}"})
    if basis.get("decision") == "approved" and reason:
        lines.append({"zh": reason, "en": reason})
    return lines


def basis_for(app: Any) -> dict[str, Any]:
    """The stored basis, or — for a decision taken before bases were stored — one rebuilt from the
    decision's own fields (its stored reasons, minus any summary line that named a category)."""
    if app.decision_basis:
        return dict(app.decision_basis)
    approved = app.state == "approved"
    ents = list(Entitlement.objects.filter(decision_ref=f"application:{app.uid}").select_related("member"))
    review = ReviewTask.objects.filter(application=app).order_by("due_on").values_list("due_on", flat=True).first()
    reasons = [r.get("zh", "") if isinstance(r, dict) else str(r) for r in app.decision_reasons or []]
    reasons = [r for r in reasons if r and not r.startswith("认定结果")]
    return {
        "version": 0, "decision": app.state, "decided_on": app.decided_on.isoformat(), "reason": "",
        "categories": [{"code": c, "label": CATEGORY_LABELS[c][0]} for c in app.decision_categories or []
                       if c in DECIDED and approved],
        "tekun_members": [], "individual_members": [],
        "amount": str(app.decision_amount) if app.decision_amount is not None else None,
        "payments": [{"programme": e.programme, "label": PROGRAMMES.get(e.programme, (e.programme,))[0],
                      "who": e.member.name if e.member_id else "", "amount": str(e.monthly_amount),
                      "start_month": e.start_month.isoformat()} for e in ents],
        "review_on": review.isoformat() if review else None, "contrary_to_determination": False,
        "also_qualifies": [], "income": {},
        "grounds": [{"category": "", "id": "", "label": "", "passed": approved, "who": "", "text": sentence(r),
                     "text_en": "", "parameters": []} for r in reasons],
    }


# ------------------------------------------------------------------ the text of a letter

def _rights(app: Any, params: Any) -> str:
    from .services import param  # deferred: the workflow steps (services) write letters' bases

    days = int(param(params, "appeal_reconsideration_days", app.household, app.decided_on))
    months = int(param(params, "appeal_litigation_months", app.household, app.decided_on))
    return (f"如对本决定不服，可以自收到本决定书之日起{days}日内向{app.county.name}人民政府申请行政复议，"
            f"或者自收到本决定书之日起{months}个月内依法向人民法院提起行政诉讼。")


def letter_paragraphs(app: Any, params: Any = None) -> dict[str, Any]:
    """Title, addressee, numbered body paragraphs, rights, issuer and date of the letter."""
    if app.state not in ("approved", "refused") or not app.decided_on:
        raise LetterError(_("The application has not been decided yet."))
    params = params or current_parameters()
    basis = basis_for(app)
    approved = app.state == "approved"
    steps = "家庭经济状况核对、入户调查" + ("、公示" if app.notice_start else "")
    body = [f"你于{format_date(app.submitted_on)}提出的社会救助申请，经{steps}，"
            f"本机关于{format_date(app.decided_on)}作出如下决定："]
    items: list[str] = []
    if approved:
        items += _approval_items(basis)
    else:
        items += _refusal_items(basis)
    return {
        "title": "社会救助审核确认决定书" if approved else "社会救助不予确认通知书",
        "number": app.number,
        "to": f"{app.applicant_name}：",
        "body": body,
        "items": [f"{CN_NUMBERS[i] if i < len(CN_NUMBERS) else i + 1}、{t}" for i, t in enumerate(items)],
        "rights": _rights(app, params),
        "issuer": f"{app.county.name}民政局",
        "date": format_date(app.decided_on),
    }


def _approval_items(basis: dict[str, Any]) -> list[str]:
    items = []
    household = [c["label"] for c in basis.get("categories", []) if c["code"] in HOUSEHOLD_LEVEL]
    granted = []
    if household:
        granted.append(f"确认你家庭为{'、'.join(household)}")
    if basis.get("tekun_members"):
        granted.append(f"确认{'、'.join(n for n in basis['tekun_members'] if n)}为{CATEGORY_LABELS['tekun'][0]}")
    if basis.get("individual_members"):
        granted.append(f"确认{'、'.join(n for n in basis['individual_members'] if n)}为"
                       f"{CATEGORY_LABELS['dibao_individual'][0]}")
    if granted:
        items.append("；".join(granted) + "。")
    grounds = [g for g in basis.get("grounds", []) if g.get("text")]
    if grounds:
        items.append("认定依据：" + "".join(_ground(g) for g in grounds))
    payments = basis.get("payments") or []
    if payments:
        total = sum((Decimal(p["amount"]) for p in payments), Decimal("0"))
        start = min(p["start_month"] for p in payments)
        parts = "；".join(f"{p['label']}{('（' + p['who'] + '）') if p.get('who') else ''}{format_amount(p['amount'])}"
                         for p in payments)
        detail = f"（其中{parts}）" if len(payments) > 1 else ""
        items.append(f"月救助金额{format_amount(total)}{detail}，自{format_month(start)}起按月发放。")
    else:
        items.append("本次确认的类别不按月发放基本生活救助金；你家庭可按规定申请相应的专项救助。")
    if basis.get("review_on"):
        items.append(f"下一次定期核查时间为{format_date(basis['review_on'])}。家庭人口、收入和财产状况发生变化的，"
                     "应当及时告知乡镇人民政府（街道办事处）。")
    if basis.get("reason"):
        items.append(sentence(basis["reason"]))
    return items


def _ground(g: dict[str, Any]) -> str:
    who = f"{g['who']}：" if g.get("who") else ""
    return f"{who}{g['text']}"


def _refusal_items(basis: dict[str, Any]) -> list[str]:
    items = []
    if basis.get("reason"):
        items.append(sentence(basis["reason"]))
    by_category: dict[str, list[dict[str, Any]]] = {}
    for g in basis.get("grounds", []):
        if g.get("text"):
            by_category.setdefault(g.get("category", ""), []).append(g)
    for code, grounds in by_category.items():
        label = CATEGORY_LABELS.get(code, ("", ""))[0]
        head = f"不符合{label}条件：" if label else ""
        items.append(head + "".join(_ground(g) for g in grounds))
    params: dict[str, str] = {}
    for g in basis.get("grounds", []):
        for p in g.get("parameters", []):
            text = _param_text(p)
            if text:
                params.setdefault(p.get("path") or text, text)
    if params:
        items.append("所依据的标准为：" + "；".join(params.values()) + "。")
    also = [c["label"] for c in basis.get("also_qualifies", [])]
    if also:
        items.append(f"根据核对结果，你家庭符合{'、'.join(also)}认定条件；如需按该类别认定，"
                     "可向乡镇人民政府（街道办事处）提出。")
    if not items:
        items.append("经审核，你家庭不符合社会救助认定条件。")
    return items


# ------------------------------------------------------------------ the PDF

def font() -> tuple[str, int]:
    configured = getattr(settings, "JIUZHU_CJK_FONT", "")
    for path, index in ((configured, 0),) if configured else FONT_CANDIDATES:
        if path and Path(path).exists():
            return path, index
    raise LetterError(_("No Chinese font is installed (install the fonts-noto-cjk package)."))


# Units a line may not be broken inside: a run of figures (1,234.50 / 60% / 2026), or one
# character; opening brackets stay with what follows, closing punctuation with what precedes
# (Chinese typesetting never starts a line with ，。、；：）or ends one with （).
_TOKEN = re.compile(r"[（《“‘]*(?:[A-Za-z0-9][A-Za-z0-9.,%·×/\-]*元?|.)[，。、；：！？）》”’%]*", re.S)


def wrap(text: str, width: float, measure: Any) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (``measure`` gives a string's width)."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        if line and measure(line + token) > width:
            lines.append(line)
            line = token
        else:
            line += token
    if line:
        lines.append(line)
    return lines


def decision_letter(app: Any) -> bytes:
    """The decision letter of a decided application (PDF)."""
    from fpdf import FPDF

    text = letter_paragraphs(app)
    path, index = font()
    pdf = FPDF(format="A4")
    pdf.set_margins(25, 22, 25)
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    if path.endswith(".ttc"):
        pdf.add_font("cjk", "", path, collection_font_number=index)
    else:
        pdf.add_font("cjk", "", path)

    def para(line: str, size: int = 12, indent: bool = True) -> None:
        pdf.set_font("cjk", size=size)
        body = ("\u3000\u3000" if indent else "") + line  # a first-line indent of two characters
        avail = pdf.epw - 2 * pdf.c_margin
        rows = wrap(body, avail, pdf.get_string_width)
        widths = [pdf.get_string_width(row) for row in rows]
        for i, (row, width) in enumerate(zip(rows, widths, strict=True)):
            # Full lines are justified the Chinese way: the slack spread evenly between characters
            # (fpdf2 writes the spacing as the PDF's Tc operand, in points).
            last = i == len(rows) - 1 or len(row) < 2
            pdf.set_char_spacing(0 if last else (avail - width) / (len(row) - 1) * pdf.k)
            pdf.cell(0, 7.5, row, new_x="LMARGIN", new_y="NEXT")
        pdf.set_char_spacing(0)
        pdf.ln(1.5)

    pdf.set_font("cjk", size=18)
    pdf.cell(0, 14, text["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 7, f"编号：{text['number']}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    para(text["to"], indent=False)
    for line in text["body"]:
        para(line)
    for line in text["items"]:
        para(line)
    para(text["rights"])
    pdf.ln(8)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, text["issuer"], align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, text["date"], align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
