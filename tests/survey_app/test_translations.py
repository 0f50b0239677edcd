"""Vietnamese first, English second, through the gettext catalogues (docs/decisions/0023).

- Every string of the code and the templates is in the committed ``messages.pot`` (``pybabel
  extract`` is run here into a temporary folder) and has its English in ``en/…/messages.po``.
- The templates in `CONVERTED` show no words outside the gettext machinery: their text (between
  tags and in the attributes people read) and their Vietnamese string literals go through
  ``_()``, ``bi()`` or ``bi_text()``.
- The compiled catalogues load, and ``?lang=en`` gives English on a staff page and on the
  citizen's page.
"""

from __future__ import annotations

import ast
import os
import re
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import Environment, nodes
from support import ROOT, login_as

from survey_app import i18n

TEMPLATES = ROOT / "survey_app" / "templates"
POT = i18n.TRANSLATIONS / "messages.pot"
GETTEXT = {
    "_",
    "gettext",
    "ngettext",
    "pgettext",
    "npgettext",
    "bi",
    "bi_text",
    "gloss",
    "pbi",
    "pbi_text",
}
"""Template functions whose string arguments are message ids (babel.cfg lists the same)."""
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
LITERAL_WORDS = {
    "SIPAS",
    "English",
    "Tiếng",
    "Việt",
    "PNG",
    "SVG",
    "PDF",
    "CSV",
    "XLSX",
    "JSON",
    "KB",
    "N",
    "n",
}
"""Words a template may show as they are: the product's name, the names of the two languages in
themselves (the language switch), file formats, kilobytes, and the symbols N (population) and n
(answers)."""

CONVERTED = sorted(
    [
        "admin/_par_errors.html",
        "admin/_par_no_points.html",
        "admin/_par_steps.html",
        "admin/_problems.html",
        "admin/api_clients.html",
        "admin/audit.html",
        "admin/base.html",
        "admin/counters.html",
        "admin/dashboard.html",
        "admin/login.html",
        "admin/_chart.html",
        "admin/paper_disagreements.html",
        "admin/paper_index.html",
        "admin/paper_key.html",
        "admin/paper_queue.html",
        "admin/par_files.html",
        "admin/par_no_catalog.html",
        "admin/par_nothing.html",
        "admin/par_ranking.html",
        "admin/par_unit.html",
        "admin/plan.html",
        "admin/plan_missing.html",
        "admin/progress.html",
        "admin/questionnaire_draft.html",
        "admin/questionnaires.html",
        "admin/receipt_codes.html",
        "admin/_results_nav.html",
        "admin/results.html",
        "admin/results_change.html",
        "admin/results_comments.html",
        "admin/results_empty.html",
        "admin/results_glossary.html",
        "admin/results_heatmap.html",
        "admin/results_unit.html",
        "admin/review.html",
        "admin/review_index.html",
        "admin/review_nav.html",
        "admin/review_sipas.html",
        "admin/round_new.html",
        "admin/rounds.html",
        "admin/unit_edit.html",
        "admin/unit_import.html",
        "admin/units.html",
        "admin/users.html",
        "citizen/_code_form.html",
        "citizen/base.html",
        "citizen/closed.html",
        "citizen/code_entry.html",
        "citizen/code_refused.html",
        "citizen/error.html",
        "citizen/form.html",
        "citizen/thanks.html",
        "admin/par_appraise.html",
        "admin/par_self.html",
        "admin/par_self_overview.html",
        "admin/par_reminders.html",
        "admin/_par_deadlines.html",
        "admin/_par_replaces.html",
        "admin/_par_rules.html",
        "public/_par_rules.html",
        "public/base.html",
        "public/par_index.html",
        "public/par_unit.html",
        "public/par_year.html",
    ]
)
"""Templates whose every word goes through the catalogue (the list grows as templates convert)."""


def _messages(catalogue_file: Path) -> set[tuple[str | tuple[str, ...], str | None]]:
    with catalogue_file.open("rb") as source:
        return {(m.id, m.context) for m in read_po(source) if m.id}


def test_every_string_of_code_and_templates_is_in_the_committed_template(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", f"--mapping-file={ROOT / 'babel.cfg'}",
         f"--output-file={extracted}", str(ROOT)]
    )  # fmt: skip
    found, committed = _messages(extracted), _messages(POT)
    assert found, "pybabel extract found no string"
    new, gone = sorted(map(str, found - committed)), sorted(map(str, committed - found))
    assert not new and not gone, (
        f"messages.pot is out of date (run `make messages`, then translate): new {new[:10]}, "
        f"no longer used {gone[:10]}"
    )


