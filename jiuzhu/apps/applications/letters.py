"""Printable decision letters (决定书 / 不予确认通知书) as PDF with a Chinese font (fpdf2).

The font is the Noto Sans CJK collection installed by the ``fonts-noto-cjk`` package (or a
TTF/OTF named in ``settings.JIUZHU_CJK_FONT``).  Without a font the letter cannot be made:
``LetterError`` with a clear message, never a PDF of empty boxes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from jiuzhu.rules.determination.codes import CATEGORY_LABELS

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # index 2: Simplified Chinese (SC)
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
)

RIGHTS = ("如对本决定不服，可以自收到本决定书之日起六十日内依法向本级人民政府申请行政复议，"
          "或者在六个月内依法向人民法院提起行政诉讼。")


class LetterError(Exception):
    pass


def font() -> tuple[str, int]:
    configured = getattr(settings, "JIUZHU_CJK_FONT", "")
    for path, index in ((configured, 0),) if configured else FONT_CANDIDATES:
        if path and Path(path).exists():
            return path, index
    raise LetterError(_("No Chinese font is installed (install the fonts-noto-cjk package)."))


def decision_letter(app: Any) -> bytes:
    """The decision letter of a decided application."""
    from fpdf import FPDF

    if app.state not in ("approved", "refused"):
        raise LetterError(_("The application has not been decided yet."))
    path, index = font()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    if path.endswith(".ttc"):
        pdf.add_font("cjk", "", path, collection_font_number=index)
    else:
        pdf.add_font("cjk", "", path)
    approved = app.state == "approved"
    title = "社会救助审核确认决定书" if approved else "社会救助不予确认通知书"
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 8, f"编号：{app.number}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)

    def para(text: str) -> None:
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")

    para(f"{app.applicant_name}：")
    para(f"你（户编号 {app.household.code}，{app.township.name}{app.village.name}）于 {app.submitted_on:%Y年%m月%d日} "
         f"提出的社会救助申请，经家庭经济状况核对、入户调查{'、公示' if app.notice_start else ''}，"
         f"于 {app.decided_on:%Y年%m月%d日} 作出如下决定：")
    if approved:
        cats = "、".join(CATEGORY_LABELS[c][0] for c in app.decision_categories if c in CATEGORY_LABELS) or "—"
        para(f"确认你家庭为：{cats}。")
        if app.decision_amount:
            para(f"月救助金额：{app.decision_amount} 元，自决定作出的次月起发放。")
    else:
        para("经审核，你家庭不符合申请的社会救助条件，不予确认。")
    para("理由：")
    for r in app.decision_reasons:
        text = r.get("zh", "") if isinstance(r, dict) else str(r)
        if text:
            para(f"· {text}")
    para(RIGHTS)
    pdf.ln(6)
    pdf.cell(0, 8, f"{app.county.name}民政局（{app.township.name}人民政府）", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"{app.decided_on:%Y年%m月%d日}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
