"""What the citizen's pages say: whose page it is, one form of address, an honest time estimate,
a scale in order, a short error summary, and the typed code kept after a wrong one."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import form_tokens, full_answers

from questionnaires import estimate
from questionnaires.model import Text
from questionnaires.registry import get_questionnaire
from survey_app.db import get_db
from survey_app.db.models import Counter
from survey_app.survey.poster_pages import poster_spec

ENGLISH_IN_VIETNAMESE = re.compile(r"\b(e-?mail|online|website|ok|click|link)\b", re.IGNORECASE)


class Texts(HTMLParser):
    """The visible text of a page, without scripts, styles and ``lang="en"`` parts."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title") or dict(attrs).get("lang") == "en":
            self._skip.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = Texts()
    parser.feed(html)
    return " ".join(parser.parts)


def assert_one_voice(html: str) -> None:
    text = visible_text(html)
    assert not re.search(r"\bbạn\b", text, re.IGNORECASE), text
    found = ENGLISH_IN_VIETNAMESE.findall(text)
    assert not found, found


def test_the_header_names_the_issuing_authority_and_the_unit(
    client: FlaskClient, survey: dict
) -> None:
    page = client.get("/s/SNV-1").get_data(as_text=True)
    header = page[page.index('<header class="top">') : page.index("</header>")]
    assert "UBND tỉnh Vĩnh Long" in header
    assert "Sở Nội vụ" in header
    assert "không hỏi và không ghi lại họ tên" in page  # the privacy note stays
    thanks = client.get("/s/SNV-1/cam-on").get_data(as_text=True)
    assert "UBND tỉnh Vĩnh Long" in thanks and "Sở Nội vụ" in thanks


def test_the_issuing_authority_is_a_setting_on_page_and_poster(survey_factory) -> None:
    app = survey_factory({"ISSUING_AUTHORITY": "UBND tỉnh Bến Tre"})
    page = app.test_client().get("/s/SNV-1").get_data(as_text=True)
    assert "UBND tỉnh Bến Tre" in page and "Vĩnh Long" not in page
    with app.app_context():
        counter = get_db().session.query(Counter).filter_by(code="SNV-1").one()
        assert poster_spec(counter, "http://x.test").authority == "UBND tỉnh Bến Tre"
        assert poster_spec(counter, "http://x.test", "Sở Nội vụ").authority == "Sở Nội vụ"


def test_one_voice_on_form_errors_thanks_and_code_pages(client: FlaskClient, survey: dict) -> None:
    form = client.get("/s/SNV-1")
    assert_one_voice(form.get_data(as_text=True))
    assert "Thông tin về Ông/Bà" in form.get_data(as_text=True)
    assert "thư điện tử" in form.get_data(as_text=True)
    errors = client.post("/s/SNV-1", data=form_tokens(form.get_data(as_text=True)))
    assert errors.status_code == 422
    assert_one_voice(errors.get_data(as_text=True))
    thanks = client.get("/s/SNV-1/cam-on").get_data(as_text=True)
    assert "Cảm ơn Ông/Bà!" in thanks
    assert_one_voice(thanks)
    for path in ("/r", "/r?code=abc", "/r/7K3M-Q9XT-2B4D-H8RW-5N6P"):
        assert_one_voice(client.get(path, follow_redirects=True).get_data(as_text=True))


def test_the_time_estimate_follows_the_questionnaire(client: FlaskClient, survey: dict) -> None:
    questionnaire = get_questionnaire("sipas-2023", 1)
    minutes = estimate.minutes_to_answer(questionnaire)
    assert minutes == 4  # 674 words, 27 questions and a comment box: 236 s
    page = client.get("/s/SNV-1").get_data(as_text=True)
    assert f"Phiếu có 27 câu hỏi, mất khoảng {minutes} phút." in page
    assert "một phút" not in page  # the published intro's promise is left out
    assert "Câu trả lời của Ông/Bà là ẩn danh" in page
    english = client.get("/s/SNV-1?lang=en").get_data(as_text=True)
    assert "takes about 4 minutes" in english and "about a minute" not in english


def test_a_longer_questionnaire_takes_longer() -> None:
    questionnaire = get_questionnaire("sipas-2023", 1)
    words = estimate.word_count(questionnaire)
    longer_intro = Text.of(vi=questionnaire.intro.get("vi") + " chữ" * 600, en="x")
    longer = dataclasses.replace(questionnaire, intro=longer_intro)
    assert estimate.word_count(longer) == words + 600
    assert estimate.minutes_to_answer(longer) == estimate.minutes_to_answer(questionnaire) + 2


@pytest.mark.parametrize(
    ("intro", "kept"),
    [
        (
            "Phiếu khảo sát chỉ mất khoảng một phút. Câu trả lời là ẩn danh.",
            "Câu trả lời là ẩn danh.",
        ),
        ("This survey takes about a minute. Answers are anonymous.", "Answers are anonymous."),
        ("Câu trả lời là ẩn danh.", "Câu trả lời là ẩn danh."),
    ],
)
def test_the_intro_loses_only_its_duration(intro: str, kept: str) -> None:
    assert estimate.intro_without_duration(intro) == kept


def test_the_scale_is_in_order_with_not_applicable_last(client: FlaskClient, survey: dict) -> None:
    page = client.get("/s/SNV-1").get_data(as_text=True)
    block = page[page.index('id="q15"') : page.index('id="q16"')]
    values = re.findall(r'name="q15" value="([^"]+)"', block)
    assert values == ["1", "2", "3", "4", "5", "na"]
    assert 'class="choice na"' in block


def test_the_error_summary_counts_and_links_the_first_three(
    client: FlaskClient, survey: dict
) -> None:
    tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
    reply = client.post("/s/SNV-1", data=tokens)
    page = reply.get_data(as_text=True)
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index("error-summary"))
    ]
    assert "Còn 19 câu chưa trả lời" in summary
    assert re.findall(r'<a href="#(\w+)">', summary) == ["q15", "q16", "q17"]
    assert "và 16 câu khác" in summary
    assert page.count('class="error-message"') == 19  # the message beside each question stays

    answered = {**tokens, **full_answers(), "q20": ""}
    answered["comment"] = "x" * 5000
    page = client.post("/s/SNV-1", data=answered).get_data(as_text=True)
    assert "Còn 2 câu cần trả lời hoặc sửa lại" in page
    assert "câu khác" not in page


def test_a_wrong_code_comes_back_in_the_box(client: FlaskClient, survey: dict) -> None:
    reply = client.get("/r?code=7k3m q9xt", follow_redirects=True)
    assert reply.status_code == 404
    assert 'value="7k3m q9xt"' in reply.get_data(as_text=True)
    reply = client.get("/r?code=7K3M-Q9XT-2B4D-H8RW-5N6P", follow_redirects=True)
    assert reply.status_code == 404
    page = reply.get_data(as_text=True)
    box = re.search(r'<input class="code-input"[^>]*value="([^"]*)"', page)
    assert box is not None
    assert re.sub(r"\W", "", box.group(1)) == "7K3MQ9XT2B4DH8RW5N6P"


def test_the_page_loads_its_assets_by_content_hash(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    page = client.get("/s/SNV-1").get_data(as_text=True)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert sorted(a.split("?")[0] for a in assets) == ["/static/citizen.css", "/static/citizen.js"]
    assert all(re.search(r"\?v=[0-9a-f]{12}$", a) for a in assets), assets
    assert "<script>" not in page and "onclick" not in page  # no inline script (the CSP)
