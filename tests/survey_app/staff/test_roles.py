"""Roles: every staff route checks the role, and a unit officer sees only their own unit.

The routes come from ``app.url_map`` (every rule under /admin/ but login and logout), so a new
route is tried for every role without touching this file; `MAY_REACH` below is the matrix of
docs/decisions/0012 written again, apart from `survey_app.staff.access.ACCESS`, so that a change to
either shows here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from fnmatch import fnmatch

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from support import form_tokens, full_answers, login_as

from survey_app.db import get_db, utcnow
from survey_app.db.models import Unit, User
from survey_app.par.evidence import Upload, add_evidence
from survey_app.par.evidence_store import LocalStore
from survey_app.staff.access import ACCESS, is_staff
from survey_app.staff.users import ROLES, UserError, create_user
from survey_app.survey.rounds import create_round

PASSWORD = "correct horse battery"
OWN, OTHER = "SNV", "BDT"
NOT_STAFF = ("auth.login", "auth.logout")
MAY_REACH: dict[str, set[tuple[str, str]]] = {
    "admin": {("GET", "*"), ("POST", "*")},
    "analyst": {
        ("GET", pattern)
        for pattern in (
            "admin.dashboard",
            "charts.*",
            "admin.rounds",
            "admin.export_responses",
            "plans.*",
            "results.*",
            "review.*",
        )
    },
    "council": {("GET", "admin.dashboard"), ("GET", "charts.*"), ("GET", "par.*")}
    | {("GET", "parself.*"), ("POST", "par.unit"), ("POST", "parself.appraise")}
    | {("POST", "parself.publish")},
    "unit_officer": {
        ("GET", pattern)
        for pattern in (
            "admin.dashboard",
            "charts.*",
            "admin.counters",
            "admin.unit_counters",
            "admin.unit_posters",
            "plans.progress_*",
            "results.unit",
            "results.glossary",
            "parself.overview",
            "parself.sheet",
            "parself.evidence_file",
        )
    }
    | {("POST", "parself.sheet"), ("POST", "parself.upload"), ("POST", "parself.withdraw_file")},
}


def may_reach(role: str, method: str, endpoint: str) -> bool:
    return any(m == method and fnmatch(endpoint, p) for m, p in MAY_REACH[role])


def _answer(client: FlaskClient, counter: str) -> None:
    tokens = form_tokens(client.get(f"/s/{counter}").get_data(as_text=True))
    assert client.post(f"/s/{counter}", data={**tokens, **full_answers("4")}).status_code == 303


@pytest.fixture
def answered(app: Flask, survey: dict) -> dict:
    """The survey with an answer for each unit (so results pages have something to show)."""
    citizen = app.test_client()
    _answer(citizen, survey["counter"])
    _answer(citizen, survey["other_counter"])
    return survey


@pytest.fixture
def own_evidence(app: Flask, answered: dict, tmp_path) -> str:
    """An evidence file of the unit officer's unit (PAR 2023), in a private folder."""
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    with app.app_context(), get_db().begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == OWN))
        row = add_evidence(
            session,
            LocalStore(app.config["EVIDENCE_DIR"]),
            year=2023,
            unit=unit,
            upload=Upload("1.1.1", "kh.pdf", b"%PDF-1.4 test", "nv.unit_officer"),
            max_bytes=1000,
        )
        return row.id


@pytest.fixture
def parameters(answered: dict, own_evidence: str) -> dict[str, object]:
    """A value for every parameter name of an admin address (a unit officer's own unit)."""
    return {
        "round_id": answered["round_id"],
        "code": OWN,
        "unit_code": OWN,
        "year": 2023,
        "fmt": "csv",
        "form_number": "1",
        # administration pages: ids that name nothing (a POST must not change the fixture)
        "unit_id": 999999,
        "counter_id": 999999,
        "user_id": 999999,
        "client_id": 999999,
        "draft_id": 999999,
        "questionnaire_id": "sipas-2023",
        "version": 1,
        "evidence_id": own_evidence,
        "target": OWN,
    }


