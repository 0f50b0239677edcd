"""Review: people exclude doubtful answers (with a reason) or restore them; every change is audited.

An excluded answer stays stored (with its flags); it only leaves the analysis and the default
export. Each change of state writes a :class:`ReviewEvent` (old, new, reason, who, when), one per
response, so the audit trail of a round can be read or downloaded (docs/decisions/0010).

The ``sipas review`` commands (scan, exclude, restore, events) are at the end of this module.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from survey_app.db import utcnow
from survey_app.db.models import RESPONSE_STATES, Response, ReviewEvent
from survey_app.i18n import vi_en
from survey_app.spreadsheets import csv_writer
from survey_app.trust import signals

CHUNK = 500
"""Ids per ``IN (...)`` query (SQLite limits the number of parameters)."""
EVENT_COLUMNS = (
    "event_id",
    "response_id",
    "unit_code",
    "counter_code",
    "channel",
    "old_state",
    "new_state",
    "reason",
    "who",
    "at",
)


class ReviewError(ValueError):
    """A review change that cannot be made; the message says why and how to fix it."""


@dataclass(frozen=True)
class Change:
    """What a review action did: responses changed, and those already in the state asked for."""

    changed: int
    unchanged: int


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def load_responses(
    session: Session, response_ids: Iterable[int], round_id: int | None = None
) -> list[Response]:
    """The responses with these ids (in id order); unknown ids, or ids of another round when
    ``round_id`` is given, are a :class:`ReviewError` naming them.
    """
    wanted = sorted(set(response_ids))
    found: list[Response] = []
    for chunk in _chunks(wanted):
        found.extend(session.scalars(select(Response).where(Response.id.in_(chunk))))
    if round_id is not None:
        found = [r for r in found if r.round_id == round_id]
    missing = sorted(set(wanted) - {r.id for r in found})
    if missing:
        shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
        if round_id is not None:
            raise ReviewError(vi_en("đợt này không có phiếu mã %(ids)s", ids=shown))
        raise ReviewError(vi_en("không có phiếu mã %(ids)s", ids=shown))
    return sorted(found, key=lambda r: r.id)


def _target(response: Response, new_state: str) -> str:
    """The state ``response`` ends in when ``new_state`` is asked for ("restored": per flags)."""
    if new_state == "restored":
        return "flagged" if response.flags else "received"
    return new_state


def set_state(
    session: Session,
    response_ids: Iterable[int],
    new_state: str,
    reason: str,
    who: str,
    *,
    round_id: int | None = None,
    at: datetime | None = None,
) -> Change:
    """Move every response to ``new_state``, one :class:`ReviewEvent` per response changed.

    ``new_state``: ``excluded`` (a reason is required), ``flagged`` (a reviewer's doubt: adds the
    ``manual`` flag), ``received`` (only for an answer without flags: a flagged answer is counted
    already; exclude it or leave it) or ``restored`` (excluded → received, or flagged when it has
    flags). Responses already in the target state are left alone. Does not commit.
    """
    reason = (reason or "").strip()
    who = (who or "").strip()
    if new_state not in (*RESPONSE_STATES, "restored"):
        raise ReviewError(
            vi_en(
                "trạng thái (%(state)r) phải là một trong %(states)s hoặc restored",
                state=new_state,
                states=", ".join(RESPONSE_STATES),
            )
        )
    if new_state == "excluded" and not reason:
        raise ReviewError(vi_en("loại phiếu cần nêu lý do"))
    if not who:
        raise ReviewError(vi_en("cần biết người thực hiện"))
    responses = load_responses(session, response_ids, round_id)
    if not responses:
        raise ReviewError(vi_en("chưa chọn phiếu nào"))
    if new_state == "received":
        doubtful = [r.id for r in responses if r.flags]
        if doubtful:
            raise ReviewError(
                vi_en(
                    "phiếu %(ids)s có dấu hiệu: phiếu bị đánh dấu vẫn được tính; hãy loại phiếu, "
                    "hoặc để nguyên dấu hiệu",
                    ids=", ".join(map(str, doubtful[:20])),
                )
            )
    now = at or utcnow()
    changed = 0
    for response in responses:
        if new_state == "flagged" and signals.MANUAL_FLAG not in (response.flags or []):
            response.flags = signals.ordered({*(response.flags or []), signals.MANUAL_FLAG})
        target = _target(response, new_state)
        old = response.state or "received"
        if target == old:
            continue
        response.state = target
        response.exclusion_reason = reason if target == "excluded" else None
        session.add(
            ReviewEvent(
                response_id=response.id,
                old_state=old,
                new_state=target,
                reason=reason,
                who=who,
                at=now,
            )
        )
        changed += 1
    session.flush()
    return Change(changed, len(responses) - changed)


def exclude(
    session: Session,
    response_ids: Iterable[int],
    reason: str,
    who: str,
    *,
    round_id: int | None = None,
) -> Change:
    """Exclude answers from the analysis (they stay stored); a reason is required."""
    return set_state(session, response_ids, "excluded", reason, who, round_id=round_id)


def restore(
    session: Session,
    response_ids: Iterable[int],
    reason: str,
    who: str,
    *,
    round_id: int | None = None,
) -> Change:
    """Bring excluded answers back: received, or flagged when they carry flags."""
    return set_state(session, response_ids, "restored", reason, who, round_id=round_id)


def ids_with_flag(session: Session, round_id: int, flag: str) -> list[int]:
    """Ids of the round's responses carrying ``flag`` (any state)."""
    known = (*signals.SIGNAL_NAMES, signals.MANUAL_FLAG)
    if flag not in known:
        raise ReviewError(
            vi_en(
                "dấu hiệu (%(flag)r) phải là một trong %(flags)s", flag=flag, flags=", ".join(known)
            )
        )
    rows = session.execute(
        select(Response.id, Response.flags).where(Response.round_id == round_id)
    ).all()
    return [rid for rid, flags in rows if flag in (flags or [])]


def events_of(session: Session, round_id: int, limit: int | None = None) -> list[ReviewEvent]:
    """The round's review events, newest first."""
    query = (
        select(ReviewEvent)
        .join(Response, Response.id == ReviewEvent.response_id)
        .where(Response.round_id == round_id)
        .order_by(ReviewEvent.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def events_csv(session: Session, round_id: int, zone: str = "Asia/Ho_Chi_Minh") -> str:
    """The round's audit trail as CSV (oldest first; ``at`` in local time with its offset)."""
    local = ZoneInfo(zone)
    responses = {
        r.id: r
        for r in session.scalars(
            select(Response)
            .options(joinedload(Response.unit), joinedload(Response.counter))
            .where(Response.round_id == round_id)
        )
    }
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(EVENT_COLUMNS)
    for event in reversed(events_of(session, round_id)):
        response = responses[event.response_id]
        writer.writerow(
            [
                event.id,
                event.response_id,
                response.unit.code,
                response.counter.code if response.counter else "",
                response.channel,
                event.old_state,
                event.new_state,
                event.reason,
                event.who,
                event.at.astimezone(local).isoformat(),
            ]
        )
    return out.getvalue()
