"""Paper questionnaires keyed in by Sở Nội vụ staff, checked by independent double entry.

- **Entry 1** (`key_form`) validates what was typed and stores, in one transaction, a
  `PaperEntry` (entry 1) and the `Response` (channel ``paper``) it stands for.
- A deterministic share of forms (`picked_for_second_entry`: a keyed hash of the round and form
  number below ``share``) is **keyed again** by another person who never sees entry 1
  (`key_second_entry`); entry 2 makes no response.
- `disagreements` compares the two entries field by field; `double_entry_summary` gives the
  rates; `resolve` sets the response's value after someone checked the paper, and records who,
  when, old and new value and why as a further `PaperEntry` row (entry 3, 4, …), never edited.

See docs/decisions/0011-paper-forms-double-entry.md. Services flush; the caller commits.

Keying codes (what staff type, chosen for the numeric keypad): an item takes ``1``–``5``, or
``0`` for "không áp dụng" (also for an item the citizen left blank or ticked twice: both are not
valid answers for the index, like "không áp dụng"); a choice question takes its option's number
in the printed order (``1`` = first option) or its code, blank when the citizen did not answer.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from questionnaires.answers import ErrorCode, ParsedSubmission, error_message, parse_submission
from questionnaires.model import ChoiceQuestion, Questionnaire
from survey_app.db import utcnow
from survey_app.db.models import PaperEntry, Response, SurveyRound, Unit
from survey_app.i18n import N_, text_in, vi_en
from survey_app.spreadsheets import csv_writer
from survey_app.survey.questionnaire_store import questionnaire_of
from survey_app.trust import signals

PAPER_CHANNEL = "paper"
FIRST_ENTRY = 1
SECOND_ENTRY = 2
FIRST_RESOLUTION = 3
"""Entries 3, 4, … of a form are resolutions: append-only records of a checked value."""
DOUBLE_ENTRY_SHARE = 0.1
"""Share of forms keyed a second time (10 %, a common choice for survey data entry checks)."""
NA_KEY = "0"
FORM_NUMBER_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,39}")
MAX_REASON_LENGTH = 500
DISPLAY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

FIELD_UNIT = "unit"
FIELD_FORM_NUMBER = "form_number"


class PaperError(Exception):
    """A keying or resolution refused; the message (Vietnamese / English) says why."""


class InvalidEntry(PaperError):
    """Typed values that do not make a valid form; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        listed = "; ".join(f"{field}: {message}" for field, message in self.errors.items())
        super().__init__(vi_en("phiếu chưa hợp lệ") + f" — {listed}")


class AlreadyKeyed(PaperError):
    """This entry of this form number was keyed before (by ``entered_by`` at ``entered_at``)."""

    def __init__(self, existing: PaperEntry) -> None:
        self.form_number = existing.form_number
        self.entry = existing.entry
        self.entered_by = existing.entered_by
        self.entered_at = existing.entered_at
        when = local_time(existing.entered_at)
        values = {
            "number": existing.form_number,
            "who": existing.entered_by,
            "when": when,
            "entry": existing.entry,
        }
        if existing.entry == FIRST_ENTRY:
            said = vi_en("phiếu số %(number)s đã được %(who)s nhập lúc %(when)s", **values)
        else:
            said = vi_en(
                "phiếu số %(number)s (lần %(entry)s) đã được %(who)s nhập lúc %(when)s", **values
            )
        super().__init__(said)


class NotKeyed(PaperError):
    """A second entry or a resolution for a form number that has no first entry."""


class SameKeyer(PaperError):
    """The second entry typed by the person who typed the first."""


class ResolveError(PaperError):
    """A resolution that cannot be recorded as asked."""


def local_time(value: datetime | None) -> str:
    """A UTC time in Asia/Ho_Chi_Minh, ``dd/mm/yyyy HH:MM``."""
    return "" if value is None else value.astimezone(DISPLAY_ZONE).strftime("%d/%m/%Y %H:%M")


def normalise_form_number(raw: str | None) -> str | None:
    """The canonical form number, or None when it is not one.

    Spaces are removed and letters upper-cased; an all-digit number loses its leading zeros
    ("000123" and "123" are the same paper). Allowed: letters, digits, ``.``, ``_``, ``-``
    (up to 40, starting with a letter or digit).
    """
    text = "".join((raw or "").split()).upper()
    if text.isdigit():
        text = str(int(text))
    return text if FORM_NUMBER_PATTERN.fullmatch(text) else None


