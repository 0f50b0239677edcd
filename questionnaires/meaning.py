"""Stage 3 of loading: check the meaning of a structurally valid (cleaned) definition.

Every check records its problems and carries on, so one run reports everything. Values the
structure stage rejected are absent (or ``None`` in lists) here and are skipped silently: they
have already been reported.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from questionnaires.model import COMMENT_MAX_LENGTH, DEFAULT_LANGUAGE, RESERVED_FIELD_NAMES
from questionnaires.problems import Path, Problems, did_you_mean, render_path, show
from questionnaires.said import say

QUESTIONNAIRE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
FIELD_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
OPTION_CODE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
SCALE_CODES = (1, 2, 3, 4, 5)
LANGUAGE_NAMES = {"vi": say("Vietnamese ('vi')"), "en": say("English ('en')")}


def check_meaning(data: dict[str, Any], out: Problems) -> None:
    """Check ids, languages, texts, the scale, options and limits of a cleaned definition."""
    _check_header(data, out)
    languages = _languages(data.get("languages"), out)
    for key in ("title", "intro", "privacy_note"):
        check_text(data.get(key), (key,), languages, out)
    _check_scale(data.get("scale"), languages, out)
    ids = _Ids(out)
    _check_elements(data.get("elements"), languages, ids, out)
    if (field := data.get("service_field")) is not None:
        _check_choice(field, ("service_field",), languages, ids, out)
    for index, question in enumerate(data.get("demographics") or ()):
        if question is not None:
            path: Path = ("demographics", index)
            _check_choice(question, path, languages, ids, out)
            if question.get("required") is True:
                out.warn(
                    (*path, "required"),
                    say("demographic question %(id)r is required", id=question.get("id")),
                    say("demographics should be optional on an anonymous counter survey"),
                )
    if (comment := data.get("comment")) is not None:
        _check_comment(comment, languages, ids, out)


def _check_header(data: dict[str, Any], out: Problems) -> None:
    qid = data.get("id")
    if qid is not None and not (QUESTIONNAIRE_ID.fullmatch(qid) and len(qid) <= 80):
        out.add(
            ("id",),
            say("questionnaire id %(id)r is not a slug", id=qid),
            say("use lowercase letters, digits and single '-' (at most 80), e.g. 'sipas-2023'"),
        )
    version = data.get("version")
    if version is not None and version < 1:
        out.add(
            ("version",),
            say("version %(version)s must be a positive whole number", version=version),
            say("start at 1"),
        )


def _languages(value: list[str | None] | None, out: Problems) -> tuple[str, ...] | None:
    """The declared languages, or None when they are unusable (texts then get fewer checks)."""
    if value is None:
        return None
    declared = [lang for lang in value if lang is not None]
    for index, lang in enumerate(value):
        if lang is not None and not LANGUAGE.fullmatch(lang):
            out.add(
                ("languages", index),
                say("language %(language)r is not a language code", language=lang),
                say("use a lowercase ISO 639-1 code such as 'vi' or 'en'"),
            )
    for lang in sorted({lang for lang in declared if declared.count(lang) > 1}):
        out.add(
            ("languages",),
            say("language %(language)r is listed more than once", language=lang),
            say("list it once"),
        )
    if DEFAULT_LANGUAGE not in declared:
        out.add(
            ("languages",),
            say("languages %(languages)s must include 'vi'", languages=declared),
            say('every questionnaire is Vietnamese first: "languages": ["vi", ...]'),
        )
    return tuple(dict.fromkeys([DEFAULT_LANGUAGE, *declared]))


def _language_name(lang: str) -> str:
    return LANGUAGE_NAMES.get(lang, repr(lang))


def check_text(
    text: dict[str, str | None] | None,
    path: Path,
    languages: tuple[str, ...] | None,
    out: Problems,
) -> None:
    """Check one translations object: required languages present, no stray ones, NFC."""
    if text is None:
        return
    needed = languages or (DEFAULT_LANGUAGE,)
    for lang in needed:
        if lang in text:
            continue
        if lang == DEFAULT_LANGUAGE:
            why, fix = say("every text needs one"), say('add "vi": "…"')
        else:
            why, fix = (
                say("%(language)r is in languages", language=lang),
                say(
                    'add "%(language)s": "…", or remove it from languages',
                    language=lang,
                ),
            )
        missing = say(
            "the %(language)s text is missing (%(why)s)", language=_language_name(lang), why=why
        )
        out.add((*path, lang), missing, fix)
    for lang, value in text.items():
        if languages is not None and lang not in languages:
            out.add(
                (*path, lang),
                say(
                    "language %(language)r is not in languages %(languages)s",
                    language=lang,
                    languages=list(languages),
                ),
                did_you_mean(lang, languages)
                or say("add %(language)r to languages or remove this text", language=lang),
            )
        if value is not None:
            _check_string(value, (*path, lang), out)


def _check_string(value: str, path: Path, out: Problems) -> None:
    if not value.strip():
        out.add(
            path,
            say("the text is empty (%(text)s)", text=show(value)),
            say("write the text, or remove the key"),
        )
        return
    if not unicodedata.is_normalized("NFC", value):
        out.add(
            path,
            say(
                "text %(text)s is not in Unicode NFC form (%(where)s)",
                text=show(value),
                where=_first_decomposed(value),
            ),
            say("save it precomposed: unicodedata.normalize('NFC', text)"),
        )
    controls = sorted({f"U+{ord(c):04X}" for c in value if _is_bad_control(c)})
    if controls:
        out.add(
            path,
            say(
                "text %(text)s contains control characters %(characters)s",
                text=show(value),
                characters=", ".join(controls),
            ),
            say("remove them; only a line break (\\n) is allowed"),
        )
    if value != value.strip():
        out.warn(
            path,
            say("text %(text)s has leading or trailing spaces", text=show(value)),
            say("remove them"),
        )


def _is_bad_control(char: str) -> bool:
    return char != "\n" and unicodedata.category(char) == "Cc"


def _first_decomposed(value: str) -> str:
    """Describe the first character that NFC would change, e.g. "character 3 is U+0301 …"."""
    for end in range(1, len(value) + 1):
        if not unicodedata.is_normalized("NFC", value[:end]):
            char = value[end - 1]
            name = unicodedata.name(char, "unnamed")
            return say(
                "character %(index)s is %(code)s %(name)s",
                index=end,
                code=f"U+{ord(char):04X}",
                name=name,
            )
    return say("a later character combines with its neighbour")


class _Ids:
    """Ids of elements, items and questions: valid, unique across the questionnaire."""

    def __init__(self, out: Problems) -> None:
        self.out = out
        self.seen: dict[str, Path] = {}

    def check(self, value: str | None, path: Path, *, field: bool) -> None:
        """Check one id; ``field`` ids are form field names and may not be reserved."""
        if value is None:
            return
        if not FIELD_ID.fullmatch(value):
            self.out.add(
                path,
                say("id %(id)r is not a valid field name", id=value),
                say("start with a letter, then letters, digits or '_' (at most 64), e.g. 'q15'"),
            )
        if field and value in RESERVED_FIELD_NAMES:
            reserved = ", ".join(sorted(RESERVED_FIELD_NAMES))
            self.out.add(
                path,
                say(
                    "id %(id)r is reserved by the survey form (%(reserved)s)",
                    id=value,
                    reserved=reserved,
                ),
                say("choose another id"),
            )
        if value in self.seen:
            self.out.add(
                path,
                say(
                    "duplicate id %(id)r: already used at %(place)s",
                    id=value,
                    place=render_path(self.seen[value]),
                ),
                say("give every element, item and question its own id"),
            )
        else:
            self.seen[value] = path


def _check_scale(
    scale: dict[str, Any] | None, languages: tuple[str, ...] | None, out: Problems
) -> None:
    if scale is None:
        return
    levels = scale.get("levels")
    if levels is not None:
        for index, level in enumerate(levels):
            if level is not None:
                check_text(level.get("label"), ("scale", "levels", index, "label"), languages, out)
        codes = [level.get("code") if level is not None else None for level in levels]
        if None not in codes and tuple(codes) != SCALE_CODES:
            out.add(
                ("scale", "levels"),
                say(
                    "the scale must have exactly the levels 1, 2, 3, 4, 5 in that order; got "
                    "%(codes)s",
                    codes=codes,
                ),
                say("SIPAS rates every item from 1 (Rất không hài lòng) to 5 (Rất hài lòng)"),
            )
    not_applicable = scale.get("not_applicable")
    if not_applicable is not None:
        path: Path = ("scale", "not_applicable")
        code = not_applicable.get("code")
        if code is not None and (not OPTION_CODE.fullmatch(code) or code.isdigit()):
            out.add(
                (*path, "code"),
                say(
                    "not-applicable code %(code)r must be a lowercase code that is not a number",
                    code=code,
                ),
                say("use 'na'"),
            )
        check_text(not_applicable.get("label"), (*path, "label"), languages, out)


def _check_elements(
    elements: list[dict[str, Any] | None] | None,
    languages: tuple[str, ...] | None,
    ids: _Ids,
    out: Problems,
) -> None:
    if elements is None:
        return
    if not elements:
        out.add(
            ("elements",),
            say("the questionnaire has no elements"),
            say("add at least one element"),
        )
    for index, element in enumerate(elements):
        if element is None:
            continue
        path: Path = ("elements", index)
        ids.check(element.get("id"), (*path, "id"), field=False)
        check_text(element.get("title"), (*path, "title"), languages, out)
        items = element.get("items")
        if items is None:
            continue
        if not items:
            out.add(
                (*path, "items"),
                say("element %(id)r has no items", id=element.get("id")),
                say("add at least one item, or remove the element"),
            )
        for number, item in enumerate(items):
            if item is not None:
                ids.check(item.get("id"), (*path, "items", number, "id"), field=True)
                check_text(item.get("text"), (*path, "items", number, "text"), languages, out)


def _check_choice(
    question: dict[str, Any],
    path: Path,
    languages: tuple[str, ...] | None,
    ids: _Ids,
    out: Problems,
) -> None:
    ids.check(question.get("id"), (*path, "id"), field=True)
    check_text(question.get("label"), (*path, "label"), languages, out)
    options = question.get("options")
    if options is None:
        return
    if len(options) < 2:
        out.add(
            (*path, "options"),
            say(
                "question %(id)r has %(count)s option(s)", id=question.get("id"), count=len(options)
            ),
            say("a choice needs at least two options"),
        )
    seen: dict[str, int] = {}
    for index, option in enumerate(options):
        if option is None:
            continue
        code = option.get("code")
        where: Path = (*path, "options", index)
        if code is not None and not OPTION_CODE.fullmatch(code):
            out.add(
                (*where, "code"),
                say("option code %(code)r is not valid", code=code),
                say("use lowercase letters, digits and '_' (at most 64), e.g. 'dat_dai'"),
            )
        if code is not None and code in seen:
            out.add(
                (*where, "code"),
                say(
                    "duplicate option code %(code)r: already used by option %(index)s",
                    code=code,
                    index=seen[code],
                ),
                say("give every option of a question its own code"),
            )
        elif code is not None:
            seen[code] = index
        check_text(option.get("label"), (*where, "label"), languages, out)


def _check_comment(
    comment: dict[str, Any], languages: tuple[str, ...] | None, ids: _Ids, out: Problems
) -> None:
    ids.check(comment.get("id"), ("comment", "id"), field=True)
    check_text(comment.get("label"), ("comment", "label"), languages, out)
    max_length = comment.get("max_length")
    if max_length is not None and not 1 <= max_length <= COMMENT_MAX_LENGTH:
        out.add(
            ("comment", "max_length"),
            say(
                "max_length %(length)s is out of range: it must be from 1 to %(most)s",
                length=max_length,
                most=COMMENT_MAX_LENGTH,
            ),
            say("use %(most)s or less", most=COMMENT_MAX_LENGTH),
        )
