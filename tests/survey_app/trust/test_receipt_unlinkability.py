"""Nothing in the database ties a receipt answer to its code (issue 11, item 1).

The attacks of the issue, with codes issued one by one through the API (as the one-stop system
does) and answered in a shuffled order:
- PostgreSQL's transaction id: ``responses.xmin = receipt_codes.xmin`` pairs nothing, and the
  used codes of a unit and day all carry one transaction id (so even its order says nothing);
- physical order (what ``pg_dump`` writes, ``ctid`` on PostgreSQL, the rowid on SQLite): the used
  codes are not listed in the order they were used;
- identifiers: code ids do not follow the order in which the codes were asked for.

A random order matches the tested one by chance once in 10! (3.6 million) runs.
"""

from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from support import form_tokens, full_answers

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.trust.receipts import code_hash, normalise

URL = "/api/v1/receipt-codes"
CODES = 10


@pytest.fixture
def api_key(app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch) -> str:
    from click.testing import CliRunner

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    result = CliRunner().invoke(main, ["api-clients", "create", "one-stop"])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def _issue_one_by_one(client: FlaskClient, key: str) -> list[str]:
    codes = []
    for n in range(CODES):
        reply = client.post(
            URL,
            json={"dossier_code": f"000.00.12.H62-261206-{n:04d}", "unit_code": "SNV"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert reply.status_code == 201, reply.get_data(as_text=True)
        codes.append(normalise(reply.json["code"]))
    return codes


def _use_in_shuffled_order(app: Flask, codes: list[str]) -> list[str]:
    order = codes[:]
    random.Random(11).shuffle(order)
    assert order != codes
    for code in order:
        phone = app.test_client()
        page = phone.get(f"/r/{code}")
        assert page.status_code == 200, page.get_data(as_text=True)
        data = {**form_tokens(page.get_data(as_text=True)), **full_answers()}
        assert phone.post(f"/r/{code}", data=data).status_code == 303
    return order


def _hashes(app: Flask, codes: list[str]) -> list[str]:
    return [code_hash(app.secret_key, code) for code in codes]


def test_no_id_order_or_transaction_ties_a_receipt_answer_to_its_code(
    app: Flask, client: FlaskClient, api_key: str
) -> None:
    issued = _issue_one_by_one(client, api_key)
    used = _use_in_shuffled_order(app, issued)
    dialect = app.config["DATABASE_URL"].split(":", 1)[0]
    physical = "ctid" if dialect.startswith("postgresql") else "rowid"
    with app.app_context():
        rows = get_db().session.execute(
            text(f"SELECT code_hash, id FROM receipt_codes ORDER BY {physical}")
        )
        dump_order = [digest for digest, _ in rows]
        by_id = [
            digest
            for (digest,) in get_db().session.execute(
                text("SELECT code_hash FROM receipt_codes ORDER BY id")
            )
        ]
        answers = get_db().session.execute(text("SELECT count(*) FROM responses")).scalar()
    assert answers == CODES
    assert dump_order != _hashes(app, used), "the dump lists used codes in the order of use"
    assert dump_order != _hashes(app, used)[::-1]
    assert by_id != _hashes(app, issued), "code ids follow the order of the API requests"
    assert by_id != _hashes(app, issued)[::-1]
    if physical == "ctid":
        _no_transaction_id_joins_an_answer_to_its_code(app)


def _no_transaction_id_joins_an_answer_to_its_code(app: Flask) -> None:
    """PostgreSQL: the issue's ``xmin`` join, and one transaction id for the used codes."""
    with app.app_context():
        session = get_db().session
        joined = session.execute(
            text("SELECT r.id, c.id FROM responses r JOIN receipt_codes c ON r.xmin = c.xmin")
        ).all()
        code_xmins = {str(x) for (x,) in session.execute(text("SELECT xmin FROM receipt_codes"))}
    assert joined == [], "answers and codes written in the same transactions"
    assert len(code_xmins) == 1, "the used codes of one unit and day share one transaction id"


def _issue_one(app: Flask) -> str:
    from sqlalchemy import select

    from survey_app.db.models import SurveyRound, Unit
    from survey_app.trust.receipts import IssueRequest, issue_codes

    with app.app_context(), get_db().begin() as session:
        issued = issue_codes(
            session,
            app.secret_key,
            session.scalar(select(SurveyRound)),
            [IssueRequest("HS-RACE", session.scalar(select(Unit).where(Unit.code == "SNV")))],
            days=30,
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
        )
        return issued[0].code


def _responses(app: Flask) -> int:
    with app.app_context():
        return int(get_db().session.execute(text("SELECT count(*) FROM responses")).scalar())


def test_phones_racing_to_answer_one_code_store_one_response(app: Flask, survey: dict) -> None:
    """Six phones send their answers for one code at the same moment: one is stored."""
    import threading

    code = _issue_one(app)
    phones = [app.test_client() for _ in range(6)]
    forms = [form_tokens(phone.get(f"/r/{code}").get_data(as_text=True)) for phone in phones]
    barrier = threading.Barrier(len(phones))
    statuses: list[int] = []

    def send(n: int) -> None:
        barrier.wait()
        reply = phones[n].post(f"/r/{code}", data={**forms[n], **full_answers()})
        statuses.append(reply.status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] + [409] * 5
    assert _responses(app) == 1


def test_answers_lost_after_the_exchange_can_be_sent_again_once(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code was exchanged, then storing the answers failed (database gone): the citizen
    sends them again from the same browser, or reopens the code there, and one response is
    stored; no other browser can use the code meanwhile."""
    from sqlalchemy.exc import OperationalError

    from survey_app.citizen import pages

    code = _issue_one(app)
    phone = app.test_client()
    form = form_tokens(phone.get(f"/r/{code}").get_data(as_text=True))
    real_store = pages.store_response

    def database_gone(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT INTO responses", {}, Exception("server closed"))

    monkeypatch.setattr(pages, "store_response", database_gone)
    failed = phone.post(f"/r/{code}", data={**form, **full_answers()})
    assert failed.status_code == 503 and _responses(app) == 0
    monkeypatch.setattr(pages, "store_response", real_store)
    elsewhere = app.test_client()
    assert elsewhere.get(f"/r/{code}").status_code == 409  # exchanged: no other phone
    reopened = phone.get(f"/r/{code}")  # the same browser finds its form again
    assert reopened.status_code == 200
    again = form_tokens(reopened.get_data(as_text=True))
    assert phone.post(f"/r/{code}", data={**again, **full_answers()}).status_code == 303
    assert phone.post(f"/r/{code}", data={**form, **full_answers()}).status_code == 303
    assert phone.get(f"/r/{code}").status_code == 409
    assert _responses(app) == 1


def test_a_lost_answer_resent_as_it_was_is_stored_once(
    app: Flask, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 503 page asks to press "Send again": the very same form then stores the answers."""
    from sqlalchemy.exc import OperationalError

    from survey_app.citizen import pages

    code = _issue_one(app)
    phone = app.test_client()
    data = {**form_tokens(phone.get(f"/r/{code}").get_data(as_text=True)), **full_answers()}
    real_store = pages.store_response
    monkeypatch.setattr(
        pages,
        "store_response",
        lambda *a, **k: (_ for _ in ()).throw(OperationalError("x", {}, Exception("down"))),
    )
    assert phone.post(f"/r/{code}", data=data).status_code == 503
    monkeypatch.setattr(pages, "store_response", real_store)
    assert phone.post(f"/r/{code}", data=data).status_code == 303
    assert phone.post(f"/r/{code}", data=data).status_code == 303
    assert _responses(app) == 1
