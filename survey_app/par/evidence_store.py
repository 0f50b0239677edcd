"""Where evidence files' bytes live: a local folder (default), the database, or an S3-compatible
object store (docs/decisions/0018, 0026).

Files are content-addressed: the key is the SHA-256 of the bytes, so the same file uploaded twice
is stored once and a stored file never changes. Every store writes, then publishes atomically,
before `put` returns; the database row that acknowledges an upload is committed only after that:

- ``local``: a temporary file in the same folder, written, flushed and ``fsync``-ed, renamed into
  place (``os.replace`` is atomic on POSIX), then the folder ``fsync``-ed. A crash (``kill -9``)
  leaves either the whole file or none under its name.
- ``database``: a row of ``par_evidence_blobs`` in the caller's transaction, committed with the
  row that names it.
- ``s3``: one ``PutObject`` with the body's MD5 (``Content-MD5``): the service refuses a body that
  does not match, and an object becomes visible only whole (S3's atomic PUT; a cut upload leaves
  no object). Reads check the SHA-256 of what came back.

No store has a delete: evidence is never deleted, only superseded (`survey_app.par.evidence`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db.models import ParEvidenceBlob
from survey_app.i18n import N_, vi_en, vi_en_of

KEY = re.compile(r"[0-9a-f]{64}")


class EvidenceStoreError(RuntimeError):
    """The store cannot be reached or refused a request; the message says what to do."""


class EvidenceStore(Protocol):
    """Keeps bytes under their SHA-256."""

    def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its SHA-256 (hex)."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256`` (FileNotFoundError when missing)."""
        ...

    def keys(self) -> Iterator[str]:
        """Every SHA-256 stored (for backups and checks)."""
        ...


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked_key(sha256: str) -> str:
    if not KEY.fullmatch(sha256 or ""):
        raise FileNotFoundError(sha256)
    return sha256


class LocalStore:
    """A folder: ``<root>/<aa>/<bb>/<sha256>``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        key = _checked_key(sha256)
        return self.root / key[:2] / key[2:4] / key

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

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*")):
            if KEY.fullmatch(path.name) and path.is_file():
                yield path.name


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
        row = self.session.get(ParEvidenceBlob, _checked_key(sha256))
        if row is None:
            raise FileNotFoundError(sha256)
        return row.data

    def keys(self) -> Iterator[str]:
        yield from self.session.scalars(select(ParEvidenceBlob.sha256).order_by("sha256"))


S3_UNREACHABLE = N_(
    "Không kết nối được kho lưu tài liệu S3 (%(detail)s); kiểm tra EVIDENCE_S3_ENDPOINT, "
    "EVIDENCE_S3_BUCKET và quyền truy cập, rồi thử lại."
)


class S3Store:
    """An S3-compatible bucket (AWS S3, MinIO, Ceph, …): objects ``<prefix><sha256>``.

    Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID`` and
    ``AWS_SECRET_ACCESS_KEY`` in the environment, a profile, or the instance's role).
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "evidence/") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def connect(
        cls, bucket: str, endpoint: str | None = None, region: str | None = None, prefix: str = ""
    ) -> S3Store:
        """A store on ``bucket`` with a client of its own (thread-safe, reused by the app)."""
        import boto3
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            # the MD5 is our integrity check; newer default CRC headers trip some S3 clones
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        client = boto3.client(
            "s3", endpoint_url=endpoint or None, region_name=region or None, config=config
        )
        return cls(client, bucket, prefix)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}{_checked_key(sha256)}"

    def put(self, data: bytes) -> str:
        key = digest(data)
        with _s3_errors():
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
                if int(head.get("ContentLength", -1)) == len(data):
                    return key
            except self.client.exceptions.ClientError as exc:
                if not _not_found(exc):
                    raise
            md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(key),
                Body=data,
                ContentMD5=md5,
                ContentType="application/octet-stream",
            )
        return key

    def get(self, sha256: str) -> bytes:
        with _s3_errors():
            try:
                reply = self.client.get_object(Bucket=self.bucket, Key=self._key(sha256))
            except self.client.exceptions.ClientError as exc:
                if _not_found(exc):
                    raise FileNotFoundError(sha256) from None
                raise
            data = reply["Body"].read()
        if digest(data) != sha256:
            raise EvidenceStoreError(
                vi_en(
                    "Tệp %(key)s… trong kho S3 không đúng nội dung đã lưu: khôi phục từ bản sao "
                    "lưu.",
                    key=sha256[:12],
                )
            )
        return data

    def keys(self) -> Iterator[str]:
        with _s3_errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(self.prefix) :]
                    if KEY.fullmatch(name):
                        yield name

    def check(self) -> None:
        """Raise `EvidenceStoreError` unless the bucket answers."""
        with _s3_errors():
            self.client.head_bucket(Bucket=self.bucket)


def _not_found(exc: Exception) -> bool:
    """A ``ClientError`` saying the object does not exist (404)."""
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code")) in {"404", "NoSuchKey", "NotFound"}


@contextmanager
def _s3_errors() -> Iterator[None]:
    """Turn botocore's connection and service errors into `EvidenceStoreError` (not a 500):
    no such bucket, access denied, a refused checksum, an endpoint that does not answer."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "?")
        raise EvidenceStoreError(vi_en_of(S3_UNREACHABLE, detail=code)) from exc
    except BotoCoreError as exc:
        raise EvidenceStoreError(vi_en_of(S3_UNREACHABLE, detail=type(exc).__name__)) from exc


STORES = ("local", "database", "s3")
_S3_STORES: dict[tuple[int, str, str, str, str], S3Store] = {}
_S3_LOCK = threading.Lock()


def check_settings(settings: Mapping[str, Any]) -> None:
    """Raise ValueError naming a wrong evidence setting (called when the app starts)."""
    kind = str(settings.get("EVIDENCE_STORE") or "local")
    if kind not in STORES:
        raise ValueError(
            vi_en(
                "EVIDENCE_STORE (%(value)r) phải là một trong %(stores)s",
                value=kind,
                stores=", ".join(STORES),
            )
        )
    if kind == "s3" and not str(settings.get("EVIDENCE_S3_BUCKET") or "").strip():
        raise ValueError(vi_en("EVIDENCE_STORE=s3 cần EVIDENCE_S3_BUCKET (tên bucket)"))


def store_from_settings(settings: Mapping[str, Any], session: Session) -> EvidenceStore:
    """The store named by ``EVIDENCE_STORE``: ``local`` (``EVIDENCE_DIR``), ``database``, or
    ``s3`` (``EVIDENCE_S3_BUCKET``, ``EVIDENCE_S3_ENDPOINT``, ``EVIDENCE_S3_REGION``,
    ``EVIDENCE_S3_PREFIX``; one client per process and settings)."""
    check_settings(settings)
    kind = str(settings.get("EVIDENCE_STORE") or "local")
    if kind == "database":
        return DatabaseStore(session)
    if kind == "s3":
        named = (
            os.getpid(),
            str(settings.get("EVIDENCE_S3_BUCKET")).strip(),
            str(settings.get("EVIDENCE_S3_ENDPOINT") or ""),
            str(settings.get("EVIDENCE_S3_REGION") or ""),
            str(settings.get("EVIDENCE_S3_PREFIX") or ""),
        )
        with _S3_LOCK:
            if named not in _S3_STORES:  # a forked worker makes its own client
                _S3_STORES[named] = S3Store.connect(named[1], named[2], named[3], named[4])
            return _S3_STORES[named]
    return LocalStore(str(settings.get("EVIDENCE_DIR") or "instance/evidence"))
