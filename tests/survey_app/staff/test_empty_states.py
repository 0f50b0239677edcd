"""Empty states: every staff page and download of a round without answers and a year without
points works (no 500) and says what to do next.

The routes come from ``app.url_map`` (as in test_roles), so a new page is walked without touching
this file; `HINTS` says which words each page of an empty round or year must show.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from support import login_as

from survey_app.staff.access import ACCESS

OBJECT_IDS = {"unit_id", "counter_id", "user_id", "client_id", "draft_id", "evidence_id"}
"""Addresses of one stored object (an account, a counter…): not an empty state, left out."""
EMPTY_YEAR = 2023  # a shipped catalog, no points
NO_CATALOG_YEAR = 2031  # nothing at all
NO_ANSWERS = "Chưa có câu trả lời nào"
POSTERS = "áp phích"
NO_POINTS = "Chưa có điểm nào cho năm"
HINTS: dict[str, tuple[str, ...]] = {
    "admin.dashboard": ("Chưa có phiếu trả lời nào", POSTERS),
    "admin.rounds": ("Chưa có phiếu trả lời nào",),
    "plans.plan": ("chưa có kế hoạch mẫu", "Lưu cho đợt"),
    "plans.plan_download": ("chưa có kế hoạch mẫu", "lập kế hoạch"),
    "plans.progress_page": ("chưa có kế hoạch mẫu", "lập kế hoạch mẫu", POSTERS),
    "results.overview": (NO_ANSWERS, POSTERS),
    "results.unit": (NO_ANSWERS, POSTERS),
    "results.heatmap": (NO_ANSWERS, POSTERS),
    "results.change": ("Chưa có đợt khảo sát nào trước đợt này",),
    "results.comments": ("Không có góp ý nào", "ô góp ý"),
    "results.download": (NO_ANSWERS, POSTERS),
    "review.index": ("Chưa có phiếu",),
    "review.round_page": ("Chưa có phiếu", POSTERS),
    "review.sipas": ("Chưa có phiếu nào được tính",),
    "paper.report": ("Chưa có phiếu nào được nhập hai lần",),
    "paper.queue": ("Không có phiếu nào chờ",),
    "paper.second": ("chưa được nhập lần 1",),
    "par.ranking": (NO_POINTS, "sipas par points-import"),
    "par.download": (NO_POINTS, "sipas par points-import"),
    "audit.index": ("Đăng nhập",),
}
"""Words each page must show on an empty round or year (Vietnamese: what is missing, what next)."""
FILES = {
    "admin.export_responses": ("csv", "xlsx"),
    "plans.plan_download": ("csv", "xlsx"),
    "plans.progress_download": ("csv", "xlsx"),
    "results.download": ("csv", "xlsx", "json", "sav"),
    "par.download": ("xlsx", "csv", "json"),
}
"""Downloads: each format is tried; a file (200) or a page saying why there is none (404)."""


@pytest.fixture
def admin(app: Flask, client: FlaskClient, survey: dict) -> FlaskClient:
    return login_as(app, client, "admin")


def _may_read(role: str, endpoint: str) -> bool:
    rule = ACCESS.get(endpoint)
    return rule is not None and role in rule.read


def _addresses(app: Flask, round_id: int, year: int) -> Iterator[tuple[str, str]]:
    """(endpoint, address) of every staff GET, each download in each of its formats."""
    values = {
        "round_id": round_id,
        "code": "SNV",
        "unit_code": "SNV",
        "year": year,
        "target": "SNV",
    }
    values.update(form_number="1", questionnaire_id="sipas-2023", version=1)
    adapter = app.url_map.bind("sipas.test")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/admin/") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in ("auth.login", "charts.plotly_js") or rule.arguments & OBJECT_IDS:
            continue
        for fmt in FILES.get(rule.endpoint, ("csv",)):
            args = {a: (fmt if a == "fmt" else values[a]) for a in rule.arguments}
            yield rule.endpoint, adapter.build(rule.endpoint, args)


@pytest.mark.parametrize(
    ("role", "year"),
    [
        ("admin", EMPTY_YEAR),
        ("admin", NO_CATALOG_YEAR),
        ("unit_officer", EMPTY_YEAR),
        ("analyst", EMPTY_YEAR),
        ("council", NO_CATALOG_YEAR),
    ],
)
def test_every_staff_page_of_an_empty_round_and_year_says_what_to_do(
    app: Flask, client: FlaskClient, survey: dict, role: str, year: int
) -> None:
    login_as(app, client, role, unit="SNV" if role == "unit_officer" else None)
    wrong = []
    for endpoint, url in _addresses(app, survey["round_id"], year):
        if not _may_read(role, endpoint):
            continue
        if endpoint == "parself.appraise" and role == "unit_officer":
            continue  # only a district's officers appraise (their communes): others get 404
        reply = client.get(url, follow_redirects=True)
        if reply.status_code >= 500 or reply.status_code not in (200, 404):
            wrong.append(f"{url} ({endpoint}) → {reply.status_code}")
            continue
        if reply.status_code == 404 and endpoint not in HINTS:  # a 404 must say why
            wrong.append(f"{url} ({endpoint}) → 404 without a hint")
            continue
        if reply.mimetype != "text/html":  # a file: it opens
            assert reply.get_data(), url
            continue
        if reply.request.path != url.partition("?")[0]:  # sent on (the council's home)
            continue
        text = reply.get_data(as_text=True)
        missing = [hint for hint in HINTS.get(endpoint, ()) if hint not in text]
        if missing:
            wrong.append(f"{url} ({endpoint}) lacks {missing}")
    assert not wrong, "\n".join(wrong)


def test_the_empty_state_pages_have_no_hint_once_there_is_data(
    app: Flask, admin: FlaskClient, survey: dict
) -> None:
    """The hints are about emptiness: a filled round does not show them (so they can fail)."""
    from support import form_tokens, full_answers

    phone = app.test_client()
    tokens = form_tokens(phone.get("/s/SNV-1").get_data(as_text=True))
    assert phone.post("/s/SNV-1", data={**tokens, **full_answers("4")}).status_code == 303
    html = admin.get(f"/admin/results/{survey['round_id']}").get_data(as_text=True)
    assert NO_ANSWERS not in html and "Sở Nội vụ" in html


def test_an_empty_year_downloads_no_500_and_an_empty_workbook_explains_itself(
    app: Flask, admin: FlaskClient, survey: dict
) -> None:
    for year in (EMPTY_YEAR, NO_CATALOG_YEAR):
        reply = admin.get(f"/admin/par/{year}/ranking.xlsx")
        assert reply.status_code == 404 and NO_POINTS in reply.get_data(as_text=True)
    # the service behind `sipas score` writes a workbook that says why it is empty
    import io

    from survey_app.par.files.outputs import score_workbook

    book = load_workbook(io.BytesIO(score_workbook([], [], [], {}, {}, [])))
    assert book.sheetnames == ["Ghi chú"]
    assert "Chưa có đơn vị nào được chấm điểm" in book["Ghi chú"]["A1"].value