# --- keyed values → a validated submission ------------------------------------------------------
def _item_key(q: Questionnaire, raw: str) -> str:
    na = q.scale.not_applicable
    if na is not None and (raw == NA_KEY or raw.lower() == na.code):
        return na.code
    return raw


def _choice_key(question: ChoiceQuestion, raw: str) -> str:
    if raw.isdigit() and 1 <= int(raw) <= len(question.options):
        return question.options[int(raw) - 1].code
    return raw.lower() if raw.lower() in question.option_codes else raw


def form_values(q: Questionnaire, values: Mapping[str, str]) -> dict[str, str]:
    """Keyed values (``0`` for "không áp dụng", option numbers) as the citizen form's values."""
    form: dict[str, str] = {}
    for item in q.items:
        form[item.id] = _item_key(q, str(values.get(item.id) or "").strip())
    for question in q.choice_questions:
        form[question.id] = _choice_key(question, str(values.get(question.id) or "").strip())
    if q.comment is not None:
        form[q.comment.id] = str(values.get(q.comment.id) or "")
    return form


def _hint_in(language: str, q: Questionnaire, field: str) -> str:
    """What may be typed in ``field``, in ``language`` ("" for a free text field)."""
    if field in q.item_ids:
        return text_in(language, N_("1–5, 0 = không áp dụng hoặc bỏ trống"))
    for question in q.choice_questions:
        if question.id == field:
            return text_in(
                language,
                N_("1–%(count)s, để trống nếu không trả lời"),
                count=len(question.options),
            )
    return ""


def keying_hint(q: Questionnaire, field: str) -> str:
    """What may be typed in ``field`` (shown beside the box and in error messages):
    Vietnamese / English."""
    vietnamese = _hint_in("vi", q, field)
    return f"{vietnamese} / {_hint_in('en', q, field)}" if vietnamese else ""


def _refused(msgid: str, q: Questionnaire, field: str, **values: Any) -> str:
    """``msgid`` with ``field``'s keying hint (``%(hint)s``) in each language: Vietnamese /
    English."""
    return " / ".join(
        text_in(language, msgid, hint=_hint_in(language, q, field), **values)
        for language in ("vi", "en")
    )


def _messages(q: Questionnaire, parsed: ParsedSubmission, raw: Mapping[str, str]) -> dict[str, str]:
    messages: dict[str, str] = {}
    for field, code in parsed.errors.items():
        typed = str(raw.get(field) or "").strip()
        if code is ErrorCode.TOO_LONG:
            messages[field] = (
                f"{error_message(code, 'vi', questionnaire=q)} / "
                f"{error_message(code, 'en', questionnaire=q)}"
            )
        elif code is ErrorCode.REQUIRED:
            messages[field] = _refused(N_("chưa nhập — nhập %(hint)s"), q, field)
        else:
            messages[field] = _refused(
                N_("«%(typed)s» không hợp lệ — nhập %(hint)s"), q, field, typed=typed
            )
    return messages


def check_values(q: Questionnaire, values: Mapping[str, str]) -> ParsedSubmission:
    """The parsed form, or `InvalidEntry` with a message per rejected field."""
    parsed = parse_submission(q, form_values(q, values))
    if parsed.errors:
        raise InvalidEntry(_messages(q, parsed, values))
    return parsed


# --- entries ------------------------------------------------------------------------------------
def entry_of(session: Session, round_id: int, form_number: str, entry: int) -> PaperEntry | None:
    """Entry ``entry`` of a form in a round, or None."""
    return session.scalar(
        select(PaperEntry).where(
            PaperEntry.round_id == round_id,
            PaperEntry.form_number == form_number,
            PaperEntry.entry == entry,
        )
    )


def _paper_entry(
    survey_round: SurveyRound,
    unit_id: int,
    form_number: str,
    entry: int,
    parsed: ParsedSubmission,
    entered_by: str,
) -> PaperEntry:
    return PaperEntry(
        round_id=survey_round.id,
        unit_id=unit_id,
        form_number=form_number,
        entry=entry,
        answers=dict(parsed.answers),
        service_field=parsed.service_field,
        profile=dict(parsed.profile),
        comment=parsed.comment,
        entered_by=entered_by,
        entered_at=utcnow(),
    )


