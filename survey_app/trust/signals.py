"""Signals: automatic hints that an answer may not be a genuine citizen's (docs/decisions/0010).

A signal only *flags*: the answer stays stored and counted, its ``flags`` list the signal names
and its state becomes ``flagged`` (an excluded answer stays excluded). People decide what to
exclude (``survey_app.trust.review``).

The signals are pure functions over plain values (:class:`Facts`, :class:`Thresholds`); the thin
database layer at the end computes a citizen's submission's own signals before it is stored
(:func:`own_flags`, no query), runs them all for one response inside its transaction
(:func:`apply`: paper entry) or recomputes a whole round (:func:`scan`). The signals that compare
answers (burst, repeated device) of citizens' submissions are computed by the periodic scan
(``survey_app.trust.scanner``, docs/decisions/0015).

Signals and the channels they apply to (a QR code hangs at the counter; receipts and public links
are answered anywhere, at any hour; paper is keyed by staff, so its timing says nothing):

- ``burst``: ≥ SIGNAL_BURST_COUNT answers of one counter within SIGNAL_BURST_MINUTES, every
  answer of the window flagged (counter_qr, simulated);
- ``outside_hours``: submitted outside SIGNAL_OPENING_HOURS, local time (counter_qr, simulated);
- ``straight_lining``: one level for every item, ≥ SIGNAL_STRAIGHTLINE_MIN_ITEMS of them answered
  with a level (every channel);
- ``too_fast``: form rendered to submitted in < SIGNAL_MIN_SECONDS (all but paper);
- ``repeat_device``: one device hash answered one unit twice in a round, both flagged (all but
  paper).
"""

from __future__ import annotations

import logging
import re
from collections import Counter as Tally
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.models import Response, ReviewEvent, Unit
from survey_app.i18n import vi_en

log = logging.getLogger(__name__)

SIGNAL_NAMES = ("burst", "outside_hours", "straight_lining", "too_fast", "repeat_device")
"""Every signal, in the order ``flags`` lists them."""
MANUAL_FLAG = "manual"
"""A flag set by a reviewer, not by a signal; recomputing the signals keeps it."""
SIGNALS_WHO = "signals"
"""``ReviewEvent.who`` of state changes made by the signals."""

SIGNAL_LABELS: dict[str, tuple[str, str]] = {
    "burst": ("Nhiều phiếu dồn dập tại một quầy", "burst at one counter"),
    "outside_hours": ("Ngoài giờ làm việc", "outside opening hours"),
    "straight_lining": ("Cùng một mức cho mọi câu", "same answer to every item"),
    "too_fast": ("Trả lời quá nhanh", "answered too fast"),
    "repeat_device": ("Cùng thiết bị trả lời lại", "same device answered again"),
    MANUAL_FLAG: ("Cán bộ đánh dấu", "flagged by a reviewer"),
}

ALL_SIGNALS = frozenset(SIGNAL_NAMES)
AT_THE_COUNTER = ALL_SIGNALS
AWAY_FROM_THE_COUNTER = frozenset({"straight_lining", "too_fast", "repeat_device"})
SIGNALS_BY_CHANNEL: dict[str, frozenset[str]] = {
    # the QR code hangs at the counter: the answer is given there, in opening hours
    "counter_qr": AT_THE_COUNTER,
    "simulated": AT_THE_COUNTER,
    # receipts and public links are answered anywhere, at any hour, without a counter
    "receipt": AWAY_FROM_THE_COUNTER,
    "public_link": AWAY_FROM_THE_COUNTER,
    # paper is keyed by staff: the keying time, speed and computer say nothing of the citizen
    "paper": frozenset({"straight_lining"}),
}
"""Which signals can say something about an answer of each channel (unknown channel: all)."""


def signals_for(channel: str) -> frozenset[str]:
    """The signals that apply to answers of ``channel``."""
    return SIGNALS_BY_CHANNEL.get(channel, ALL_SIGNALS)


_WITHOUT: dict[str, list[str]] = {
    name: sorted(c for c, names in SIGNALS_BY_CHANNEL.items() if name not in names)
    for name in SIGNAL_NAMES
}
"""The channels a signal does not apply to (for queries)."""


# --- settings -------------------------------------------------------------------------------
class SignalSettingError(ValueError):
    """A signal setting that cannot be used; the message names it, repeats it and says how."""


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class OpeningHours:
    """Opening hours per weekday (0 = Monday): (start, end) pairs, both ends included."""

    windows: Mapping[int, tuple[tuple[time, time], ...]]
    text: str = ""

    def is_open(self, local: datetime) -> bool:
        """True when the local time ``local`` falls inside one of its day's windows."""
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment <= end for start, end in self.windows.get(local.weekday(), ()))


