"""Admin review pages (``/admin/review``): the signals' counts per unit and counter, the flagged
and excluded answers with filters, bulk exclude (reason required) and restore, the audit trail,
and each unit's SIPAS with and without the flagged answers (docs/decisions/0010); when the
signals' periodic scan last ran (docs/decisions/0015).
"""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from survey_app.db import session
from survey_app.db.models import Counter, SurveyRound, Unit
from survey_app.db.models import Response as SurveyResponse
from survey_app.i18n import vi_en
from survey_app.results.pages import round_analysis
from survey_app.staff import audit
from survey_app.staff.access import attachment, round_or_404, staff_blueprint
from survey_app.trust.review import ReviewError, events_csv, events_of, set_state
from survey_app.trust.scanner import last_scan
from survey_app.trust.signals import MANUAL_FLAG, SIGNAL_LABELS, SIGNAL_NAMES, Thresholds

bp = staff_blueprint("review", __name__, "/admin/review")
PER_PAGE = 100
FLAG_NAMES = (*SIGNAL_NAMES, MANUAL_FLAG)
STATE_LABELS = {
    "received": ("Đã nhận", "received"),
    "flagged": ("Cần xem xét", "flagged"),
    "excluded": ("Đã loại", "excluded"),
}
CHANNEL_LABELS = {
    "counter_qr": ("Mã QR tại quầy", "counter QR code"),
    "receipt": ("Mã trên phiếu hẹn", "receipt code"),
    "public_link": ("Đường dẫn công khai", "public link"),
    "paper": ("Phiếu giấy", "paper form"),
    "simulated": ("Mô phỏng (demo)", "simulated"),
}
ACTIONS = {"exclude": "excluded", "restore": "restored"}


def init_app(app: Flask) -> None:
    """Check the signal settings now (a bad one stops the start with its message); add pages."""
    Thresholds.from_config(app.config)
    app.register_blueprint(bp)


@dataclass
class Tallies:
    """Answers of one unit or counter: in all, per state and per flag."""

    total: int = 0
    states: Tally[str] = field(default_factory=Tally)
    flags: Tally[str] = field(default_factory=Tally)


Row = tuple[int, int, int | None, str, list[str]]
"""(id, unit id, counter id, state, flags) of one answer."""


def _rows(round_id: int) -> list[Row]:
    """The round's flagged and excluded answers (received ones carry no flags)."""
    query = select(
        SurveyResponse.id,
        SurveyResponse.unit_id,
        SurveyResponse.counter_id,
        SurveyResponse.state,
        SurveyResponse.flags,
    ).where(SurveyResponse.round_id == round_id, SurveyResponse.state.in_(("flagged", "excluded")))
    return [(i, u, c, s, list(f or [])) for i, u, c, s, f in session().execute(query)]


def _tallies(round_id: int, rows: list[Row]) -> tuple[dict, dict, Tallies]:
    """Answers per state (counted in the database) and per flag, by unit and by counter."""
    by_unit: dict[int, Tallies] = {}
    by_counter: dict[int | None, Tallies] = {}
    total = Tallies()
    counts = session().execute(
        select(
            SurveyResponse.unit_id, SurveyResponse.counter_id, SurveyResponse.state, func.count()
        )
        .where(SurveyResponse.round_id == round_id)
        .group_by(SurveyResponse.unit_id, SurveyResponse.counter_id, SurveyResponse.state)
    )
    for unit_id, counter_id, state, count in counts:
        for tally in (
            by_unit.setdefault(unit_id, Tallies()),
            by_counter.setdefault(counter_id, Tallies()),
            total,
        ):
            tally.total += count
            tally.states[state or "received"] += count
    for _id, unit_id, counter_id, _state, flags in rows:
        for tally in (by_unit[unit_id], by_counter[counter_id], total):
            tally.flags.update(flags)
    return by_unit, by_counter, total


