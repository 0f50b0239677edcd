"""A printable A4 score sheet of one unit (the appendix's columns: STT, content, maximum, points),
drawn with reportlab and the vendored DejaVu font so Vietnamese prints correctly."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from scoring_bridge import Catalog, UnitScore
from survey_app.par.scoring import ScoreReport

FONTS = Path(__file__).resolve().parents[1] / "fonts"


def _fonts() -> tuple[str, str]:
    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    return "DejaVu", "DejaVu-Bold"


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def score_sheet_pdf(report: ScoreReport, code: str) -> bytes:
    """The unit's sheet: header, total and index, then one line per area, criterion, leaf."""
    regular, bold = _fonts()
    score = report.scores[code]
    unit = report.units[code]
    catalog = report.catalogs[unit.unit_type]
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4)
    width, height = A4
    left, right = 15 * mm, width - 15 * mm
    y = height - 20 * mm

    def line(cells: tuple[str, str, str, str], font: str, size: float = 8.5) -> None:
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setFont(font, size)
        pdf.drawString(left, y, cells[0])
        pdf.drawString(left + 18 * mm, y, _fit(cells[1], font, size, right - left - 60 * mm))
        pdf.drawRightString(right - 22 * mm, y, cells[2])
        pdf.drawRightString(right, y, cells[3])
        y -= 5 * mm

    pdf.setTitle(f"Chỉ số CCHC {report.year} — {unit.name}")
    pdf.setFont(bold, 13)
    pdf.drawString(left, y, f"Chỉ số cải cách hành chính năm {report.year}")
    y -= 7 * mm
    pdf.setFont(regular, 11)
    pdf.drawString(left, y, unit.name)
    y -= 6 * mm
    pdf.drawString(
        left, y, f"Tổng điểm {score.total:.2f} / {score.max:.2f} · Chỉ số {score.index:.2f} %"
    )
    y -= 6 * mm
    for text in _rule_lines(score, catalog):
        pdf.setFont(regular, 9)
        pdf.drawString(left, y, _fit(text, regular, 9, right - left))
        y -= 5 * mm
    y -= 3 * mm
    line(("STT", "Nội dung", "Điểm tối đa", "Điểm đạt được"), bold)
    for criterion in catalog.criteria:
        component = score.areas.get(criterion.code) or score.criteria.get(criterion.code)
        points = ""
        if component is not None:
            points = f"{component.points:.2f}"
        elif catalog.is_leaf(criterion.code):
            leaf_points = report.inputs.points.get(code, {}).get(criterion.code)
            if criterion.source == "sipas" and code in report.points81:
                leaf_points = report.points81[code][0].points
            points = "" if leaf_points is None else f"{leaf_points:.2f}"
        if criterion.code in score.not_applicable:
            points = "Không áp dụng"
        font = bold if criterion.level == "area" else regular
        line((criterion.code, criterion.name, f"{criterion.max_points:g}", points), font)
    rules = catalog.rules
    given = report.inputs.points.get(code, {})
    for kind, items in (
        ("Thưởng", rules.bonus if rules else ()),
        ("Trừ", rules.penalty if rules else ()),
    ):
        for item in items:
            value = given.get(item.code, 0.0)
            line(
                (item.code, f"{kind}: {item.name}", f"{item.max_points:g}", f"{value:.2f}"), regular
            )
    for note in report.notes:
        line(("", note, "", ""), regular, 7.5)
    pdf.save()
    return buffer.getvalue()


def _rule_lines(score: UnitScore, catalog: Catalog) -> list[str]:
    """The province rules' figures of the unit (decision 0025), one line each."""
    rules = catalog.rules
    if rules is None or not score.has_rules:
        return []
    lines = []
    if score.not_applicable:
        lines.append(
            f"Không áp dụng: {', '.join(score.not_applicable_codes)} — chỉ số tính trên "
            f"{score.max:.2f} điểm tối đa áp dụng (thay cho {score.full_max or 0:.2f})"
        )
    if rules.bonus or rules.penalty:
        lines.append(
            f"Chỉ số trước điểm thưởng, điểm trừ {score.base_index or 0:.2f} %; điểm thưởng "
            f"{score.bonus:.2f}, điểm trừ {score.penalty:.2f} (sau mức trần)"
        )
    if rules.bands:
        lines.append(f"Xếp loại: {score.band.label if score.band else 'chưa xếp loại'}")
    return lines