def _flush_or_already_keyed(session: Session, round_id: int, form_number: str, entry: int) -> None:
    """Flush; when someone keyed the same entry meanwhile, say who (the caller rolls back).

    The failed transaction cannot be read from any more, so the other entry is read through a
    short session of its own (it is committed: that is why the insert failed).
    """
    try:
        session.flush()
    except IntegrityError:
        with Session(session.get_bind()) as fresh:
            existing = entry_of(fresh, round_id, form_number, entry)
            if existing is None:
                raise
            refusal = AlreadyKeyed(existing)
        raise refusal from None


def _who(entered_by: str) -> str:
    who = (entered_by or "").strip()
    if not who:
        raise PaperError(vi_en("cần biết ai nhập phiếu"))
    return who


def key_form(
    session: Session,
    survey_round: SurveyRound,
    unit: Unit | None,
    form_number: str,
    values: Mapping[str, str],
    entered_by: str,
    *,
    settings: Mapping[str, Any],
) -> PaperEntry:
    """Key a paper form (entry 1): its `PaperEntry` and its `Response`, flushed together.

    ``settings`` holds the signals' thresholds (the app's config: ``SIGNAL_*``).

    Every problem (unit, form number, each answer) is collected into one `InvalidEntry`, and
    nothing is added. A form number already keyed in the round raises `AlreadyKeyed`.
    """
    who = _who(entered_by)
    q = questionnaire_of(survey_round)
    errors: dict[str, str] = {}
    if unit is None or unit.id not in {u.id for u in survey_round.units}:
        errors[FIELD_UNIT] = vi_en("chọn đơn vị của đợt này")
    number = normalise_form_number(form_number)
    if number is None:
        errors[FIELD_FORM_NUMBER] = vi_en(
            "số phiếu «%(typed)s» không hợp lệ: chữ và số, tối đa 40 ký tự",
            typed=(form_number or "").strip(),
        )
    try:
        parsed = check_values(q, values)
    except InvalidEntry as exc:
        errors.update(exc.errors)
    if errors or unit is None or number is None:
        raise InvalidEntry(errors)
    if (existing := entry_of(session, survey_round.id, number, FIRST_ENTRY)) is not None:
        raise AlreadyKeyed(existing)
    now = utcnow()
    response = Response(
        submission_id=f"paper:{survey_round.id}:{number}",
        round_id=survey_round.id,
        unit_id=unit.id,
        counter_id=None,
        channel=PAPER_CHANNEL,
        submitted_at=now,
        questionnaire_id=survey_round.questionnaire_id,
        questionnaire_version=survey_round.questionnaire_version,
        language="vi",
        answers=dict(parsed.answers),
        service_field=parsed.service_field,
        profile=dict(parsed.profile),
        comment=parsed.comment,
    )
    session.add(response)
    _flush_or_already_keyed(session, survey_round.id, number, FIRST_ENTRY)
    signals.apply(session, response, settings)
    paper = _paper_entry(survey_round, unit.id, number, FIRST_ENTRY, parsed, who)
    paper.response_id = response.id
    paper.entered_at = now
    session.add(paper)
    _flush_or_already_keyed(session, survey_round.id, number, FIRST_ENTRY)
    return paper


def key_second_entry(
    session: Session,
    survey_round: SurveyRound,
    form_number: str,
    values: Mapping[str, str],
    entered_by: str,
) -> PaperEntry:
    """Key a form again (entry 2) to check entry 1; stores no response.

    Refused for a form without entry 1 (`NotKeyed`), by entry 1's keyer (`SameKeyer`), and when
    entry 2 exists (`AlreadyKeyed`). The unit is entry 1's.
    """
    who = _who(entered_by)
    number = normalise_form_number(form_number) or (form_number or "").strip()
    first = entry_of(session, survey_round.id, number, FIRST_ENTRY)
    if first is None:
        raise NotKeyed(vi_en("phiếu số %(number)s chưa được nhập lần 1", number=number))
    if first.entered_by == who:
        raise SameKeyer(
            vi_en(
                "phiếu số %(number)s do chính %(who)s nhập lần 1: lần 2 phải do người khác nhập",
                number=number,
                who=who,
            )
        )
    if (second := entry_of(session, survey_round.id, number, SECOND_ENTRY)) is not None:
        raise AlreadyKeyed(second)
    parsed = check_values(questionnaire_of(survey_round), values)
    paper = _paper_entry(survey_round, first.unit_id, number, SECOND_ENTRY, parsed, who)
    paper.response_id = first.response_id
    session.add(paper)
    _flush_or_already_keyed(session, survey_round.id, number, SECOND_ENTRY)
    return paper