def staff_routes(app: Flask, parameters: dict[str, object]) -> Iterator[tuple[str, str, str]]:
    """(method, endpoint, address) of every GET and POST of every staff rule."""
    adapter = app.url_map.bind("sipas.test")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/admin/") or rule.endpoint in NOT_STAFF:
            continue
        missing = rule.arguments - parameters.keys()
        assert not missing, f"add a value for {sorted(missing)} ({rule.rule}) to `parameters`"
        url = adapter.build(rule.endpoint, {a: parameters[a] for a in rule.arguments})
        for method in ("GET", "POST"):
            if method in (rule.methods or ()):
                yield method, rule.endpoint, url


LogIn = Callable[[str], str]


@pytest.fixture
def log_in(app: Flask, client: FlaskClient) -> LogIn:
    """Create an account of ``role`` (a unit officer of SNV), log it in; returns a CSRF token."""

    def run(role: str) -> str:
        login_as(app, client, role, unit=OWN if role == "unit_officer" else None)
        return form_tokens(client.get("/admin/login").get_data(as_text=True))["csrf_token"]

    return run


def test_every_staff_endpoint_is_in_the_matrix(app: Flask) -> None:
    staff = {
        endpoint
        for endpoint in app.view_functions
        if is_staff(app.blueprints.get(endpoint.partition(".")[0]))
    }
    assert staff == set(ACCESS)
    assert set(MAY_REACH) == set(ROLES)


