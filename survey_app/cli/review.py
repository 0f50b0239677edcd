"""``sipas review …``: recompute signals, exclude or restore answers, the review audit trail."""

from __future__ import annotations

import getpass
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from survey_app.cli.common import round_named
from survey_app.i18n import vi_en

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from survey_app.db.models import SurveyRound


@click.group("review")
def review_group() -> None:
    """Signals and review: flag doubtful answers, exclude or restore them, the audit trail."""


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"{text!r}: give ids as 1,2,3", param_hint="--ids") from None


def _chosen(session: Session, round_id: int, ids: str | None, flag: str | None) -> list[int]:
    if (ids is None) == (flag is None):
        raise click.UsageError(vi_en("cho --ids 1,2,3 hoặc --flag DẤU_HIỆU"))
    if ids is not None:
        return _ids(ids)
    assert flag is not None
    from survey_app.trust.review import ReviewError, ids_with_flag

    try:
        return ids_with_flag(session, round_id, flag)
    except ReviewError as exc:
        raise click.BadParameter(str(exc), param_hint="--flag") from None


def _round(session: Session, name: str) -> SurveyRound:
    return round_named(session, name)


ROUND = click.option("--round", "round_name", required=True, help="the round's name")
WHO = click.option("--who", default=None, help="recorded in the audit trail [default: cli:USER]")


@review_group.command("scan")
@ROUND
@WHO
def review_scan(round_name: str, who: str | None) -> None:
    """Recompute every answer's signals with today's thresholds; print counts per signal."""
    from survey_app.cli.common import make_app
    from survey_app.db import get_db
    from survey_app.trust import signals

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        survey_round = _round(session, round_name)
        try:
            report = signals.scan(session, survey_round.id, app.config, _who(who))
        except signals.SignalSettingError as exc:
            raise click.ClickException(str(exc)) from None
    for name, count in report.per_signal.items():
        click.echo(f"{name}\t{count}")
    click.echo(
        f"{report.total} answer(s): {report.flagged} flagged, {report.excluded} excluded; "
        f"{report.changed} changed state"
    )


@review_group.command("watch")
@click.option(
    "--every",
    type=float,
    default=None,
    help="seconds between scans [default: the SIGNAL_SCAN_SECONDS setting, 30]",
)
@click.option("--once", is_flag=True, help="scan once and stop")
def review_watch(every: float | None, once: bool) -> None:
    """Compute the signals that compare answers (burst, repeated device) for the answers stored
    since the last scan, again and again (docs/decisions/0015)."""
    import logging

    from survey_app.cli.common import make_app
    from survey_app.db import get_db
    from survey_app.trust import scanner

    app = make_app()
    raw = app.config.get("SIGNAL_SCAN_SECONDS") or "30"
    try:
        seconds = every if every is not None else float(raw)
    except ValueError:
        raise click.ClickException(
            vi_en("SIGNAL_SCAN_SECONDS (%(value)r) phải là một số giây, ví dụ 30", value=raw)
        ) from None
    if seconds <= 0:
        raise click.BadParameter(
            f"{seconds:g}: give a number of seconds above 0", param_hint="--every"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with app.app_context():
        # the first scan says what is wrong (no database, no tables) instead of retrying forever
        scanner.watch(get_db().begin, app.config, seconds, once=True)
        if not once:
            time.sleep(seconds)
            scanner.watch(get_db().begin, app.config, seconds)


def _change(
    round_name: str, ids: str | None, flag: str | None, state: str, reason: str, who: str | None
) -> None:
    from survey_app.cli.common import make_app
    from survey_app.db import get_db
    from survey_app.trust.review import ReviewError, set_state

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        survey_round = _round(session, round_name)
        chosen = _chosen(session, survey_round.id, ids, flag)
        if not chosen:
            click.echo("no answers carry that flag: nothing to do", err=True)
            return
        try:
            change = set_state(session, chosen, state, reason, _who(who), round_id=survey_round.id)
        except ReviewError as exc:
            raise click.ClickException(str(exc)) from None
    verb = "excluded" if state == "excluded" else "restored"
    click.echo(f"{change.changed} answer(s) {verb}; {change.unchanged} already were")


@review_group.command("exclude")
@ROUND
@click.option("--ids", default=None, help="response ids, e.g. 1,2,3")
@click.option("--flag", default=None, help="every answer carrying this flag, e.g. burst")
@click.option("--reason", required=True, help="why (kept in the audit trail)")
@WHO
def review_exclude(
    round_name: str, ids: str | None, flag: str | None, reason: str, who: str | None
) -> None:
    """Exclude answers from the analysis (they stay stored)."""
    _change(round_name, ids, flag, "excluded", reason, who)


@review_group.command("restore")
@ROUND
@click.option("--ids", default=None, help="response ids, e.g. 1,2,3")
@click.option("--flag", default=None, help="every answer carrying this flag")
@click.option("--reason", default="", help="why (kept in the audit trail)")
@WHO
def review_restore(
    round_name: str, ids: str | None, flag: str | None, reason: str, who: str | None
) -> None:
    """Bring excluded answers back (received, or flagged when they carry flags)."""
    _change(round_name, ids, flag, "restored", reason, who)


@review_group.command("events")
@ROUND
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
def review_events(round_name: str, out: Path | None) -> None:
    """The round's audit trail as CSV (to --out FILE, or the screen)."""
    from survey_app.cli.common import make_app
    from survey_app.db import get_db
    from survey_app.trust.review import events_csv

    app = make_app()
    with app.app_context(), get_db().begin() as session:
        survey_round = _round(session, round_name)
        text = events_csv(session, survey_round.id, app.config["DISPLAY_TIMEZONE"])
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"{text.count(chr(10)) - 1} event(s) written to {out}")


COMMANDS = [review_group]
