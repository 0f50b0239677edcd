"""QR codes and printable counter posters for SIPAS.

Pure functions (no Flask): PNG/SVG QR images of a counter's short URL, an A4 poster PDF
(one page per counter) and a ZIP of per-counter images. Output is byte-for-byte
deterministic for the same input, so files can be cached and compared.
"""

from __future__ import annotations

import functools
import html
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm, mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from survey_app.i18n import vi_en

__all__ = [
    "EN_INSTRUCTION",
    "MAX_POSTER_URL",
    "PRIVACY_LINE",
    "QUIET_ZONE",
    "VI_INSTRUCTION",
    "PosterSpec",
    "codes_zip",
    "poster_pdf",
    "qr_png",
    "qr_svg",
]

Progress = Callable[[int], None]

QUIET_ZONE = 4
"""Quiet zone around every symbol, in modules (the minimum ISO/IEC 18004 asks for)."""

VI_INSTRUCTION = "Quét mã QR để đánh giá sự hài lòng của Ông/Bà về dịch vụ hành chính công"
EN_INSTRUCTION = "Scan to rate the service you received"
PRIVACY_LINE = "Khảo sát ẩn danh: không hỏi tên, số điện thoại."

MAX_POSTER_URL = 300
"""Longest URL a poster accepts: longer ones would crowd the QR code off the page."""

FONT_DIR = Path(__file__).resolve().parents[1] / "fonts"
FONT_REGULAR = "SIPAS-DejaVuSans"
FONT_BOLD = "SIPAS-DejaVuSans-Bold"

# Fixed ZIP timestamp (the earliest the format can store) keeps archives reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_SAFE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class QrError(ValueError):
    """A QR code or poster that cannot be made from what was given (the message says why)."""


def _make_qr(url: str) -> segno.QRCode:
    """Encode *url* as a (non-micro) QR code with error correction M or better."""
    if not url or not url.strip():
        raise QrError(vi_en("không tạo được mã QR cho một địa chỉ trống"))
    return segno.make(url, error="m", boost_error=True, micro=False)


