"""The audit log as a hash chain: a row cannot be inserted, removed or moved unnoticed.

Triggers refuse UPDATE, DELETE and TRUNCATE (migration 0005), but someone with the database could
still INSERT a backdated row. So each row carries ``chain_hash``::

    chain_hash = HMAC-SHA256(key, previous row's chain_hash + "\\n" + canonical(row))
    key        = HMAC-SHA256(SECRET_KEY, "sipas audit chain v1")

where ``canonical(row)`` is the JSON array ``[id, at, who, role, action, method, path, target,
detail, status_code]`` (``at`` in UTC, ISO 8601 with microseconds; ``detail`` with sorted keys,
compact) and the first row's predecessor is the empty text. Without SECRET_KEY nobody can make a
hash that fits, so :func:`verify` (``sipas audit verify``) finds the first row that was inserted,
changed, moved, or follows a removed row.

Appends are serialised so that two staff actions at once never fork the chain: on PostgreSQL a
transaction-level advisory lock is taken before the last row is read (held until commit); SQLite
has one writer, whose write lock is taken first by a statement that changes nothing.

SECRET_KEY changes: the rows written before keep the old key's hashes and the chain goes on from
them under the new key, so ``verify`` with the new key reports the first row of the old key as
broken. Check the old part with the old key (``SECRET_KEY=old sipas audit verify``: it reports
the first row of the new key), then the rest with ``sipas audit verify --from ID`` (that row's
predecessor is taken as given). What the chain cannot show: rows removed at the very end (note
the last id and hash ``verify`` prints, e.g. in the backup log) and anything done by someone who
holds SECRET_KEY as well as the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from survey_app.db.models import AdminAuditLog

FIELDS = ("id", "at", "who", "role", "action", "method", "path", "target", "detail", "status_code")
"""The hashed fields, in order."""
ADVISORY_LOCK = 7_202_611_001
"""PostgreSQL advisory lock number that serialises appends to the log."""
TABLE = "admin_audit_log"


def chain_key(secret_key: str) -> bytes:
    """The chain's HMAC key, derived from SECRET_KEY (so one secret stays the only secret)."""
    return hmac.new(secret_key.encode(), b"sipas audit chain v1", hashlib.sha256).digest()


def canonical(values: dict[str, Any]) -> bytes:
    """The row's fields as compact JSON (``at`` in UTC with microseconds, sorted keys)."""
    at = values["at"]
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)
        at = at.isoformat(timespec="microseconds")
    fields = [at if name == "at" else values[name] for name in FIELDS]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(key: bytes, previous: str, values: dict[str, Any]) -> str:
    """``HMAC-SHA256(key, previous + "\\n" + canonical(values))`` in hex."""
    return hmac.new(key, previous.encode() + b"\n" + canonical(values), hashlib.sha256).hexdigest()


def _lock_and_last(session: Session) -> tuple[int, str]:
    """Serialise appends, then the last row's id and hash (0 and "" when empty)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": ADVISORY_LOCK})
    else:  # takes SQLite's write lock now (the trigger fires per row: none here)
        session.execute(text(f"DELETE FROM {TABLE} WHERE 0 = 1"))
    last = session.execute(
        select(AdminAuditLog.id, AdminAuditLog.chain_hash)
        .order_by(AdminAuditLog.id.desc())
        .limit(1)
    ).first()
    return (0, "") if last is None else (last[0], last[1] or "")


def _next_id(session: Session, last_id: int) -> int:
    if session.get_bind().dialect.name == "postgresql":
        return int(
            session.execute(
                text(f"SELECT nextval(pg_get_serial_sequence('{TABLE}', 'id'))")
            ).scalar_one()
        )
    return last_id + 1


def append(session: Session, key: bytes, values: dict[str, Any]) -> AdminAuditLog:
    """Add a row chained to the last one (``at`` now unless given); flushed, not committed.

    The lock is held until the caller's transaction ends, so commit soon."""
    last_id, previous = _lock_and_last(session)
    values = {**values, "id": _next_id(session, last_id)}
    values.setdefault("at", datetime.now(UTC))
    values["at"] = values["at"].astimezone(UTC)
    for name, default in (("role", ""), ("method", ""), ("path", ""), ("target", "")):
        values.setdefault(name, default)
    values.setdefault("detail", {})
    values.setdefault("status_code", None)
    row = AdminAuditLog(**values, chain_hash=row_hash(key, previous, values))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify` found: the rows checked and the first broken link (if any)."""

    rows: int
    broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _values(row: AdminAuditLog) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def check(rows: Iterable[AdminAuditLog], key: bytes, previous: str = "") -> Verdict:
    """Walk ``rows`` (in id order) from ``previous``; stop at the first broken link."""
    count = 0
    last_id: int | None = None
    for row in rows:
        if row.chain_hash is None:
            return Verdict(count, row.id, "it has no chain hash: it was not written by SIPAS")
        if not hmac.compare_digest(row_hash(key, previous, _values(row)), row.chain_hash):
            gap = ""
            if last_id is not None and row.id != last_id + 1:
                gap = f" (ids {last_id + 1}–{row.id - 1} are not in the log)"
            return Verdict(
                count,
                row.id,
                "its hash does not match its contents and the row before it: the row was "
                "inserted or changed, rows were swapped, a row before it was removed, or "
                f"SECRET_KEY is not the one it was written with{gap}",
            )
        previous = row.chain_hash
        last_id = row.id
        count += 1
    return Verdict(count, last_id=last_id, last_hash=previous)


def verify(session: Session, key: bytes, start: int | None = None) -> Verdict:
    """Check the whole log (or from row ``start``, its predecessor's hash taken as given)."""
    previous = ""
    query = select(AdminAuditLog).order_by(AdminAuditLog.id)
    if start is not None:
        before = session.execute(
            select(AdminAuditLog.chain_hash)
            .where(AdminAuditLog.id < start)
            .order_by(AdminAuditLog.id.desc())
            .limit(1)
        ).scalar()
        previous = before or ""
        query = query.where(AdminAuditLog.id >= start)
    return check(session.scalars(query.execution_options(yield_per=1000)), key, previous)
