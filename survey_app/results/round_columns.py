"""A round's answers straight from the database into columns: the fast analysis input (issue 12).

One query, no ORM object per answer. PostgreSQL: each answer's item levels as one short text
(``responses.levels``, derived from the ``jsonb`` answers and filled in by the signals' scan;
computed by the database for answers not yet filled in, ``survey_app.db.levels``), with the
unit's id and whether the answer is to the questionnaire analysed, streamed by ``COPY … TO
STDOUT`` as CSV into a multi-threaded columnar reader (pyarrow), then one byte per item into
numpy; one row per unit (and ``--by``/``--cell`` value) with its answers' levels joined by the
database, so a million answers are a few hundred rows (decision 0028); the units' codes are
looked up once. SQLite: one column per item
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
from sqlalchemy import Select, Text, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session

from analysis import PostStrata, SipasData
from questionnaires import Questionnaire
from survey_app.csv_files import arrow_integers
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
    questionnaire: Questionnaire,
    items: list[str],
    extra: dict[str, object],
    *,
    exclude_flagged: bool,
    channels: Collection[str] | None,
) -> Select:
    if dialect == "postgresql":
        # one row per unit (and --by/--cell value: NULL is "", one group with it, as in the
        # export): whether every answer is to the questionnaire analysed with a levels text of
        # one byte per item, how many answers, and their levels texts joined (the stored text,
        # or, not yet filled in, computed from the answers by the database)
        levels = func.coalesce(
            Response.levels, literal_column(levels_expression(items, "responses.answers"))
        )
        extras = [
            func.coalesce(cast(expr, Text), "").label(label)  # type: ignore[call-overload]
            for label, expr in extra.items()
        ]
        columns = [
            Response.unit_id.label("unit_id"),
            *extras,
            func.bool_and(
                (Response.questionnaire_id == questionnaire.id)
                & (Response.questionnaire_version == questionnaire.version)
                & (func.length(levels) == len(items))
            ).label("ours"),
            func.count().label("answers"),
            func.string_agg(levels, literal_column("''")).label("levels"),
        ]
    else:
        columns = [
            Unit.code.label("unit_code"),
            Response.questionnaire_id.label("questionnaire"),
            cast(Response.questionnaire_version, Text).label("questionnaire_version"),
            *(_item(item, dialect).label(f"i{n}") for n, item in enumerate(items)),
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
    if dialect == "postgresql":
        query = query.group_by(Response.unit_id, *(literal_column(label) for label in extra))
    else:
        query = query.order_by(Response.id)
    if channels is not None:
        query = query.where(Response.channel.in_(list(channels)))
    return query


def _fetch_postgresql(session: Session, query: Select, names: list[str]) -> pa.Table:
    """The query's rows, one per unit (and --by/--cell value), through ``COPY … TO STDOUT`` as
    CSV, read by pyarrow. A row per answer would cost a Python step per answer in the driver;
    grouped, a million answers are a few hundred rows. The answers come in the table's order
    within a group: the estimates are sums, equal in any order.
    """
    compiled = query.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    chunks: list[bytes] = []
    try:
        # compiling the levels expression just in time costs seconds and saves nothing here
        cursor.execute("SET LOCAL jit = off")
        with cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)", compiled.params) as copy:
            chunks.extend(bytes(block) for block in copy)
    finally:
        cursor.close()
    types = {name: pa.string() for name in names} | {
        "unit_id": pa.int64(),
        "ours": pa.bool_(),
        "answers": pa.int64(),
        "levels": pa.large_string(),  # a group's answers joined: may pass 2 GB in all
    }
    if not chunks:
        return pa.table({name: pa.array([], types[name]) for name in names})
    blob = b"".join(chunks)  # a row per group: one block, however long a group's text
    if len(blob) >= 1 << 31:
        raise NotColumnar("more than 2 GB of levels: the export path reads them row by row")
    return pa_csv.read_csv(
        io.BytesIO(blob),
        read_options=pa_csv.ReadOptions(column_names=names, block_size=len(blob) + 1),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=types,
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
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
        indices = arrow_integers(encoded.indices.fill_null(len(values) - 1))
        answers[:, column] = values[indices]
    return answers


_LEVEL_VALUES = np.full(256, np.nan, dtype=np.float32)  # 1–5 and NaN are exact in 4 bytes
_LEVEL_VALUES[[ord(c) for c in "12345"]] = [1.0, 2.0, 3.0, 4.0, 5.0]
_NOT_A_LEVEL = np.ones(256, dtype=bool)
_NOT_A_LEVEL[[ord(c) for c in "12345" + NO_LEVEL]] = False


def _levels(column: pa.ChunkedArray, rows: int, count: int) -> NDArray[np.float32]:
    """The (rows, count) answers from the groups' joined levels texts (``survey_app.db.levels``:
    one byte per item, each answer's text ``count`` bytes long, checked by the query)."""
    if column.null_count or count == 0:
        raise NotColumnar("levels")
    parts = []
    for chunk in column.chunks:  # large strings: 64-bit offsets into one data buffer
        offsets = np.frombuffer(chunk.buffers()[1], np.int64)
        start, end = offsets[chunk.offset], offsets[chunk.offset + len(chunk)]
        parts.append(np.frombuffer(chunk.buffers()[2], np.uint8)[start:end])
    data = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
    if len(data) != rows * count:
        raise NotColumnar("levels of another length")
    if _NOT_A_LEVEL[data].any():  # "?" (a value the export path reports) or anything else
        raise NotColumnar("a stored value that is not an answer")
    return _LEVEL_VALUES[data].reshape(rows, count)