def _check_scale(scale: int) -> None:
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """Return a black-on-white PNG of *url*'s QR code, *scale* pixels per module."""
    _check_scale(scale)
    out = io.BytesIO()
    _make_qr(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()


def qr_svg(url: str, *, scale: int = 10) -> bytes:
    """Return a standalone SVG of *url*'s QR code (white background, accessible label)."""
    _check_scale(scale)
    label = vi_en("Mã QR") + f": {url}"
    out = io.BytesIO()
    _make_qr(url).save(
        out,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        title=label,
        svgclass="sipas-qr",
        lineclass="sipas-qr-line",
        encoding="utf-8",
    )
    svg = out.getvalue().decode("utf-8")
    attrs = f'<svg role="img" aria-label="{html.escape(label, quote=True)}" '
    svg = svg.replace("<svg ", attrs, 1)
    return svg.encode("utf-8")


@dataclass(frozen=True)
class PosterSpec:
    """What one counter's poster shows; *url* is the counter's permanent short URL.

    *authority* (the ``ISSUING_AUTHORITY`` setting, e.g. "UBND tỉnh Vĩnh Long") heads the poster,
    above the unit's name, as it heads the page the code opens; empty: no such line.
    """

    unit_name: str
    counter_name: str
    counter_code: str
    url: str
    authority: str = ""


@functools.cache
def _register_fonts() -> tuple[str, str]:
    """Register the vendored DejaVu Sans faces with reportlab (once) and return their names."""
    pdfmetrics.registerFont(TTFont(FONT_REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return FONT_REGULAR, FONT_BOLD


def _nfc(text: str) -> str:
    """Compose diacritics (reportlab does no shaping, so combining marks would misplace)."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _fit_lines(
    text: str, font: str, max_size: float, min_size: float, width: float, max_lines: int
) -> tuple[list[str], float]:
    """Wrap *text* at word boundaries, shrinking the font until it fits in *max_lines*.

    At *min_size* up to ``max_lines + 2`` lines are allowed; anything beyond is cut
    with an ellipsis so the QR code always keeps its room on the page.
    """
    size = max_size
    while True:
        lines = simpleSplit(text, font, size, width)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, size - 1)
    if any(pdfmetrics.stringWidth(line, font, size) > width for line in lines):
        lines = [part for line in lines for part in _wrap_chars(line, font, size, width)]
    hard_limit = max_lines + 2
    if len(lines) > hard_limit:
        last = lines[hard_limit - 1]
        while last and pdfmetrics.stringWidth(last + " …", font, size) > width:
            last = last[:-1]
        lines = [*lines[: hard_limit - 1], last.rstrip() + " …"]
    return lines, size


def _wrap_chars(text: str, font: str, size: float, width: float) -> list[str]:
    """Break *text* anywhere (for URLs and single over-long words) so each line fits."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and pdfmetrics.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    return lines


def _fit_one_line(text: str, font: str, max_size: float, min_size: float, width: float) -> float:
    """Largest font size in [min_size, max_size] at which *text* fits in *width*."""
    natural = pdfmetrics.stringWidth(text, font, 1.0)
    return max(min_size, min(max_size, width / natural if natural else max_size))


def _draw_centered(
    c: Canvas, lines: list[str], font: str, size: float, top: float, page_w: float
) -> float:
    """Draw centred *lines* with their first baseline below *top*; return the new top."""
    leading = size * 1.25
    c.setFont(font, size)
    y = top - size
    for line in lines:
        c.drawCentredString(page_w / 2, y, line)
        y -= leading
    return y + leading - size * 0.3


def _draw_qr(c: Canvas, qr: segno.QRCode, x: float, y: float, side: float) -> None:
    """Draw *qr*'s symbol (no quiet zone) as vector rectangles in the square at (x, y)."""
    matrix = [list(row) for row in qr.matrix]
    n = len(matrix)
    module = side / n
    path = c.beginPath()
    for r, row in enumerate(matrix):
        col = 0
        while col < n:
            if row[col] & 1:
                start = col
                while col < n and row[col] & 1:
                    col += 1
                # One rectangle per horizontal run; a single filled path leaves no seams.
                path.rect(
                    x + start * module, y + (n - r - 1) * module, (col - start) * module, module
                )
            else:
                col += 1
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def _draw_poster(c: Canvas, spec: PosterSpec, regular: str, bold: str) -> None:
    """Lay out one A4 portrait poster for *spec* on the current page of *c*."""
    page_w, page_h = A4
    margin = 15 * mm
    text_w = page_w - 2 * margin
    qr = _make_qr(spec.url)
    n = qr.symbol_size(border=0)[0]

    c.setFillColorRGB(0, 0, 0)
    top = page_h - margin
    if spec.authority.strip():
        lines, size = _fit_lines(_nfc(spec.authority).upper(), regular, 14, 10, text_w, 2)
        top = _draw_centered(c, lines, regular, size, top, page_w) - 3 * mm
    lines, size = _fit_lines(_nfc(spec.unit_name), bold, 26, 15, text_w, 4)
    top = _draw_centered(c, lines, bold, size, top, page_w)
    lines, size = _fit_lines(_nfc(spec.counter_name), regular, 18, 12, text_w, 2)
    top = _draw_centered(c, lines, regular, size, top - 4 * mm, page_w)

    c.setStrokeColorRGB(0.55, 0.1, 0.1)
    c.setLineWidth(1.2)
    c.line(margin + 20 * mm, top - 4 * mm, page_w - margin - 20 * mm, top - 4 * mm)
    top -= 8 * mm

    size = _fit_one_line(VI_INSTRUCTION, bold, 15, 11, text_w)
    if pdfmetrics.stringWidth(VI_INSTRUCTION, bold, size) <= text_w:
        top = _draw_centered(c, [VI_INSTRUCTION], bold, size, top, page_w)
    else:
        lines, size = _fit_lines(VI_INSTRUCTION, bold, 15, 11, text_w, 2)
        top = _draw_centered(c, lines, bold, size, top, page_w)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    top = _draw_centered(c, [EN_INSTRUCTION], regular, 12, top - 1.5 * mm, page_w)
    c.setFillColorRGB(0, 0, 0)

    # Bottom block (URL, privacy line, counter code) is measured upwards from the margin,
    # but drawn after the QR code so the PDF's text comes out in reading order.
    footer = f"SIPAS · {_nfc(spec.counter_code)}"
    footer_size = _fit_one_line(footer, regular, 9, 5, text_w)
    footer_y = margin
    privacy_y = footer_y + 9 * mm
    url_size = _fit_one_line(spec.url, regular, 16, 10, text_w)
    url_lines = _wrap_chars(spec.url, regular, url_size, text_w)
    url_leading = url_size * 1.25
    url_y = privacy_y + 10 * mm + (len(url_lines) - 1) * url_leading
    bottom = url_y + url_size * 1.2

    # The QR symbol fills what is left (10-12 cm), quiet zones included in the gap.
    avail = top - bottom
    side = min(12 * cm, text_w * n / (n + 2 * QUIET_ZONE), avail * n / (n + 2 * QUIET_ZONE))
    side = max(side, 10 * cm)
    quiet = side / n * QUIET_ZONE
    y = bottom + max(quiet, (avail - side) / 2)
    _draw_qr(c, qr, (page_w - side) / 2, y, side)

    c.setFillColorRGB(0, 0, 0)
    c.setFont(regular, url_size)
    for i, line in enumerate(url_lines):
        c.drawCentredString(page_w / 2, url_y - i * url_leading, line)
    c.setFont(regular, 12)
    c.drawCentredString(page_w / 2, privacy_y, PRIVACY_LINE)
    c.setFillColorRGB(0.35, 0.35, 0.35)
    c.setFont(regular, footer_size)
    c.drawCentredString(page_w / 2, footer_y, footer)


def poster_pdf(posters: Iterable[PosterSpec], *, progress: Progress | None = None) -> bytes:
    """Render one A4 portrait poster page per spec and return the PDF bytes.

    *progress*, if given, is called with the number of pages finished after each page.
    Raises `QrError` if *posters* is empty or a URL exceeds ``MAX_POSTER_URL``.
    """
    regular, bold = _register_fonts()
    posters = list(posters)
    for spec in posters:
        if len(spec.url) > MAX_POSTER_URL:
            raise QrError(
                vi_en(
                    "địa chỉ quá dài để in trên áp phích (%(length)s > %(limit)s ký tự): hãy "
                    "đặt BASE_URL ngắn hơn",
                    length=len(spec.url),
                    limit=MAX_POSTER_URL,
                )
            )
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle("SIPAS – " + vi_en("mã QR khảo sát"))
    c.setAuthor("SIPAS")
    c.setCreator("SIPAS")
    count = 0
    for spec in posters:
        _draw_poster(c, spec, regular, bold)
        c.showPage()
        count += 1
        if progress is not None:
            progress(count)
    if count == 0:
        raise QrError(vi_en("không có áp phích nào để in"))
    c.save()
    return out.getvalue()


def _zip_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3  # Unix, whatever the host, so the bytes are the same everywhere
    zf.writestr(info, data)


def codes_zip(items: Iterable[tuple[str, str]], *, progress: Progress | None = None) -> bytes:
    """Return a ZIP with ``<counter_code>.png`` and ``<counter_code>.svg`` for each pair.

    Codes must be safe file names (letters, digits, ``.``, ``_``, ``-``) and unique;
    *progress*, if given, is called with the number of counters done after each one.
    """
    out = io.BytesIO()
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for count, (code, url) in enumerate(items, start=1):
            if not _SAFE_CODE.fullmatch(code):
                raise QrError(vi_en("mã quầy %(code)r không dùng làm tên tệp được", code=code))
            if code in seen:
                raise QrError(vi_en("mã quầy %(code)r có hai lần", code=code))
            seen.add(code)
            _zip_entry(zf, f"{code}.png", qr_png(url))
            _zip_entry(zf, f"{code}.svg", qr_svg(url))
            if progress is not None:
                progress(count)
    return out.getvalue()
