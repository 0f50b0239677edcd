"""Tests for survey_app.survey.qr: every QR code is read back by a real decoder (zxing-cpp).

SVGs are rasterised with resvg (``resvg-py`` wheel), PDF pages with pdfium.
"""

from __future__ import annotations

import io
import zipfile

import pypdfium2 as pdfium
import pytest
import resvg_py
import zxingcpp
from PIL import Image

from survey_app.survey import qr
from survey_app.survey.qr import PosterSpec, codes_zip, poster_pdf, qr_png, qr_svg

BASE = "http://127.0.0.1:5000/s/"
URL = BASE + "SNV-1"
LONG_CODE = "TTHCC-VL-" + "MANGTHIT-DATDAI-QUAY-" * 6 + "012"
LONG_URL = BASE + LONG_CODE
UNIT = "Ủy ban nhân dân xã Tân Long Hội"
LONG_UNIT = (
    "Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long – Chi nhánh Văn phòng Đăng ký "
    "đất đai huyện Mang Thít và các xã, thị trấn trực thuộc khu vực phía Nam"
)
DPI = 150
A4_PT = (595.2755905511812, 841.8897637795277)


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    """All QR codes zxing-cpp finds in *image*."""
    return zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)


def decode_one(image: Image.Image) -> zxingcpp.Barcode:
    found = decode(image)
    assert len(found) == 1, f"expected exactly one QR code, found {len(found)}"
    return found[0]


def rasterise_svg(svg: bytes) -> Image.Image:
    png = resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), background="#ffffff")
    return Image.open(io.BytesIO(bytes(png)))


