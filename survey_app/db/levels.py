"""``responses.levels``: each answer's item levels as one short text (fast analysis, PostgreSQL).

One character per item of the response's questionnaire, in the questionnaire's item order:
``1``…``5`` the level, ``-`` no valid level ("không áp dụng", not answered, a JSON null, text, a
number with a fraction: what the responses export leaves empty), ``?`` a stored value the export
path reports as an error (another whole number, a boolean).

The text is derived from ``answers`` by :func:`levels_expression` (SQL, no Python), is filled in
by the signals' periodic scan (:func:`fill_levels`) and is never trusted blindly: a PostgreSQL
trigger (migration ``0008_answers_storage``) empties it on every INSERT and whenever ``answers``
changes, and readers take ``COALESCE(levels, <expression>)``. SQLite does not use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

NO_LEVEL = "-"
BAD_VALUE = "?"


def _quoted(item: str) -> str:
    if not item.replace("_", "").isalnum():
        raise ValueError(f"item id {item!r}: only letters, digits and _ are expected")
    return f"'{item}'"


def _one(item: str, column: str) -> str:
    key = _quoted(item)
    return (
        f"CASE jsonb_typeof({column} -> {key})"
        f" WHEN 'number' THEN CASE WHEN ({column} ->> {key}) IN ('1', '2', '3', '4', '5')"
        f" THEN ({column} ->> {key})"
        f" WHEN ({column} ->> {key}) ~ '^-?[0-9]+$' THEN '{BAD_VALUE}' ELSE '{NO_LEVEL}' END"
        f" WHEN 'boolean' THEN '{BAD_VALUE}' ELSE '{NO_LEVEL}' END"
    )


def levels_expression(items: Sequence[str], column: str = "answers") -> str:
    """PostgreSQL SQL computing the levels text of ``column`` (jsonb) for these items."""
    if not items:
        return "''"
    return "(" + " || ".join(_one(item, column) for item in items) + ")"


def fill_levels(session: Session, round_id: int, items: Sequence[str], limit: int = 50_000) -> int:
    """Compute the missing levels of up to ``limit`` answers of a round (PostgreSQL; else 0)."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    result = session.execute(
        text(
            f"UPDATE responses SET levels = {levels_expression(items)} WHERE id IN ("
            "SELECT id FROM responses WHERE round_id = :round AND levels IS NULL LIMIT :limit)"
        ),
        {"round": round_id, "limit": limit},
    )
    return int(result.rowcount or 0)
