"""What every ``sipas`` command module shares: the app from the environment, failing with every
problem listed, names looked up with "did you mean", and the one place that turns a missing or
unreachable database into a message instead of a traceback.

Nothing here imports Flask or SQLAlchemy at module level: the file commands and ``sipas --help``
must start without them (issue 12). Commands that need the database import it inside.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import click

from survey_app.i18n import N_, vi_en, vi_en_of

if TYPE_CHECKING:
    from datetime import date

    from flask import Flask
    from sqlalchemy.orm import Session

    from survey_app.db.models import SurveyRound, Unit


def make_app() -> Flask:
    """The app configured from the environment (``DATABASE_URL`` etc.), as the server is."""
    from survey_app import create_app

    try:
        return create_app()
    except ValueError as exc:  # a bad setting (e.g. SIGNAL_OPENING_HOURS)
        raise click.ClickException(vi_en("Cài đặt sai") + f": {exc}") from None


def problem_line(problem: object) -> str:
    """One problem as the CLI prints it: where in Vietnamese (its English after), what.

    A `csv_files.FileProblem` says its place itself (``dòng 2 · cột q15 (row 2, column 'q15'):
    …``); a ``scoring_bridge`` or ``questionnaires`` problem (``location``, ``message``, and
    ``code``, ``hint`` when there are) has its location said with `upload_labels.place`.
    """
    location = getattr(problem, "location", None)
    message = getattr(problem, "message", None)
    if not isinstance(location, str) or message is None:
        return str(problem)
    from survey_app.staff.upload_labels import place

    english = location or "(root)"
    vietnamese = place(english)
    where = english if vietnamese == english else f"{vietnamese} ({english})"
    code = getattr(problem, "code", None)
    hint = getattr(problem, "hint", None)
    return (
        where
        + (f" [{code}]" if code else "")
        + f": {message}"
        + (" (" + vi_en("gợi ý") + f": {hint})" if hint else "")
    )


def fail_with(
    problems: Iterable[object],
    name: str,
    outcome: str | None = None,
    *,
    total: int | None = None,
) -> NoReturn:
    """Print every problem (``lỗi / error: FILE: …``), then the count and ``outcome`` (by
    default: nothing written or saved); exit 1.

    ``total``: how many there are when ``problems`` lists only the first of them.
    """
    error = vi_en("lỗi")
    listed = list(problems)
    for problem in listed:
        click.echo(f"{error}: {name}: {problem_line(problem)}", err=True)
    count = max(total or 0, len(listed))
    if count > len(listed):
        more = vi_en("… và %(more)s lỗi khác, không liệt kê", more=count - len(listed))
        click.echo(f"{error}: {name}: {more}", err=True)
    outcome = outcome if outcome is not None else vi_en("không ghi, không lưu gì")
    click.echo(vi_en("%(count)s lỗi", count=count) + f": {outcome}", err=True)
    sys.exit(1)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` — có phải 'X'? / did you mean 'X'?`` for the closest names (difflib), or ``""``.

    A name that another one starts with or contains also counts ("SIPAS 2023" → "SIPAS 2023
    (demo)"), since operators often type the short form of a round's name.
    """
    pool = sorted(set(choices))
    lowered = name.casefold().strip()
    close = [c for c in pool if lowered and lowered in c.casefold()]
    close += difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    close += [c for c in pool if c.casefold() == lowered]
    unique = list(dict.fromkeys(close))[:3]
    if not unique:
        return ""
    shown = ", ".join(repr(c) for c in unique)
    return " — " + vi_en("có phải %(names)s?", names=shown)


def round_named(session: Session, name: str) -> SurveyRound:
    """The round called ``name``, or a ClickException naming the closest ones."""
    from sqlalchemy import select

    from survey_app.db.models import SurveyRound
    from survey_app.survey.rounds import find_round

    found = find_round(session, name)
    if found is not None:
        return found
    names = list(session.scalars(select(SurveyRound.name)))
    hint = did_you_mean(name, names)
    if not hint:
        hint = (
            " (" + vi_en("chưa có đợt nào: `sipas rounds create`") + ")"
            if not names
            else " (`sipas rounds list`)"
        )
    raise click.ClickException(vi_en("không có đợt khảo sát tên %(name)r", name=name) + hint)


