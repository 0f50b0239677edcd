"""Reminders of the PAR year (issue 14, item 7): who is late or incomplete, and e-mails to the
officers of the units that still have something to do.

A unit has something to do while its sheet is a draft (not yet sent) or returned for explanation.
Its deadline is its unit type's self-assessment day (``deadlines.json``, Decision 1877 §IV.2), or
the day Sở Nội vụ reopened it until when that is later; ``days late = today − that day`` when
positive. E-mails go through the SMTP server of the settings (``SMTP_HOST`` …; none set: no
e-mail, the page says how to set them), Vietnamese first and English second, to the active unit
officers of the unit that have an e-mail address; each sent reminder is a ``reminded`` step of
the unit's year (with the addresses), so the unit's history and the page show it.
"""

from __future__ import annotations

import math
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring_bridge.workflow import STATUS_LABELS, STEPS, Status, deadline
from survey_app.db.models import ParStep, Unit, User
from survey_app.i18n import N_, text_in, vi_en
from survey_app.par.scoring import catalogs_for, year_units
from survey_app.par.self_assessment import load_sheet, step_row
from survey_app.staff.users import UNIT_OFFICER

TO_DO = (Status.DRAFT.value, Status.RETURNED.value)
TLS_MODES = ("starttls", "ssl", "none")
SMTP_NAMES = (
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_TLS",
    "SMTP_TIMEOUT",
)
DEFAULT_TIMEOUT = 20.0
"""Seconds to wait for the mail server (``SMTP_TIMEOUT`` unset)."""


class ReminderError(RuntimeError):
    """Reminders cannot be sent (settings, the mail server); the message says what to do.

    ``settings``: the settings are missing or wrong (not the mail server).
    """

    def __init__(self, message: str, *, settings: bool = False) -> None:
        super().__init__(message)
        self.settings = settings


@dataclass(frozen=True)
class Standing:
    """Where one unit's sheet stands today."""

    unit: Unit
    status: str
    scored: int
    evidenced: int
    total: int
    last_day: date | None
    reopened_until: date | None
    today: date
    emails: tuple[str, ...]
    last_reminded: Any = None

    @property
    def status_label(self) -> str:
        """The status in Vietnamese / English (never the internal code)."""
        label = STATUS_LABELS.get(Status(self.status)) if self.status in _STATUSES else None
        return f"{label[0]} / {label[1]}" if label else self.status

    @property
    def due(self) -> date | None:
        """The day the sheet must be sent by: the deadline, or the reopening when later."""
        days = [d for d in (self.last_day, self.reopened_until) if d is not None]
        return max(days) if days else None

    @property
    def days_late(self) -> int:
        """Days past ``due`` for a sheet not yet sent (0 when not late)."""
        if self.status != Status.DRAFT.value or self.due is None:
            return 0
        return max(0, (self.today - self.due).days)

    @property
    def days_left(self) -> int | None:
        return None if self.due is None else (self.due - self.today).days

    @property
    def to_do(self) -> bool:
        return self.status in TO_DO

    @property
    def incomplete(self) -> bool:
        return self.status == Status.DRAFT.value and (
            self.scored < self.total or self.evidenced < self.total
        )


_STATUSES = {s.value for s in Status}


def standings(session: Session, year: int, today: date) -> list[Standing]:
    """Every unit of the year with a catalog, late ones first (most days late first), then the
    others with something to do, then the rest; each with its officers' e-mail addresses."""
    catalogs = catalogs_for(session, year)
    units = year_units(session, year, set(catalogs))
    emails = _officer_emails(session)
    reminded = dict(
        session.execute(
            select(ParStep.unit_id, func.max(ParStep.at))
            .where(ParStep.year == year, ParStep.step == "reminded")
            .group_by(ParStep.unit_id)
        ).all()
    )
    found = []
    for unit in units:
        sheet = load_sheet(session, year, unit, catalogs[unit.unit_type.code])
        found.append(
            Standing(
                unit=unit,
                status=sheet.state.status,
                scored=sheet.scored,
                evidenced=sheet.evidenced,
                total=len(sheet.own_rows),
                last_day=sheet.last_day,
                reopened_until=sheet.state.reopened_until,
                today=today,
                emails=tuple(emails.get(unit.code, ())),
                last_reminded=reminded.get(unit.id),
            )
        )
    found.sort(key=lambda s: (-s.days_late, not s.to_do, s.unit.code))
    return found


