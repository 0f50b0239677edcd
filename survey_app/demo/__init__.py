"""The demo: an embedded SQLite database with Vĩnh Long's 2023 units (``data/``), served.

Used by ``sipas demo``, the benchmarks and the reliability scripts. May import every feature
package's services; never ``cli``.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import create_app
from survey_app.config import sqlite_url
from survey_app.db import get_db, migrate, utcnow
from survey_app.db.models import Counter, SurveyRound, Unit, User
from survey_app.staff.users import create_user, set_password
from survey_app.survey.counters import add_counter, short_url
from survey_app.survey.rounds import create_round
from survey_app.survey.units_import import ensure_unit_types, import_units

DATA = Path(__file__).parent / "data"
DEMO_FILES = (
    "vinh-long-province.csv",
    "vinh-long-2023-departments.csv",
    "vinh-long-2023-districts-communes.csv",
)
DEMO_VALID_FROM = date(2023, 1, 1)
DEMO_ROUND = "SIPAS 2023 (demo)"
DEMO_ADMIN = "admin"
SHOWCASE_UNIT = "SNV"


class DemoError(RuntimeError):
    """The shipped demo data did not import (a bug: the data is checked by the tests)."""


@dataclass(frozen=True)
class DemoInfo:
    """What ``sipas demo`` prints."""

    admin_password: str
    counter_code: str
    created: bool


def seed(session: Session) -> None:
    """Units, one counter per unit, an open round over every non-province unit."""
    ensure_unit_types(session)
    for name in DEMO_FILES:
        report = import_units(session, DATA / name, valid_from=DEMO_VALID_FROM)
        if not report.ok:
            raise DemoError(f"{name}: " + "; ".join(str(e) for e in report.errors))
    units = session.scalars(select(Unit).order_by(Unit.code)).all()
    surveyed = [u for u in units if u.unit_type.code != "province"]
    for unit in surveyed:
        add_counter(session, unit, f"{unit.code}-1")
    now = utcnow()
    create_round(
        session,
        name=DEMO_ROUND,
        questionnaire_id="sipas-2023",
        questionnaire_version=1,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=365),
        units=surveyed,
    )


def simulate_responses(session: Session, per_unit: int, seed: int = 2023) -> int:
    """Add ``per_unit`` made-up answers to every unit of the demo round (channel ``simulated``).

    Each unit gets its own satisfaction level (70–97 % answer 4 or 5) so results pages have
    something to show; a comment now and then. Never used outside the demo.
    """
    import random

    from questionnaires.registry import get_questionnaire
    from survey_app.db.models import Response

    rng = random.Random(seed)
    survey_round = session.scalar(select(SurveyRound).where(SurveyRound.name == DEMO_ROUND))
    if survey_round is None:
        raise DemoError("the demo round is missing: delete the demo database and rerun")
    questionnaire = get_questionnaire(
        survey_round.questionnaire_id, survey_round.questionnaire_version
    )
    counters = {c.unit_id: c for c in session.scalars(select(Counter))}
    fields = (
        [o.code for o in questionnaire.service_field.options] if questionnaire.service_field else []
    )
    added = 0
    for unit in survey_round.units:
        level = rng.uniform(0.70, 0.97)
        for _ in range(per_unit):
            answers: dict[str, int | str] = {}
            for item in questionnaire.items:
                if item.id in ("q31", "q32", "q33") and rng.random() < 0.6:
                    answers[item.id] = "na"
                else:
                    answers[item.id] = (
                        rng.choice((4, 5)) if rng.random() < level else rng.choice((1, 2, 3))
                    )
            session.add(
                Response(
                    submission_id=f"sim-{rng.getrandbits(64):016x}",
                    round_id=survey_round.id,
                    unit_id=unit.id,
                    counter_id=counters[unit.id].id,
                    channel="simulated",
                    submitted_at=utcnow() - timedelta(minutes=rng.randint(0, 1440)),
                    questionnaire_id=survey_round.questionnaire_id,
                    questionnaire_version=survey_round.questionnaire_version,
                    answers=answers,
                    service_field=rng.choice(fields) if fields else None,
                    profile={"gender": rng.choice(("nam", "nu"))},
                    comment=rng.choice(
                        (
                            None,
                            None,
                            None,
                            "Cán bộ hướng dẫn tận tình.",
                            "Cần thêm ghế ngồi chờ.",
                            "Thủ tục nhanh gọn.",
                        )
                    ),
                )
            )
            added += 1
    session.flush()
    return added


def seed_par(session: Session, year: int = 2023, seed: int = 2023) -> int:
    """Made-up PAR points for every unit (illustrative) and 8.1's SIPAS from the demo round."""
    import random

    from survey_app.db.models import ParPoints
    from survey_app.par.scoring import catalogs_for, sipas_figures, store_sipas, year_units
    from survey_app.results.round_results import analyze_round

    rng = random.Random(seed)
    catalogs = catalogs_for(session, year)
    for unit in year_units(session, year, set(catalogs)):
        catalog = catalogs[unit.unit_type.code]
        level = rng.uniform(0.6, 0.95)
        for leaf in catalog.leaves:
            if leaf.source == "sipas":
                continue
            final = round(leaf.max_points * min(1.0, rng.gauss(level, 0.1)) * 4) / 4
            final = max(0.0, min(leaf.max_points, final))
            own = min(leaf.max_points, final + rng.choice((0, 0, 0.25, 0.5)))
            session.add(
                ParPoints(
                    year=year,
                    unit_id=unit.id,
                    code=leaf.code,
                    self_points=own,
                    final_points=final,
                    note="",
                )
            )
    survey_round = session.scalar(select(SurveyRound).where(SurveyRound.name == DEMO_ROUND))
    if survey_round is None:
        return 0
    result = analyze_round(session, survey_round).result
    return store_sipas(session, year, sipas_figures(result), f"round {DEMO_ROUND}")


