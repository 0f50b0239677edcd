"""The demo: an embedded SQLite database with Vĩnh Long's 2023 units (``data/``), served.

Used by ``sipas demo``, the benchmarks and the reliability scripts. May import every feature
package's services; never ``cli``.
"""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=365),
        units=surveyed,
    )


def simulate_responses(
    session: Session,
    per_unit: int,
    seed: int = 2023,
    round_name: str = DEMO_ROUND,
    days: int = 28,
    shift: float = 0.0,
) -> int:
    """Add ``per_unit`` made-up answers to every unit of the round (channel ``simulated``).

    Each unit gets its own satisfaction level (70–97 % answer 4 or 5, plus ``shift``) so results
    pages have something to show; a comment now and then. Answers are spread over the last
    ``days`` days before the round closes (or now), on weekdays between 08:00 and 16:30 local
    time, so that only answers made to be doubtful get flagged. Never used outside the demo.
    """
    from survey_app.db.models import Response
    from survey_app.survey.questionnaire_store import questionnaire_of

    rng = random.Random(seed)
    survey_round = session.scalar(select(SurveyRound).where(SurveyRound.name == round_name))
    if survey_round is None:
        raise DemoError("the demo round is missing: delete the demo database and rerun")
    questionnaire = questionnaire_of(survey_round)
    counters = {c.unit_id: c for c in session.scalars(select(Counter))}
    fields = (
        [o.code for o in questionnaire.service_field.options] if questionnaire.service_field else []
    )
    end = min(utcnow(), survey_round.closes_at)
    added = 0
    for unit in survey_round.units:
        level = min(0.995, max(0.3, rng.uniform(0.70, 0.97) + shift))
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
                    submitted_at=office_hours(rng, end, days),
                    questionnaire_id=survey_round.questionnaire_id,
                    questionnaire_version=survey_round.questionnaire_version,
                    answers=answers,
                    service_field=rng.choice(fields) if fields else None,
                    profile={"gender": rng.choice(("nam", "nu"))},
                    elapsed_seconds=rng.uniform(45, 240),
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


def office_hours(rng: random.Random, end: datetime, days: int) -> datetime:
    """A moment on a weekday between 08:00 and 16:30 Asia/Ho_Chi_Minh, within ``days`` before
    ``end`` (and before it)."""
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    local_end = end.astimezone(zone)
    for _ in range(100):
        day = local_end.date() - timedelta(days=rng.randint(1, max(days, 1)))
        if day.weekday() < 5:
            break
    minute = rng.randint(8 * 60, 16 * 60 + 30)
    moment = datetime.combine(day, time(minute // 60, minute % 60), zone)
    return moment.astimezone(UTC)


def seed_par(session: Session, year: int = 2023, seed: int = 2023) -> int:
    """Made-up PAR points for every unit (illustrative) and 8.1's SIPAS from the demo round."""
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


def prepare(url: str, simulate: int = 0, showcase: bool = True) -> DemoInfo:
    """Migrate; fill the database if it is empty; give the demo admin a fresh password.

    With ``simulate`` answers per unit, also PAR points and, with ``showcase``, what makes every
    page show something (``showcase``: a plan, an earlier round, flagged answers, PAR statuses).
    """
    created = migrate.is_empty(url)
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url})
    password = secrets.token_urlsafe(12)
    with app.app_context(), get_db().begin() as session:
        if created:
            seed(session)
            if simulate:
                simulate_responses(session, simulate)
                if showcase:
                    from survey_app.demo.showcase import add_showcase, assessments

                    demo_round = session.scalar(
                        select(SurveyRound).where(SurveyRound.name == DEMO_ROUND)
                    )
                    add_showcase(session, demo_round, app.config, simulate)
                seed_par(session)
                from survey_app.demo.par_year import seed_rules

                seed_rules(session, 2023)
                if showcase:
                    assessments(session, 2023)
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