def _officer_emails(session: Session) -> dict[str, list[str]]:
    """Unit code → the e-mail addresses of its active unit officers."""
    found: dict[str, list[str]] = {}
    rows = session.execute(
        select(Unit.code, User.email)
        .join(User.unit)
        .where(User.role == UNIT_OFFICER, User.active.is_(True), User.email != "")
        .order_by(User.username)
    )
    for code, email in rows:
        found.setdefault(code, []).append(email)
    return found


STEP_NAMES = {
    "self_assessment": N_("Hạn gửi kết quả tự đánh giá"),
    "appraisal": N_("Hạn hoàn thành thẩm định"),
}


@dataclass(frozen=True)
class Milestone:
    """One deadline of a unit type's year, for the unit's sheet."""

    name_vi: str
    name_en: str
    last_day: date
    days_left: int
    text: str


def milestones(unit_type: str, year: int, today: date) -> list[Milestone]:
    """Every deadline of the unit type's year (``deadlines.json``) with the days left."""
    found = []
    for step in STEPS:
        try:
            rule = deadline(unit_type, year, step)
        except ValueError:
            continue
        day = rule.last_day(year)
        name = STEP_NAMES[step]
        vietnamese, english = text_in("vi", name), text_in("en", name)
        found.append(Milestone(vietnamese, english, day, (day - today).days, rule.text))
    return found