def prepare(url: str, simulate: int = 0) -> DemoInfo:
    """Migrate; fill the database if it is empty; give the demo admin a fresh password."""
    created = migrate.is_empty(url)
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    password = secrets.token_urlsafe(12)
    with app.app_context(), get_db().begin() as session:
        if created:
            seed(session)
            if simulate:
                simulate_responses(session, simulate)
                seed_par(session)
            from survey_app.demo.par_year import seed_par_year

            seed_par_year(session)
        admin = session.scalar(select(User).where(User.username == DEMO_ADMIN))
        if admin is None:
            create_user(session, DEMO_ADMIN, password, "admin")
        else:
            set_password(admin, password)
        counter = session.scalar(
            select(Counter).join(Unit).where(Unit.code == SHOWCASE_UNIT).order_by(Counter.code)
        ) or session.scalar(select(Counter).order_by(Counter.code))
        if session.scalar(select(SurveyRound.id)) is None or counter is None:
            raise DemoError("the demo database has no round or counter: delete it and rerun")
        return DemoInfo(password, counter.code, created)


def run_demo(*, host: str, port: int, db_path: Path, simulate: int = 0) -> None:
    """Prepare the demo database, print the credentials and URLs, and serve."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    url = sqlite_url(db_path)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("BASE_URL", f"http://{host}:{port}")
    os.environ.setdefault("EVIDENCE_STORE", "database")  # the demo's evidence lives in its file
    info = prepare(url, simulate)
    app = create_app({"DATABASE_URL": url})
    base = app.config["BASE_URL"]
    click.echo("")
    click.echo(f"SIPAS demo on {db_path} ({'created' if info.created else 'existing'} database)")
    click.echo(
        f"  admin:          {base}/admin/  user {DEMO_ADMIN!r}, password {info.admin_password!r}"
    )
    click.echo(f"  questionnaire:  {short_url(base, info.counter_code)}")
    click.echo(f"  poster:         {base}/posters/{info.counter_code}.pdf")
    click.echo("")
    app.run(host=host, port=port, debug=False, use_reloader=False)