@dataclass(frozen=True)
class Filters:
    """The list's filters, from the query string (or the bulk form's hidden fields)."""

    unit: str = ""
    counter: str = ""
    signal: str = ""
    state: str = ""

    @classmethod
    def from_values(cls, values: dict[str, str]) -> Filters:
        signal = values.get("signal", "")
        state = values.get("state", "")
        return cls(
            unit=values.get("unit", ""),
            counter=values.get("counter", ""),
            signal=signal if signal in FLAG_NAMES else "",
            state=state if state in ("flagged", "excluded") else "",
        )

    def query(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _matching(
    rows: list[Row],
    filters: Filters,
    units: dict[int, Unit],
    counters: dict[int, Counter],
) -> list[int]:
    """Ids of the flagged or excluded answers that pass the filters, newest first."""
    ids = []
    for rid, unit_id, counter_id, state, flags in rows:
        if state not in ("flagged", "excluded"):
            continue
        if filters.state and state != filters.state:
            continue
        if filters.signal and filters.signal not in flags:
            continue
        if filters.unit and units[unit_id].code != filters.unit:
            continue
        counter = counters.get(counter_id) if counter_id is not None else None
        if filters.counter and (counter is None or counter.code != filters.counter):
            continue
        ids.append(rid)
    return sorted(ids, reverse=True)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Every round with its flagged and excluded answers."""
    rounds = session().scalars(select(SurveyRound).order_by(SurveyRound.opens_at.desc())).all()
    counts: dict[int, Tally[str]] = {}
    for round_id, state in session().execute(select(SurveyResponse.round_id, SurveyResponse.state)):
        counts.setdefault(round_id, Tally())[state or "received"] += 1
    return render_template("admin/review_index.html", rounds=rounds, counts=counts)


def _page(
    survey_round: SurveyRound, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    values = request.values.to_dict()
    filters = Filters.from_values(values)
    rows = _rows(survey_round.id)
    by_unit, by_counter, total = _tallies(survey_round.id, rows)
    units = {u.id: u for u in survey_round.units}
    units.update(
        {u.id: u for u in session().scalars(select(Unit).where(Unit.id.in_(list(by_unit))))}
    )
    counter_ids = [c for c in by_counter if c is not None]
    counters = {
        c.id: c for c in session().scalars(select(Counter).where(Counter.id.in_(counter_ids)))
    }
    matching = _matching(rows, filters, units, counters)
    try:
        page = max(int(request.args.get("page", "1") or 1), 1)
    except ValueError:
        page = 1
    shown_ids = matching[(page - 1) * PER_PAGE : page * PER_PAGE]
    shown = (
        session()
        .scalars(
            select(SurveyResponse)
            .options(joinedload(SurveyResponse.unit), joinedload(SurveyResponse.counter))
            .where(SurveyResponse.id.in_(shown_ids))
            .order_by(SurveyResponse.id.desc())
        )
        .all()
        if shown_ids
        else []
    )
    done = request.args.get("done", "")
    message = None
    if done in ACTIONS:
        count = request.args.get("n", "0")
        if done == "exclude":
            message = vi_en("Đã loại: %(count)s phiếu.", count=count)
        else:
            message = vi_en("Đã khôi phục: %(count)s phiếu.", count=count)
    return render_template(
        "admin/review.html",
        survey_round=survey_round,
        filters=filters,
        total=total,
        unit_rows=sorted(((units[uid], t) for uid, t in by_unit.items()), key=lambda p: p[0].code),
        counter_rows=sorted(
            ((counters.get(cid) if cid is not None else None, t) for cid, t in by_counter.items()),
            key=lambda p: p[0].code if p[0] is not None else "",
        ),
        units=sorted({u.code: u for u in units.values()}.items()),
        counters=sorted(c.code for c in counters.values()),
        matching=len(matching),
        responses=shown,
        page=page,
        more=len(matching) > page * PER_PAGE,
        events=events_of(session(), survey_round.id, limit=50),
        last_scan=last_scan(session()),
        flag_names=FLAG_NAMES,
        signal_labels=SIGNAL_LABELS,
        state_labels=STATE_LABELS,
        channel_labels=CHANNEL_LABELS,
        message=message,
        error=error,
        reason=request.form.get("reason", ""),
        query=filters.query(),
    ), status


@bp.get("/<int:round_id>")
def round_page(round_id: int) -> ResponseReturnValue:
    """Counts per signal by unit and counter; flagged and excluded answers; the audit trail."""
    return _page(round_or_404(round_id))


@bp.post("/<int:round_id>")
def bulk(round_id: int) -> ResponseReturnValue:
    """Exclude (reason required) or restore the ticked answers, or all matching the filters."""
    survey_round = round_or_404(round_id)
    action = request.form.get("action", "")
    if action not in ACTIONS:
        return _page(survey_round, vi_en("Chọn loại hoặc khôi phục."), 422)
    filters = Filters.from_values(request.form.to_dict())
    if request.form.get("all_matching"):
        rows = _rows(survey_round.id)
        units = {
            u.id: u
            for u in session().scalars(select(Unit).where(Unit.id.in_({r[1] for r in rows})))
        }
        counters = {
            c.id: c
            for c in session().scalars(
                select(Counter).where(Counter.id.in_({r[2] for r in rows if r[2] is not None}))
            )
        }
        ids = _matching(rows, filters, units, counters)
    else:
        try:
            ids = [int(v) for v in request.form.getlist("ids")]
        except ValueError:
            ids = []
    if not ids:
        return _page(survey_round, vi_en("Chưa chọn phiếu nào."), 422)
    try:
        change = set_state(
            session(),
            ids,
            ACTIONS[action],
            request.form.get("reason", ""),
            current_user.username,
            round_id=survey_round.id,
        )
        session().commit()
        audit.note(changed=change.changed)
    except ReviewError as exc:
        session().rollback()
        return _page(survey_round, str(exc), 422)
    target = url_for("review.round_page", round_id=round_id)
    query = urlencode({**filters.query(), "done": action, "n": change.changed})
    return redirect(f"{target}?{query}", code=303)


@bp.get("/<int:round_id>/events.csv")
def events_download(round_id: int) -> Response:
    """The round's audit trail (every review event) as CSV."""
    survey_round = round_or_404(round_id)
    text = events_csv(session(), survey_round.id, current_app.config["DISPLAY_TIMEZONE"])
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers=attachment(f"review-events-round-{round_id}.csv"),
    )


