"""Database tables (SQLAlchemy 2 typed models). Times are UTC; see `survey_app.db.UTCDateTime`."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base, UTCDateTime, utcnow

JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")
"""JSON; on PostgreSQL binary ``jsonb``, so reading one key does not re-parse the document."""


class UnitType(Base):
    """A kind of evaluated unit (department, district, commune, ...): data, not code."""

    __tablename__ = "unit_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")


class Unit(Base):
    """An administrative unit scored in the PAR index, valid between two dates."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("code", "valid_from", name="uq_units_code_valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), default="")
    unit_type_id: Mapped[int] = mapped_column(ForeignKey("unit_types.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    ranked: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    unit_type: Mapped[UnitType] = relationship()
    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    counters: Mapped[list[Counter]] = relationship(back_populates="unit", order_by="Counter.code")

    def valid_on(self, day: date) -> bool:
        """True when the unit exists on ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Counter(Base):
    """A one-stop counter (quầy, bộ phận một cửa); its code is the permanent short URL."""

    __tablename__ = "counters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="counters")


round_units = Table(
    "round_units",
    Base.metadata,
    Column("round_id", ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class SurveyRound(Base):
    """A survey round: a questionnaire version, the units it covers and its open window."""

    __tablename__ = "survey_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    units: Mapped[list[Unit]] = relationship(secondary=round_units, order_by="Unit.code")

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` lies in [opens_at, closes_at)."""
        return self.opens_at <= at < self.closes_at


class Response(Base):
    """One citizen's answers. Holds no name, phone, e-mail, IP address or dossier code."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_round_unit", "round_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counters.id"))
    channel: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8), default="vi")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    service_field: Mapped[str | None] = mapped_column(String(80))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    # review (docs/decisions/0010): received | flagged | excluded; excluded answers stay stored
    state: Mapped[str] = mapped_column(String(12), default="received", server_default="received")
    flags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    exclusion_reason: Mapped[str | None] = mapped_column(Text)
    # signals: seconds from the form's rendering to its submission; a per-round salted hash of a
    # random cookie and the user agent (never the IP address)
    elapsed_seconds: Mapped[float | None] = mapped_column()
    device_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # the item levels as one short text derived from answers (PostgreSQL; survey_app/db/levels.py)
    levels: Mapped[str | None] = mapped_column(Text)

    survey_round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()


CHANNELS = ("counter_qr", "receipt", "public_link", "paper", "simulated")
VERIFIED_CHANNELS = ("receipt", "paper")
RESPONSE_STATES = ("received", "flagged", "excluded")


def random_row_id() -> int:
    """A random row id (62 bits): ids that tell nothing about the order rows were made in."""
    return secrets.randbelow(2**62) + 1


class ReceiptCode(Base):
    """A one-time code printed on a dossier's result receipt.

    Only a keyed hash of the code is kept, never the code or the dossier it was made for; when the
    code is used, only the day is recorded, so no response can be joined to a dossier. Ids are
    random (not the order of issue); see docs/decisions/0009.
    """

    __tablename__ = "receipt_codes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
        default=random_row_id,
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_on: Mapped[date | None] = mapped_column(Date)

    survey_round: Mapped[SurveyRound] = relationship()
    unit: Mapped[Unit] = relationship()


class ApiClient(Base):
    """A client system (e.g. the one-stop software) allowed to ask for receipt codes."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewEvent(Base):
    """One change of a response's review state: who, when, from what, to what, and why."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"), index=True)
    old_state: Mapped[str] = mapped_column(String(12))
    new_state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text, default="")
    who: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PaperEntry(Base):
    """One keying of a paper questionnaire (entry 1 makes the response; entry 2 checks it)."""

    __tablename__ = "paper_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "form_number", "entry", name="uq_paper_entries_form_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    form_number: Mapped[str] = mapped_column(String(40))
    entry: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT)
    service_field: Mapped[str | None] = mapped_column(String(80))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON_DOCUMENT, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    entered_by: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class User(Base):
    """A staff account. Passwords are stored as scrypt hashes only.

    ``role`` is one of `survey_app.staff.users.ROLES`; a unit officer has a unit (``unit_id``),
    no other role has one (docs/decisions/0012).
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'unit_officer' AND unit_id IS NOT NULL)"
            " OR (role <> 'unit_officer' AND unit_id IS NULL)",
            name="ck_users_unit_officer_unit",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # raised by logout, a password or role change and deactivation: every session made before
    # carries the old number and is refused (docs/decisions/0013)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # where reminders go (PAR deadlines); empty: none (migration 0011)
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")

    unit: Mapped[Unit | None] = relationship()

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class RoundPopulation(Base):
    """N for one unit in a round: completed dossiers in the reference period (the frame's size)."""

    __tablename__ = "round_populations"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    population: Mapped[int] = mapped_column(Integer)
    expected_p: Mapped[float | None] = mapped_column()
    expected_sd: Mapped[float | None] = mapped_column()

    unit: Mapped[Unit] = relationship()


class SamplePlan(Base):
    """A round's saved sample plan: the method, its parameters and a target per unit."""

    __tablename__ = "sample_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_rounds.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(20))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")

    targets: Mapped[list[PlanTarget]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanTarget.unit_id"
    )