# --- which forms are keyed twice ----------------------------------------------------------------
def double_entry_seed(secret_key: str) -> bytes:
    """The sampling key derived from the app's secret key (staff cannot predict the sample)."""
    return hmac.new(secret_key.encode(), b"sipas-paper-double-entry", hashlib.sha256).digest()


def _round_id(survey_round: SurveyRound | int) -> int:
    return survey_round if isinstance(survey_round, int) else survey_round.id


def picked_for_second_entry(
    survey_round: SurveyRound | int, form_number: str, *, share: float, seed: bytes | str
) -> bool:
    """True when the form is in the double-entry sample.

    u = first 8 bytes of HMAC-SHA256(seed, "<round id>:<form number>") / 2^64, uniform on [0, 1);
    the form is picked when u < share. Each form is a Bernoulli(share) draw, fixed for ever (the
    same form is always picked or never), independent of keying order and of other forms; a
    larger share picks a superset.
    """
    if not 0 <= share <= 1:
        raise ValueError(f"share ({share}) must be in [0, 1]")
    key = seed.encode() if isinstance(seed, str) else seed
    message = f"{_round_id(survey_round)}:{form_number}".encode()
    u = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    return u < share * 2**64


def double_entry_sample(
    survey_round: SurveyRound | int,
    form_numbers: Iterable[str],
    share: float = DOUBLE_ENTRY_SHARE,
    *,
    seed: bytes | str,
) -> list[str]:
    """The form numbers picked for a second entry, in the given order."""
    return [
        number
        for number in form_numbers
        if picked_for_second_entry(survey_round, number, share=share, seed=seed)
    ]


def first_entries(session: Session, survey_round: SurveyRound) -> list[PaperEntry]:
    """Every entry 1 of the round, oldest first."""
    return list(
        session.scalars(
            select(PaperEntry)
            .where(PaperEntry.round_id == survey_round.id, PaperEntry.entry == FIRST_ENTRY)
            .order_by(PaperEntry.entered_at, PaperEntry.id)
        )
    )


def _second_keyed(session: Session, round_id: int) -> set[str]:
    return set(
        session.scalars(
            select(PaperEntry.form_number).where(
                PaperEntry.round_id == round_id, PaperEntry.entry == SECOND_ENTRY
            )
        )
    )


def second_entry_queue(
    session: Session,
    survey_round: SurveyRound,
    *,
    seed: bytes | str,
    share: float = DOUBLE_ENTRY_SHARE,
) -> list[PaperEntry]:
    """Entry 1 of each picked form that still lacks entry 2, oldest first."""
    done = _second_keyed(session, survey_round.id)
    return [
        entry
        for entry in first_entries(session, survey_round)
        if entry.form_number not in done
        and picked_for_second_entry(survey_round, entry.form_number, share=share, seed=seed)
    ]


# --- comparing and resolving --------------------------------------------------------------------
def _kind(q: Questionnaire, field: str) -> str:
    """``item``, ``service_field``, ``profile`` or ``comment``; `KeyError` for no such field."""
    if field in q.item_ids:
        return "item"
    if q.service_field is not None and field == q.service_field.id:
        return "service_field"
    if any(question.id == field for question in q.demographics):
        return "profile"
    if q.comment is not None and field == q.comment.id:
        return "comment"
    raise KeyError(field)


def field_value(q: Questionnaire, row: PaperEntry | Response, field: str) -> Any:
    """A field's stored value in an entry or a response (None when unanswered)."""
    kind = _kind(q, field)
    if kind == "item":
        return (row.answers or {}).get(field)
    if kind == "service_field":
        return row.service_field
    if kind == "profile":
        return (row.profile or {}).get(field)
    return row.comment


def _comparable(value: Any) -> Any:
    """Comments compare with white space collapsed (line breaks typed differently agree)."""
    return " ".join(value.split()) if isinstance(value, str) else value


@dataclass(frozen=True)
class Resolution:
    """A checked value: the response's ``field`` went from ``old`` to ``new`` (who, when, why)."""

    form_number: str
    field: str
    old: Any
    new: Any
    reason: str
    who: str
    at: datetime


