"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from survey_app.db import get_db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEMO_DATA = ROOT / "survey_app" / "demo_data"

TOKEN = re.compile(r'name="(csrf_token|sid)"[^>]*? value="([^"]+)"')


def form_tokens(html: str) -> dict[str, str]:
    """The hidden csrf_token and sid of a rendered form."""
    return dict(TOKEN.findall(html))


def full_answers(value: str = "4") -> dict[str, str]:
    """An answer to every item of sipas-2023 v1."""
    return {f"q{n}": value for n in range(15, 34)}


def count_rows(app: Flask, model: type) -> int:
    with app.app_context():
        return get_db().session.query(model).count()
