"""The questionnaire model: frozen, hashable dataclasses built by the loader.

A questionnaire is data, versioned and never edited once published (see
``questionnaires/definitions/README.md``). These classes hold no behaviour beyond lookups; the
loader validates a definition before building them, and ``questionnaires.answers`` parses a
submitted form against them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

DEFAULT_LANGUAGE = "vi"
COMMENT_MAX_LENGTH = 2000
RESERVED_FIELD_NAMES = frozenset({"csrf_token", "sid", "website", "lang"})


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of user-facing text in several languages; Vietnamese (``vi``) is required.

    Stored as ``(language, string)`` pairs, Vietnamese first and the others sorted, so two texts
    with the same translations are equal and hashable.
    """

    pairs: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        languages = [lang for lang, _ in self.pairs]
        if DEFAULT_LANGUAGE not in languages:
            raise ValueError(f"a Text needs a Vietnamese ('vi') string; got languages {languages}")
        if len(set(languages)) != len(languages):
            raise ValueError(f"a Text has a language twice: {languages}")
        ordered = tuple(sorted(self.pairs, key=lambda p: (p[0] != DEFAULT_LANGUAGE, p[0])))
        object.__setattr__(self, "pairs", ordered)

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None = None, /, **translations: str) -> Text:
        """Build from a mapping and/or keywords: ``Text.of(vi="Đất đai", en="Land")``."""
        merged = {**(mapping or {}), **translations}
        return cls(tuple(merged.items()))

    def get(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """The string in ``lang``, falling back to Vietnamese."""
        for code, value in self.pairs:
            if code == lang:
                return value
        return self.vi

    @property
    def vi(self) -> str:
        """The Vietnamese string."""
        return self.pairs[0][1]

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages present, Vietnamese first."""
        return tuple(lang for lang, _ in self.pairs)

    def as_dict(self) -> dict[str, str]:
        """The translations as a plain dict (e.g. for JSON)."""
        return dict(self.pairs)

    def __str__(self) -> str:
        return self.vi


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a choice question: the stored ``code`` and its shown ``label``."""

    code: str
    label: Text


@dataclass(frozen=True, slots=True)
class Level:
    """One level of the answer scale: the stored integer ``code`` and its shown ``label``."""

    code: int
    label: Text


@dataclass(frozen=True, slots=True)
class Scale:
    """The answer scale of every item: levels 1..5 and an optional "not applicable" choice.

    "Not applicable" (code ``na``) is offered to the respondent but is not a valid answer for the
    index (sipas-methodology.md §3-4).
    """

    levels: tuple[Level, ...]
    not_applicable: Option | None

    @property
    def level_codes(self) -> tuple[int, ...]:
        """The level codes in order, e.g. ``(1, 2, 3, 4, 5)``."""
        return tuple(level.code for level in self.levels)

    @property
    def choices(self) -> tuple[Level | Option, ...]:
        """Every choice the form offers, in display order (levels, then not applicable)."""
        extra = (self.not_applicable,) if self.not_applicable is not None else ()
        return (*self.levels, *extra)


SIPAS_SCALE = Scale(
    levels=(
        Level(1, Text.of(vi="Rất không hài lòng", en="Very dissatisfied")),
        Level(2, Text.of(vi="Không hài lòng", en="Dissatisfied")),
        Level(3, Text.of(vi="Bình thường", en="Neutral")),
        Level(4, Text.of(vi="Hài lòng", en="Satisfied")),
        Level(5, Text.of(vi="Rất hài lòng", en="Very satisfied")),
    ),
    not_applicable=Option(
        "na", Text.of(vi="Không có ý kiến / không áp dụng", en="No opinion / not applicable")
    ),
)
"""The five-level SIPAS scale with "not applicable" (Decision 1001/QĐ-BNV, 2023)."""


@dataclass(frozen=True, slots=True)
class Item:
    """One rated statement; its ``id`` is also its form field name."""

    id: str
    text: Text
    required: bool


@dataclass(frozen=True, slots=True)
class Element:
    """One element (yếu tố) of service: a titled group of items."""

    id: str
    title: Text
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class ChoiceQuestion:
    """A single-choice question (the service field, a demographic question)."""

    id: str
    label: Text
    options: tuple[Option, ...]
    required: bool

    @property
    def option_codes(self) -> tuple[str, ...]:
        """The option codes in display order."""
        return tuple(option.code for option in self.options)

    def option(self, code: str) -> Option:
        """The option with ``code``; ``KeyError`` if there is none."""
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(f"question {self.id!r} has no option {code!r}; options: {self.option_codes}")


@dataclass(frozen=True, slots=True)
class CommentQuestion:
    """The optional free-text comment (góp ý); at most ``max_length`` characters after cleaning."""

    id: str
    label: Text
    max_length: int


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """One published version of a questionnaire.

    ``(id, version)`` identifies it; a published version never changes.
    """

    id: str
    version: int
    languages: tuple[str, ...]
    title: Text
    intro: Text
    privacy_note: Text
    elements: tuple[Element, ...]
    service_field: ChoiceQuestion | None
    demographics: tuple[ChoiceQuestion, ...]
    comment: CommentQuestion | None
    scale: Scale = SIPAS_SCALE

    @property
    def key(self) -> tuple[str, int]:
        """``(id, version)``."""
        return (self.id, self.version)

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item, element by element, in order."""
        return tuple(item for element in self.elements for item in element.items)

    @property
    def item_ids(self) -> tuple[str, ...]:
        """The ids of every item, in order."""
        return tuple(item.id for item in self.items)

    def item(self, item_id: str) -> Item:
        """The item with ``item_id``; ``KeyError`` if there is none."""
        for item in self._iter_items():
            if item.id == item_id:
                return item
        raise KeyError(f"questionnaire {self.id!r} v{self.version} has no item {item_id!r}")

    def element_of(self, item_id: str) -> Element:
        """The element holding item ``item_id``; ``KeyError`` if there is none."""
        for element in self.elements:
            if any(item.id == item_id for item in element.items):
                return element
        raise KeyError(f"questionnaire {self.id!r} v{self.version} has no item {item_id!r}")

    @property
    def choice_questions(self) -> tuple[ChoiceQuestion, ...]:
        """The service field (if any) then the demographic questions."""
        head = (self.service_field,) if self.service_field is not None else ()
        return (*head, *self.demographics)

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every form field name in form order: service field, items, demographics, comment."""
        names: list[str] = []
        if self.service_field is not None:
            names.append(self.service_field.id)
        names.extend(self.item_ids)
        names.extend(question.id for question in self.demographics)
        if self.comment is not None:
            names.append(self.comment.id)
        return tuple(names)

    def _iter_items(self) -> Iterator[Item]:
        for element in self.elements:
            yield from element.items
