"""Messages said in English that keep their template and values (docs/decisions/0027, 0030).

A message a questionnaire definition (JSON or XLSForm) can trigger is written ``say("type %(kind)r
is not supported", kind=…)``: a `Said`, a ``str`` whose text is the English, that also keeps the
template and the values, so that an application can say it in another language (the web app's
``survey_app.survey.questionnaire_words``). A problem's message and hint are such messages.

The same few lines as ``analysis.said`` (``questionnaires`` is standard library only and imports
no other package of the project; a test keeps the copies alike).
"""

from __future__ import annotations

from typing import Any


class Said(str):
    """A message: the English text of ``template % values``, keeping the template and the
    values (a value may itself be `Said`: a word said inside the message)."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, values: dict[str, object]) -> Said:
        said = super().__new__(cls, template % values if values else template)
        said.template = template
        said.values = values
        return said

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.template, self.values))


def say(template: str, /, **values: object) -> Said:
    """The message ``template`` with its ``%(name)s`` fields filled in from ``values``."""
    return Said(template, values)


class SaidError(ValueError):
    """A ``ValueError`` whose text is its messages' English joined by ``sep``; ``messages``
    keeps each `Said`."""

    def __init__(self, *messages: Said, sep: str = "\n") -> None:
        super().__init__(sep.join(messages))
        self.messages: tuple[Said, ...] = messages