def render_pages(pdf: bytes) -> list[tuple[Image.Image, str, list[tuple[float, ...]]]]:
    """Each page as (bitmap at DPI, its text, its character boxes in points)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in doc:
            assert page.get_size() == pytest.approx(A4_PT, abs=0.01)
            bitmap = page.render(scale=DPI / 72).to_pil()
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
            boxes = [b for i, b in enumerate(boxes) if not text[i].isspace()]
            pages.append((bitmap, text, boxes))
            textpage.close()
            page.close()
        return pages
    finally:
        doc.close()


def flat(text: str) -> str:
    """Page text with line breaks and runs of spaces collapsed."""
    return " ".join(text.split())


# --- PNG -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, LONG_URL, BASE + "q?c=Quầy-1"])
def test_png_decodes_to_exact_url(url: str) -> None:
    barcode = decode_one(Image.open(io.BytesIO(qr_png(url))))
    assert barcode.text == url
    assert barcode.ec_level in {"M", "Q", "H"}


def test_png_has_four_module_quiet_zone() -> None:
    scale = 7
    image = Image.open(io.BytesIO(qr_png(URL, scale=scale))).convert("L")
    width, height = image.size
    assert width == height and width % scale == 0
    border = 4 * scale
    pixels = image.load()
    for i in range(width):
        for j in range(border):
            for x, y in ((i, j), (j, i), (i, height - 1 - j), (width - 1 - j, i)):
                assert pixels[x, y] == 255
    # The finder pattern's outer corner starts right after the quiet zone.
    assert pixels[border, border] == 0
    assert pixels[width - 1 - border, border] == 0


def test_png_scale_and_validation() -> None:
    small = Image.open(io.BytesIO(qr_png(URL, scale=2)))
    big = Image.open(io.BytesIO(qr_png(URL, scale=10)))
    assert big.size[0] == small.size[0] * 5
    with pytest.raises(ValueError):
        qr_png(URL, scale=0)
    with pytest.raises(qr.QrError, match="địa chỉ trống / cannot encode an empty URL"):
        qr_png("")


# --- SVG -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [URL, LONG_URL])
def test_svg_rasterised_decodes_to_exact_url(url: str) -> None:
    barcode = decode_one(rasterise_svg(qr_svg(url)))
    assert barcode.text == url


def test_svg_is_accessible_and_escaped() -> None:
    url = BASE + "X-1?a=1&b=<2>"
    svg = qr_svg(url).decode("utf-8")
    assert 'role="img"' in svg
    assert 'aria-label="Mã QR / QR code: ' in svg
    assert "<title>" in svg
    assert "&amp;b=&lt;2&gt;" in svg and "&b=<2>" not in svg
    assert decode_one(rasterise_svg(svg.encode())).text == url


# --- PDF posters -----------------------------------------------------------------------


AUTHORITY = "UBND tỉnh Vĩnh Long"
SPECS = [
    PosterSpec(UNIT, "Quầy 1 – Tư pháp, hộ tịch", "SNV-1", URL, AUTHORITY),
    PosterSpec(
        LONG_UNIT,
        "Quầy tiếp nhận và trả kết quả số 12 – Lĩnh vực đất đai, xây dựng, tài nguyên",
        LONG_CODE,
        LONG_URL,
        AUTHORITY,
    ),
    PosterSpec("UBND phường 1", "Quầy 2", "P1-2", BASE + "P1-2"),
]


@pytest.fixture(scope="module")
def rendered() -> list[tuple[Image.Image, str, list[tuple[float, ...]]]]:
    return render_pages(poster_pdf(SPECS))


def test_pdf_one_page_per_poster_each_decodes_to_its_url(rendered) -> None:
    assert len(rendered) == len(SPECS)
    for spec, (bitmap, _text, _boxes) in zip(SPECS, rendered, strict=True):
        barcode = decode_one(bitmap)
        assert barcode.text == spec.url
        assert barcode.ec_level in {"M", "Q", "H"}


def test_pdf_qr_is_at_least_10cm_wide(rendered) -> None:
    for bitmap, _text, _boxes in rendered:
        pos = decode_one(bitmap).position
        width_px = pos.top_right.x - pos.top_left.x
        assert width_px / DPI * 2.54 >= 9.9  # 10 cm, less a pixel or two of detection


def test_pdf_text_has_diacritics_and_url(rendered) -> None:
    for spec, (_bitmap, text, _boxes) in zip(SPECS, rendered, strict=True):
        page = flat(text)
        assert spec.unit_name in page
        assert spec.counter_name in page
        assert qr.VI_INSTRUCTION in page
        assert qr.EN_INSTRUCTION in page
        assert qr.PRIVACY_LINE in page
        assert (AUTHORITY.upper() in page) == bool(spec.authority)  # whose poster this is
        assert "bạn" not in page.lower()  # one form of address: Ông/Bà
        # A URL that needs wrapping is broken across lines with no added characters.
        assert spec.url in "".join(text.split())


def test_pdf_long_name_wraps(rendered) -> None:
    lines = [line.strip() for line in rendered[1][1].splitlines() if line.strip()]
    assert not any(LONG_UNIT in line for line in lines)
    assert sum(1 for line in lines if line in LONG_UNIT) >= 2


def test_pdf_text_stays_clear_of_qr_and_quiet_zone(rendered) -> None:
    for spec, (bitmap, _text, boxes) in zip(SPECS, rendered, strict=True):
        pos = decode_one(bitmap).position
        to_pt = 72 / DPI
        height_pt = bitmap.size[1] * to_pt
        left, right = pos.top_left.x * to_pt, pos.top_right.x * to_pt
        top, bottom = height_pt - pos.top_left.y * to_pt, height_pt - pos.bottom_left.y * to_pt
        modules = qr._make_qr(spec.url).symbol_size(border=0)[0]
        quiet = (right - left) / modules * 4
        left, right, bottom, top = left - quiet, right + quiet, bottom - quiet, top + quiet
        for b_left, b_bottom, b_right, b_top in boxes:
            overlaps = b_left < right and b_right > left and b_bottom < top and b_top > bottom
            assert not overlaps


def test_pdf_crowded_poster_still_fits() -> None:
    spec = PosterSpec(
        LONG_UNIT * 3,
        "Quầy " + "rất dài " * 40,
        "X" * 80,
        BASE + "Y" * (qr.MAX_POSTER_URL - 24),
        "Ủy ban nhân dân tỉnh " * 8,
    )
    [(bitmap, text, boxes)] = render_pages(poster_pdf([spec]))
    pos = decode_one(bitmap).position
    assert decode_one(bitmap).text == spec.url
    assert (pos.top_right.x - pos.top_left.x) / DPI * 2.54 >= 9.9
    assert "…" in text
    assert spec.url in "".join(text.split())
    assert all(b[0] >= 0 and b[2] <= A4_PT[0] and b[1] >= 0 and b[3] <= A4_PT[1] for b in boxes)


def test_pdf_progress_and_determinism() -> None:
    calls: list[int] = []
    first = poster_pdf(iter(SPECS), progress=calls.append)
    assert calls == [1, 2, 3]
    assert first == poster_pdf(SPECS)
    assert first.startswith(b"%PDF-")


def test_pdf_rejects_empty_and_overlong_url() -> None:
    with pytest.raises(qr.QrError, match=r"^không có áp phích nào để in / no posters to print$"):
        poster_pdf([])
    long = BASE + "Z" * qr.MAX_POSTER_URL
    with pytest.raises(qr.QrError) as caught:
        poster_pdf([PosterSpec(UNIT, "Quầy 1", "A", long)])
    vietnamese, english = str(caught.value).split(" / ")
    assert vietnamese.startswith(f"địa chỉ quá dài để in trên áp phích ({len(long)} > ")
    assert english.startswith(f"URL too long for a poster ({len(long)} > ")


def test_pdf_decomposed_input_is_composed() -> None:
    import unicodedata

    spec = PosterSpec(unicodedata.normalize("NFD", UNIT), "Quầy 1", "SNV-1", URL)
    [(_bitmap, text, _boxes)] = render_pages(poster_pdf([spec]))
    assert UNIT in flat(text)


# --- ZIP -------------------------------------------------------------------------------


def test_zip_has_png_and_svg_per_counter_each_decoding() -> None:
    items = [("SNV-1", URL), ("P1-2", BASE + "P1-2"), (LONG_CODE, LONG_URL)]
    calls: list[int] = []
    data = codes_zip(items, progress=calls.append)
    assert calls == [1, 2, 3]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert sorted(zf.namelist()) == sorted(
            f"{c}.{ext}" for c, _ in items for ext in ["png", "svg"]
        )
        for code, url in items:
            png = Image.open(io.BytesIO(zf.read(f"{code}.png")))
            assert decode_one(png).text == url
            assert decode_one(rasterise_svg(zf.read(f"{code}.svg"))).text == url
        assert {info.date_time for info in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert data == codes_zip(items)


@pytest.mark.parametrize("code", ["../evil", "a/b", "", "SNV 1", ".hidden"])
def test_zip_rejects_unsafe_codes(code: str) -> None:
    with pytest.raises(qr.QrError, match=r"không dùng làm tên tệp được / .* not a safe file name"):
        codes_zip([(code, URL)])


def test_zip_rejects_duplicates_and_allows_empty() -> None:
    with pytest.raises(qr.QrError, match=r"^mã quầy 'A' có hai lần / counter code 'A' is given"):
        codes_zip([("A", URL), ("A", URL)])
    with zipfile.ZipFile(io.BytesIO(codes_zip([]))) as zf:
        assert zf.namelist() == []


def test_png_and_svg_are_deterministic() -> None:
    assert qr_png(URL) == qr_png(URL)
    assert qr_svg(URL) == qr_svg(URL)