@bp.get("/<int:round_id>/sipas")
def sipas(round_id: int) -> ResponseReturnValue:
    """Each unit's SIPAS with every counted answer, without the flagged ones, and the difference."""
    survey_round = round_or_404(round_id)
    with_all = round_analysis(survey_round)
    without = round_analysis(survey_round, exclude_flagged=True)
    rows = []
    all_rows = with_all.result.overall() if with_all else {}
    clean_rows = without.result.overall() if without else {}
    units = {u.code: u for u in survey_round.units}
    names = {u.unit_type.code: f"{u.unit_type.name_vi} (chung)" for u in units.values()}
    names.update({code: u.name for code, u in units.items()}, ALL="Toàn tỉnh")
    for code in sorted(set(all_rows) | set(clean_rows), key=lambda c: (c not in units, c)):
        a, b = all_rows.get(code), clean_rows.get(code)
        if a is None and b is None:
            continue
        delta = None
        if a is not None and b is not None and a.estimate is not None and b.estimate is not None:
            delta = b.estimate - a.estimate
        rows.append(
            {
                "code": code,
                "name": names.get(code, code),
                "unit": units.get(code),
                "all": a,
                "clean": b,
                "delta": delta,
            }
        )
    return render_template("admin/review_sipas.html", survey_round=survey_round, rows=rows)
