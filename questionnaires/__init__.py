"""SIPAS questionnaires: the model, the loader and validator, the answer parser, and the
shipped, versioned definitions (``questionnaires/definitions/<id>/<version>.json``).

Standard library only. Typical use::

    from questionnaires import get_questionnaire, parse_submission
    q = get_questionnaire("sipas-2023", 1)
    parsed = parse_submission(q, request.form)
"""

from questionnaires.answers import (
    ErrorCode,
    ParsedSubmission,
    clean_comment,
    error_message,
    parse_submission,
)
from questionnaires.loader import (
    load_questionnaire,
    load_questionnaire_data,
    load_questionnaire_file,
    load_questionnaire_text,
)
from questionnaires.model import (
    ChoiceQuestion,
    CommentQuestion,
    Element,
    Item,
    Level,
    Option,
    Questionnaire,
    Scale,
    Text,
)
from questionnaires.problems import LoadResult, Problem, format_problems
from questionnaires.registry import (
    InvalidDefinition,
    UnknownQuestionnaire,
    get_questionnaire,
    latest,
    shipped,
)

__all__ = [
    "ChoiceQuestion",
    "CommentQuestion",
    "Element",
    "ErrorCode",
    "InvalidDefinition",
    "Item",
    "Level",
    "LoadResult",
    "Option",
    "ParsedSubmission",
    "Problem",
    "Questionnaire",
    "Scale",
    "Text",
    "UnknownQuestionnaire",
    "clean_comment",
    "error_message",
    "format_problems",
    "get_questionnaire",
    "latest",
    "load_questionnaire",
    "load_questionnaire_data",
    "load_questionnaire_file",
    "load_questionnaire_text",
    "parse_submission",
    "shipped",
]
