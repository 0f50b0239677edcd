"""Fuzzing the citizen's forms and the receipt-code API with Hypothesis: never a 500, and every
response or code stored is valid.

One app and one survey per test function (building them is the expensive part); Hypothesis runs
its examples inside. Inputs: arbitrary field names and values (any Unicode, control characters,
long text, repeated fields, raw bytes that are not UTF-8), with a valid CSRF token and form id,
without, with forged ones or with another form's; for the API arbitrary JSON, content types and
``Authorization`` headers next to a valid key.
"""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from support import form_tokens
from werkzeug.datastructures import MultiDict

from questionnaires.registry import get_questionnaire
from survey_app.db import get_db
from survey_app.db.models import ApiClient, ReceiptCode, Response, SurveyRound, Unit
from survey_app.trust.api_pages import key_hash, new_key
from survey_app.trust.receipts import IssueRequest, issue_codes

QUESTIONNAIRE = get_questionnaire("sipas-2023", 1)
ITEMS = tuple(item.id for item in QUESTIONNAIRE.items)
LEVELS: tuple[int | str, ...] = (1, 2, 3, 4, 5, "na")
SERVICE = QUESTIONNAIRE.service_field
DEMOGRAPHICS = {question.id: question.option_codes for question in QUESTIONNAIRE.demographics}
COMMENT = QUESTIONNAIRE.comment
assert SERVICE is not None and COMMENT is not None and COMMENT.max_length == 2000

FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- strategies --------------------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
CONTROL = st.text(st.characters(min_codepoint=0, max_codepoint=0x9F), min_size=1, max_size=10)
TRICKY = st.sampled_from(
    [
        "",
        " ",
        "3 ",
        " na",
        "NA",
        "0",
        "6",
        "-1",
        "4.0",
        "٣",  # Arabic-Indic three
        "３",  # full-width three
        "1\x00",
        "<script>alert(1)</script>",
        "'; DROP TABLE responses; --",
        "\u202e5",
        "e\u0301",  # decomposed é: stored as NFC
        "\ufeff",
        "\U0001f600" * 3,
    ]
)
LONG = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["a", "ạ", "\n", "\U0001f600", "\x07"]),
    st.integers(1900, 2100),
)
HUGE = st.builds(lambda n: "x" * n, st.integers(66_000, 70_000))  # past MAX_CONTENT_LENGTH
KNOWN_FIELDS = (
    *ITEMS,
    SERVICE.id,
    *DEMOGRAPHICS,
    COMMENT.id,
    "csrf_token",
    "sid",
    "website",
    "lang",
)
VALID_VALUES = (
    *(str(level) for level in LEVELS),
    *SERVICE.option_codes,
    *(code for codes in DEMOGRAPHICS.values() for code in codes),
)
FIELD = st.one_of(st.sampled_from(KNOWN_FIELDS), TEXT)
VALUE = st.one_of(st.sampled_from(VALID_VALUES), TEXT, CONTROL, TRICKY, LONG, st.just("").map(str))
FULL_ANSWERS = st.fixed_dictionaries({item: st.sampled_from(LEVELS).map(str) for item in ITEMS})
EXTRA = st.fixed_dictionaries(
    {},
    optional={
        SERVICE.id: st.one_of(st.sampled_from(SERVICE.option_codes), VALUE),
        COMMENT.id: st.one_of(TEXT, LONG, CONTROL, TRICKY),
        **{name: st.one_of(st.sampled_from(codes), VALUE) for name, codes in DEMOGRAPHICS.items()},
    },
)


