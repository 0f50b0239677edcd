"""Vietnamese first, no internal codes: every admin page of a filled round and year is read as
a person reads it, and a code or English word from `LEAKS` fails the test.

Read: the text of the page and its titles, labels and chart labels; not read: English glosses
(``<span class="en">``), ``<code>`` elements, scripts, addresses and form values (which carry the
codes the server needs). The results FILE keeps its codes (a contract): only pages are checked.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from factories import add_response, fill_par_points
from flask import Flask
from flask.testing import FlaskClient
from support import form_tokens, login_as

from sampling import Stratum, build_plan
from survey_app.db import get_db
from survey_app.db.models import SurveyRound
from survey_app.planning.plans import save_plan

LEAKS = re.compile(
    r"\b(unreliable|suppressed|mean-of-items|pooled|item|items|element|elements|overall|draft|"
    r"submitted|appraised|published|commune|department|district|province|vertical_agency|"
    r"lao_dong|y_te|dat_dai|auth\.login|auth\.logout|per-unit|yamane|neyman|proportional|"
    r"counter_qr|public_link|simulated|flagged|excluded|received|round|unit_officer|analyst|"
    r"no-fpc|fpc)\b"
)
"""Codes and English words that must not reach a Vietnamese reader (case-sensitive: the
formulas' proper names "Yamane", "Neyman", "Wilson" are fine)."""
SKIPPED = {"script", "style", "code", "title"}
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
CHART_KEYS = ("name", "x", "y", "text", "customdata", "hovertemplate")


class Reader(HTMLParser):
    """The words a person reads on a page; chart figures kept apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.words: list[str] = []
        self.charts: list[str] = []
        self._chart = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        gloss = tag == "span" and "en" in (values.get("class") or "").split()
        skip = gloss or tag in SKIPPED
        if tag == "script" and values.get("type") == "application/json":
            self._chart = True
        if tag not in ("br", "input", "meta", "link", "img", "hr", "col", "circle", "line", "rect"):
            self.stack.append((tag, skip))
        if not any(s for _, s in self.stack):
            self.words.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break
        if tag == "script":
            self._chart = False

    def handle_data(self, data: str) -> None:
        if self._chart:
            self.charts.append(data)
        elif not any(s for _, s in self.stack):
            self.words.append(data)


def chart_words(figure: object, key: str = "") -> list[str]:
    """The texts of a plotly figure that people read: names, labels, axis titles, hovers."""
    if isinstance(figure, dict):
        found = []
        for k, v in figure.items():
            if k == "title" and isinstance(v, dict):
                found.append(str(v.get("text", "")))
            elif k == "title" and isinstance(v, str):
                found.append(v)
            else:
                found.extend(chart_words(v, k))
        return found
    if isinstance(figure, list):
        return [w for v in figure for w in chart_words(v, key)]
    if isinstance(figure, str) and key in CHART_KEYS:
        return [figure]
    return []


def without_gloss(text: str) -> str:
    """ "Vietnamese / English" → "Vietnamese": the English after " / " is a gloss."""
    parts = text.split(" / ")
    kept = [parts[0]]
    for part in parts[1:]:
        if not re.search(r"[^\x00-\x7f]", kept[-1]):  # no Vietnamese before: not a gloss
            kept.append(part)
    return " / ".join(kept)


def leaks_of(html: str) -> list[str]:
    reader = Reader()
    reader.feed(html)
    words = [without_gloss(w) for w in reader.words]
    for chart in reader.charts:
        words.extend(chart_words(json.loads(chart)))
    found = []
    for text in words:
        for match in LEAKS.finditer(text):
            start = max(match.start() - 30, 0)
            found.append(f"{match.group(0)!r} in …{text[start : match.end() + 30].strip()}…")
    return found


def test_the_reader_skips_glosses_codes_and_addresses_but_not_text() -> None:
    assert leaks_of('<p>Cảnh báo: <span class="en">unreliable</span> <code>item</code></p>') == []
    assert leaks_of('<a href="/x?level=item" title="câu hỏi">câu hỏi</a>') == []
    assert leaks_of('<option value="commune">Ủy ban nhân dân cấp xã</option>') == []
    assert leaks_of("<td>unreliable</td>") and leaks_of('<td title="draft">x</td>')
    assert leaks_of("<p>Lưu cho đợt / Save for the round</p>") == []  # a "vi / en" gloss
    assert leaks_of("<p>Trạng thái: draft</p>") and leaks_of("<p>draft / Trạng thái</p>")
    figure = {"data": [{"type": "bar", "name": "submitted", "y": ["Sở Nội vụ"]}], "layout": {}}
    chart = f'<script type="application/json" data-chart-for="c">{json.dumps(figure)}</script>'
    assert leaks_of(chart) and not leaks_of(chart.replace("submitted", "đã nộp"))


@pytest.fixture
def filled(app: Flask, survey: dict) -> dict:
    """Answers (one flagged, one excluded, comments with service fields), a saved plan, PAR
    points of 2023 with a status change and a council change, audit rows."""
    round_id = survey["round_id"]
    with app.app_context(), get_db().begin() as session:
        for n in range(8):
            response = add_response(session, round_id, unit="SNV", counter="SNV-1")
            response.service_field = "lao_dong" if n % 2 else "y_te"
            response.comment = "Thủ tục nhanh."
        for _ in range(6):
            add_response(session, round_id, unit="BDT", counter="BDT-1")
        add_response(session, round_id, state="flagged", flags=["burst"])
        add_response(session, round_id, state="excluded", channel="paper", counter=None)
        survey_round = session.get(SurveyRound, round_id)
        strata = [Stratum("SNV", 1000), Stratum("BDT", 90)]
        save_plan(session, survey_round, strata, build_plan(strata, "yamane"), created_by="t")
    fill_par_points(app, {"SNV": 0.8, "BDT": 0.7})
    return survey


def _pages(app: Flask, round_id: int) -> list[str]:
    """Every staff GET page of the filled round, year 2023 and unit SNV (files left out)."""
    values = {"round_id": round_id, "code": "SNV", "unit_code": "SNV", "year": 2023}
    values.update(target="SNV", form_number="1", questionnaire_id="sipas-2023", version=1)
    adapter = app.url_map.bind("sipas.test")
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/admin/") or "GET" not in (rule.methods or ()):
            continue
        if "fmt" in rule.arguments or rule.endpoint in ("charts.plotly_js", "plans.progress_json"):
            continue
        stored = {"unit_id", "counter_id", "user_id", "client_id", "draft_id", "evidence_id"}
        if rule.arguments & stored:
            continue  # one stored object's page: none in this fixture
        if rule.rule.endswith((".pdf", ".csv")):
            continue
        pages.append(adapter.build(rule.endpoint, {a: values[a] for a in rule.arguments}))
    heat = f"/admin/results/{round_id}/heatmap"
    return [*pages, f"{heat}?type=department", f"{heat}?type=commune"]


def test_every_admin_page_of_a_filled_round_and_year_reads_in_vietnamese(
    app: Flask, client: FlaskClient, filled: dict
) -> None:
    login_as(app, client, "admin")
    round_id = filled["round_id"]
    token = form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]
    # a status change, a refused council change and a review exclusion: the log and pages show them
    sheet = "/admin/par/2023/units/SNV"
    client.post(sheet, data={"csrf_token": token, "action": "status", "status": "submitted"})
    refused = client.post(
        sheet,
        data={
            "csrf_token": token,
            "action": "points",
            "code": "1.1.1",
            "points": "5",
            "reason": "x",
        },
    )
    assert refused.status_code == 422
    refused_text = refused.get_data(as_text=True)
    assert "nằm ngoài khoảng" in refused_text and leaks_of(refused_text) == []
    plan = client.post(
        f"/admin/rounds/{round_id}/plan",
        data={
            "csrf_token": token,
            "action": "preview",
            "method": "neyman",
            "total": "50",
            "populations_text": "unit_code,population\nSNV,1000\nBDT,90\n",
        },
    )
    assert plan.status_code == 422 and "Phân bổ Neyman cần sd hoặc p" in plan.get_data(as_text=True)
    assert leaks_of(plan.get_data(as_text=True)) == []
    leaks = {}
    for url in _pages(app, round_id):
        reply = client.get(url, follow_redirects=True)
        assert reply.status_code < 500, url
        if reply.mimetype == "text/html" and (found := leaks_of(reply.get_data(as_text=True))):
            leaks[url] = found
    assert not leaks, "\n".join(f"{url}: {found[:5]}" for url, found in leaks.items())


def test_the_pages_name_what_the_codes_mean(app: Flask, client: FlaskClient, filled: dict) -> None:
    login_as(app, client, "admin")
    base = f"/admin/results/{filled['round_id']}"
    unit = client.get(f"{base}/units/SNV").get_data(as_text=True)
    rows = [unit.index(f"<td>{level}</td>") for level in ("chỉ số chung", "yếu tố", "câu hỏi")]
    assert rows == sorted(rows)
    comments = client.get(f"{base}/comments").get_data(as_text=True)
    assert "Lao động" in comments and "Y tế" in comments
    heat = client.get(f"{base}/heatmap").get_data(as_text=True)
    assert "Sở, ban, ngành tỉnh</option>" in heat and "Thái độ lịch sự" in heat
    plan = client.get(f"/admin/rounds/{filled['round_id']}/plan").get_data(as_text=True)
    assert "công thức Yamane" in plan
    par = client.get("/admin/par/2023").get_data(as_text=True)
    assert "Đang tự đánh giá" in par


def test_a_year_with_missing_points_lists_its_problems_in_vietnamese(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    from factories import LEAVES

    fill_par_points(app, {"SNV": 0.8, "BDT": 0.7}, skip={LEAVES[0].code})
    login_as(app, client, "council")
    html = client.get("/admin/par/2023").get_data(as_text=True)
    said = f"đơn vị 'SNV': chưa có điểm tiêu chí '{LEAVES[0].code}' (tối đa "
    assert said in unescape(html)
    assert f"unit 'SNV': no points for '{LEAVES[0].code}'" in unescape(html)  # the gloss
    assert leaks_of(html) == []
