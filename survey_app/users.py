"""Staff accounts: creation and password checks (scrypt hashes, never the password)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.models import User

ROLES = ("admin",)
MIN_PASSWORD_LENGTH = 10


class UserError(ValueError):
    """An account that cannot be created as asked."""


def create_user(session: Session, username: str, password: str, role: str = "admin") -> User:
    """Add a staff account with a scrypt-hashed password."""
    username = username.strip()
    if not username:
        raise UserError("a user needs a name")
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password has {len(password)} characters; at least "
            f"{MIN_PASSWORD_LENGTH} are needed"
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(
        username=username, password_hash=generate_password_hash(password, "scrypt"), role=role
    )
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace a user's password hash."""
    user.password_hash = generate_password_hash(password, "scrypt")


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user
