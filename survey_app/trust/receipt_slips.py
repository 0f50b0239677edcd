"""Printable receipt-code slips: eight to an A4 page (2 × 4, A7 each) with dashed cut lines.

Each slip shows the unit's name, a one-line instruction, the QR code of the code's address, the
code in groups of four, the last day it can be used, "Khảo sát ẩn danh", and — small, for the
staff who hand it over with the dossier's result — the dossier code. That dossier code exists on
paper only: the database never holds it (docs/decisions/0009). Pure function, no Flask; the same
input gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from survey_app.i18n import vi_en
from survey_app.survey.qr import (
    QUIET_ZONE,
    _draw_qr,
    _fit_lines,
    _fit_one_line,
    _make_qr,
    _nfc,
    _register_fonts,
)

COLUMNS, ROWS = 2, 4
SLIP_W, SLIP_H = A4[0] / COLUMNS, A4[1] / ROWS
PAD = 6 * mm
QR_SIDE = 38 * mm
QR_TOP = 23 * mm
"""The QR code's top edge below the slip's top (room for two lines of name and the instruction)."""
INSTRUCTION = "Quét mã QR để đánh giá sự hài lòng về thủ tục Ông/Bà vừa làm"
CODE_LABEL = "Mã khảo sát (dùng một lần):"
ENTRY = "Hoặc mở trang sau và nhập mã:"
ANONYMOUS = "Khảo sát ẩn danh"
ANONYMOUS_MORE = "không hỏi tên, số điện thoại"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SlipSpec:
    """What one slip shows. ``code`` is the display form (groups joined by dashes)."""

    unit_name: str
    code: str
    url: str
    last_day: date
    dossier_code: str
    entry_url: str


def _draw_slip(c: Canvas, spec: SlipSpec, x: float, y: float, regular: str, bold: str) -> None:
    """One slip whose lower-left corner is (x, y)."""
    width = SLIP_W - 2 * PAD
    top = y + SLIP_H - 5 * mm
    c.setFillColorRGB(0, 0, 0)
    lines, size = _fit_lines(_nfc(spec.unit_name), bold, 10, 7, width, 2)
    c.setFont(bold, size)
    for line in lines[:2]:
        top -= size
        c.drawString(x + PAD, top, line)
        top -= size * 0.25
    size = _fit_one_line(INSTRUCTION, regular, 8.5, 5.5, width)
    top -= size + 1 * mm
    c.setFont(regular, size)
    c.drawString(x + PAD, top, INSTRUCTION)

    qr = _make_qr(spec.url)
    modules = qr.symbol_size(border=0)[0]
    quiet = QR_SIDE / modules * QUIET_ZONE
    qr_top = min(top - quiet, y + SLIP_H - QR_TOP)
    qr_x = x + PAD
    _draw_qr(c, qr, qr_x, qr_top - QR_SIDE, QR_SIDE)

    left = qr_x + QR_SIDE + quiet
    col_w = x + SLIP_W - PAD - left
    line_y = qr_top - 4 * mm
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont(regular, 7)
    c.drawString(left, line_y, CODE_LABEL)
    c.setFillColorRGB(0, 0, 0)
    size = _fit_one_line(spec.code, bold, 11, 6, col_w)
    line_y -= size + 1.5 * mm
    c.setFont(bold, size)
    c.drawString(left, line_y, spec.code)
    line_y -= 5 * mm
    c.setFont(regular, 7.5)
    c.drawString(left, line_y, f"Dùng được đến hết ngày {spec.last_day:%d/%m/%Y}")
    line_y -= 3.5 * mm
    c.setFont(regular, 7)
    c.drawString(left, line_y, ENTRY)
    size = _fit_one_line(spec.entry_url, regular, 7.5, 5, col_w)
    line_y -= size * 1.3
    c.setFont(regular, size)
    c.drawString(left, line_y, spec.entry_url)
    line_y -= 5 * mm
    c.setFont(bold, 9)
    c.drawString(left, line_y, ANONYMOUS)
    line_y -= 3.5 * mm
    c.setFont(regular, 7)
    c.drawString(left, line_y, ANONYMOUS_MORE)

    dossier = f"Hồ sơ: {_nfc(spec.dossier_code)}"
    c.setFillColorRGB(0.35, 0.35, 0.35)
    size = _fit_one_line(dossier, regular, 6, 4, col_w)
    c.setFont(regular, size)
    c.drawRightString(x + SLIP_W - PAD, y + 3.5 * mm, dossier)
    c.setFillColorRGB(0, 0, 0)


def _cut_lines(c: Canvas) -> None:
    """Dashed grey lines between the slips (not on the page's edges)."""
    page_w, page_h = A4
    c.saveState()
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.4)
    c.setDash(3, 3)
    for column in range(1, COLUMNS):
        c.line(column * SLIP_W, 0, column * SLIP_W, page_h)
    for row in range(1, ROWS):
        c.line(0, row * SLIP_H, page_w, row * SLIP_H)
    c.restoreState()


def slip_position(index: int) -> tuple[int, int, int]:
    """(page, column, row from the top) of the slip at ``index``, filled row by row."""
    page, place = divmod(index, COLUMNS * ROWS)
    row, column = divmod(place, COLUMNS)
    return page, column, row


def slips_pdf(slips: Iterable[SlipSpec], *, progress: Progress | None = None) -> bytes:
    """The slips, eight to an A4 page; ``progress`` gets the number of slips drawn."""
    regular, bold = _register_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle("SIPAS – " + vi_en("phiếu mã khảo sát"))
    c.setAuthor("SIPAS")
    c.setCreator("SIPAS")
    count = 0
    for count, spec in enumerate(slips, start=1):
        _page, column, row = slip_position(count - 1)
        if count > 1 and column == 0 and row == 0:
            c.showPage()
        if column == 0 and row == 0:
            _cut_lines(c)
        _draw_slip(c, spec, column * SLIP_W, A4[1] - (row + 1) * SLIP_H, regular, bold)
        if progress is not None:
            progress(count)
    if count == 0:
        raise ValueError("no slips to print")
    c.showPage()
    c.save()
    return out.getvalue()