def _day(name: str, setting: str) -> int:
    for number, day in enumerate(DAY_NAMES):
        if name.strip().lower() == day.lower():
            return number
    raise SignalSettingError(
        vi_en(
            "SIGNAL_OPENING_HOURS (%(setting)r): %(day)r không phải tên ngày; hãy viết ngày là "
            "%(days)s, ví dụ 'Mon-Fri 07:00-17:30; Sat 07:00-11:30'",
            setting=setting,
            day=name.strip(),
            days=", ".join(DAY_NAMES),
        )
    )


def _days(text: str, setting: str) -> list[int]:
    days: list[int] = []
    for piece in text.split(","):
        first, dash, last = piece.partition("-")
        start = _day(first, setting)
        end = _day(last, setting) if dash else start
        if end < start:
            raise SignalSettingError(
                vi_en(
                    "SIGNAL_OPENING_HOURS (%(setting)r): các ngày %(days)r bị ngược; hãy viết "
                    "ngày trước lên đầu (Mon-Fri)",
                    setting=setting,
                    days=piece.strip(),
                )
            )
        days.extend(range(start, end + 1))
    return days


def _clock(hours: str, minutes: str, piece: str, setting: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise SignalSettingError(
            vi_en(
                "SIGNAL_OPENING_HOURS (%(setting)r): %(piece)r không phải giờ trong ngày "
                "(00:00–23:59)",
                setting=setting,
                piece=piece,
            )
        )
    return time(h, m)


def parse_opening_hours(setting: str) -> OpeningHours:
    """``"Mon-Fri 07:00-17:30; Sat 07:00-11:30"`` → :class:`OpeningHours`.

    Parts are separated by ``;``; each is days (``Mon-Fri``, ``Sat`` or ``Mon,Wed``) and one or
    more time ranges separated by commas (``07:00-11:30,13:00-17:00``). Days not named are closed.
    An empty setting means "always open" (the signal never fires).
    """
    windows: dict[int, list[tuple[time, time]]] = {}
    if not setting.strip():
        return OpeningHours({day: ((time(0, 0), time(23, 59, 59, 999999)),) for day in range(7)})
    for part in setting.split(";"):
        part = part.strip()
        if not part:
            continue
        days_text, _, ranges_text = part.partition(" ")
        if not ranges_text.strip():
            raise SignalSettingError(
                vi_en(
                    "SIGNAL_OPENING_HOURS (%(setting)r): %(part)r cần có ngày và giờ, ví dụ "
                    "'Mon-Fri 07:00-17:30'",
                    setting=setting,
                    part=part,
                )
            )
        days = _days(days_text, setting)
        for piece in ranges_text.replace(" ", "").split(","):
            match = _RANGE.match(piece)
            if match is None:
                raise SignalSettingError(
                    vi_en(
                        "SIGNAL_OPENING_HOURS (%(setting)r): %(piece)r không phải khoảng giờ; "
                        "hãy viết HH:MM-HH:MM, ví dụ 07:00-17:30",
                        setting=setting,
                        piece=piece,
                    )
                )
            start = _clock(match[1], match[2], piece, setting)
            end = _clock(match[3], match[4], piece, setting)
            if end <= start:
                raise SignalSettingError(
                    vi_en(
                        "SIGNAL_OPENING_HOURS (%(setting)r): %(piece)r kết thúc trước khi bắt đầu",
                        setting=setting,
                        piece=piece,
                    )
                )
            for day in days:
                windows.setdefault(day, []).append((start, end))
    return OpeningHours({day: tuple(sorted(w)) for day, w in windows.items()}, setting)


def _number(config: Mapping[str, Any], name: str, kind: type, minimum: float) -> Any:
    raw = config.get(name, DEFAULTS[name])
    try:
        value = kind(str(raw).strip())
    except ValueError:
        raise SignalSettingError(
            vi_en("%(name)s (%(value)r) phải là một số nguyên", name=name, value=raw)
            if kind is int
            else vi_en("%(name)s (%(value)r) phải là một số", name=name, value=raw)
        ) from None
    if value < minimum:
        raise SignalSettingError(
            vi_en(
                "%(name)s (%(value)r) phải ít nhất là %(minimum)s",
                name=name,
                value=raw,
                minimum=f"{minimum:g}",
            )
        )
    return value


DEFAULTS: dict[str, str] = {
    "SIGNAL_BURST_COUNT": "8",
    "SIGNAL_BURST_MINUTES": "5",
    "SIGNAL_OPENING_HOURS": "Mon-Fri 07:00-17:30; Sat 07:00-11:30",
    "SIGNAL_STRAIGHTLINE_MIN_ITEMS": "10",
    "SIGNAL_MIN_SECONDS": "25",
}
"""The settings' defaults (also in ``survey_app.config.SETTINGS`` and README.md)."""


@dataclass(frozen=True)
class Thresholds:
    """The signals' settings, read and checked once (:meth:`from_config`)."""

    burst_count: int = 8
    burst_minutes: float = 5.0
    opening_hours: OpeningHours = field(
        default_factory=lambda: parse_opening_hours(DEFAULTS["SIGNAL_OPENING_HOURS"])
    )
    straightline_min_items: int = 10
    min_seconds: float = 25.0
    zone: str = "Asia/Ho_Chi_Minh"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        """From the app's config (strings from the environment, or numbers in tests)."""
        values = [str(config.get(name, default)) for name, default in DEFAULTS.items()]
        return _thresholds((*values, str(config.get("DISPLAY_TIMEZONE") or "Asia/Ho_Chi_Minh")))

    def hours_for(self, unit_code: str) -> OpeningHours:
        """The opening hours of a unit: the province's for now (a unit's own may come later)."""
        return self.opening_hours


@lru_cache(maxsize=16)
def _thresholds(values: tuple[str, ...]) -> Thresholds:
    config = dict(zip([*DEFAULTS, "DISPLAY_TIMEZONE"], values, strict=True))
    return Thresholds(
        burst_count=_number(config, "SIGNAL_BURST_COUNT", int, 2),
        burst_minutes=_number(config, "SIGNAL_BURST_MINUTES", float, 0.1),
        opening_hours=parse_opening_hours(config["SIGNAL_OPENING_HOURS"]),
        straightline_min_items=_number(config, "SIGNAL_STRAIGHTLINE_MIN_ITEMS", int, 2),
        min_seconds=_number(config, "SIGNAL_MIN_SECONDS", float, 0),
        zone=config["DISPLAY_TIMEZONE"],
    )


# --- the signals (pure) ---------------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What the signals look at in one response, as plain values."""

    response_id: int
    counter_id: int | None
    unit_code: str
    submitted_at_local: datetime
    answers: Mapping[str, object]
    elapsed_seconds: float | None
    device_hash: str | None
    channel: str = "counter_qr"


def outside_hours(facts: Facts, thresholds: Thresholds) -> bool:
    """Submitted when the unit's one-stop office is closed."""
    return not thresholds.hours_for(facts.unit_code).is_open(facts.submitted_at_local)


def straight_lining(facts: Facts, thresholds: Thresholds) -> bool:
    """One and the same level for every item answered with a level (not "na"), when enough were."""
    levels = [v for v in facts.answers.values() if isinstance(v, int) and not isinstance(v, bool)]
    return len(levels) >= thresholds.straightline_min_items and len(set(levels)) == 1


def too_fast(facts: Facts, thresholds: Thresholds) -> bool:
    """Fewer seconds from the form's rendering to its submission than anyone needs to read it."""
    return facts.elapsed_seconds is not None and facts.elapsed_seconds < thresholds.min_seconds


SINGLE_SIGNALS = (
    ("outside_hours", outside_hours),
    ("straight_lining", straight_lining),
    ("too_fast", too_fast),
)
"""Signals that look at one response alone: (name, predicate)."""


def burst_ids(facts: Iterable[Facts], thresholds: Thresholds) -> set[int]:
    """Ids of answers in a window of ``burst_minutes`` holding ≥ ``burst_count`` answers of one
    counter (every answer of such a window, the earlier ones too; both ends included).
    """
    window = timedelta(minutes=thresholds.burst_minutes)
    by_counter: dict[int, list[Facts]] = {}
    for fact in facts:
        if fact.counter_id is not None:
            by_counter.setdefault(fact.counter_id, []).append(fact)
    found: set[int] = set()
    for answers in by_counter.values():
        answers.sort(key=lambda f: (f.submitted_at_local, f.response_id))
        first = 0
        for last, fact in enumerate(answers):
            while fact.submitted_at_local - answers[first].submitted_at_local > window:
                first += 1
            if last - first + 1 >= thresholds.burst_count:
                found.update(f.response_id for f in answers[first : last + 1])
    return found


def repeat_device_ids(facts: Iterable[Facts]) -> set[int]:
    """Ids of answers whose device hash answered the same unit more than once (all of them)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for fact in facts:
        if fact.device_hash:
            groups.setdefault((fact.unit_code, fact.device_hash), []).append(fact.response_id)
    return {rid for ids in groups.values() if len(ids) > 1 for rid in ids}


GROUP_SIGNALS = (
    ("burst", burst_ids),
    ("repeat_device", lambda facts, _thresholds: repeat_device_ids(facts)),
)
"""Signals that look at answers together: (name, function of (facts, thresholds) → ids)."""


def ordered(flags: Collection[str]) -> list[str]:
    """Flags in the signals' order, others (``manual``) after them."""
    known = [name for name in SIGNAL_NAMES if name in flags]
    return known + sorted(set(flags) - set(SIGNAL_NAMES))


def compute_flags(facts: Sequence[Facts], thresholds: Thresholds) -> dict[int, list[str]]:
    """Every response's signal names (empty list: no signal), each signal on its channels only."""
    flags: dict[int, set[str]] = {f.response_id: set() for f in facts}
    for name, predicate in SINGLE_SIGNALS:
        for fact in facts:
            if name in signals_for(fact.channel) and predicate(fact, thresholds):
                flags[fact.response_id].add(name)
    for name, group in GROUP_SIGNALS:
        eligible = [f for f in facts if name in signals_for(f.channel)]
        for rid in group(eligible, thresholds):
            flags[rid].add(name)
    return {rid: ordered(names) for rid, names in flags.items()}


def state_for(current: str, flags: Collection[str]) -> str:
    """The state an answer with ``flags`` gets: excluded stays excluded."""
    if current == "excluded":
        return "excluded"
    return "flagged" if flags else "received"


# --- the database layer ---------------------------------------------------------------------
def facts_of(response: Response, unit_code: str, zone: ZoneInfo) -> Facts:
    """The facts of a stored response (its time in the local zone)."""
    return Facts(
        response_id=response.id,
        counter_id=response.counter_id,
        unit_code=unit_code,
        submitted_at_local=response.submitted_at.astimezone(zone),
        answers=dict(response.answers or {}),
        elapsed_seconds=response.elapsed_seconds,
        device_hash=response.device_hash,
        channel=response.channel,
    )


def state_change(
    current: str | None, flags: Collection[str], who: str, now: datetime
) -> tuple[str, dict[str, Any] | None]:
    """The state an answer in state ``current`` gets with ``flags`` (:func:`state_for`), and the
    values of its :class:`ReviewEvent` when the state moves (None: it stays)."""
    old_state = current or "received"
    new_state = state_for(old_state, flags)
    if new_state == old_state:
        return new_state, None
    reason = "signals: " + (", ".join(flags) or "none")
    event = {
        "old_state": old_state,
        "new_state": new_state,
        "reason": reason,
        "who": who,
        "at": now,
    }
    return new_state, event


def _set_flags(
    session: Session, response: Response, flags: list[str], who: str, now: datetime
) -> bool:
    """Give ``response`` these flags and the state they imply; an event when the state changes."""
    if list(response.flags or []) != flags:
        response.flags = flags
    new_state, event = state_change(response.state, flags, who, now)
    if event is None:
        return False
    response.state = new_state
    session.add(ReviewEvent(response_id=response.id, **event))
    return True


def apply(session: Session, response: Response, config: Mapping[str, Any]) -> list[str]:
    """Run the signals for a response just flushed, in its transaction; returns its flags.

    ``burst`` and ``repeat_device`` also flag the earlier answers of the window or the device
    (an event each when their state changes). The new response's first state is not a change.
    """
    thresholds = Thresholds.from_config(config)
    zone = ZoneInfo(thresholds.zone)
    unit = session.get(Unit, response.unit_id)
    unit_code = unit.code if unit is not None else ""
    facts = facts_of(response, unit_code, zone)
    applies = signals_for(response.channel)
    own = {name for name, check in SINGLE_SIGNALS if name in applies and check(facts, thresholds)}
    others: dict[int, tuple[Response, set[str]]] = {}

    if "burst" in applies and response.counter_id is not None:
        since = response.submitted_at - timedelta(minutes=thresholds.burst_minutes)
        in_window = (
            Response.round_id == response.round_id,
            Response.unit_id == response.unit_id,  # the counter's unit: uses the index
            Response.counter_id == response.counter_id,
            Response.submitted_at >= since,
            Response.submitted_at <= response.submitted_at,
            Response.id != response.id,
            Response.channel.not_in(_WITHOUT["burst"]),
        )
        # counting first keeps the usual case (no burst) to one cheap query
        if session.scalar(select(func.count()).where(*in_window)) + 1 >= thresholds.burst_count:
            window = session.scalars(select(Response).where(*in_window)).all()
            ids = burst_ids([facts, *(facts_of(r, unit_code, zone) for r in window)], thresholds)
            if response.id in ids:
                own.add("burst")
                for earlier in window:
                    if earlier.id in ids:
                        others.setdefault(earlier.id, (earlier, set()))[1].add("burst")

    if "repeat_device" in applies and response.device_hash:
        earlier_ones = session.scalars(
            select(Response).where(
                Response.round_id == response.round_id,
                Response.unit_id == response.unit_id,
                Response.device_hash == response.device_hash,
                Response.id != response.id,
                Response.channel.not_in(_WITHOUT["repeat_device"]),
            )
        ).all()
        if earlier_ones:
            own.add("repeat_device")
            for earlier in earlier_ones:
                others.setdefault(earlier.id, (earlier, set()))[1].add("repeat_device")

    flags = ordered(own | (set(response.flags or []) - ALL_SIGNALS))
    response.flags = flags
    response.state = state_for(response.state or "received", flags)
    now = utcnow()
    for earlier, added in others.values():
        merged = ordered(set(earlier.flags or []) | added)
        _set_flags(session, earlier, merged, SIGNALS_WHO, now)
    return flags


def safely_apply(session: Session, response: Response, config: Mapping[str, Any]) -> None:
    """:func:`apply`, but a fault in the signals never costs a citizen's answer (it is logged).

    Database errors still propagate: the transaction is unusable after them.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        apply(session, response, config)
    except SQLAlchemyError:
        raise
    except Exception:  # the answer matters more than its flags
        log.exception("signals failed for response %s; stored without flags", response.id)


def own_flags(values: Mapping[str, Any], unit_code: str, config: Mapping[str, Any]) -> list[str]:
    """The signals that look at one answer alone, for an answer about to be stored (no query).

    ``values``: the response's columns (``channel``, ``submitted_at``, ``answers``,
    ``elapsed_seconds``, …). The signals that compare answers run in the periodic scan.
    """
    thresholds = Thresholds.from_config(config)
    facts = Facts(
        response_id=0,
        counter_id=values.get("counter_id"),
        unit_code=unit_code,
        submitted_at_local=values["submitted_at"].astimezone(ZoneInfo(thresholds.zone)),
        answers=dict(values.get("answers") or {}),
        elapsed_seconds=values.get("elapsed_seconds"),
        device_hash=values.get("device_hash"),
        channel=values["channel"],
    )
    applies = signals_for(facts.channel)
    return ordered(
        {name for name, check in SINGLE_SIGNALS if name in applies and check(facts, thresholds)}
    )


def safely_own_flags(
    values: Mapping[str, Any], unit_code: str, config: Mapping[str, Any]
) -> list[str]:
    """:func:`own_flags`, but a fault in the signals never costs a citizen's answer (logged)."""
    try:
        return own_flags(values, unit_code, config)
    except Exception:  # the answer matters more than its flags
        log.exception("signals failed for submission %s; stored without flags", values.get("id"))
        return []