def mostly(usual: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly ``usual``, sometimes ``other`` (so that most posts reach the storing)."""
    return st.sampled_from([True] * 4 + [False]).flatmap(lambda u: usual if u else other)


TOKENS = st.sampled_from(["valid"] * 8 + ["none", "forged", "csrf_only", "other_form"])


@st.composite
def submissions(draw: st.DrawFn) -> dict[str, object]:
    """A form post: which tokens, the answers (often a full valid set), fuzzed pairs, a body."""
    body = draw(st.sampled_from(["form"] * 6 + ["raw", "huge"]))
    return {
        "tokens": draw(TOKENS),
        "answers": draw(FULL_ANSWERS) if draw(st.integers(0, 3)) else {},
        "extra": draw(EXTRA),
        "pairs": draw(st.lists(st.tuples(FIELD, VALUE), max_size=8)),
        "fuzz_first": draw(st.booleans()),
        "raw": draw(st.binary(max_size=300)) if body == "raw" else None,
        "huge": draw(HUGE) if body == "huge" else None,
    }


VALID_SUBMISSION = {
    "tokens": "valid",
    "answers": {item: "4" for item in ITEMS},
    "extra": {COMMENT.id: "  Cán bộ  nhiệt tình\r\n\x00cảm ơn\t! "},
    "pairs": [],
    "fuzz_first": False,
    "raw": None,
    "huge": None,
}


# --- helpers -----------------------------------------------------------------------------------


def _no_limits(app: Flask) -> None:
    """The fuzzing posts far more than a phone would: lift the submission limits."""
    app.config["SUBMIT_LIMIT_PER_FORM"] = "1000000 per minute"
    app.config["SUBMIT_LIMIT_PER_ADDRESS"] = "1000000 per minute"


def post_fuzzed(client: FlaskClient, path: str, other_path: str, case: dict) -> int:
    """GET the form at ``path`` (for its tokens), then POST the fuzzed ``case``; the status."""
    tokens: dict[str, str] = {}
    page = client.get(path, follow_redirects=True)  # a code typed otherwise leads to its form
    assert page.status_code < 500
    if case["tokens"] != "none" and page.status_code == 200:
        real = form_tokens(page.get_data(as_text=True))
        if case["tokens"] == "valid":
            tokens = real
        elif case["tokens"] == "csrf_only":
            tokens = {"csrf_token": real.get("csrf_token", "")}
        elif case["tokens"] == "forged":
            tokens = {"csrf_token": real.get("csrf_token", ""), "sid": "eyJuIjoiMSJ9.forged"}
        else:  # a genuine form id of another form (another counter or unit)
            other = form_tokens(client.get(other_path).get_data(as_text=True))
            tokens = {"csrf_token": real.get("csrf_token", ""), "sid": other.get("sid", "")}
    known = [*tokens.items(), *case["answers"].items(), *case["extra"].items()]
    pairs = [*case["pairs"], *known] if case["fuzz_first"] else [*known, *case["pairs"]]
    if case["huge"] is not None:
        pairs.append(("comment", case["huge"]))
    if case["raw"] is not None:
        body = urlencode(pairs).encode() + b"&" + case["raw"]
        reply = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    else:
        reply = client.post(path, data=MultiDict(pairs))
    assert reply.status_code < 500, reply.get_data(as_text=True)[:500]
    if reply.status_code == 303:
        assert "/cam-on" in reply.headers["Location"]
    return reply.status_code


def assert_only_valid_responses(app: Flask, channel: str, round_id: int) -> int:
    """Every stored response is one a citizen could have given on the form; their number."""
    with app.app_context():
        rows = get_db().session.scalars(select(Response)).all()
        units = dict(get_db().session.execute(select(Unit.id, Unit.code)).all())
    for row in rows:
        assert row.channel == channel and row.round_id == round_id
        assert row.unit_id in units and row.submission_id and row.submitted_at is not None
        assert (row.questionnaire_id, row.questionnaire_version) == ("sipas-2023", 1)
        assert set(row.answers) == set(ITEMS)  # every item is required in sipas-2023
        assert all(value in LEVELS for value in row.answers.values()), row.answers
        assert row.service_field is None or row.service_field in SERVICE.option_codes
        assert all(row.profile[k] in DEMOGRAPHICS[k] for k in row.profile), row.profile
        if row.comment is not None:
            comment = row.comment
            assert comment and comment == comment.strip()
            assert len(comment) <= COMMENT.max_length
            assert unicodedata.is_normalized("NFC", comment)
            assert all(c == "\n" or unicodedata.category(c) not in ("Cc", "Cs") for c in comment), (
                repr(comment)
            )
    return len(rows)


def as_typed(code: str) -> st.SearchStrategy[str]:
    """The ways people type a receipt code: as printed, lower case, dashed, with spaces."""
    dashed = "-".join(code[i : i + 4] for i in range(0, len(code), 4))
    return st.sampled_from([code, code, code.lower(), dashed, f" {code} "])


# --- the citizen's forms -----------------------------------------------------------------------


COUNTERS = ["SNV-1", "snv-1", "BDT-1", "SNV-1\x00", "\x00", "%00", "SNV-1/cam-on"]


def test_the_counter_form_never_fails_and_stores_only_valid_answers(
    app: Flask, survey: dict
) -> None:
    _no_limits(app)
    client = app.test_client()

    @FUZZ
    @given(case=submissions(), counter=mostly(st.just("SNV-1"), st.sampled_from(COUNTERS) | TEXT))
    @example(case=VALID_SUBMISSION, counter="SNV-1")
    def run(case: dict, counter: str) -> None:
        post_fuzzed(client, f"/s/{quote(counter, safe='')}", "/s/BDT-1", case)

    run()
    assert assert_only_valid_responses(app, "counter_qr", survey["round_id"]) > 0


UNIT_CODES = ["SNV", "snv", "BDT", "SNV\x00", "\x00", "%00", "SNV/../BDT"]


def test_the_public_link_form_never_fails_and_stores_only_valid_answers(
    app: Flask, survey: dict
) -> None:
    _no_limits(app)
    client = app.test_client()

    @FUZZ
    @given(
        case=submissions(),
        unit=mostly(st.just("SNV"), st.sampled_from(UNIT_CODES) | TEXT),
    )
    @example(case=VALID_SUBMISSION, unit="SNV")
    def run(case: dict, unit: str) -> None:
        post_fuzzed(client, f"/u/{quote(unit, safe='')}", "/u/BDT", case)

    run()
    assert assert_only_valid_responses(app, "public_link", survey["round_id"]) > 0


def test_receipt_code_forms_never_fail_and_store_only_valid_answers(
    app: Flask, survey: dict
) -> None:
    _no_limits(app)
    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        issued = issue_codes(
            session,
            app.secret_key,
            survey_round,
            [IssueRequest(f"HS-{n:04d}", unit) for n in range(60)],
            days=30,
            zone=ZoneInfo("Asia/Ho_Chi_Minh"),
        )
        codes = [item.code for item in issued]
    client = app.test_client()
    code_strategy = mostly(st.sampled_from(codes).flatmap(as_typed), TEXT | CONTROL)

    @FUZZ
    @given(case=submissions(), code=code_strategy)
    @example(case=VALID_SUBMISSION, code=codes[0])
    def run(case: dict, code: str) -> None:
        post_fuzzed(client, f"/r/{quote(code, safe='')}", f"/r/{codes[-1]}", case)
        assert client.get(f"/r?code={quote(code, safe='')}").status_code < 500

    run()
    stored = assert_only_valid_responses(app, "receipt", survey["round_id"])
    with app.app_context():
        used = get_db().session.scalars(
            select(ReceiptCode).where(ReceiptCode.redeemed_on.is_not(None))
        )
        assert stored == len(used.all()) > 0  # one response per code used, and the reverse


# --- the receipt-code API ----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
API_FIELD_VALUES = st.one_of(
    st.sampled_from(["SNV", "BDT", "86", "snv", "Đợt thử", "HS-1", "000.00.12.H62-261127-0001"]),
    TEXT,
    CONTROL,
    TRICKY,
    LONG,
    JSON_VALUES,
)
API_OBJECTS = st.fixed_dictionaries(
    {},
    optional={
        "dossier_code": API_FIELD_VALUES,
        "unit_code": API_FIELD_VALUES,
        "round": API_FIELD_VALUES,
    },
).flatmap(
    lambda known: st.dictionaries(TEXT, JSON_VALUES, max_size=3).map(lambda o: {**o, **known})
)
RAW_BODIES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"null",
            b"[]",
            b"{",
            b'{"dossier_code": "\\ud800", "unit_code": "SNV"}',
            b'{"dossier_code": "HS-1", "unit_code": "\\udfff"}',
            b'{"dossier_code": "HS-1", "unit_code": "SNV\\u0000"}',
            b'{"dossier_code": "HS-\\u0000", "unit_code": "SNV"}',
            b"[" * 50_000,
            b'{"a":' * 20_000,
            b"\xff\xfe{\x00}\x00",
            b'{"dossier_code": 1e999, "unit_code": "SNV"}',
        ]
    ),
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "",
        "application/json; charset=latin-1",
    ]
)
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)


def test_the_api_never_fails_and_issues_only_valid_codes(app: Flask, survey: dict) -> None:
    key = new_key()
    with app.app_context(), get_db().begin() as session:
        session.add(ApiClient(name="one-stop", key_hash=key_hash(key), active=True))
    client = app.test_client()
    authorizations = st.one_of(
        st.just(f"Bearer {key}"),
        st.just(f"Bearer {key}"),
        st.just(f"bearer   {key}  "),
        st.none(),
        HEADER_TEXT,
        HEADER_TEXT.map(lambda t: "Bearer " + t),
    )

    @settings(FUZZ, max_examples=200)
    @given(
        body=st.one_of(API_OBJECTS, API_OBJECTS, JSON_VALUES, RAW_BODIES),
        authorization=authorizations,
        content_type=CONTENT_TYPES,
        method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
    )
    @example(
        body={"dossier_code": "HS-0001", "unit_code": "SNV"},
        authorization=f"Bearer {key}",
        content_type="application/json",
        method="POST",
    )
    @example(body=b"[" * 50_000, authorization=f"Bearer {key}", content_type="", method="POST")
    @example(
        body=b'{"dossier_code": "HS-\\ud800", "unit_code": "SNV"}',
        authorization=f"Bearer {key}",
        content_type="application/json",
        method="POST",
    )
    @example(
        body={"dossier_code": "HS-2", "unit_code": "SNV\x00", "round": "\x00"},
        authorization=f"Bearer {key}",
        content_type="application/json",
        method="POST",
    )
    def run(body: object, authorization: str | None, content_type: str, method: str) -> None:
        headers = {"Authorization": authorization} if authorization is not None else {}
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        reply = client.open(
            "/api/v1/receipt-codes",
            method=method,
            data=data,
            headers=headers,
            content_type=content_type,
        )
        assert reply.status_code < 500, (reply.status_code, reply.get_data(as_text=True)[:300])
        payload = reply.get_json(silent=True)
        assert isinstance(payload, dict), reply.get_data(as_text=True)[:300]
        if reply.status_code in (200, 201):
            assert set(payload) == {"code", "url", "expires_at", "expires_on"}
            assert payload["url"].startswith("http://sipas.test/r/")
        else:
            assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message"}

    run()
    with app.app_context():
        session = get_db().session
        rows = session.scalars(select(ReceiptCode)).all()
        assert rows  # the valid example at least
        for row in rows:
            assert row.unit in row.survey_round.units and row.redeemed_on is None
            assert len(row.code_hash) == 64 and row.expires_at is not None


@pytest.mark.parametrize("path", ["/s/SNV-1", "/u/SNV", "/r/ABCD", "/r", "/admin/login"])
def test_a_get_with_arbitrary_query_strings_never_fails(
    client: FlaskClient, survey: dict, path: str
) -> None:
    @settings(FUZZ, max_examples=30)
    @given(query=st.lists(st.tuples(TEXT, st.one_of(TEXT, CONTROL, TRICKY)), max_size=5))
    def run(query: list[tuple[str, str]]) -> None:
        reply = client.get(path, query_string=MultiDict(query))
        assert reply.status_code < 500

    run()


@pytest.mark.parametrize(
    "path",
    [
        "/s/SNV-1%00",
        "/s/SNV-1%00/cam-on",
        "/u/SNV%00",
        "/u/SNV%00/cam-on",
        "/r/%00/cam-on",
        "/qr/SNV-1%00.png",
        "/qr/SNV-1%00.svg",
        "/posters/SNV-1%00.pdf",
    ],
)
def test_an_address_with_a_nul_is_not_found(client: FlaskClient, survey: dict, path: str) -> None:
    """PostgreSQL text cannot hold NUL: such an address names nothing (it was a 500 there)."""
    assert client.get(path).status_code == 404
