"""Receipt codes: one-time, unguessable codes printed on a dossier's result receipt.

A code is derived, not drawn: ``HMAC-SHA256(SECRET_KEY, "receipt-code|{round_id}|{dossier}")``,
its first 100 bits written in Crockford's base32 (digits and capitals without I, L, O, U), 20
characters shown in groups of four. Asking twice for the same dossier in the same round gives the
same code, so a dossier has one vote; without the secret key a code cannot be guessed or made.

The database keeps only ``code_hash = HMAC-SHA256(SECRET_KEY, "receipt-hash|" + code)``, the unit,
the round, the end of the last valid day and, once used, the day of use. Never the dossier code,
never the code: see docs/decisions/0009.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.csv_files import clean_text
from survey_app.db import utcnow
from survey_app.db.models import ReceiptCode, SurveyRound, Unit
from survey_app.i18n import vi_en

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base32: no I, L, O or U, so nothing reads as another character."""
CODE_LENGTH = 20
"""Characters of a code: 20 × 5 = 100 bits of the HMAC."""
GROUP = 4
MAX_DOSSIER_CODE = 120
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -._\u00a0\u2010\u2011\u2012\u2013\u2014")
_CHUNK = 500

Progress = Callable[[int], None]


class ReceiptError(ValueError):
    """A code that cannot be issued as asked; the message says why."""


def make_code(secret_key: str, round_id: int, dossier_code: str) -> str:
    """The 20-character code of ``dossier_code`` in round ``round_id`` (upper case, no dashes)."""
    message = f"receipt-code|{round_id}|{dossier_code}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:13], "big") >> (13 * 8 - CODE_LENGTH * 5)
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def code_hash(secret_key: str, code: str) -> str:
    """What the database keeps of a code: a keyed hash (hex), useless without the secret."""
    return hmac.new(
        secret_key.encode(), f"receipt-hash|{code}".encode(), hashlib.sha256
    ).hexdigest()


def normalise(typed: str) -> str | None:
    """The code as issued from what a person typed, or None when it cannot be a code.

    Case is ignored, spaces, dashes and dots are dropped, and the letters O, I and L are read as
    the digits 0, 1 and 1 (Crockford's rule), since a code never contains them.
    """
    code = typed.upper().translate(_SEPARATORS).translate(_LOOK_ALIKES)
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def display(code: str) -> str:
    """The code as printed: groups of four joined by dashes (``ABCD-EFGH-…``)."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def clean_dossier_code(raw: str) -> str:
    """A dossier code as it enters the HMAC (white space collapsed, NFC); checked for size."""
    value = clean_text(raw)
    if not value:
        raise ReceiptError(vi_en("thiếu mã hồ sơ"))
    if len(value) > MAX_DOSSIER_CODE:
        raise ReceiptError(vi_en("mã hồ sơ dài quá %(most)s ký tự", most=MAX_DOSSIER_CODE))
    return value


def expiry_instant(now: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The end of the code's last valid day (``days`` after today, local): next local midnight.

    Only whole days are kept, so the row does not record when it was issued.
    """
    if days < 1:
        raise ReceiptError(f"RECEIPT_CODE_DAYS ({days}) must be at least 1")
    last_day = now.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(0), zone).astimezone(UTC)


def last_valid_day(row: ReceiptCode, zone: ZoneInfo) -> date:
    """The last local day the code can be used on (the day printed on the slip)."""
    return row.expires_at.astimezone(zone).date() - timedelta(days=1)


def find_code(session: Session, secret_key: str, code: str) -> ReceiptCode | None:
    """The stored row of a (normalised) code, or None for an unknown or forged one."""
    return session.scalar(
        select(ReceiptCode).where(ReceiptCode.code_hash == code_hash(secret_key, code))
    )