def _factorised(table: pa.Table, name: str) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
    """A text column (NULL as "") as (its sorted distinct values, each row's index into them):
    one sort of the few distinct values, none of the rows."""
    column = table.column(name)
    if column.null_count:
        column = column.fill_null("")
    encoded = column.combine_chunks().dictionary_encode()
    names, small = np.unique(
        np.array(encoded.dictionary.to_pylist(), dtype=str), return_inverse=True
    )
    return names, small.reshape(-1).astype(np.intp)[arrow_integers(encoded.indices)]


def _all_true(column: pa.ChunkedArray) -> bool:
    """Whether every value of a boolean column is true (and none is missing)."""
    return column.null_count == 0 and all(chunk.false_count == 0 for chunk in column.chunks)


def _unit_codes(
    session: Session, unit_ids: pa.ChunkedArray
) -> tuple[NDArray[np.str_], NDArray[np.intp]]:
    """Unit ids → (their sorted distinct codes, each row's index into them); one look-up of the
    units table instead of a code text per answer."""
    ids = np.concatenate([arrow_integers(chunk) for chunk in unit_ids.chunks])
    present, local = np.unique(ids, return_inverse=True)
    code_of = dict(
        session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(present.tolist()))).all()
    )
    codes = np.array([code_of[i] for i in present.tolist()], dtype=str)
    names, rank = np.unique(codes, return_inverse=True)
    return names, rank.reshape(-1).astype(np.intp)[local.reshape(-1)]


def _strings(
    table: pa.Table, name: str, repeats: NDArray[np.int64] | None = None
) -> NDArray[np.str_]:
    """A text column as a numpy array of str (NULL as ""), row ``i`` given ``repeats[i]`` times
    when ``repeats`` are given (a group's value for each of its answers)."""
    names, inverse = _factorised(table, name)
    return names[inverse if repeats is None else np.repeat(inverse, repeats)]


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
        dialect,
        survey_round,
        questionnaire,
        items,
        extra,
        exclude_flagged=exclude_flagged,
        channels=channels,
    )
    if dialect == "postgresql":
        table = _fetch_postgresql(session, query, ["unit_id", *extra, "ours", "answers", "levels"])
        if table.num_rows == 0:
            raise NotColumnar("no responses")
        if not _all_true(table.column("ours")):
            raise NotColumnar("answers to another questionnaire, or levels of another length")
        counts = np.concatenate([arrow_integers(c) for c in table.column("answers").chunks])
        answers = _levels(table.column("levels"), int(counts.sum()), len(items))
        unit_names, unit_index = _unit_codes(session, table.column("unit_id"))
        unit_index = np.repeat(unit_index, counts)
        repeats: NDArray[np.int64] | None = counts
    else:
        names = [
            "unit_code",
            "questionnaire",
            "questionnaire_version",
            *(f"i{n}" for n in range(len(items))),
            *extra,
        ]
        table = _fetch_rows(session, query, names)
        if table.num_rows == 0:
            raise NotColumnar("no responses")
        wanted = (questionnaire.id, str(questionnaire.version))
        for name, value in zip(("questionnaire", "questionnaire_version"), wanted, strict=True):
            column = table.column(name)
            if column.null_count or set(column.unique().to_pylist()) != {value}:
                raise NotColumnar("answers to another questionnaire")
        answers = _answers(table, len(items))
        unit_names, unit_index = _factorised(table, "unit_code")
        repeats = None
    units = unit_names[unit_index]
    groups = None
    if by is not None:
        given = _strings(table, "by", repeats)
        groups = np.where(given == "", EMPTY_GROUP, given)
    post = None
    if cell_counts is not None:
        labels = _strings(table, "cell", repeats)
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
