"""Receipt codes: made from the dossier with the secret, used once, refused plainly otherwise."""

from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Date, inspect, select, update
from support import count_rows, form_tokens, full_answers

from survey_app.citizen import receipt_pages
from survey_app.cli.main import main
from survey_app.db import get_db, utcnow
from survey_app.db.models import ReceiptCode, Response, SurveyRound, Unit
from survey_app.trust.receipt_slips import COLUMNS, ROWS, SLIP_H, SLIP_W
from survey_app.trust.receipts import (
    ALPHABET,
    IssueConflicts,
    IssueRequest,
    code_hash,
    display,
    issue_codes,
    make_code,
    normalise,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
SECRET = "test-secret-key"  # the app fixture's SECRET_KEY


def issue(
    app: Flask,
    dossiers: tuple[str, ...] = ("HS-0001",),
    unit: str = "SNV",
    now: datetime | None = None,
) -> list[str]:
    """Issue codes in the fixture's round; returns the codes (compact form)."""
    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        unit_row = session.scalar(select(Unit).where(Unit.code == unit))
        issued = issue_codes(
            session,
            app.secret_key,
            survey_round,
            [IssueRequest(d, unit_row) for d in dossiers],
            days=30,
            zone=ZONE,
            now=now,
        )
        return [item.code for item in issued]


def open_form(client: FlaskClient, code: str) -> dict[str, str]:
    page = client.get(f"/r/{code}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return form_tokens(page.get_data(as_text=True))


def answer(client: FlaskClient, code: str, tokens: dict[str, str] | None = None):
    return client.post(f"/r/{code}", data={**(tokens or open_form(client, code)), **full_answers()})


# --- the code itself ------------------------------------------------------------------------
def _reference_code(secret: str, round_id: int, dossier: str) -> str:
    """The specification written out with bit strings: first 100 bits, 5 bits a character."""
    message = f"receipt-code|{round_id}|{dossier}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    bits = "".join(f"{byte:08b}" for byte in digest)[:100]
    return "".join(
        "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[int(bits[i : i + 5], 2)] for i in range(0, 100, 5)
    )


def test_a_code_is_the_hmac_of_round_and_dossier_in_100_bits_of_crockford_base32() -> None:
    code = make_code(SECRET, 7, "000.00.12.H62-240101-0001")
    assert code == _reference_code(SECRET, 7, "000.00.12.H62-240101-0001")
    assert len(code) == 20 and set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")
    assert make_code(SECRET, 7, "000.00.12.H62-240101-0001") == code  # same dossier, same code
    others = {
        make_code(SECRET, 8, "000.00.12.H62-240101-0001"),
        make_code(SECRET, 7, "000.00.12.H62-240101-0002"),
        make_code("another-secret", 7, "000.00.12.H62-240101-0001"),
    }
    assert code not in others and len(others) == 3
    assert (
        code_hash(SECRET, code)
        == hmac.new(SECRET.encode(), f"receipt-hash|{code}".encode(), hashlib.sha256).hexdigest()
    )
    assert display(code) == "-".join(code[i : i + 4] for i in range(0, 20, 4))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7K3MQ9XT2B4DH8RW5N6P", "7K3MQ9XT2B4DH8RW5N6P"),
        ("7k3m-q9xt-2b4d-h8rw-5n6p", "7K3MQ9XT2B4DH8RW5N6P"),
        (" 7K3M Q9XT 2B4D H8RW 5N6P ", "7K3MQ9XT2B4DH8RW5N6P"),
        ("7K3M.Q9XT.2B4D.H8RW.5N6P", "7K3MQ9XT2B4DH8RW5N6P"),
        ("OK3M-Q9XT-2B4D-H8RW-5NIL", "0K3MQ9XT2B4DH8RW5N11"),  # O, I, L read as 0, 1, 1
        ("7K3M-Q9XT-2B4D-H8RW-5N6", None),  # one character short
        ("7K3M-Q9XT-2B4D-H8RW-5N6PP", None),
        ("7K3M-Q9XT-2B4D-H8RW-5N6U", None),  # U is never in a code
        ("7K3M-Q9XT-2B4D-H8RW-5N6Ư", None),
        ("", None),
    ],
)
def test_what_people_type_is_read_as_the_code(typed: str, expected: str | None) -> None:
    assert normalise(typed) == expected


# --- using a code ---------------------------------------------------------------------------
def test_a_code_works_once_then_says_so_plainly_and_stores_nothing(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (code,) = issue(app)
    spare = open_form(client, code)  # a second form opened before the first is sent
    reply = answer(client, code)
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/r/{code}/cam-on")
    assert "Cảm ơn Ông/Bà!" in client.get(reply.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        stored = get_db().session.query(Response).one()
        assert (stored.channel, stored.counter_id, stored.unit.code) == ("receipt", None, "SNV")
        assert stored.round_id == survey["round_id"]
    again = client.get(f"/r/{code}")
    assert again.status_code == 409
    assert "Mã này đã được dùng để trả lời khảo sát" in again.get_data(as_text=True)
    refused = answer(client, code, spare)
    assert refused.status_code == 409
    assert "đã được dùng" in refused.get_data(as_text=True)
    assert count_rows(app, Response) == 1


def test_a_double_tap_stores_one_response_and_shows_the_same_thanks(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (code,) = issue(app)
    data = {**open_form(client, code), **full_answers()}
    first, second = client.post(f"/r/{code}", data=data), client.post(f"/r/{code}", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert count_rows(app, Response) == 1


def test_two_phones_with_the_same_code_make_one_response(app: Flask, survey: dict) -> None:
    (code,) = issue(app)
    phone, other = app.test_client(), app.test_client()
    forms = open_form(phone, code), open_form(other, code)
    statuses = [answer(c, code, f).status_code for c, f in zip((phone, other), forms, strict=True)]
    assert statuses == [303, 409]
    assert count_rows(app, Response) == 1


def test_a_code_used_between_the_checks_and_the_commit_rolls_the_whole_submission_back(
    app: Flask, client: FlaskClient, survey: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: the page saw the code unused, another submission used it before the commit."""
    (code,) = issue(app)
    tokens = open_form(client, code)
    real_find = receipt_pages.find_code

    def find_then_lose_the_race(session, secret_key, typed):  # type: ignore[no-untyped-def]
        row = real_find(session, secret_key, typed)
        with app.app_context(), get_db().begin() as other:  # another request, committed first
            other.execute(
                update(ReceiptCode)
                .where(ReceiptCode.redeemed_on.is_(None))
                .values(redeemed_on=date.today())
            )
        return row

    monkeypatch.setattr(receipt_pages, "find_code", find_then_lose_the_race)
    reply = answer(client, code, tokens)
    assert reply.status_code == 409
    assert "đã được dùng" in reply.get_data(as_text=True)
    assert count_rows(app, Response) == 0


def test_the_used_code_keeps_only_the_day_and_no_time(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (code,) = issue(app)
    assert answer(client, code).status_code == 303
    with app.app_context():
        row = get_db().session.query(ReceiptCode).one()
        assert type(row.redeemed_on) is date
        assert row.redeemed_on == utcnow().astimezone(ZONE).date()
        expires = row.expires_at.astimezone(ZONE)
        assert (expires.hour, expires.minute, expires.second, expires.microsecond) == (0, 0, 0, 0)
        assert expires.date() == utcnow().astimezone(ZONE).date() + timedelta(days=31)
        columns = {
            c["name"]: c["type"] for c in inspect(get_db().engine).get_columns("receipt_codes")
        }
        assert isinstance(columns["redeemed_on"], Date)
        assert set(columns) == {
            "id",
            "code_hash",
            "round_id",
            "unit_id",
            "expires_at",
            "redeemed_on",
        }


def test_an_expired_code_says_on_which_day_it_ended_and_stores_nothing(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    issued_on = utcnow() - timedelta(days=31)
    (code,) = issue(app, now=issued_on)
    last_day = issued_on.astimezone(ZONE).date() + timedelta(days=30)
    page = client.get(f"/r/{code}")
    assert page.status_code == 410
    assert f"đến hết ngày {last_day:%d/%m/%Y}" in page.get_data(as_text=True)
    (fresh,) = issue(app, dossiers=("HS-0002",))
    tokens = open_form(client, fresh)
    reply = client.post(f"/r/{code}", data={**tokens, **full_answers()})
    assert reply.status_code == 410
    assert count_rows(app, Response) == 0


def test_forged_and_unknown_codes_get_a_plain_404_and_store_nothing(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (real,) = issue(app)
    forged = "".join(secrets.choice(ALPHABET) for _ in range(20))
    other_secret = make_code("not-our-secret", survey["round_id"], "HS-0001")
    never_issued = make_code(SECRET, survey["round_id"], "HS-9999")
    for code in (forged, other_secret, never_issued, "abc", "A" * 40):
        page = client.get(f"/r/{code}")
        assert page.status_code == 404, code
        html = page.get_data(as_text=True)
        assert "Mã không hợp lệ" in html and "Không tìm thấy mã khảo sát này" in html
    tokens = open_form(client, real)
    assert client.post(f"/r/{forged}", data={**tokens, **full_answers()}).status_code == 404
    assert client.get(f"/r/{forged}/cam-on").status_code == 404
    assert count_rows(app, Response) == 0


def test_lower_case_spaced_and_dashed_input_leads_to_the_code(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (code,) = issue(app)
    typed = display(code).lower()
    reply = client.get(f"/r/{typed}")
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/r/{code}")
    entry = client.get("/r")
    assert entry.status_code == 200 and 'name="code"' in entry.get_data(as_text=True)
    reply = client.get("/r", query_string={"code": f"  {typed.replace('-', ' ')} "})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/r/{code}")
    assert client.get("/r", query_string={"code": "not a code"}).status_code == 404
    tokens = open_form(client, code)
    assert client.post(f"/r/{typed}", data={**tokens, **full_answers()}).status_code == 303
    assert count_rows(app, Response) == 1


def test_a_code_of_a_closed_round_shows_the_closed_page(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    (code,) = issue(app)
    tokens = open_form(client, code)
    with app.app_context(), get_db().begin() as session:
        session.get(SurveyRound, survey["round_id"]).closes_at = utcnow() - timedelta(minutes=1)
    page = client.get(f"/r/{code}")
    assert page.status_code == 200 and "Khảo sát hiện chưa mở" in page.get_data(as_text=True)
    assert client.post(f"/r/{code}", data={**tokens, **full_answers()}).status_code == 409
    assert count_rows(app, Response) == 0


def test_the_rate_limits_apply_to_receipt_codes_and_keep_the_answers(
    app: Flask, client: FlaskClient, survey: dict
) -> None:
    app.config["SUBMIT_LIMIT_PER_FORM"] = "2 per minute"
    codes = issue(app, dossiers=("HS-1", "HS-2", "HS-3"))
    statuses = []
    for code in codes:
        data = {**open_form(client, code), **full_answers("2")}
        reply = client.post(f"/r/{code}", data=data)
        statuses.append(reply.status_code)
    assert statuses == [303, 303, 429]
    html = reply.get_data(as_text=True)
    assert "Vui lòng đợi một phút" in html and 'name="q15" value="2" checked' in html
    assert count_rows(app, Response) == 2


# --- issuing --------------------------------------------------------------------------------
def test_issuing_twice_gives_the_same_code_and_the_same_row(app: Flask, survey: dict) -> None:
    first = issue(app, dossiers=("HS-1", "HS-2"))
    again = issue(app, dossiers=("HS-2", "HS-1", "HS-3"))
    assert again[:2] == [first[1], first[0]]
    assert first[0] == make_code(SECRET, survey["round_id"], "HS-1")
    assert count_rows(app, ReceiptCode) == 3
    with app.app_context(), get_db().begin() as session:
        survey_round = session.scalar(select(SurveyRound))
        snv = session.scalar(select(Unit).where(Unit.code == "SNV"))
        (item,) = issue_codes(
            session, SECRET, survey_round, [IssueRequest("HS-1", snv)], days=30, zone=ZONE
        )
        assert not item.new and item.row.code_hash == code_hash(SECRET, first[0])


def test_a_dossier_already_issued_for_another_unit_is_refused(app: Flask, survey: dict) -> None:
    issue(app, dossiers=("HS-1",), unit="SNV")
    with pytest.raises(IssueConflicts, match="for unit 'SNV', not 'BDT'"):
        issue(app, dossiers=("HS-2", "HS-1"), unit="BDT")
    assert count_rows(app, ReceiptCode) == 1


@pytest.fixture
def sipas(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """Run ``sipas ARGS`` against the test database; returns the click Result."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("BASE_URL", "http://sipas.test")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return run


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_cli_issues_codes_for_a_frame_and_again_gives_the_same(
    app: Flask, survey: dict, sipas, tmp_path: Path
) -> None:
    frame = _write(
        tmp_path / "dossiers.csv",
        ["dossier_code,unit_code,received", "HS-A1,SNV,2026-01-02", "HS-B1,BDT,2026-01-03"],
    )
    out = tmp_path / "tokens.csv"
    result = sipas(
        "tokens", "issue", "--frame", str(frame), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "2 code(s)" in result.output and "2 new" in result.output
    rows = _read(out)
    assert list(rows[0]) == ["dossier_code", "unit_code", "received", "code", "url", "expires_on"]
    code = make_code(SECRET, survey["round_id"], "HS-A1")
    assert rows[0]["code"] == display(code)
    assert rows[0]["url"] == f"http://sipas.test/r/{code}"
    last_day = utcnow().astimezone(ZONE).date() + timedelta(days=30)
    assert rows[0]["expires_on"] == last_day.isoformat()
    assert count_rows(app, ReceiptCode) == 2
    result = sipas(
        "tokens", "issue", "--frame", str(frame), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 0 and "0 new, 2 already issued" in result.output
    assert _read(out) == rows
    assert count_rows(app, ReceiptCode) == 2
    page = app.test_client().get(f"/r/{code}")
    assert page.status_code == 200 and "Sở Nội vụ" in page.get_data(as_text=True)


def test_the_cli_issues_from_a_draw_without_reserves_unless_asked(
    app: Flask, survey: dict, sipas, tmp_path: Path
) -> None:
    lines = ["dossier_code,unit_code"] + [f"SNV-{i:03d},SNV" for i in range(30)]
    frame = _write(tmp_path / "frame.csv", lines + [f"BDT-{i:03d},BDT" for i in range(10)])
    plan = _write(tmp_path / "plan.csv", ["unit_code,sample_size", "SNV,5", "BDT,5"])
    sample = tmp_path / "sample.csv"
    drawn = sipas(
        "draw", "--frame", str(frame), "--plan", str(plan), "--seed", "3", "--out", str(sample)
    )
    assert drawn.exit_code == 0, drawn.output
    chosen = [r["dossier_code"] for r in _read(sample) if r["reserve"] == "false"]
    out = tmp_path / "tokens.csv"
    result = sipas(
        "tokens", "issue", "--frame", str(sample), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert [r["dossier_code"] for r in rows] == chosen and len(chosen) == 10
    assert {"selection_order", "reserve", "code"} <= set(rows[0])
    assert count_rows(app, ReceiptCode) == 10
    result = sipas(
        "tokens",
        "issue",
        "--frame",
        str(sample),
        "--round",
        "Đợt thử",
        "--out",
        str(out),
        "--with-reserves",
    )
    assert result.exit_code == 0, result.output
    assert len(_read(out)) == len(_read(sample)) == 12  # 5 + 1 reserve per unit
    assert count_rows(app, ReceiptCode) == 12


def test_the_cli_refuses_a_bad_frame_with_every_error_and_issues_nothing(
    app: Flask, survey: dict, sipas, tmp_path: Path
) -> None:
    frame = _write(
        tmp_path / "bad.csv",
        [
            "dossier_code,unit_code,reserve",
            "HS-1,SNV,false",
            "HS-2,XYZ,false",  # unknown unit
            "HS-3,86,false",  # the province exists but is not in the round
            "HS-1,BDT,false",  # duplicate dossier
            ",SNV,false",  # no dossier code
            "HS-6,SNV,maybe",
        ],
    )
    out = tmp_path / "tokens.csv"
    result = sipas(
        "tokens", "issue", "--frame", str(frame), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 1
    for expected in (
        "bad.csv: dòng 3 · cột unit_code (row 3, column 'unit_code'): "
        "mã đơn vị lạ 'XYZ' / unknown unit 'XYZ'",
        "bad.csv: dòng 4 · cột unit_code (row 4, column 'unit_code'): "
        "đơn vị '86' không thuộc đợt 'Đợt thử' / "
        "unit '86' is not in round 'Đợt thử'",
        "bad.csv: dòng 5 · cột dossier_code (row 5, column 'dossier_code'): "
        "hồ sơ 'HS-1' cũng có ở dòng 2 / "
        "dossier 'HS-1' is also on row 2",
        "bad.csv: dòng 6 · cột dossier_code (row 6, column 'dossier_code'): "
        "thiếu mã hồ sơ / the dossier code is missing",
        "bad.csv: dòng 7 · cột reserve (row 7, column 'reserve')",
        "5 error(s): không cấp mã nào / nothing issued",
    ):
        assert expected in result.output
    assert not out.exists()
    assert count_rows(app, ReceiptCode) == 0
    unknown = sipas("tokens", "issue", "--frame", str(frame), "--round", "Nope", "--out", str(out))
    assert unknown.exit_code == 1 and "no round named 'Nope'" in unknown.output


def test_the_cli_will_not_issue_codes_without_the_servers_secret_key(
    app: Flask, survey: dict, sipas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _write(tmp_path / "frame.csv", ["dossier_code,unit_code", "HS-1,SNV"])
    monkeypatch.delenv("SECRET_KEY")
    out = tmp_path / "tokens.csv"
    result = sipas(
        "tokens", "issue", "--frame", str(frame), "--round", "Đợt thử", "--out", str(out)
    )
    assert result.exit_code == 1 and "set SECRET_KEY" in result.output
    assert count_rows(app, ReceiptCode) == 0 and not out.exists()


def _slip_images(pdf: bytes, count: int) -> list[tuple[object, str]]:
    """Each slip cut out of its rendered page (row by row), with its page's text."""
    scale = 150 / 72
    doc = pypdfium2.PdfDocument(pdf)
    pages = [
        (page.render(scale=scale).to_pil(), page.get_textpage().get_text_range()) for page in doc
    ]
    slips = []
    for index in range(count):
        page, place = divmod(index, COLUMNS * ROWS)
        row, column = divmod(place, COLUMNS)
        image, text = pages[page]
        box = (column * SLIP_W, row * SLIP_H, (column + 1) * SLIP_W, (row + 1) * SLIP_H)
        slips.append((image.crop(tuple(round(v * scale) for v in box)), text))
    return slips


def test_the_slips_pdf_has_each_code_its_qr_and_the_dossier_on_paper(
    app: Flask, survey: dict, sipas, tmp_path: Path
) -> None:
    lines = ["dossier_code,unit_code"] + [f"000.00.12.H62-261127-{i:04d},SNV" for i in range(9)]
    frame = _write(tmp_path / "frame.csv", lines)
    out, pdf = tmp_path / "tokens.csv", tmp_path / "slips.pdf"
    result = sipas(
        "tokens",
        "issue",
        "--frame",
        str(frame),
        "--round",
        "Đợt thử",
        "--out",
        str(out),
        "--receipts",
        str(pdf),
    )
    assert result.exit_code == 0, result.output
    assert "9 slip(s) written" in result.output
    rows = _read(out)
    data = pdf.read_bytes()
    assert len(pypdfium2.PdfDocument(data)) == 2
    last_day = date.fromisoformat(rows[0]["expires_on"])
    for row, (image, text) in zip(rows, _slip_images(data, len(rows)), strict=True):
        found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [row["url"]]
        assert row["code"] in text and row["dossier_code"] in text
    text = pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()
    for phrase in ("Sở Nội vụ", "Khảo sát ẩn danh", f"{last_day:%d/%m/%Y}", "http://sipas.test/r"):
        assert phrase in text