def is_expired(row: ReceiptCode, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= row.expires_at


@dataclass(frozen=True)
class IssuedCode:
    """One issued code: the code itself (returned once, never stored), its row, whether new."""

    code: str
    row: ReceiptCode
    new: bool


@dataclass(frozen=True)
class IssueRequest:
    """A dossier for which a code is asked, and the unit that completed it."""

    dossier_code: str
    unit: Unit


class IssueConflicts(ReceiptError):
    """Dossiers already issued for another unit: ``problems`` holds (index, message)."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _check_unit(row: ReceiptCode, unit: Unit, dossier_code: str) -> str | None:
    if row.unit_id == unit.id:
        return None
    return (
        f"dossier {dossier_code!r} already has a code in this round for unit "
        f"{row.unit.code!r}, not {unit.code!r}"
    )


def issue_codes(
    session: Session,
    secret_key: str,
    survey_round: SurveyRound,
    requests: Sequence[IssueRequest],
    *,
    days: int,
    zone: ZoneInfo,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> list[IssuedCode]:
    """Issue the codes of ``requests`` (in their order); already issued ones come back as they are.

    Nothing is written when a dossier already has a code for another unit (``IssueConflicts``).
    New rows are inserted in random order, so row ids do not follow the frame's order. The caller
    commits. ``progress`` is called with the number of requests done.
    """
    now = now or utcnow()
    expires_at = expiry_instant(now, days, zone)
    codes = [make_code(secret_key, survey_round.id, r.dossier_code) for r in requests]
    hashes = [code_hash(secret_key, c) for c in codes]
    existing: dict[str, ReceiptCode] = {}
    unique = sorted(set(hashes))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        existing.update(
            (row.code_hash, row)
            for row in session.scalars(select(ReceiptCode).where(ReceiptCode.code_hash.in_(chunk)))
        )
    problems = [
        (index, problem)
        for index, (request, digest) in enumerate(zip(requests, hashes, strict=True))
        if digest in existing
        and (problem := _check_unit(existing[digest], request.unit, request.dossier_code))
    ]
    if problems:
        raise IssueConflicts(problems)
    new_rows: dict[str, ReceiptCode] = {}
    for request, digest in zip(requests, hashes, strict=True):
        if digest not in existing and digest not in new_rows:
            new_rows[digest] = ReceiptCode(
                code_hash=digest,
                round_id=survey_round.id,
                unit_id=request.unit.id,
                expires_at=expires_at,
                redeemed_on=None,
            )
    shuffled = list(new_rows.values())
    secrets.SystemRandom().shuffle(shuffled)
    done = len(requests) - len(shuffled)
    if progress is not None and done:
        progress(done)
    for start in range(0, len(shuffled), _CHUNK):
        session.add_all(shuffled[start : start + _CHUNK])
        session.flush()
        if progress is not None:
            progress(done + min(start + _CHUNK, len(shuffled)))
    rows = {**existing, **new_rows}
    return [
        IssuedCode(code, rows[digest], digest in new_rows)
        for code, digest in zip(codes, hashes, strict=True)
    ]


def issue_code(
    session: Session,
    secret_key: str,
    survey_round: SurveyRound,
    unit: Unit,
    dossier_code: str,
    *,
    days: int,
    zone: ZoneInfo,
) -> IssuedCode:
    """Issue one code and commit; safe when two requests for the same dossier race."""
    request = IssueRequest(dossier_code, unit)
    try:
        (issued,) = issue_codes(session, secret_key, survey_round, [request], days=days, zone=zone)
        session.commit()
        return issued
    except IntegrityError:  # the same dossier inserted by another request in between
        session.rollback()
    (issued,) = issue_codes(session, secret_key, survey_round, [request], days=days, zone=zone)
    session.commit()
    return issued


CLAIM_LOCK = 0x5195_0009
"""First key of PostgreSQL's advisory lock that makes the claims of one unit take turns."""


def claim_code(
    session: Session,
    code_digest: str,
    zone: ZoneInfo,
    *,
    now: datetime | None = None,
    shuffle: Callable[[list[int]], None] | None = None,
) -> bool:
    """Mark a code used, in a transaction of its own; False when it was used or expired already.

    One ``UPDATE … WHERE code_hash = ? AND redeemed_on IS NULL AND expires_at > now`` must change
    exactly one row (two phones racing: one wins). Only the local day is written. Then every code
    of the same unit, round and day is written again, one by one in a random order, so that they
    all carry this transaction's id (PostgreSQL's ``xmin``) and lie in a random physical order:
    neither tells in which order that day's codes were used (docs/decisions/0009). The claims of
    one unit take turns (an advisory lock on PostgreSQL; SQLite has one writer), so no claim
    escapes the next one's rewrite. Commits (or rolls back) ``session``.
    """
    now = now or utcnow()
    today = now.astimezone(zone).date()
    row = session.execute(
        select(ReceiptCode.unit_id, ReceiptCode.round_id).where(
            ReceiptCode.code_hash == code_digest
        )
    ).first()
    if row is None:
        session.rollback()
        return False
    unit_id, round_id = row
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK, unit_id)))
    result = session.execute(
        update(ReceiptCode)
        .where(
            ReceiptCode.code_hash == code_digest,
            ReceiptCode.redeemed_on.is_(None),
            ReceiptCode.expires_at > now,
        )
        .values(redeemed_on=today)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        return False
    same_day = list(
        session.scalars(
            select(ReceiptCode.id).where(
                ReceiptCode.unit_id == unit_id,
                ReceiptCode.round_id == round_id,
                ReceiptCode.redeemed_on == today,
            )
        )
    )
    (shuffle or secrets.SystemRandom().shuffle)(same_day)
    for row_id in same_day:
        session.execute(
            update(ReceiptCode)
            .where(ReceiptCode.id == row_id)
            .values(redeemed_on=today)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return True