def test_anonymous_visitors_are_sent_to_the_login_page(
    app: Flask, client: FlaskClient, parameters: dict
) -> None:
    for method, endpoint, url in staff_routes(app, parameters):
        if method == "GET":
            reply = client.get(url)
            assert reply.status_code == 302, endpoint
            assert "/admin/login" in reply.headers["Location"], endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_its_pages_and_no_other(
    app: Flask, client: FlaskClient, parameters: dict, log_in: LogIn, role: str
) -> None:
    token = log_in(role)
    wrong = []
    for method, endpoint, url in staff_routes(app, parameters):
        data = {"csrf_token": token} if method == "POST" else None
        status = client.open(url, method=method, data=data).status_code
        if may_reach(role, method, endpoint):
            good = status < 500 and status != 403
            if role == "unit_officer":  # their own unit: the page itself, or the way to it
                good = status in (200, 302) or (method == "POST" and status in (303, 422))
        else:
            good = status in (403, 404)
        if not good:
            wrong.append(f"{method} {url} ({endpoint}) → {status}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_the_refusal_is_a_plain_403_page(app: Flask, client: FlaskClient, log_in: LogIn) -> None:
    log_in("council")
    reply = client.get("/admin/units")
    assert reply.status_code == 403
    assert "Không có quyền truy cập" in reply.get_data(as_text=True)
    english = client.get("/admin/units?lang=en").get_data(as_text=True)
    assert "Not allowed" in english


def test_the_council_lands_on_the_par_index(client: FlaskClient, log_in: LogIn) -> None:
    log_in("council")
    reply = client.get("/admin/")
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/admin/par/")


def test_a_unit_officer_gets_404_for_another_unit_and_200_for_their_own(
    app: Flask, client: FlaskClient, answered: dict, log_in: LogIn
) -> None:
    log_in("unit_officer")
    round_id = answered["round_id"]
    for code in (OTHER, "NO-SUCH-UNIT"):
        for url in (
            f"/admin/results/{round_id}/units/{code}",
            f"/admin/units/{code}/counters",
            f"/admin/units/{code}/posters.pdf",
        ):
            assert client.get(url).status_code == 404, url
    assert client.get(f"/admin/results/{round_id}/units/{OWN}").status_code == 200
    own = client.get(f"/admin/units/{OWN}/counters").get_data(as_text=True)
    assert answered["counter"] in own and answered["other_counter"] not in own
    assert f"/posters/{answered['counter']}.pdf" in own
    poster = client.get(f"/admin/units/{OWN}/posters.pdf")
    assert poster.status_code == 200 and poster.mimetype == "application/pdf"
    # the counters list and the home page show their unit only
    listing = client.get("/admin/counters")
    assert listing.headers["Location"].endswith(f"/admin/units/{OWN}/counters")
    home = client.get("/admin/").get_data(as_text=True)
    assert "Sở Nội vụ" in home and "Ban Dân tộc" not in home
    assert f"/admin/units/{OWN}/counters" in home and '/admin/units"' not in home
    # progress: their row only, in the page, the chart's JSON and the files
    rows = client.get(f"/admin/rounds/{round_id}/progress.json").get_json()["rows"]
    assert [r["unit_code"] for r in rows] == [OWN]
    text = client.get(f"/admin/rounds/{round_id}/progress.csv").get_data(as_text=True)
    assert OWN in text and OTHER not in text


def test_a_unit_officer_gets_404_for_a_round_without_their_unit(
    app: Flask, client: FlaskClient, answered: dict, log_in: LogIn
) -> None:
    with app.app_context(), get_db().begin() as session:
        other = session.scalar(select(Unit).where(Unit.code == OTHER))
        now = utcnow()
        elsewhere = create_round(
            session,
            name="Đợt khác",
            questionnaire_id="sipas-2023",
            questionnaire_version=1,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
            units=[other],
        ).id
    log_in("unit_officer")
    for url in (
        f"/admin/rounds/{elsewhere}/progress",
        f"/admin/rounds/{elsewhere}/progress.csv",
        f"/admin/results/{elsewhere}/units/{OWN}",
        "/admin/rounds/999999/progress",
    ):
        assert client.get(url).status_code == 404, url


def test_an_analyst_reads_plans_and_review_but_cannot_change_them(
    client: FlaskClient, answered: dict, log_in: LogIn
) -> None:
    log_in("analyst")
    plan = client.get(f"/admin/rounds/{answered['round_id']}/plan").get_data(as_text=True)
    assert "Chỉ xem" in plan and 'value="save"' not in plan
    review = client.get(f"/admin/review/{answered['round_id']}").get_data(as_text=True)
    assert 'value="exclude"' not in review
    nav = client.get("/admin/").get_data(as_text=True)
    assert '/admin/units"' not in nav and "/admin/audit" not in nav


def test_a_unit_officer_needs_a_unit_and_only_they_have_one(app: Flask, survey: dict) -> None:
    with app.app_context(), get_db().begin() as session:
        unit = session.scalar(select(Unit).where(Unit.code == OWN))
        with pytest.raises(UserError, match="needs a unit"):
            create_user(session, "a", PASSWORD, "unit_officer")
        with pytest.raises(UserError, match="only a unit_officer"):
            create_user(session, "b", PASSWORD, "analyst", unit)
        with pytest.raises(UserError, match="not one of"):
            create_user(session, "c", PASSWORD, "viewer")
    with app.app_context(), get_db().factory() as session:  # the database says the same
        session.add(User(username="d", password_hash="x", role="unit_officer"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_cli_creates_a_unit_officer(app: Flask, survey: dict, monkeypatch) -> None:
    from click.testing import CliRunner

    from survey_app.cli.main import main

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    runner = CliRunner()

    def sipas(*args: str):
        return runner.invoke(main, ["users", "create", *args, "--password", PASSWORD])

    result = sipas("nv.snv", "--role", "unit_officer", "--unit", OWN)
    assert result.exit_code == 0, result.output
    assert "unit SNV" in result.output
    assert "needs a unit" in sipas("nv.x", "--role", "unit_officer").output
    assert "no unit with code" in sipas("nv.y", "--role", "unit_officer", "--unit", "ZZ").output
    assert "only a unit_officer" in sipas("nv.z", "--role", "council", "--unit", OWN).output
    with app.app_context():
        user = get_db().session.scalar(select(User).where(User.username == "nv.snv"))
        assert user.role == "unit_officer" and user.unit.code == OWN
