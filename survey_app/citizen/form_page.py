"""The citizen's form page made once per questionnaire version and language, then filled in.

A plain form (no answers typed, no error, no notice: every GET of ``/s/<code>``) is the same page
for every citizen but for four values: the CSRF token, the signed submission id (the ticket), the
unit's name and the counter's name. The template is rendered once per :class:`PageKey` with a
marker in place of each of those (:data:`SLOTS`); a request joins the saved text with its own
values, escaped exactly as Jinja escapes them, so the page is byte for byte the one
``templates/citizen/form.html`` renders for that request (``tests/survey_app/citizen/
test_form_page.py`` compares them). A page with answers, errors or a notice is rendered afresh.

Nothing can go stale: the key holds everything the saved text depends on — the questionnaire's
id and version (a shipped or published version never changes; a round given another version
gets another key), the language, whether there is a counter, the issuing authority, and the
stylesheet's and script's modification times and sizes (their content-hashed URLs follow them).
A staff change to a unit's or counter's name is a slot, filled in from the request's cached rows
(``survey_app.survey.cache``, which follows the cache version). docs/decisions/0022.

Compression is mostly done once too. A long saved text (the questions: ~27 of ~30 KB) is kept
deflated on its own: a fresh compressor ended by a sync flush, so its blocks refer to nothing
before them and end on a byte boundary (RFC 1951 §3.2.3); the short texts and the request's
values between them are deflated at each request the same way, the last run with the final
block; the CRC-32 and the length close the gzip member (RFC 1952). The result is one ordinary
gzip stream, within a few percent of compressing the whole page.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from survey_app.assets import file_stamp

CSRF, TICKET, UNIT, COUNTER = range(4)
SLOTS = ("csrf_token", "ticket", "unit name", "counter name")
_MARK = "\x00sipas-slot-{}\x00"
_SPLIT = re.compile("\x00sipas-slot-([0-9])\x00")
MAX_PAGES = 64
"""Saved pages per app; the oldest goes first (a few questionnaire versions × 2 languages)."""

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
"""ID1 ID2, CM = deflate, no flags, MTIME 0, XFL 0, OS unknown (RFC 1952 §2.3)."""
LONG = 4096
"""A text this long (bytes) is deflated once; shorter ones are compressed with the values
around them at each request (a few KB: tens of microseconds), which keeps the page as small
as compressing it whole."""


class SlotMisuse(RuntimeError):
    """The template read something of the target that the saved page cannot vary by."""


class _Stand:
    """Stands in for the unit or counter while the saved page is rendered: only ``name``."""

    def __init__(self, slot: int) -> None:
        self.name = _MARK.format(slot)

    def __getattr__(self, attribute: str) -> object:
        raise SlotMisuse(
            f"the citizen's form reads .{attribute} of the unit or counter: make it part of "
            "form_page.PageKey or a slot"
        )


class _StandTarget:
    """Stands in for the `FormTarget` while the saved page is rendered."""

    def __init__(self, with_counter: bool) -> None:
        self.unit = _Stand(UNIT)
        self.counter = _Stand(COUNTER) if with_counter else None

    def __getattr__(self, attribute: str) -> object:
        raise SlotMisuse(
            f"the citizen's form reads target.{attribute}: make it part of form_page.PageKey"
        )


@dataclass(frozen=True)
class PageKey:
    """Everything the saved text of a plain form depends on."""

    questionnaire_id: str
    questionnaire_version: int
    language: str
    with_counter: bool
    issuing_authority: str
    assets: tuple[tuple[int, int] | None, ...]


@dataclass(frozen=True)
class SavedPage:
    """A plain form's text between its slots, and its long texts deflated.

    ``texts[i]`` comes before ``slots[i]``; the last text comes after the last slot.
    ``deflated[i]`` is ``texts[i]`` deflated on its own when it is long (:data:`LONG`), else None:
    a short text is compressed with the request's values around it.
    """

    texts: tuple[bytes, ...]
    deflated: tuple[bytes | None, ...]
    slots: tuple[int, ...]

    def fill(self, values: dict[int, str]) -> tuple[bytes, bytes]:
        """The page with ``values`` in its slots: (raw UTF-8, gzip)."""
        raw_parts: list[bytes] = []
        gz_parts: list[bytes] = [GZIP_HEADER]
        run: list[bytes] = []  # short texts and values, compressed together
        for text, deflated, slot in zip(
            self.texts, self.deflated, (*self.slots, None), strict=True
        ):
            if deflated is None:
                run.append(text)
            else:
                if run:
                    gz_parts.append(_deflated(b"".join(run)))
                    run = []
                gz_parts.append(deflated)
            raw_parts.append(text)
            if slot is not None:
                value = str(escape(values[slot])).encode()
                raw_parts.append(value)
                run.append(value)
        raw = b"".join(raw_parts)
        gz_parts.append(_deflated(b"".join(run), final=True))
        gz_parts.append(struct.pack("<II", zlib.crc32(raw), len(raw) & 0xFFFFFFFF))
        return raw, b"".join(gz_parts)


def _deflated(text: bytes, *, final: bool = False) -> bytes:
    """``text`` as raw deflate blocks (level 6) that refer to nothing before them: ending on a
    byte boundary (sync flush), or with the final block."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(text) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
    )


def save(html: str) -> SavedPage:
    """Split a page rendered with the slot markers into its texts and slots."""
    pieces = _SPLIT.split(html)
    texts = tuple(text.encode() for text in pieces[0::2])
    slots = tuple(int(slot) for slot in pieces[1::2])
    return SavedPage(
        texts, tuple(_deflated(text) if len(text) >= LONG else None for text in texts), slots
    )


def page_key(
    questionnaire_id: str,
    questionnaire_version: int,
    language: str,
    with_counter: bool,
    app: Flask | None = None,
) -> PageKey:
    """The key of a plain form for ``app`` (this request's app unless given)."""
    app = app or current_app
    return PageKey(
        questionnaire_id,
        questionnaire_version,
        language,
        with_counter,
        str(app.config.get("ISSUING_AUTHORITY", "")),
        (file_stamp("citizen.css", app), file_stamp("citizen.js", app)),
    )


_PAGES = "sipas_form_pages"


def saved_page(
    key: PageKey, render: Callable[[_StandTarget, Callable[[], str], str], str]
) -> SavedPage:
    """The saved page of ``key``, made by ``render(target, csrf_token, ticket)`` on first use."""
    pages: dict[PageKey, SavedPage] = current_app.extensions.setdefault(_PAGES, {})
    page = pages.get(key)
    if page is None:
        marks = _StandTarget(key.with_counter)
        page = save(render(marks, lambda: _MARK.format(CSRF), _MARK.format(TICKET)))
        if len(pages) >= MAX_PAGES:
            pages.pop(next(iter(pages)), None)
        pages[key] = page
    return page


def kept_page(app: Flask, key: PageKey) -> SavedPage | None:
    """The saved page of ``key`` when ``app`` has made it already (None: not yet)."""
    return app.extensions.get(_PAGES, {}).get(key)


def slot_values(ticket: str, unit_name: str, counter_name: str | None) -> dict[int, str]:
    """This request's values: a CSRF token (kept in the session as Flask-WTF does), the ticket,
    the names."""
    return {CSRF: generate_csrf(), TICKET: ticket, UNIT: unit_name, COUNTER: counter_name or ""}
