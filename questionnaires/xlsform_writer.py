"""A questionnaire's JSON definition written as XLSForm sheets (the inverse of
`questionnaires.xlsform.convert_xlsform`): a template to edit in a spreadsheet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from questionnaires.xlsform_sheets import LANGUAGE_NAMES


def _labels(text: Mapping[str, str], languages: Sequence[str]) -> list[str]:
    return [text.get(lang, "") for lang in languages]


def to_xlsform(data: Mapping[str, Any]) -> dict[str, list[list[object]]]:
    """A JSON definition as XLSForm sheets (the inverse of `convert_xlsform`)."""
    languages = list(data["languages"])
    label_columns = [f"label::{LANGUAGE_NAMES.get(lang, lang)}" for lang in languages]
    survey: list[list[object]] = [["type", "name", *label_columns, "required", "constraint"]]
    choices: list[list[object]] = [["list_name", "name", *label_columns]]
    scale = data["scale"]
    for level in scale["levels"]:
        choices.append(["scale", level["code"], *_labels(level["label"], languages)])
    if scale.get("not_applicable"):
        na = scale["not_applicable"]
        choices.append(["scale", na["code"], *_labels(na["label"], languages)])
    for key in ("intro", "privacy_note"):
        survey.append(["note", key, *_labels(data[key], languages), "", ""])

    def choice(question: Mapping[str, Any]) -> None:
        list_name = f"{question['id']}_options"
        yes = "yes" if question["required"] else "no"
        labels = _labels(question["label"], languages)
        survey.append([f"select_one {list_name}", question["id"], *labels, yes, ""])
        for option in question["options"]:
            choices.append([list_name, option["code"], *_labels(option["label"], languages)])

    if data.get("service_field"):
        choice(data["service_field"])
    for element in data["elements"]:
        survey.append(["begin group", element["id"], *_labels(element["title"], languages), "", ""])
        for item in element["items"]:
            yes = "yes" if item["required"] else "no"
            survey.append(
                ["select_one scale", item["id"], *_labels(item["text"], languages), yes, ""]
            )
        survey.append(["end group", "", *["" for _ in languages], "", ""])
    for question in data.get("demographics") or ():
        choice(question)
    if data.get("comment"):
        comment = data["comment"]
        labels = _labels(comment["label"], languages)
        length = f"string-length(.) <= {comment['max_length']}"
        survey.append(["text", comment["id"], *labels, "no", length])
    title_columns = [f"form_title::{LANGUAGE_NAMES.get(lang, lang)}" for lang in languages]
    settings = [
        ["form_id", "version", *title_columns],
        [data["id"], data["version"], *_labels(data["title"], languages)],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}