@dataclass(frozen=True)
class Disagreement:
    """A field on which the two entries of a form differ, and its latest resolution if any."""

    form_number: str
    unit_code: str
    field: str
    first: Any
    second: Any
    first_by: str
    second_by: str
    resolution: Resolution | None = None


@dataclass(frozen=True)
class DoubleEntrySummary:
    """How well entry 1 agrees with entry 2 over a round's double-keyed forms.

    ``field_rate`` = fields_disagreeing / fields_compared, where fields_compared =
    forms_double_keyed × number of fields of the questionnaire (every field counts, answered or
    not); ``form_rate`` = forms_with_disagreement / forms_double_keyed. None when nothing was
    double-keyed.
    """

    forms_keyed: int
    forms_double_keyed: int
    forms_with_disagreement: int
    fields_compared: int
    fields_disagreeing: int
    resolved: int

    @property
    def field_rate(self) -> float | None:
        return self.fields_disagreeing / self.fields_compared if self.fields_compared else None

    @property
    def form_rate(self) -> float | None:
        if not self.forms_double_keyed:
            return None
        return self.forms_with_disagreement / self.forms_double_keyed


def resolutions(
    session: Session, survey_round: SurveyRound, form_number: str | None = None
) -> list[Resolution]:
    """The round's recorded resolutions (or one form's), oldest first."""
    query = select(PaperEntry).where(
        PaperEntry.round_id == survey_round.id, PaperEntry.entry >= FIRST_RESOLUTION
    )
    if form_number is not None:
        query = query.where(PaperEntry.form_number == form_number)
    rows = session.scalars(query.order_by(PaperEntry.entered_at, PaperEntry.entry))
    return [
        Resolution(
            form_number=row.form_number,
            field=row.answers["field"],
            old=row.answers.get("old"),
            new=row.answers.get("new"),
            reason=row.answers.get("reason", ""),
            who=row.entered_by,
            at=row.entered_at,
        )
        for row in rows
    ]


def disagreements(session: Session, survey_round: SurveyRound) -> list[Disagreement]:
    """Every field on which a double-keyed form's two entries differ, by form then field order."""
    q = questionnaire_of(survey_round)
    pairs = _pairs(session, survey_round)
    latest = {(r.form_number, r.field): r for r in resolutions(session, survey_round)}
    found: list[Disagreement] = []
    for first, second in pairs:
        for field in q.field_names:
            a, b = field_value(q, first, field), field_value(q, second, field)
            if _comparable(a) != _comparable(b):
                found.append(
                    Disagreement(
                        form_number=first.form_number,
                        unit_code=first.unit.code,
                        field=field,
                        first=a,
                        second=b,
                        first_by=first.entered_by,
                        second_by=second.entered_by,
                        resolution=latest.get((first.form_number, field)),
                    )
                )
    return found


def _pairs(session: Session, survey_round: SurveyRound) -> list[tuple[PaperEntry, PaperEntry]]:
    rows = session.scalars(
        select(PaperEntry)
        .options(selectinload(PaperEntry.unit))
        .where(
            PaperEntry.round_id == survey_round.id,
            PaperEntry.entry.in_((FIRST_ENTRY, SECOND_ENTRY)),
        )
    )
    by_form: dict[str, dict[int, PaperEntry]] = {}
    for row in rows:
        by_form.setdefault(row.form_number, {})[row.entry] = row
    pairs = [
        (entries[FIRST_ENTRY], entries[SECOND_ENTRY])
        for entries in by_form.values()
        if FIRST_ENTRY in entries and SECOND_ENTRY in entries
    ]
    return sorted(pairs, key=lambda pair: (pair[0].entered_at, pair[0].id))


def double_entry_summary(
    session: Session,
    survey_round: SurveyRound,
    found: list[Disagreement] | None = None,
) -> DoubleEntrySummary:
    """The round's agreement figures (``found``: its `disagreements`, when already computed)."""
    q = questionnaire_of(survey_round)
    found = disagreements(session, survey_round) if found is None else found
    keyed = session.scalar(
        select(func.count())
        .select_from(PaperEntry)
        .where(PaperEntry.round_id == survey_round.id, PaperEntry.entry == FIRST_ENTRY)
    )
    double = len(_pairs(session, survey_round))
    return DoubleEntrySummary(
        forms_keyed=keyed or 0,
        forms_double_keyed=double,
        forms_with_disagreement=len({d.form_number for d in found}),
        fields_compared=double * len(q.field_names),
        fields_disagreeing=len(found),
        resolved=sum(1 for d in found if d.resolution is not None),
    )