# --- settings -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpSettings:
    """Where and how reminders are sent (README, "Settings")."""

    host: str
    port: int
    sender: str
    user: str = ""
    password: str = field(default="", repr=False)
    tls: str = "starttls"
    timeout: float = DEFAULT_TIMEOUT


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings | None:
    """The SMTP settings, or None when ``SMTP_HOST`` is empty (no e-mail); `ReminderError`
    naming what is wrong otherwise."""
    host = str(config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    problems = []
    try:
        port = int(str(config.get("SMTP_PORT") or "587"))
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        problems.append(
            vi_en("SMTP_PORT (%(value)r) phải là số cổng", value=config.get("SMTP_PORT"))
        )
        port = 0
    tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        problems.append(
            vi_en("SMTP_TLS (%(value)r) phải là %(modes)s", value=tls, modes=", ".join(TLS_MODES))
        )
    sender = str(config.get("SMTP_FROM") or "").strip()
    if "@" not in sender:
        problems.append(vi_en("SMTP_FROM (địa chỉ người gửi) chưa đặt"))
    user = str(config.get("SMTP_USER") or "").strip()
    password = str(config.get("SMTP_PASSWORD") or "")
    if user and not password:
        problems.append(vi_en("SMTP_USER cần SMTP_PASSWORD"))
    timeout = _seconds(config.get("SMTP_TIMEOUT"))
    if timeout is None:
        problems.append(
            vi_en(
                "SMTP_TIMEOUT (%(value)r) phải là số giây lớn hơn 0, ví dụ 20",
                value=config.get("SMTP_TIMEOUT"),
            )
        )
    if problems:
        raise ReminderError(vi_en("Cài đặt e-mail sai") + ": " + "; ".join(problems), settings=True)
    return SmtpSettings(host, port, sender, user, password, tls, timeout or DEFAULT_TIMEOUT)


def _seconds(raw: object) -> float | None:
    """``SMTP_TIMEOUT`` in seconds (unset: the default), None when it is not a number > 0."""
    if raw is None or str(raw).strip() == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(str(raw))
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


# --- messages -------------------------------------------------------------------------------
def _when(standing: Standing, language: str) -> str:
    """The sheet's deadline and the days left (or late), in ``language``."""
    due, left = standing.due, standing.days_left
    if due is None or left is None:
        return text_in(language, N_("chưa có hạn"))
    day = f"{due:%d/%m/%Y}"
    if left > 0:
        return text_in(language, N_("%(day)s (còn %(left)s ngày)"), day=day, left=left)
    if left == 0:
        return text_in(language, N_("%(day)s (hôm nay là ngày cuối)"), day=day)
    return text_in(language, N_("%(day)s (đã quá hạn %(late)s ngày)"), day=day, late=-left)


def _body(standing: Standing, year: int, link: str, authority: str, language: str) -> str:
    """The reminder's text in ``language``: greeting, what is left to do, the link, the sender."""
    unit = standing.unit
    if standing.status == Status.RETURNED.value:
        what = text_in(
            language,
            N_(
                "Tổ thẩm định đã trả lại một số tiêu chí trong bảng tự đánh giá Chỉ số CCHC năm "
                "%(year)s của %(unit)s để giải trình. Xin trả lời từng tiêu chí được đánh dấu (kèm "
                "tài liệu nếu cần) và bấm «Gửi giải trình»."
            ),
            year=year,
            unit=unit.name,
        )
    else:
        counts = text_in(
            language,
            N_(
                "Đã chấm %(scored)s/%(total)s tiêu chí; có tài liệu kiểm chứng "
                "%(evidenced)s/%(total)s."
            ),
            scored=standing.scored,
            evidenced=standing.evidenced,
            total=standing.total,
        )
        what = text_in(
            language,
            N_(
                "Bảng tự đánh giá Chỉ số CCHC năm %(year)s của %(unit)s chưa được gửi. %(counts)s "
                "Hạn gửi: %(when)s."
            ),
            year=year,
            unit=unit.name,
            counts=counts,
            when=_when(standing, language),
        )
    return "\n\n".join(
        (
            text_in(language, N_("Kính gửi %(unit)s,"), unit=unit.name),
            what,
            text_in(language, N_("Mở bảng tự chấm: %(link)s"), link=link),
            text_in(
                language,
                N_(
                    "Thư tự động của hệ thống SIPAS (%(authority)s, Sở Nội vụ); xin không trả lời "
                    "thư này."
                ),
                authority=authority,
            ),
        )
    )


def message(
    standing: Standing, year: int, base_url: str, sender: str, authority: str
) -> EmailMessage:
    """The reminder to one unit's officers: what is left to do, by when, and the sheet's link;
    Vietnamese first, then English."""
    unit = standing.unit
    link = f"{base_url.rstrip('/')}/admin/par/{year}/self/{unit.code}"
    if standing.status == Status.RETURNED.value:
        topic = N_("Nhắc giải trình Chỉ số CCHC %(year)s")
    else:
        topic = N_("Nhắc hạn tự đánh giá Chỉ số CCHC %(year)s")
    subject = f"{text_in('vi', topic, year=year)} — {unit.name} / {text_in('en', topic, year=year)}"
    body = "\n\n---\n\n".join(
        _body(standing, year, link, authority, language) for language in ("vi", "en")
    )
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = formataddr(("SIPAS – Sở Nội vụ", sender))
    mail["To"] = ", ".join(standing.emails)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    mail["Content-Language"] = "vi, en"
    mail.set_content(body + "\n")
    return mail


# --- sending --------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What a reminder run did: sent (unit → addresses), units without an address, failures."""

    sent: list[tuple[Standing, tuple[str, ...]]] = field(default_factory=list)
    no_address: list[Standing] = field(default_factory=list)
    failed: list[tuple[Standing, str]] = field(default_factory=list)
    messages: list[EmailMessage] = field(default_factory=list)


def remind(
    session: Session,
    year: int,
    today: date,
    config: Mapping[str, Any],
    *,
    who: str,
    dry_run: bool = False,
    codes: set[str] | None = None,
) -> Outcome:
    """E-mail every unit with something to do (or only ``codes``); ``dry_run`` builds the
    messages without connecting. Each sent reminder adds a ``reminded`` step (caller commits).

    `ReminderError` when the settings are missing or wrong or the server cannot be reached.
    """
    settings = smtp_settings(config)
    if settings is None and not dry_run:
        raise ReminderError(not_set_message(), settings=True)
    sender = settings.sender if settings else "sipas@localhost"
    outcome = Outcome()
    for standing in standings(session, year, today):
        if not standing.to_do or (codes is not None and standing.unit.code not in codes):
            continue
        if not standing.emails:
            outcome.no_address.append(standing)
            continue
        outcome.messages.append(
            message(
                standing,
                year,
                str(config.get("BASE_URL") or ""),
                sender,
                str(config.get("ISSUING_AUTHORITY") or ""),
            )
        )
        outcome.sent.append((standing, standing.emails))
    if dry_run or not outcome.messages:
        return outcome
    assert settings is not None
    delivered = _send(settings, outcome)
    for standing, emails in delivered:
        session.add(
            step_row(_SheetRef(year, standing.unit), "", "reminded", None, ", ".join(emails), who)
        )
    session.flush()
    return outcome


@dataclass(frozen=True)
class _SheetRef:
    """What `step_row` reads of a sheet."""

    year: int
    unit: Unit


def not_set_message() -> str:
    """No mail server is set: what to set."""
    return vi_en(
        "Chưa cài đặt máy chủ e-mail: đặt SMTP_HOST, SMTP_PORT, SMTP_FROM (và SMTP_USER, "
        "SMTP_PASSWORD, SMTP_TLS nếu cần) rồi khởi động lại ứng dụng."
    )


def _send(settings: SmtpSettings, outcome: Outcome) -> list[tuple[Standing, tuple[str, ...]]]:
    """Send every message on one connection; a refused message is a failure of its unit."""
    pending = list(zip(outcome.sent, outcome.messages, strict=True))
    delivered: list[tuple[Standing, tuple[str, ...]]] = []
    try:
        with _connect(settings) as smtp:
            for (standing, emails), mail in pending:
                try:
                    refused = smtp.send_message(mail)
                except smtplib.SMTPRecipientsRefused as exc:
                    outcome.failed.append((standing, _refusal(exc.recipients)))
                    continue
                except smtplib.SMTPResponseException as exc:
                    outcome.failed.append((standing, f"{exc.smtp_code} {exc.smtp_error!r}"))
                    continue
                kept = tuple(e for e in emails if e not in refused)
                if refused:
                    outcome.failed.append((standing, _refusal(refused)))
                delivered.append((standing, kept))
    except (OSError, smtplib.SMTPException) as exc:
        if not delivered:
            raise ReminderError(
                vi_en(
                    "Không gửi được e-mail qua %(host)s:%(port)s (%(error)s); kiểm tra SMTP_HOST, "
                    "SMTP_PORT, SMTP_TLS, SMTP_USER và SMTP_PASSWORD.",
                    host=settings.host,
                    port=settings.port,
                    error=exc,
                )
            ) from exc
        sent_units = {id(s) for s, _ in delivered}
        for (standing, _), _mail in pending:
            if id(standing) not in sent_units:
                outcome.failed.append((standing, vi_en("mất kết nối") + f": {exc}"))
    outcome.sent = delivered
    return delivered


def _refusal(refused: Mapping[str, Any]) -> str:
    return vi_en("từ chối") + ": " + ", ".join(sorted(refused))


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.tls == "starttls":
            smtp.starttls(context=context)
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp
