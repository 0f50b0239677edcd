"""Vietnamese first, English second, through gettext catalogues and Flask-Babel (decision 0023).

A message's id is its Vietnamese text; ``translations/en/LC_MESSAGES/messages.po`` gives its
English. A message with no translation shows its Vietnamese, never a code or an empty string.
The language of a request is ``vi`` unless the person chose English (``?lang=en``, kept in a
cookie).

- Templates: ``_("…")`` in the reader's language (the citizen's pages, and the staff pages'
  text); on the staff pages ``bi("…")`` gives the Vietnamese with its English in a
  ``<span class="en">`` beside it, ``bi_text("…")`` "Vietnamese / English" as plain text for
  buttons, options and attributes, and ``gloss("…")`` the English alone in that span, after
  Vietnamese written with ``_()``; in English, the English alone (and no gloss). Where one
  Vietnamese text needs two English ones, a context tells them apart: ``pgettext("page", "…")``,
  ``pbi("page", "…")``, ``pbi_text("page", "…")``.
- Python: ``flask_babel.gettext`` / ``lazy_gettext`` in page modules; ``vi_en("…")``
  "Vietnamese / English" in services and the CLI (no request needed, no Flask imported); a
  message kept in a table is marked ``N_("…")`` and said with ``vi_en_of`` or ``text_in``.

Values are given by name (``%(count)s``); a per cent sign is written ``%%``. A compiled catalogue
(``.mo``) missing or older than its ``.po`` is compiled when first needed (``make`` compiles them
at install).
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask and Babel are imported where they are used: the CLI's file commands
    from babel.support import NullTranslations  # load neither (tests/survey_app/cli)
    from flask import Flask
    from flask.wrappers import Response
    from markupsafe import Markup

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
COOKIE = "lang"
DOMAIN = "messages"
TRANSLATIONS = Path(__file__).parent / "translations"

log = logging.getLogger(__name__)


def catalogue_files(language: str, directory: Path = TRANSLATIONS) -> tuple[Path, Path]:
    """The ``.po`` a translator edits and the ``.mo`` compiled from it."""
    folder = directory / language / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalogue(po: Path) -> bytes:
    """The ``.mo`` bytes of ``po`` (fuzzy entries left out, as ``pybabel compile`` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalogue = read_po(source, locale=po.parent.parent.name, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    return compiled.getvalue()


def _write_beside(mo: Path, data: bytes) -> None:
    """Write ``mo`` whole or not at all (two workers may compile at once)."""
    handle, name = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, mo)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@cache
def translations(language: str, directory: Path = TRANSLATIONS) -> NullTranslations:
    """The catalogue of ``language`` (none for a language without a ``.po``: its text is the id).

    A ``.mo`` missing or older than its ``.po`` is compiled first and written beside it; where
    the folder cannot be written the compiled catalogue is kept in memory (and a warning logged).
    """
    from babel.support import NullTranslations, Translations

    po, mo = catalogue_files(language, directory)
    if not po.exists():
        return NullTranslations()
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    data = compile_catalogue(po)
    try:
        _write_beside(mo, data)
    except OSError as exc:
        log.warning(
            "%s not written (%s): compiled in memory; run `make` or `pybabel compile`", mo, exc
        )
    return Translations(io.BytesIO(data), domain=DOMAIN)


def _lookup(language: str, msgid: str, context: str | None = None) -> str:
    catalogue = translations(language)
    return catalogue.upgettext(context, msgid) if context else catalogue.ugettext(msgid)


def text_in(language: str, msgid: str, /, **values: Any) -> str:
    """``msgid`` in ``language``, its ``%(name)s`` fields filled in."""
    text = _lookup(language, msgid)
    return text % values if values else text


def vi_en(msgid: str, /, **values: Any) -> str:
    """``"Vietnamese / English"``: how services and the CLI write a message for any reader."""
    return f"{text_in('vi', msgid, **values)} / {text_in('en', msgid, **values)}"


def N_(msgid: str, /) -> str:
    """``msgid`` itself, marked for ``pybabel extract``: a message written in a table and
    translated where it is used (`vi_en_of`, `text_in`)."""
    return msgid


def vi_en_of(msgid: str, /, **values: Any) -> str:
    """`vi_en` of a message id held in a variable: one marked with `N_` where it is written."""
    return f"{text_in('vi', msgid, **values)} / {text_in('en', msgid, **values)}"


def said_in(language: str, text: object, words: Mapping[str, str]) -> str:
    """A computation package's message in ``language``: a said message (a ``str`` keeping its
    ``template`` and ``values``: ``analysis.said.Said`` and its kin) whose template ``words``
    gives a message id, its words inside too; any other text as it is (decision 0027)."""
    template = getattr(text, "template", None)
    values = getattr(text, "values", None)
    if not isinstance(text, str) or not isinstance(template, str) or values is None:
        return str(text)
    values = {
        name: said_in(language, value, words) if hasattr(value, "template") else value
        for name, value in values.items()
    }
    msgid = words.get(template)
    if msgid is None:
        return template % values if values else template
    return text_in(language, msgid, **values)


def vi_en_said(text: str, words: Mapping[str, str]) -> str:
    """``"Vietnamese / English"`` of a said message whose template ``words`` knows; any other
    text as it is."""
    if getattr(text, "template", None) not in words:
        return text
    return f"{said_in('vi', text, words)} / {said_in('en', text, words)}"


# --- the web app ----------------------------------------------------------------------------


def current_language() -> str:
    """The language of the current request (``vi`` outside a request)."""
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale is not None else DEFAULT_LANGUAGE


def _markup_in(language: str, context: str | None, msgid: str, values: dict[str, Any]) -> Markup:
    """As Jinja's ``_()``: the text is markup, the values are escaped, ``%%`` is a per cent sign."""
    from markupsafe import Markup

    return Markup(_lookup(language, msgid, context)) % values


def pbi(context: str | None, msgid: str, /, **values: Any) -> Markup:
    """`bi` of the message ``msgid`` in ``context`` (one Vietnamese text, two English ones)."""
    from markupsafe import Markup

    english = _markup_in("en", context, msgid, values)
    if current_language() == "en":
        return english
    vietnamese = _markup_in("vi", context, msgid, values)
    return vietnamese + Markup(' <span class="en">') + english + Markup("</span>")


def bi(msgid: str, /, **values: Any) -> Markup:
    """Staff pages: ``Vietnamese <span class="en">English</span>``; in English, the English."""
    return pbi(None, msgid, **values)


def gloss(msgid: str, /, **values: Any) -> Markup:
    """Staff pages: ``<span class="en">English</span>`` after Vietnamese text written with
    ``_()``; nothing in English (the text itself is English then)."""
    from markupsafe import Markup

    if current_language() == "en":
        return Markup("")
    return Markup('<span class="en">') + _markup_in("en", None, msgid, values) + Markup("</span>")


def pbi_text(context: str | None, msgid: str, /, **values: Any) -> str:
    """`bi_text` of the message ``msgid`` in ``context``."""
    english = _lookup("en", msgid, context)
    english = english % values if values else english
    if current_language() == "en":
        return english
    vietnamese = _lookup("vi", msgid, context)
    return f"{vietnamese % values if values else vietnamese} / {english}"


def bi_text(msgid: str, /, **values: Any) -> str:
    """Staff pages, where no markup may go: ``Vietnamese / English``; in English, the English."""
    return pbi_text(None, msgid, **values)


def _choose_language() -> str:
    """``?lang=`` when it names a language, else the cookie, else Vietnamese."""
    from flask import has_request_context, request

    if not has_request_context():  # a template rendered by a command
        return DEFAULT_LANGUAGE
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def _remember_language(response: Response) -> Response:
    from flask import request

    asked = request.args.get("lang")
    if asked in LANGUAGES:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def two_languages(line: str) -> Markup:
    """A ``"Vietnamese | English"`` line of a report or file, as `bi` writes a message: the
    Vietnamese, then the English in ``<span class="en">``; a line without `` | `` as it is."""
    from markupsafe import Markup, escape

    vietnamese, bar, english = str(line).partition(" | ")
    if not bar:
        return Markup(escape(vietnamese))
    return Markup('{} <span class="en">{}</span>').format(vietnamese, english)


def init_app(app: Flask) -> None:
    """Flask-Babel with this module's catalogues; the template helpers; the language cookie."""
    from flask_babel import Babel, Domain, get_locale

    class Catalogues(Domain):
        """Flask-Babel's domain reading `translations` (compiled when missing, cached)."""

        def get_translations(self) -> NullTranslations:
            locale = get_locale()
            return translations(str(locale) if locale is not None else DEFAULT_LANGUAGE)

    class SipasBabel(Babel):
        domain_instance = Catalogues()

    for language in LANGUAGES:  # compile a missing catalogue now, not in a citizen's request
        translations(language)
    SipasBabel(app, locale_selector=_choose_language, default_locale=DEFAULT_LANGUAGE)
    app.after_request(_remember_language)
    app.jinja_env.globals.update(
        bi=bi,
        pbi=pbi,
        bi_text=bi_text,
        pbi_text=pbi_text,
        gloss=gloss,
        current_language=current_language,
    )
    app.jinja_env.filters["two_languages"] = two_languages