def unit_named(session: Session, code: str, day: date, when: str | None = None) -> Unit:
    """The unit of ``code`` valid on ``day`` (``when``: the day as the message says it, by
    default today), or a ClickException naming the closest codes."""
    from sqlalchemy import select

    from survey_app.db.models import Unit

    versions = list(session.scalars(select(Unit).where(Unit.code == code)))
    found = next((u for u in versions if u.valid_on(day)), None)
    if found is not None:
        return found
    if versions:
        raise click.ClickException(
            vi_en(
                "đơn vị %(code)r không còn hiệu lực (%(when)s)",
                code=code,
                when=when if when is not None else vi_en("hôm nay"),
            )
        )
    codes = list(session.scalars(select(Unit.code).distinct()))
    raise click.ClickException(
        vi_en("không có đơn vị mã %(code)r", code=code) + did_you_mean(code, codes)
    )


def questionnaire_named(questionnaire_id: str, version: int, session: Session | None = None) -> Any:
    """The questionnaire ``id@version`` — shipped, or with a ``session`` also published in the
    database — or a ClickException with the closest ``id@version``."""
    if session is None:
        from questionnaires.registry import UnknownQuestionnaire, get_questionnaire, shipped

        known = [f"{qid}@{v}" for qid, v in shipped()]
        try:
            return get_questionnaire(questionnaire_id, version)
        except UnknownQuestionnaire:
            pass
    else:
        from survey_app.survey.questionnaire_store import UnknownVersion, available
        from survey_app.survey.questionnaire_store import get_questionnaire as stored

        known = [v.key for v in available(session)]
        try:
            return stored(session, questionnaire_id, version)
        except UnknownVersion:
            pass
    wanted = f"{questionnaire_id}@{version}"
    hint = did_you_mean(wanted, known) or (
        " (" + vi_en("các bảng hỏi có: %(names)s", names=", ".join(known)) + ")"
    )
    raise click.ClickException(vi_en("không có bảng hỏi %(wanted)r", wanted=wanted) + hint)


def _database_url() -> str:
    """DATABASE_URL as the app reads it, its password hidden."""
    from survey_app.config import load_settings

    url = str(load_settings()["DATABASE_URL"])
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


DATABASE_PROBLEMS: Sequence[tuple[tuple[str, ...], str]] = (
    (
        ("no such table", "does not exist", "undefinedtable", "no such column"),
        N_(
            "cơ sở dữ liệu chưa được tạo hoặc chưa được nâng cấp: chạy `sipas db upgrade` "
            "(với cùng DATABASE_URL)"
        ),
    ),
    (
        ("unable to open database file",),
        N_(
            "không mở được tệp cơ sở dữ liệu: kiểm tra DATABASE_URL và thư mục của nó, "
            "rồi chạy `sipas db upgrade`"
        ),
    ),
    (
        ("connection refused", "could not connect", "connection failed", "timeout expired"),
        N_(
            "không kết nối được máy chủ cơ sở dữ liệu: PostgreSQL có đang chạy không? Kiểm tra "
            "DATABASE_URL"
        ),
    ),
)
"""Words in a database error, and what to tell the operator then (a message id)."""


def database_message(exc: BaseException) -> str | None:
    """What to tell the operator about a database error, or None when ``exc`` is not one.

    Looks at SQLAlchemy's ``OperationalError``/``ProgrammingError`` only when SQLAlchemy is
    loaded (a command that never opened the database cannot have raised them).
    """
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    text = str(exc.orig or exc).lower()
    where = f" [DATABASE_URL={_database_url()}]"
    for needles, message in DATABASE_PROBLEMS:
        if any(needle in text for needle in needles):
            return vi_en_of(message) + where
    first = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else ""
    return vi_en("lỗi cơ sở dữ liệu") + f": {first}{where}"


class Refusal(click.ClickException):
    """A command's refusal, shown as ``Lỗi / Error: …`` (Vietnamese first) on stderr, exit 1."""

    def show(self, file: Any = None) -> None:
        click.echo(vi_en("Lỗi") + f": {self.format_message()}", err=True)


class SipasGroup(click.Group):
    """A click group whose commands never show a traceback for a set-up step or a file the
    operator named: database errors (no tables, no file, no server) and file-system errors
    (a folder that does not exist, no permission) become one message and exit 1. Refusals are
    shown as ``Lỗi / Error: …``; usage errors keep click's form (usage, then the message)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.UsageError, Refusal):
            raise
        except click.ClickException as exc:
            raise Refusal(exc.message) from None
        except OSError as exc:
            if exc.filename:
                what = vi_en("không đọc/ghi được tệp") + f" ({exc.filename})"
            else:
                what = vi_en("lỗi vào/ra")
            raise Refusal(f"{what}: {exc.strerror or exc}") from None
        except Exception as exc:
            message = database_message(exc)
            if message is None:
                raise
            raise Refusal(message) from None
