"""Client systems allowed to ask for receipt codes (the JSON API): create, revoke, list.

A key is 256 random bits shown once to the operator; only its SHA-256 is kept.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db.models import ApiClient
from survey_app.i18n import vi_en

KEY_PREFIX = "sipas_"
MAX_NAME = 120


class ApiClientError(ValueError):
    """A client that cannot be created or revoked as asked."""


def new_key() -> str:
    """A random client key (256 bits), shown once to the operator."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    """What the database keeps of a client key: its SHA-256 (hex)."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(session: Session, name: str) -> tuple[ApiClient, str]:
    """Add client ``name``; returns it and its key (the only time the key exists in clear)."""
    name = name.strip()
    if not name:
        raise ApiClientError(vi_en("hệ thống kết nối cần có tên"))
    if len(name) > MAX_NAME:
        raise ApiClientError(
            vi_en("tên dài %(length)s ký tự; tối đa %(most)s", length=len(name), most=MAX_NAME)
        )
    if session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise ApiClientError(vi_en("đã có hệ thống kết nối tên %(name)r", name=name))
    key = new_key()
    client = ApiClient(name=name, key_hash=key_hash(key), active=True)
    session.add(client)
    session.flush()
    return client, key


def revoke_client(session: Session, name: str) -> ApiClient:
    """Revoke client ``name``'s key: its requests get 401 from now on."""
    client = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise ApiClientError(vi_en("không có hệ thống kết nối tên %(name)r", name=name))
    client.active = False
    session.flush()
    return client


def all_clients(session: Session) -> list[ApiClient]:
    """Every client by name."""
    return list(session.scalars(select(ApiClient).order_by(ApiClient.name)))
