"""Evidence files of a unit's self-assessment ("tài liệu kiểm chứng", Decision 1877 §III):
accepted by what their bytes are, not by their names; kept for good: never deleted, only taken off
a draft or superseded by a new version (the database refuses a DELETE: migration 0011).

Accepted: PDF (``%PDF-``), PNG, JPEG, DOCX and XLSX (ZIP files whose ``[Content_Types].xml``
declares a Word or an Excel main part). Refused with a message, nothing stored: an empty file, a
file over ``EVIDENCE_MAX_BYTES``, anything else (an executable renamed ``.pdf`` is refused by its
bytes).
"""

from __future__ import annotations

import io
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import utcnow
from survey_app.db.models import ParEvidence, Unit
from survey_app.i18n import vi_en
from survey_app.par.evidence_store import EvidenceStore

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {PDF: "PDF", PNG: "ảnh PNG", JPEG: "ảnh JPEG", DOCX: "Word (.docx)", XLSX: "Excel (.xlsx)"}
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx"}
ACCEPTED_TEXT = "PDF, PNG, JPEG, DOCX, XLSX"


class EvidenceError(ValueError):
    """An upload that cannot be accepted; the message says why and what to do."""


def media_type(data: bytes) -> str | None:
    """The accepted type of ``data`` from its first bytes (and a ZIP's manifest), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                manifest = archive.read("[Content_Types].xml")
        except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
            return None
        if b"wordprocessingml.document.main" in manifest:
            return DOCX
        if b"spreadsheetml.sheet.main" in manifest:
            return XLSX
    return None


def check_upload(filename: str, data: bytes, max_bytes: int) -> str:
    """The media type of an acceptable upload; `EvidenceError` with a message otherwise."""
    name = clean_filename(filename)
    if not data:
        raise EvidenceError(vi_en("Tệp «%(name)s» rỗng.", name=name))
    if len(data) > max_bytes:
        raise EvidenceError(
            vi_en(
                "Tệp «%(name)s» lớn %(size)s byte, quá giới hạn %(limit)s byte.",
                name=name,
                size=f"{len(data):,}",
                limit=f"{max_bytes:,}",
            )
        )
    kind = media_type(data)
    if kind is None:
        raise EvidenceError(
            vi_en(
                "Tệp «%(name)s» không phải %(kinds)s (kiểm tra theo nội dung, không theo tên).",
                name=name,
                kinds=ACCEPTED_TEXT,
            )
        )
    return kind


def clean_filename(filename: str | None) -> str:
    """The file's own name (no folders), NFC, printable, at most 200 characters."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if ch.isprintable())
    return name.strip()[:200] or "tep"


@dataclass(frozen=True)
class Upload:
    """What a page hands over: the sub-criterion, the file's name and bytes, who sent it."""

    code: str
    filename: str
    data: bytes
    who: str
    stage: str = "self"
    replaces: str = ""
    """The id of a file of the same sub-criterion this one supersedes (empty: a new file)."""


def add_evidence(
    session: Session,
    store: EvidenceStore,
    *,
    year: int,
    unit: Unit,
    upload: Upload,
    max_bytes: int,
) -> ParEvidence:
    """Check the file, store its bytes durably, then add its row (the caller commits)."""
    kind = check_upload(upload.filename, upload.data, max_bytes)
    earlier = _replaced(session, year, unit, upload) if upload.replaces else None
    name = clean_filename(upload.filename)
    if not name.lower().endswith(EXTENSIONS[kind]) and not (
        kind == JPEG and name.lower().endswith(".jpeg")
    ):
        name = f"{name}{EXTENSIONS[kind]}"
    sha256 = store.put(upload.data)
    row = ParEvidence(
        id=secrets.token_hex(16),
        year=year,
        unit_id=unit.id,
        code=upload.code,
        stage=upload.stage,
        filename=name,
        media_type=kind,
        size=len(upload.data),
        sha256=sha256,
        uploaded_by=upload.who,
        uploaded_at=utcnow(),
        replaces_id=earlier.id if earlier else None,
    )
    session.add(row)
    session.flush()
    return row


def _replaced(session: Session, year: int, unit: Unit, upload: Upload) -> ParEvidence:
    """The current file ``upload`` supersedes; `EvidenceError` when it is not one of the row's."""
    current = evidence_of(session, year, unit).get(upload.code, [])
    found = next((row for row in current if row.id == upload.replaces), None)
    if found is None:
        raise EvidenceError(vi_en("Tệp cần thay không còn trên bảng của tiêu chí này."))
    return found


def evidence_of(session: Session, year: int, unit: Unit) -> dict[str, list[ParEvidence]]:
    """The unit's current evidence files of the year, by sub-criterion: not withdrawn and not
    superseded by a newer version that is itself not withdrawn (a version always belongs to the
    same unit, year and sub-criterion; the earlier ones stay readable through ``replaces``)."""
    rows = session.scalars(
        select(ParEvidence)
        .where(
            ParEvidence.year == year,
            ParEvidence.unit_id == unit.id,
            ParEvidence.withdrawn_at.is_(None),
        )
        .order_by(ParEvidence.uploaded_at, ParEvidence.id)
    ).all()
    superseded = {row.replaces_id for row in rows if row.replaces_id}
    found: dict[str, list[ParEvidence]] = {}
    for row in rows:
        if row.id not in superseded:
            found.setdefault(row.code, []).append(row)
    return found


def withdraw(session: Session, row: ParEvidence) -> None:
    """Take a draft's file off the sheet (its row and bytes stay: nothing is ever deleted)."""
    row.withdrawn_at = utcnow()
    session.flush()