PYTHON_GETTEXT = {"_", "gettext", "lazy_gettext", "_l", "vi_en", "N_"}


def _not_literal(call: ast.Call) -> bool:
    first = call.args[0] if call.args else None
    return not (isinstance(first, ast.Constant) and isinstance(first.value, str))


def test_message_ids_are_literals_so_extraction_finds_them() -> None:
    """``vi_en(message)``, or a call inside an f-string, hides its text from ``pybabel extract``:
    its English would be missing."""
    found = []
    for path in sorted((ROOT / "survey_app").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = {
            id(n) for f in ast.walk(tree) if isinstance(f, ast.JoinedStr) for n in ast.walk(f)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", "") or getattr(node.func, "attr", "")
            if name in PYTHON_GETTEXT and (_not_literal(node) or id(node) in in_fstrings):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    env = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted(TEMPLATES.rglob("*.html")):
        for call in env.parse(path.read_text(encoding="utf-8")).find_all(nodes.Call):
            name = call.node.name if isinstance(call.node, nodes.Name) else ""
            ids = call.args[1:2] if name in ("pbi", "pbi_text", "pgettext") else call.args[:1]
            if name in GETTEXT and not all(isinstance(a, nodes.Const) for a in ids):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not found, f"a message id that is not a string literal: {found}"


def test_every_message_has_its_english() -> None:
    po, _mo = i18n.catalogue_files("en")
    with po.open("rb") as source:
        catalogue = read_po(source, locale="en")
    ids = {m.id for m in catalogue if m.id}
    assert ids >= {m for m, _ in _messages(POT)}, "en catalogue lacks messages: run `make messages`"
    untranslated = [m.id for m in catalogue if m.id and (m.fuzzy or not all(_strings(m.string)))]
    assert not untranslated, f"{len(untranslated)} without English: {untranslated[:10]}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert not problems, f"placeholders differ between Vietnamese and English: {problems[:5]}"


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


class _Words(HTMLParser):
    """The text and read attributes of a template's skeleton (every ``{{ }}``/``{% %}`` gone);
    ``<code>`` holds commands and names, not words to translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code"):
            self.skipping += 1
        self.found.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.found.append(data)


ATTRIBUTES = re.compile(r'[\w:-]+="[^"]*"|\b(?:autofocus|checked|selected|disabled|required)\b')
"""Attributes a macro writes into the tag that calls it: markup, not text."""


def _has_words(text: str) -> bool:
    words = re.findall(r"[^\W\d_]+", ATTRIBUTES.sub(" ", text))
    return any(word not in LITERAL_WORDS for word in words)


def _parents(node: nodes.Node, seen: list[tuple[nodes.Node, nodes.Node]]) -> None:
    """Every (child, parent) pair under ``node``."""
    for child in node.iter_child_nodes():
        seen.append((child, node))
        _parents(child, seen)


def loose_text(source: str) -> list[str]:
    """The words of a template that do not go through the catalogue.

    Text between tags and in `READ_ATTRIBUTES`, and string literals with Vietnamese letters
    in expressions, unless they are arguments of one of `GETTEXT`.
    """
    env = Environment(extensions=["jinja2.ext.i18n"])
    skeleton = []
    inside = False
    for _line, kind, value in env.lex(source):
        if kind == "data" and not inside:
            skeleton.append(value)
        elif kind in ("variable_begin", "block_begin", "comment_begin"):
            inside = True
            skeleton.append("\x00" if kind == "variable_begin" else "")
        elif kind in ("variable_end", "block_end", "comment_end"):
            inside = False
    reader = _Words()
    reader.feed("".join(skeleton))
    found = [text.strip() for text in reader.found if _has_words(text.replace("\x00", " "))]
    tree = env.parse(source)
    pairs: list[tuple[nodes.Node, nodes.Node]] = []
    _parents(tree, pairs)
    parent_of = {id(child): parent for child, parent in pairs}
    for const in tree.find_all(nodes.Const):
        vietnamese = isinstance(const.value, str) and any(
            c.isalpha() and not c.isascii() for c in const.value
        )
        if not vietnamese:
            continue
        call = parent_of.get(id(const))
        if not (
            isinstance(call, nodes.Call)
            and isinstance(call.node, nodes.Name)
            and call.node.name in GETTEXT
        ):
            found.append(const.value)
    return found


def test_the_checker_finds_text_outside_the_catalogue() -> None:
    assert loose_text("<p>{{ _('Đơn vị') }} · {{ n }}</p>") == []
    assert loose_text('<p title="{{ bi_text(\'Sửa\') }}">{{ bi("Lưu %(x)s", x=1) }}</p>') == []
    assert loose_text("<td>Mã</td>") == ["Mã"]
    assert loose_text("<button>Save</button>") == ["Save"]
    assert loose_text('<a aria-label="Sửa {{ code }}" href="x">{{ _("Sửa") }}</a>')
    assert loose_text('{% set names = {"a": "Tự chấm"} %}') == ["Tự chấm"]
    assert loose_text('{{ "có" if x else _("không") }}') == ["có"]
    assert loose_text('<th>N</th><td>{{ "±%.1f"|format(x) if x else "–" }}</td>') == []
    assert loose_text("<p>{{ n }} PDF · SIPAS</p><script>var a = 'text';</script>") == []
    assert loose_text("<p>{{ _('Lệnh') }} <code>sipas users set-email</code></p>") == []
    assert loose_text("<p>Lệnh <code>sipas</code></p>") == ["Lệnh"]
    assert loose_text('<td{% if x %} class="off"{% endif %}>{{ _("Mở") }}</td>') == []
    assert (
        loose_text('{% macro m(n) %} aria-describedby="{{ n }}-error" autofocus{% endmacro %}')
        == []
    )


@pytest.mark.parametrize("name", CONVERTED)
def test_a_converted_template_says_everything_through_the_catalogue(name: str) -> None:
    assert loose_text((TEMPLATES / name).read_text(encoding="utf-8")) == []


def test_the_compiled_catalogues_load() -> None:
    english = i18n.translations("en")  # compiles the .mo first when the install did not
    _po, mo = i18n.catalogue_files("en")
    assert english.ugettext("Gửi") == "Send"
    assert Translations(BytesIO(mo.read_bytes())).ugettext("Gửi") == "Send"  # the file itself
    assert i18n.vi_en("Gửi") == "Gửi / Send"
    marked = i18n.N_("Gửi")  # a message kept in a table, said where it is used
    assert marked == "Gửi" and i18n.vi_en_of(marked) == "Gửi / Send"
    assert i18n.translations("vi").ugettext("Gửi") == "Gửi"  # Vietnamese is the message id


def test_a_missing_or_older_compiled_catalogue_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    po, _mo = i18n.catalogue_files("en")
    copy, mo = i18n.catalogue_files("en", tmp_path)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(po.read_bytes())
    assert i18n.translations("en", tmp_path).ugettext("Tiếp tục") == "Continue"
    assert Translations(BytesIO(mo.read_bytes())).ugettext("Tiếp tục") == "Continue"  # written
    text = copy.read_text(encoding="utf-8").replace('msgstr "Continue"', 'msgstr "Go on"')
    copy.write_text(text, encoding="utf-8")
    os.utime(mo, (1, 1))  # the .po is newer than its .mo
    i18n.translations.cache_clear()
    assert i18n.translations("en", tmp_path).ugettext("Tiếp tục") == "Go on"
    mo.unlink()

    def read_only(path: Path, _data: bytes) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(i18n, "_write_beside", read_only)  # an installed, read-only package
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("en", tmp_path).ugettext("Tiếp tục") == "Go on"  # in memory
        assert not mo.exists()
    finally:
        i18n.translations.cache_clear()


def test_english_on_request_on_the_citizen_page(client: FlaskClient, survey: dict) -> None:
    vietnamese = client.get("/s/SNV-1").get_data(as_text=True)
    assert ">Gửi</button>" in vietnamese and 'lang="vi"' in vietnamese
    english = client.get("/s/SNV-1?lang=en").get_data(as_text=True)
    assert ">Send</button>" in english and 'lang="en"' in english and "Gửi</button>" not in english
    assert ">Send</button>" in client.get("/s/SNV-1").get_data(as_text=True)  # the cookie keeps it


def test_english_on_request_on_a_staff_page(app: Flask, client: FlaskClient, survey: dict) -> None:
    login_as(app, client, "admin")
    vietnamese = client.get("/admin/").get_data(as_text=True)
    assert '<h1>Tổng quan <span class="en">Overview</span></h1>' in vietnamese
    assert ">Đơn vị</a>" in vietnamese and 'lang="vi"' in vietnamese
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert "<h1>Overview</h1>" in english and ">Units</a>" in english and 'lang="en"' in english
    assert "Tổng quan" not in english and "Số phiếu theo đơn vị" not in english
    assert "<h1>Overview</h1>" in client.get("/admin/").get_data(as_text=True)  # kept by cookie
    back = client.get("/admin/?lang=vi").get_data(as_text=True)
    assert '<h1>Tổng quan <span class="en">Overview</span></h1>' in back
