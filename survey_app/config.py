"""Settings, each read from one environment variable (all documented in README.md).

The table below is the single list of settings: `load_settings` reads it, and a test checks that
every name in it is documented in the README.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from survey_app.i18n import vi_en

DEFAULT_SQLITE_PATH = Path("instance") / "sipas.sqlite"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and meaning."""

    name: str
    default: str | None
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATABASE_URL", None, "SQLAlchemy URL; default a SQLite file instance/sipas.sqlite"),
    Setting("SECRET_KEY", None, "signs sessions, CSRF tokens and form ids; random if unset"),
    Setting("BASE_URL", DEFAULT_BASE_URL, "public origin carried by QR codes"),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "Flask-Limiter storage, e.g. redis://host:6379"),
    Setting("SUBMIT_LIMIT_PER_FORM", "10 per minute", "submissions per form session"),
    Setting("SUBMIT_LIMIT_PER_ADDRESS", "600 per minute", "generous ceiling per public address"),
    Setting("MAX_CONTENT_LENGTH", "65536", "largest request body in bytes (413 beyond)"),
    Setting("MAX_UPLOAD_LENGTH", "10485760", "largest file an admin may upload, in bytes"),
    Setting("TRUSTED_PROXIES", "0", "proxies in front setting X-Forwarded-For/-Proto (nginx: 1)"),
    Setting(
        "ISSUING_AUTHORITY",
        "UBND tỉnh Vĩnh Long",
        "who runs the survey: shown atop the citizen's pages and on the counter posters",
    ),
    Setting("DISPLAY_TIMEZONE", "Asia/Ho_Chi_Minh", "time zone of times shown to people"),
    Setting("RECEIPT_CODE_DAYS", "30", "days a receipt code can be used after it is issued"),
    Setting("SIGNAL_BURST_COUNT", "8", "answers of one counter that make a burst"),
    Setting("SIGNAL_BURST_MINUTES", "5", "window of a burst in minutes"),
    Setting(
        "SIGNAL_OPENING_HOURS",
        "Mon-Fri 07:00-17:30; Sat 07:00-11:30",
        "one-stop opening hours (local time); counter answers outside them are flagged",
    ),
    Setting("SIGNAL_STRAIGHTLINE_MIN_ITEMS", "10", "levels needed to call one answer straight"),
    Setting("SIGNAL_MIN_SECONDS", "25", "fewer seconds from form to submission is too fast"),
    Setting(
        "SIGNAL_SCAN_SECONDS",
        "30",
        "seconds between the periodic scans for bursts and repeated devices (0: no scan)",
    ),
    Setting(
        "LOGIN_LIMIT_PER_ACCOUNT",
        "5 per 15 minutes",
        "failed staff logins for one account name from one address",
    ),
    Setting(
        "LOGIN_LIMIT_ACCOUNT_CEILING",
        "20 per 15 minutes",
        "failed staff logins for one account name from all addresses together",
    ),
    Setting(
        "LOGIN_LIMIT_PER_ADDRESS",
        "30 per 15 minutes",
        "failed staff logins from one address, whatever the account names",
    ),
    Setting("SESSION_IDLE_MINUTES", "30", "minutes without a request that end a staff session"),
    Setting("SESSION_MAX_HOURS", "12", "hours after its login that a staff session ends"),
    Setting("EVIDENCE_STORE", "local", "PAR evidence files: local (a folder) or database"),
    Setting("EVIDENCE_DIR", "instance/evidence", "folder of evidence files (local store)"),
    Setting("EVIDENCE_MAX_BYTES", "20000000", "largest evidence file in bytes"),
    Setting("EVIDENCE_S3_BUCKET", None, "bucket of evidence files (EVIDENCE_STORE=s3)"),
    Setting("EVIDENCE_S3_ENDPOINT", None, "S3-compatible endpoint URL; empty: AWS S3"),
    Setting("EVIDENCE_S3_REGION", None, "the bucket's region, when the service needs one"),
    Setting("EVIDENCE_S3_PREFIX", "evidence/", "start of every evidence object's key"),
    Setting(
        "CITIZEN_FAST_PATH",
        "on",
        "on: a counter's plain form and its valid answers skip Flask's request machinery; off: "
        "every request goes through Flask (same pages, slower)",
    ),
    Setting("SMTP_HOST", None, "mail server of PAR reminders; empty: no e-mail"),
    Setting("SMTP_PORT", "587", "its port (587 STARTTLS, 465 TLS, 25 none)"),
    Setting("SMTP_USER", None, "login at the mail server, if it needs one"),
    Setting("SMTP_PASSWORD", None, "password of SMTP_USER"),
    Setting("SMTP_FROM", None, "sender address of reminders"),
    Setting("SMTP_TLS", "starttls", "starttls, ssl (implicit TLS) or none"),
    Setting("SMTP_TIMEOUT", "20", "seconds to wait for the mail server"),
)


OFF = ("off", "0", "false", "no")
"""A switch given one of these is off."""


def sqlite_url(path: Path | str) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path).resolve()}"


def load_settings(environ: dict[str, str] | None = None) -> dict[str, object]:
    """Flask config built from the environment (or the mapping given)."""
    env = os.environ if environ is None else environ
    values = {s.name: env.get(s.name, s.default) for s in SETTINGS}
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = sqlite_url(DEFAULT_SQLITE_PATH)
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = secrets.token_hex(32)
    values["BASE_URL"] = str(values["BASE_URL"]).rstrip("/")
    values["MAX_CONTENT_LENGTH"] = int(str(values["MAX_CONTENT_LENGTH"]))
    values["MAX_UPLOAD_LENGTH"] = int(str(values["MAX_UPLOAD_LENGTH"]))
    values["RECEIPT_CODE_DAYS"] = int(str(values["RECEIPT_CODE_DAYS"]))
    values["CITIZEN_FAST_PATH"] = str(values["CITIZEN_FAST_PATH"]).strip().lower() not in OFF
    return values


def positive_number(config: Mapping[str, Any], name: str) -> float:
    """The setting ``name`` of ``config`` as a number > 0; a ValueError naming it otherwise."""
    raw = config[name]
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = float("nan")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            vi_en("%(name)s (%(value)r) phải là một số lớn hơn 0", name=name, value=raw)
        )
    return value