def as_keyed(value: Any) -> str:
    """A stored value as it would be typed again (None → blank)."""
    return "" if value is None else str(value)


def resolve(
    session: Session,
    survey_round: SurveyRound,
    form_number: str,
    field: str,
    value: str,
    who: str,
    reason: str,
) -> Resolution:
    """Set ``field`` of the form's response to ``value`` (keyed as in entry) and record why.

    The value is checked like a keyed one; the two entries stay as typed. The record is a new
    `PaperEntry` (entry 3, 4, …) whose ``answers`` hold ``{"field", "old", "new", "reason"}``.
    """
    who = (who or "").strip()
    reason = " ".join((reason or "").split())
    if not who:
        raise ResolveError(vi_en("cần biết ai xử lý"))
    if not reason:
        raise ResolveError(vi_en("cần ghi lý do"))
    if len(reason) > MAX_REASON_LENGTH:
        raise ResolveError(vi_en("lý do dài quá %(limit)s ký tự", limit=MAX_REASON_LENGTH))
    q = questionnaire_of(survey_round)
    try:
        kind = _kind(q, field)
    except KeyError:
        raise ResolveError(vi_en("không có trường «%(field)s»", field=field)) from None
    number = normalise_form_number(form_number) or (form_number or "").strip()
    first = entry_of(session, survey_round.id, number, FIRST_ENTRY)
    if first is None or first.response_id is None:
        raise NotKeyed(vi_en("phiếu số %(number)s chưa được nhập", number=number))
    response = session.get(Response, first.response_id)
    if response is None:  # cannot happen: a foreign key
        raise NotKeyed(vi_en("phiếu số %(number)s không còn câu trả lời", number=number))
    current = {name: as_keyed(field_value(q, response, name)) for name in q.field_names}
    typed = {**current, field: value or ""}
    parsed = parse_submission(q, form_values(q, typed))
    if field in parsed.errors:
        raise ResolveError(_messages(q, parsed, typed)[field])
    old = field_value(q, response, field)
    if kind == "item":
        answers = dict(response.answers)
        if field in parsed.answers:
            answers[field] = parsed.answers[field]
        else:
            answers.pop(field, None)
        response.answers = answers
    elif kind == "service_field":
        response.service_field = parsed.service_field
    elif kind == "profile":
        profile = dict(response.profile or {})
        if field in parsed.profile:
            profile[field] = parsed.profile[field]
        else:
            profile.pop(field, None)
        response.profile = profile
    else:
        response.comment = parsed.comment
    new = field_value(q, response, field)
    last = session.scalar(
        select(func.max(PaperEntry.entry)).where(
            PaperEntry.round_id == survey_round.id, PaperEntry.form_number == number
        )
    )
    record = PaperEntry(
        round_id=survey_round.id,
        unit_id=first.unit_id,
        form_number=number,
        entry=max(last or 0, FIRST_RESOLUTION - 1) + 1,
        answers={"field": field, "old": old, "new": new, "reason": reason},
        service_field=None,
        profile={},
        comment=None,
        response_id=response.id,
        entered_by=who,
        entered_at=utcnow(),
    )
    session.add(record)
    session.flush()
    return Resolution(number, field, old, new, reason, who, record.entered_at)


CSV_COLUMNS = (
    "form_number",
    "unit_code",
    "field",
    "first",
    "second",
    "first_by",
    "second_by",
    "resolved_value",
    "resolved_by",
    "resolved_at",
    "reason",
)


def disagreements_csv(found: Iterable[Disagreement]) -> str:
    """The disagreement report as CSV (UTF-8 text; times in Asia/Ho_Chi_Minh, ISO 8601)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CSV_COLUMNS)
    for d in found:
        r = d.resolution
        writer.writerow(
            [
                d.form_number,
                d.unit_code,
                d.field,
                as_keyed(d.first),
                as_keyed(d.second),
                d.first_by,
                d.second_by,
                as_keyed(r.new) if r else "",
                r.who if r else "",
                r.at.astimezone(DISPLAY_ZONE).isoformat(timespec="seconds") if r else "",
                r.reason if r else "",
            ]
        )
    return out.getvalue()
