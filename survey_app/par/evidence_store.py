"""Where evidence files' bytes live: a local folder (default) or the database.

Files are content-addressed: the key is the SHA-256 of the bytes, so the same file uploaded twice
is stored once and a stored file never changes. The local store writes durably before it
returns: a temporary file in the same folder, written, flushed and ``fsync``-ed, renamed into
place (``os.replace`` is atomic on POSIX), then the folder ``fsync``-ed. A crash (``kill -9``)
leaves either the whole file or none; the database row that acknowledges the upload is
committed only after `put` returns (docs/decisions/0018).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from survey_app.db.models import ParEvidenceBlob


class EvidenceStore(Protocol):
    """Keeps bytes under their SHA-256."""

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its SHA-256 (hex)."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256`` (FileNotFoundError when missing)."""
        ...


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalStore:
    """A folder: ``<root>/<aa>/<bb>/<sha256>``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise FileNotFoundError(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        key = digest(data)
        target = self.path(key)
        if target.exists() and target.stat().st_size == len(data):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return key

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DatabaseStore:
    """The ``par_evidence_blobs`` table, in the caller's transaction (for several instances)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, data: bytes) -> str:
        key = digest(data)
        if self.session.get(ParEvidenceBlob, key) is None:
            self.session.add(ParEvidenceBlob(sha256=key, data=data))
            self.session.flush()
        return key

    def get(self, sha256: str) -> bytes:
        row = self.session.get(ParEvidenceBlob, sha256)
        if row is None:
            raise FileNotFoundError(sha256)
        return row.data


STORES = ("local", "database")


def store_from_settings(settings: Mapping[str, Any], session: Session) -> EvidenceStore:
    """The store named by ``EVIDENCE_STORE`` (``local`` → ``EVIDENCE_DIR``, or ``database``)."""
    kind = str(settings.get("EVIDENCE_STORE") or "local")
    if kind == "database":
        return DatabaseStore(session)
    if kind != "local":
        raise ValueError(f"EVIDENCE_STORE ({kind!r}) must be one of {', '.join(STORES)}")
    return LocalStore(str(settings.get("EVIDENCE_DIR") or "instance/evidence"))