@dataclass(frozen=True)
class ScanReport:
    """What a scan found: answers per signal, how many changed state, how many were looked at."""

    per_signal: dict[str, int]
    flagged: int
    excluded: int
    changed: int
    total: int


def scan(session: Session, round_id: int, config: Mapping[str, Any], who: str) -> ScanReport:
    """Recompute every signal of a round's answers (thresholds may have changed).

    Flags are replaced by the signals' (a reviewer's ``manual`` flag stays); the state follows
    the flags (received ⇄ flagged), except that an excluded answer stays excluded. Every state
    change writes a :class:`ReviewEvent` by ``who``.
    """
    thresholds = Thresholds.from_config(config)
    zone = ZoneInfo(thresholds.zone)
    codes = dict(session.execute(select(Unit.id, Unit.code)).all())
    responses = session.scalars(
        select(Response).where(Response.round_id == round_id).order_by(Response.id)
    ).all()
    facts = [facts_of(r, codes.get(r.unit_id, ""), zone) for r in responses]
    computed = compute_flags(facts, thresholds)
    now = utcnow()
    changed = 0
    tally: Tally[str] = Tally()
    for response in responses:
        kept = set(response.flags or []) - ALL_SIGNALS
        flags = ordered(set(computed[response.id]) | kept)
        tally.update(flags)
        changed += _set_flags(session, response, flags, who, now)
    states = Tally(r.state for r in responses)
    return ScanReport(
        per_signal={name: tally.get(name, 0) for name in (*SIGNAL_NAMES, MANUAL_FLAG)},
        flagged=states.get("flagged", 0),
        excluded=states.get("excluded", 0),
        changed=changed,
        total=len(responses),
    )
