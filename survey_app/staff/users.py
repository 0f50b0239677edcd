"""Staff accounts: creation, password checks (scrypt hashes, never the password), changes.

A password or role change and deactivation end every session of the account (``end_sessions``).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.db.models import Unit, User
from survey_app.i18n import vi_en

ADMIN = "admin"
"""Sở Nội vụ: everything (units, rounds, plans, review, paper keying, PAR imports, audit log)."""
ANALYST = "analyst"
"""Results, exports, progress and plans, review pages (read only)."""
COUNCIL = "council"
"""The appraisal council: PAR pages (ranking, score sheets, changes, status)."""
UNIT_OFFICER = "unit_officer"
"""One unit's officer: only that unit's results page, counters (posters) and progress row."""
ROLES = (ADMIN, ANALYST, COUNCIL, UNIT_OFFICER)
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


class UserError(ValueError):
    """An account that cannot be created as asked."""


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str = ADMIN,
    unit: Unit | None = None,
    email: str = "",
) -> User:
    """Add a staff account with a scrypt-hashed password.

    A unit officer needs their ``unit``; every other role must have none (docs/decisions/0012).
    """
    username = username.strip()
    if not username:
        raise UserError(vi_en("tài khoản cần có tên đăng nhập"))
    _check_role(role, unit)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            vi_en(
                "mật khẩu có %(length)s ký tự; cần ít nhất %(minimum)s",
                length=len(password),
                minimum=MIN_PASSWORD_LENGTH,
            )
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(vi_en("tài khoản %(user)r đã có", user=username))
    user = User(
        username=username,
        password_hash=generate_password_hash(password, "scrypt"),
        role=role,
        unit=unit,
        email=checked_email(email),
    )
    session.add(user)
    session.flush()
    return user


def checked_email(email: str) -> str:
    """``email`` trimmed, or ``""``; `UserError` for something that is not one address."""
    email = (email or "").strip()
    if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
        raise UserError(f"{email!r} is not one e-mail address (name@domain.vn)")
    return email


def set_email(user: User, email: str) -> None:
    """Where the account's PAR reminders go (empty: none)."""
    user.email = checked_email(email)


def end_sessions(user: User) -> None:
    """End every session of ``user``: sessions carry the version they began with (0013)."""
    user.session_version = (user.session_version or 1) + 1


def set_password(user: User, password: str) -> None:
    """Replace a user's password hash; every session of the account ends."""
    user.password_hash = generate_password_hash(password, "scrypt")
    end_sessions(user)


def _check_role(role: str, unit: Unit | None) -> None:
    if role not in ROLES:
        raise UserError(
            vi_en("vai trò %(role)r không thuộc: %(roles)s", role=role, roles=", ".join(ROLES))
        )
    if role == UNIT_OFFICER and unit is None:
        raise UserError(
            vi_en("cán bộ đơn vị (%(role)s) cần có đơn vị (--unit MÃ)", role=UNIT_OFFICER)
        )
    if role != UNIT_OFFICER and unit is not None:
        raise UserError(
            vi_en(
                "chỉ cán bộ đơn vị (%(officer)s) mới gắn với đơn vị; "
                "vai trò %(role)r xem mọi đơn vị",
                officer=UNIT_OFFICER,
                role=role,
            )
        )


def set_role(user: User, role: str, unit: Unit | None = None) -> None:
    """Give ``user`` another role (a unit officer's unit); every session of the account ends."""
    _check_role(role, unit)
    user.role = role
    user.unit = unit
    end_sessions(user)


def deactivate(user: User) -> None:
    """Stop ``user`` from logging in; every session of the account ends."""
    user.active = False
    end_sessions(user)


_DUMMY_HASH = generate_password_hash("not-a-password", "scrypt")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None.

    An unknown name still costs one scrypt check, so the time taken does not tell whether an
    account exists.
    """
    user = session.scalar(select(User).where(User.username == username.strip()))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    matches = check_password_hash(stored, password)
    if user is None or not user.active or not matches:
        return None
    return user


def random_password() -> str:
    """A new password to hand over once (16 URL-safe characters, about 96 bits)."""
    import secrets

    return secrets.token_urlsafe(12)


def set_active(user: User, active: bool) -> None:
    """Deactivate an account (it can no longer log in; its history stays, every session of it
    ends) or reactivate it."""
    if not active:
        deactivate(user)
    else:
        user.active = True
