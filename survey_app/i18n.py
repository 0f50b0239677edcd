"""Vietnamese-first user text: a catalogue of messages in `messages.json`, one entry per key.

The language is ``vi`` unless the person chose English (``?lang=en``, kept in a cookie).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Flask, g, request
from flask.wrappers import Response

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
COOKIE = "lang"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message, keyed by id, each with ``vi`` and ``en`` text (checked on load)."""
    raw = json.loads((Path(__file__).parent / "messages.json").read_text(encoding="utf-8"))
    missing = [
        f"{key}.{lang}" for key, texts in raw.items() for lang in LANGUAGES if not texts.get(lang)
    ]
    if missing:
        raise ValueError(f"messages.json lacks text for: {', '.join(missing)}")
    return raw


def current_language() -> str:
    """The language of the current request."""
    return g.get("lang", DEFAULT_LANGUAGE)


def t(key: str, **values: object) -> str:
    """The message ``key`` in the current language, with ``{name}`` fields filled in."""
    text = catalogue()[key][current_language()]
    return text.format(**values) if values else text


def _choose_language() -> None:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        g.lang, g.lang_changed = asked, True
    else:
        cookie = request.cookies.get(COOKIE)
        g.lang = cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    if g.get("lang_changed"):
        response.set_cookie(COOKIE, g.lang, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def init_app(app: Flask) -> None:
    app.before_request(_choose_language)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(t=t, current_language=current_language)