class PlanTarget(Base):
    """How many answers one unit needs under a plan, and the margin that gives."""

    __tablename__ = "plan_targets"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("sample_plans.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    population: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    expected_margin: Mapped[float] = mapped_column()

    plan: Mapped[SamplePlan] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()


class ParCatalog(Base):
    """A province's own criteria catalog and/or 8.1 rule for a unit type and year.

    Either may be empty: the shipped one of that year is used instead.
    """

    __tablename__ = "par_catalogs"
    __table_args__ = (UniqueConstraint("year", "unit_type", name="uq_par_catalogs_year_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    rule81: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParAssessment(Base):
    """A unit's PAR assessment of a year: its workflow status and when it was submitted."""

    __tablename__ = "par_assessments"
    __table_args__ = (UniqueConstraint("year", "unit_id", name="uq_par_assessments_year_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    submitted_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Sở Nội vụ may reopen a sheet locked by its deadline, until this day (inclusive), and why.
    reopened_until: Mapped[date | None] = mapped_column(Date)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit] = relationship()


class ParPoints(Base):
    """Self-assessed and final (appraised, or the Ministry's survey) points of one leaf."""

    __tablename__ = "par_points"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    self_points: Mapped[float | None] = mapped_column()
    final_points: Mapped[float | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    # Online self-assessment and appraisal (docs/decisions/0018): the unit's explanation where
    # points are claimed without evidence; the appraisers' points and comment; whether the
    # sub-criterion is returned for explanation, and the unit's reply.
    explanation: Mapped[str] = mapped_column(Text, default="")
    appraised_points: Mapped[float | None] = mapped_column()
    appraisal_comment: Mapped[str] = mapped_column(Text, default="")
    returned: Mapped[bool] = mapped_column(Boolean, default=False)
    reply: Mapped[str] = mapped_column(Text, default="")
    # The criterion does not apply to the unit, as the catalog's rules allow (decision 0025):
    # no points, and the index is over the applicable maximum.
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit] = relationship()


class ParStep(Base):
    """One step of a sub-criterion's year, kept for good: self points, each appraisal, the
    unit's explanation, the final points, with who, when and why (append-only by the app)."""

    __tablename__ = "par_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    points: Mapped[float | None] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")
    who: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ParEvidence(Base):
    """An evidence file of a unit's sub-criterion: its metadata here, its bytes in the store.

    ``id`` is random (the file's address reveals nothing); ``sha256`` names the stored bytes.
    A file is never deleted once its sheet is submitted: a new version supersedes it.
    """

    __tablename__ = "par_evidence"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(20), default="self")
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the earlier version this file supersedes (it stays, readable, off the sheet; 0026)
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("par_evidence.id"))

    unit: Mapped[Unit] = relationship()
    replaces: Mapped[ParEvidence | None] = relationship(remote_side=[id])


class ParEvidenceBlob(Base):
    """The bytes of an evidence file, when the store is the database (EVIDENCE_STORE=database)."""

    __tablename__ = "par_evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ParSipas(Base):
    """The SIPAS figure that feeds a unit's criterion 8.1 in a year, and where it came from."""

    __tablename__ = "par_sipas"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    estimate: Mapped[float] = mapped_column()
    ci_low: Mapped[float] = mapped_column()
    ci_high: Mapped[float] = mapped_column()
    source: Mapped[str] = mapped_column(String(300), default="")

    unit: Mapped[Unit] = relationship()


class ParChange(Base):
    """An appraisal change: who changed which points, when, from what to what, and why."""

    __tablename__ = "par_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    code: Mapped[str] = mapped_column(String(20))
    old: Mapped[float | None] = mapped_column()
    new: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class AdminAuditLog(Base):
    """One staff action: who did what to which target, and how it ended (append-only).

    The app only inserts; triggers made by migration 0005 refuse UPDATE and DELETE (and, on
    PostgreSQL, TRUNCATE); ``chain_hash`` links each row to the one before, so an inserted,
    removed or moved row is found by ``sipas audit verify``. ``detail`` holds form field names
    and a few safe values, never a password or an answer (`survey_app.staff.audit`).
    """

    __tablename__ = "admin_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    who: Mapped[str] = mapped_column(String(80), index=True)
    role: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(120), index=True)
    method: Mapped[str] = mapped_column(String(10), default="")
    path: Mapped[str] = mapped_column(String(500), default="")
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # HMAC chain over the rows in id order (survey_app.staff.audit_chain, migration 0007)
    chain_hash: Mapped[str | None] = mapped_column(String(64))


class QuestionnaireDefinition(Base):
    """A questionnaire definition uploaded by the admin: a draft, then a published version.

    ``definition`` is the checked JSON text (the project's model, `questionnaires/`); once
    ``published_at`` is set the row never changes (`survey_app.survey.questionnaire_store`) and
    rounds may use ``(questionnaire_id, version)`` as they use a shipped definition.
    """

    __tablename__ = "questionnaire_definitions"
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "version", name="uq_questionnaire_definitions_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(10))
    uploaded_by: Mapped[str] = mapped_column(String(80), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(80), default="")


class CacheVersion(Base):
    """One row (id 1) whose ``version`` grows with every change to units, counters and rounds.

    The citizen's pages keep those in each process's memory and read this number once per
    request; a different number empties the cache (docs/decisions/0015).
    """

    __tablename__ = "cache_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SignalScan(Base):
    """One row (id 1): when the signals' periodic scan last ran and how far it has looked.

    ``last_response_id``: every answer up to this id has had its burst and repeated-device
    signals computed (docs/decisions/0015).
    """

    __tablename__ = "signal_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_scan_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_response_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
