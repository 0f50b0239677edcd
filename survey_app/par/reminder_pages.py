"""Sở Nội vụ's reminders page: who is late or incomplete in the PAR year, and a button that
e-mails the officers of every unit with something to do (audited; `survey_app.par.reminders`)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from survey_app.db import session
from survey_app.i18n import vi_en
from survey_app.par.reminders import (
    SMTP_NAMES,
    ReminderError,
    remind,
    smtp_settings,
    standings,
)
from survey_app.par.self_assessment_pages import today
from survey_app.staff import audit
from survey_app.staff.access import staff_blueprint

bp = staff_blueprint("parremind", __name__, "/admin/par")


def _page(year: int, problem: str = "", status: int = 200) -> ResponseReturnValue:
    rows = standings(session(), year, today())
    session().commit()  # load_sheet makes a missing sheet's draft row
    try:
        settings, settings_problem = smtp_settings(current_app.config), ""
    except ReminderError as exc:
        settings, settings_problem = None, str(exc)
    to_do = [s for s in rows if s.to_do]
    return render_template(
        "admin/par_reminders.html",
        year=year,
        rows=to_do,
        units=len(rows),
        late=sum(1 for s in rows if s.days_late),
        incomplete=sum(1 for s in rows if s.incomplete),
        returned=sum(1 for s in rows if s.status == "returned"),
        without_email=sum(1 for s in to_do if not s.emails),
        settings=settings,
        settings_problem=settings_problem,
        smtp_names=SMTP_NAMES,
        problem=problem,
        message=request.args.get("ok"),
    ), status


@bp.get("/<int:year>/reminders")
def reminders(year: int) -> ResponseReturnValue:
    """Every unit with something to do: status, counts, deadline, days late, e-mail, last
    reminder; the SMTP settings' state."""
    return _page(year)


@bp.post("/<int:year>/reminders")
def send(year: int) -> ResponseReturnValue:
    """E-mail the officers of every unit with something to do (the audit log keeps the counts)."""
    try:
        outcome = remind(session(), year, today(), current_app.config, who=current_user.username)
    except ReminderError as exc:
        session().rollback()
        audit.note(sent=0, problem=str(exc)[:120])
        # settings missing or wrong: 422 (the page says what to set); a server down: 503
        return _page(year, str(exc), 422 if exc.settings else 503)
    audit.note(
        sent=len(outcome.sent), failed=len(outcome.failed), no_address=len(outcome.no_address)
    )
    session().commit()
    done = vi_en(
        "Đã gửi nhắc cho %(sent)s đơn vị; %(no_address)s đơn vị chưa có e-mail; %(failed)s lỗi.",
        sent=len(outcome.sent),
        no_address=len(outcome.no_address),
        failed=len(outcome.failed),
    )
    if outcome.failed:
        done += " " + "; ".join(f"{s.unit.name}: {why}" for s, why in outcome.failed)[:600]
    return redirect(url_for("parremind.reminders", year=year, ok=done), code=303)
