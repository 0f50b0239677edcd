"""What the admin's upload pages share: a larger body limit, reading the file, showing problems.

The app's ``MAX_CONTENT_LENGTH`` (64 KiB) keeps citizens' requests small; a blueprint marked
with `accepts_uploads` takes up to ``MAX_UPLOAD_LENGTH`` from a logged-in admin, and a PAR
evidence upload (`EVIDENCE_ENDPOINTS`) up to ``EVIDENCE_MAX_BYTES`` from any logged-in staff
member the page then lets in (the limit is raised before the CSRF check reads the body, so
`init_app` must run before the CSRF extension's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, request
from flask_login import current_user

from survey_app.csv_files import place_words
from survey_app.staff.upload_labels import VIETNAMESE_LETTER, place, problem_text
from survey_app.staff.users import ADMIN

UPLOADS_MARK = "accepts_uploads"
EVIDENCE_ENDPOINTS = frozenset({"parself.upload"})
"""Pages that take one evidence file (the view checks the file's own size and type)."""
FORM_OVERHEAD = 64 * 1024
"""Room for the other fields and the multipart framing around an evidence file."""


@dataclass(frozen=True)
class Located:
    """One problem of an uploaded file, as the pages list it: where, then what (Vietnamese
    first, its English as a gloss: `survey_app.staff.upload_labels`)."""

    where: str
    message: str


LOCATION = re.compile(
    r"(?:sheet '[^']*'|row \d+|line \d+|file|columns|criteria|\(root\)|unit \S+|[\w.\[\]-]+)"
    r"(?:,? (?:row \d+|column [A-Z]+ \([^)]*\)|column \S+|code \S+)| \[[^\]]*\])*"
)
"""The location at the head of a reader's message (``row 4, column parent [1.1.1]: …``)."""


def accepts_uploads(blueprint: Blueprint) -> Blueprint:
    """Mark ``blueprint``: its requests from an admin may carry files up to MAX_UPLOAD_LENGTH."""
    setattr(blueprint, UPLOADS_MARK, True)
    return blueprint


def uploaded(name: str = "file") -> tuple[str, bytes] | None:
    """The file sent in field ``name``: (its name, its bytes), or None when none was chosen."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read()


def located(problem: object) -> Located:
    """A FileProblem (row, column), a questionnaire or PAR Problem (location, hint) or a text
    (``"where: what"``, or a page's own Vietnamese message), as `Located`."""
    row, column = getattr(problem, "row", None), getattr(problem, "column", None)
    if hasattr(problem, "row"):
        where = place_words(row, column)[0]
        return Located(where, problem_text(str(getattr(problem, "message", problem))))
    if hasattr(problem, "location"):
        code = getattr(problem, "code", None)
        where = place(str(problem.location)) or "tệp"
        return Located(
            f"{where} [{code}]" if code else where,
            problem_text(str(getattr(problem, "message", "")), getattr(problem, "hint", None)),
        )
    text = str(problem)
    where, sep, message = text.partition(": ")
    if sep and LOCATION.fullmatch(where):
        return Located(place(where), problem_text(message))
    if VIETNAMESE_LETTER.search(text):  # the page's own words, in both languages
        return Located("", problem_text(text))
    return Located("tệp", problem_text(text))


def _raise_limit() -> None:
    blueprint = current_app.blueprints.get(request.blueprint or "")
    marked = blueprint is not None and getattr(blueprint, UPLOADS_MARK, False)
    if marked and current_user.is_authenticated and current_user.role == ADMIN:
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]
    elif request.endpoint in EVIDENCE_ENDPOINTS and current_user.is_authenticated:
        limit = int(current_app.config.get("EVIDENCE_MAX_BYTES") or 20_000_000)
        request.max_content_length = limit + FORM_OVERHEAD


def init_app(app: Flask) -> None:
    """Raise the body limit of upload pages for admins (before the CSRF check reads the body)."""
    app.before_request(_raise_limit)
