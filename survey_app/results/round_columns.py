"""A round's answers straight from the database into columns: the fast analysis input (issue 12).

One query, no ORM object per answer. PostgreSQL: each answer's item levels as one short text
(``responses.levels``, derived from the ``jsonb`` answers and filled in by the signals' scan;
computed by the database for answers not yet filled in, ``survey_app.db.levels``), through
CSV texts of 50,000 rows each made by the database into a multi-threaded columnar reader
(pyarrow), then one byte per item into numpy. SQLite: one column per item
(``answers -> '$."q15"'``) through the cursor in large batches.

On SQLite each item cell arrives as the JSON text of the stored value: ``1``…``5`` are answers,
a JSON string (``"na"``: "không áp dụng"), ``null``, a missing key or a number with a fraction
are "no valid answer" (NaN), as in the responses export; any other value (``7``, ``true``) is
an error. The levels text encodes the same decisions (``-`` none, ``?`` an error).
The result equals ``to_sipas_data(table_from_rows(*response_rows(…)))`` (the export path);
whenever something is wrong (a bad cell, a respondent without a count, an unsupported ``--by``
column) the caller falls back to that path, which names every problem by row and column.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from numpy.typing import NDArray
from sqlalchemy import Select, Text, bindparam, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session

from analysis import PostStrata, SipasData
from questionnaires import Questionnaire
from survey_app.csv_files import dictionary_indices
from survey_app.db.levels import NO_LEVEL, levels_expression
from survey_app.db.models import Counter, Response, SurveyRound, Unit

EMPTY_GROUP = "(trống)"
"""The group of a respondent without a value in the ``--by`` column (as the export path)."""
_SIMPLE_COLUMNS = ("unit_code", "counter_code", "channel", "round", "questionnaire", "comment")


class NotColumnar(Exception):
    """The fast path cannot give the same answer: use the export path (it names the problem)."""


@dataclass(frozen=True)
class RoundColumns:
    """The analysis input of a round and, when asked for, its post-strata."""

    data: SipasData
    post_strata: PostStrata | None


def _profile_ids(questionnaire: Questionnaire) -> list[str]:
    service = [questionnaire.service_field.id] if questionnaire.service_field else []
    return service + [d.id for d in questionnaire.demographics]


def _text_column(name: str, profile: Collection[str]):  # type: ignore[no-untyped-def]
    """The SQL expression of an export column usable for --by or --cell, or NotColumnar."""
    simple = {
        "unit_code": Unit.code,
        "counter_code": Counter.code,
        "channel": Response.channel,
        "round": SurveyRound.name,
        "questionnaire": Response.questionnaire_id,
        "comment": Response.comment,
    }
    if name in simple:
        return simple[name]
    if name == "service_field":
        # the export: the response's own service field, else the profile's
        return func.coalesce(
            func.nullif(Response.service_field, ""),
            cast(Response.profile["service_field"].as_string(), Text),
        )
    if name in profile:
        return cast(Response.profile[name].as_string(), Text)
    raise NotColumnar(name)


def _item(item: str, dialect: str):  # type: ignore[no-untyped-def]
    """The JSON text of one item's stored value: ``answers -> item`` (SQLite's ``->`` keeps
    ``true`` apart from ``1``, which ``json_extract`` does not).
    """
    if dialect == "sqlite":
        return Response.answers.op("->", return_type=Text)(literal(f'$."{item}"'))
    return cast(Response.answers[item], Text)


def _query(
    dialect: str,
    survey_round: SurveyRound,
    items: list[str],
    extra: dict[str, object],
    *,
    exclude_flagged: bool,
    channels: Collection[str] | None,
) -> Select:
    if dialect == "postgresql":
        # the stored levels text, or (not yet filled in) computed from answers by the database
        answers = [
            func.coalesce(
                Response.levels, literal_column(levels_expression(items, "responses.answers"))
            ).label("levels")
        ]
    else:
        answers = [_item(item, dialect).label(f"i{n}") for n, item in enumerate(items)]
    columns = [
        Unit.code.label("unit_code"),
        Response.questionnaire_id.label("questionnaire"),
        cast(Response.questionnaire_version, Text).label("questionnaire_version"),
        *answers,
        *(cast(expr, Text).label(label) for label, expr in extra.items()),  # type: ignore[call-overload]
    ]
    query = (
        select(*columns)
        .select_from(Response)
        .join(Unit, Unit.id == Response.unit_id)
        .outerjoin(Counter, Counter.id == Response.counter_id)
        .join(SurveyRound, SurveyRound.id == Response.round_id)
        .where(Response.round_id == survey_round.id)
        .where(Response.state.not_in(["excluded", "flagged"] if exclude_flagged else ["excluded"]))
    )
    if dialect != "postgresql":
        query = query.order_by(Response.id)
    if channels is not None:
        query = query.where(Response.channel.in_(list(channels)))
    return query


ROWS_PER_CHUNK = 50_000
"""Rows the database joins into one CSV text (one fetched row) for the PostgreSQL path."""


def _csv_field(name: str) -> str:
    return f"""COALESCE('"' || replace(s.{name}, '"', '""') || '"', '')"""


def _fetch_postgresql(session: Session, query: Select, names: list[str], round_id: int) -> pa.Table:
    """The query's rows as CSV texts of up to ``ROWS_PER_CHUNK`` answers, each made by the
    database (``string_agg`` over a range of ids: a few dozen fetched rows instead of one per
    answer, quoted as COPY's CSV does, NULL as nothing), read by pyarrow's multi-threaded CSV
    reader. The rows come in the table's order within a range (no sort): the estimates are sums,
    equal to 1e-12 in any order.
    """
    row_id = Response.id
    ranged = query.where(row_id >= bindparam("lo", 0), row_id < bindparam("hi", 0))
    compiled = ranged.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    line = "concat_ws(',', " + ", ".join(_csv_field(name) for name in names) + ")"
    sql = f"SELECT string_agg({line}, E'\\n') FROM ({compiled}) AS s"
    params = dict(compiled.params)
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    chunks: list[bytes] = []
    try:
        # compiling the levels expression just in time costs seconds and saves nothing here
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            "SELECT min(id), max(id) FROM responses WHERE round_id = %(round)s", {"round": round_id}
        )
        first, last = cursor.fetchone()
        for low in range(first or 0, (last or -1) + 1, ROWS_PER_CHUNK):
            cursor.execute(sql, {**params, "lo": low, "hi": low + ROWS_PER_CHUNK})
            text = cursor.fetchone()[0]
            if text:
                chunks.append(text.encode())
    finally:
        cursor.close()
    if not chunks:
        return pa.table({name: pa.array([], pa.string()) for name in names})
    return pa_csv.read_csv(
        io.BytesIO(b"\n".join(chunks)),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=16 << 20),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        # quoted "" is an empty text, unquoted nothing is NULL
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _fetch_rows(session: Session, query: Select, names: list[str]) -> pa.Table:
    """The rows through the cursor, 50,000 at a time, into columns."""
    result = session.execute(query)
    columns: list[list[object]] = [[] for _ in names]
    while batch := result.fetchmany(50_000):
        for column, values in zip(columns, zip(*batch, strict=True), strict=True):
            column.extend(values)
    return pa.table(
        {
            name: pa.array([None if v is None else str(v) for v in values], pa.string())
            for name, values in zip(names, columns, strict=True)
        }
    )


def _answer_of(text: str | None) -> float:
    """One cell's JSON text → its answer (NaN: none); NotColumnar for a value that is an error."""
    if text is None or text == "null" or text.startswith(('"', "{", "[")):
        return float("nan")
    if text in {"1", "2", "3", "4", "5"}:
        return float(text)
    try:
        int(text)
    except ValueError:
        if text in {"true", "false"}:  # a JSON boolean: the export shows True/False, an error
            raise NotColumnar(text) from None
        return float("nan")  # a number with a fraction: not an int, the export leaves it empty
    raise NotColumnar(text)


def _answers(table: pa.Table, count: int) -> NDArray[np.float64]:
    """The (n, k) answers from the item columns ``i0``… (each decoded through its few values)."""
    answers = np.empty((table.num_rows, count))
    for column in range(count):
        encoded = table.column(f"i{column}").combine_chunks().dictionary_encode()
        values = np.array([_answer_of(v) for v in encoded.dictionary.to_pylist()] + [np.nan])
        indices = dictionary_indices(encoded.indices.fill_null(len(values) - 1))
        answers[:, column] = values[indices]
    return answers


_LEVEL_VALUES = np.full(256, -1.0)
_LEVEL_VALUES[[ord(c) for c in "12345"]] = [1.0, 2.0, 3.0, 4.0, 5.0]
_LEVEL_VALUES[ord(NO_LEVEL)] = np.nan


def _levels(column: pa.ChunkedArray, count: int) -> NDArray[np.float64]:
    """The (n, k) answers from the levels texts (``survey_app.db.levels``), one byte per item."""
    strings = column.combine_chunks()
    if strings.null_count or count == 0:
        raise NotColumnar("levels")
    offsets = np.frombuffer(strings.buffers()[1], np.int32)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    if np.any(np.diff(offsets) != count):
        raise NotColumnar("levels of another length")
    data = np.frombuffer(strings.buffers()[2], np.uint8)[offsets[0] : offsets[-1]]
    answers = _LEVEL_VALUES[data].reshape(len(strings), count)
    if np.any(answers == -1.0):  # "?" (a value the export path reports) or anything else
        raise NotColumnar("a stored value that is not an answer")
    return answers


def _factorised(table: pa.Table, name: str) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
    """A text column (NULL as "") as (its sorted distinct values, each row's index into them):
    one sort of the few distinct values, none of the rows."""
    encoded = table.column(name).fill_null("").combine_chunks().dictionary_encode()
    names, small = np.unique(
        np.array(encoded.dictionary.to_pylist(), dtype=str), return_inverse=True
    )
    return names, small.reshape(-1).astype(np.intp)[dictionary_indices(encoded.indices)]


def _strings(table: pa.Table, name: str) -> NDArray[np.str_]:
    """A text column as a numpy array of str (NULL as "")."""
    names, inverse = _factorised(table, name)
    return names[inverse]


def round_columns(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    *,
    unit_types: Mapping[str, str],
    populations: Mapping[str, int] | None,
    by: str | None = None,
    cell_counts: Mapping[tuple[str, str], float] | None = None,
    cell_column: str = "service_field",
    exclude_flagged: bool = False,
    channels: Collection[str] | None = None,
) -> RoundColumns:
    """The analysis input of ``survey_round`` (excluded answers left out; flagged ones too with
    ``exclude_flagged``; only ``channels`` when given), by one columnar query.

    Raises :class:`NotColumnar` whenever the export path must decide (it reports problems).
    """
    items = list(questionnaire.item_ids)
    profile = _profile_ids(questionnaire)
    extra: dict[str, object] = {}
    if by is not None:
        extra["by"] = _text_column(by, profile)
    if cell_counts is not None:
        extra["cell"] = _text_column(cell_column, profile)
    dialect = session.get_bind().dialect.name
    query = _query(
        dialect, survey_round, items, extra, exclude_flagged=exclude_flagged, channels=channels
    )
    names = [
        "unit_code",
        "questionnaire",
        "questionnaire_version",
        *(["levels"] if dialect == "postgresql" else (f"i{n}" for n in range(len(items)))),
        *extra,
    ]
    if dialect == "postgresql":
        table = _fetch_postgresql(session, query, names, survey_round.id)
    else:
        table = _fetch_rows(session, query, names)
    if table.num_rows == 0:
        raise NotColumnar("no responses")
    wanted = (questionnaire.id, str(questionnaire.version))
    for name, value in zip(("questionnaire", "questionnaire_version"), wanted, strict=True):
        if table.column(name).null_count or set(table.column(name).unique().to_pylist()) != {value}:
            raise NotColumnar("answers to another questionnaire")
    if dialect == "postgresql":
        answers = _levels(table.column("levels"), len(items))
    else:
        answers = _answers(table, len(items))
    unit_names, unit_index = _factorised(table, "unit_code")
    units = unit_names[unit_index]
    groups = None
    if by is not None:
        given = _strings(table, "by")
        groups = np.where(given == "", EMPTY_GROUP, given)
    post = None
    if cell_counts is not None:
        labels = _strings(table, "cell")
        pairs = set(zip(units.tolist(), labels.tolist(), strict=True))
        if any(pair not in cell_counts for pair in pairs):
            raise NotColumnar("respondents without a count")
        post = PostStrata(labels, dict(cell_counts), name=cell_column)
    data = SipasData(
        unit_codes=units,
        unit_index=(unit_names, unit_index),
        answers=answers,
        item_ids=tuple(items),
        elements=tuple((e.id, tuple(i.id for i in e.items)) for e in questionnaire.elements),
        unit_types=dict(unit_types),
        populations=dict(populations) if populations is not None else None,
        groups=groups,
    )
    return RoundColumns(data, post)
