"""The form page made once and filled in (``survey_app.citizen.form_page``): byte for byte the
page the template renders for that request, in each language, with and without a counter, gzip
or not, and after staff changes (unit and counter renamed, the round given another version)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import zlib
from pathlib import Path

import pytest
from flask import Flask, g, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import select
from support import form_tokens, full_answers

from questionnaires.registry import definitions_root
from survey_app.citizen import form_page, pages, receipt_pages
from survey_app.db import get_db
from survey_app.db import session as db_session
from survey_app.db.models import Counter, SurveyRound, Unit
from survey_app.survey import cache
from survey_app.survey.questionnaire_store import publish, save_draft

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def _fresh(app: Flask, path: str, lang: str, shown: str) -> str:
    """The page the template renders for ``path`` in ``lang`` with the tokens of ``shown``."""
    tokens = form_tokens(shown)
    with app.test_request_context(path, headers={"Cookie": f"lang={lang}"}):
        app.preprocess_request()
        g.csrf_token = tokens["csrf_token"]  # Flask-WTF's token of this request
        if path.startswith("/s/"):
            counter = cache.current(db_session()).counter(db_session(), path.removeprefix("/s/"))
            target = pages.counter_target(counter)
        else:
            unit = receipt_pages._unit_today(path.removeprefix("/u/"))
            assert unit is not None
            target = receipt_pages.public_target(unit)
        assert target is not None
        questionnaire = pages._questionnaire(target.survey_round)
        return pages._render(
            target, questionnaire, tokens["sid"], values={}, errors={}, notice=None
        )


def _shown(client: FlaskClient, path: str, lang: str, *, compressed: bool) -> str:
    client.set_cookie("lang", lang)
    page = client.get(path, headers=GZIP if compressed else {})
    assert page.status_code == 200
    if compressed:
        assert page.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in page.headers["Vary"]
        return gzip.decompress(page.data).decode()
    assert "Content-Encoding" not in page.headers
    return page.get_data(as_text=True)


@pytest.mark.parametrize("compressed", [False, True])
def test_the_filled_page_is_the_rendered_page_byte_for_byte(
    app: Flask, survey: dict, compressed: bool
) -> None:
    client = app.test_client()
    for path in ("/s/SNV-1", "/u/SNV", "/s/BDT-1"):  # with and without a counter
        for lang in ("vi", "en", "vi", "en"):  # made, then taken from the kept pages
            shown = _shown(client, path, lang, compressed=compressed)
            assert shown == _fresh(app, path, lang, shown)
            assert f'<html lang="{lang}">' in shown
            assert ("Bộ phận một cửa" in shown) == path.startswith("/s/")


def _questionnaire_v2() -> dict:
    raw = definitions_root().joinpath("sipas-2023", "1.json").read_text("utf-8")
    data = json.loads(raw)
    data["version"] = 2
    data["title"] = {"vi": "Phiếu khảo sát mới <2>", "en": "New questionnaire <2>"}
    return data


def test_staff_changes_are_on_the_next_page_and_it_stays_the_rendered_one(
    app: Flask, survey: dict
) -> None:
    client = app.test_client()
    for lang in ("vi", "en"):
        _shown(client, "/s/SNV-1", lang, compressed=True)
    with app.app_context(), get_db().begin() as session:
        session.scalar(select(Unit).where(Unit.code == "SNV")).name = "Sở Nội vụ & <Đổi tên>"
        session.scalar(select(Counter).where(Counter.code == "SNV-1")).name = 'Quầy "số 2"'
        row = save_draft(session, _questionnaire_v2(), "json", "nv.admin")
        publish(session, row, "nv.admin")
        session.get(SurveyRound, survey["round_id"]).questionnaire_version = 2
    for lang, title in (
        ("vi", "Phiếu khảo sát mới &lt;2&gt;"),
        ("en", "New questionnaire &lt;2&gt;"),
    ):
        for compressed in (True, False):
            shown = _shown(client, "/s/SNV-1", lang, compressed=compressed)
            assert title in shown
            assert "Sở Nội vụ &amp; &lt;Đổi tên&gt;" in shown
            assert "Quầy &#34;số 2&#34;" in shown
            assert shown == _fresh(app, "/s/SNV-1", lang, shown)


def test_the_template_is_rendered_once_per_language_for_every_citizen(
    app: Flask, survey: dict
) -> None:
    rendered: list[str] = []

    def note(_sender: Flask, template: object, **_extra: object) -> None:
        rendered.append(template.name)  # type: ignore[attr-defined]

    with template_rendered.connected_to(note, app):
        for lang in ("vi", "en", "vi", "en"):
            for path in ("/s/SNV-1", "/s/BDT-1"):
                _shown(app.test_client(), path, lang, compressed=lang == "vi")
        assert rendered.count("citizen/form.html") == 2
        # a page with answers and errors is rendered afresh, every time
        client = app.test_client()
        tokens = form_tokens(client.get("/s/SNV-1").get_data(as_text=True))
        for _ in range(2):
            again = client.post("/s/SNV-1", data={**tokens, "q15": "4"})
            assert again.status_code == 422
        assert rendered.count("citizen/form.html") == 4


def test_each_citizen_gets_tokens_of_their_own_that_are_taken(app: Flask, survey: dict) -> None:
    seen = []
    for _ in range(3):
        client = app.test_client()
        tokens = form_tokens(_shown(client, "/s/SNV-1", "vi", compressed=True))
        seen.append(tokens)
        sent = client.post("/s/SNV-1", data={**tokens, **full_answers()})
        assert sent.status_code == 303
    assert len({t["sid"] for t in seen}) == len({t["csrf_token"] for t in seen}) == 3


def test_the_gzip_stream_is_one_valid_member_about_as_small_as_compressing_the_page(
    app: Flask, survey: dict
) -> None:
    page = app.test_client().get("/s/SNV-1", headers=GZIP)
    body = page.data
    decoder = zlib.decompressobj(wbits=31)  # one gzip member, checked CRC and length
    raw = decoder.decompress(body) + decoder.flush()
    assert decoder.eof and not decoder.unused_data
    assert len(body) <= 1.05 * len(gzip.compress(raw, 6)) + 64
    mark = form_page._MARK.format(form_page.UNIT)
    long = "<p>lời</p>" * form_page.LONG
    for html in (f"<p>{mark}</p>", f"{long}{mark}", f"{mark}{long}", f"a{long}{mark}{long}{mark}"):
        saved = form_page.save(html)
        raw, gz = saved.fill({form_page.UNIT: "Sở <Nội vụ>"})
        assert gzip.decompress(gz) == raw == html.replace(mark, "Sở &lt;Nội vụ&gt;").encode()


def test_a_template_reading_more_of_the_target_than_its_slots_is_refused(app: Flask) -> None:
    marks = form_page._StandTarget(with_counter=True)
    with pytest.raises(form_page.SlotMisuse, match="PageKey"):
        _ = marks.survey_round
    with pytest.raises(form_page.SlotMisuse, match="code"):
        _ = marks.unit.code


def test_a_changed_stylesheet_gives_the_page_its_new_address(
    app: Flask, survey: dict, tmp_path: Path
) -> None:
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)  # type: ignore[arg-type]
    app.static_folder = str(static)
    client = app.test_client()
    before = _shown(client, "/s/SNV-1", "vi", compressed=True)
    (static / "citizen.css").write_text("body { color: black }\n", encoding="utf-8")
    after = _shown(client, "/s/SNV-1", "vi", compressed=True)
    link = re.compile(r'href="(/static/citizen\.css\?v=[0-9a-f]+)"')
    assert link.findall(before) != link.findall(after) != []
    assert after == _fresh(app, "/s/SNV-1", "vi", after)
