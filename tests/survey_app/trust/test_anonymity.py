"""No answer can be traced to its dossier: read every table and every column after real use.

Codes are issued for a frame (by the CLI and the API), some are used to answer, then every row of
every table of the database is read back and searched for the dossier codes, the frame's other
columns, the codes in every spelling and every value anyone could compute from a code without the
secret key. The structure is checked too: nothing points from an answer to a code, the code's row
holds only whole days and its ids do not follow the frame's order.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import MetaData, inspect, select
from support import form_tokens, full_answers

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.trust.receipts import code_hash, display

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
DOSSIERS = [f"000.00.12.H62-261127-{i:04d}" for i in range(30)]
APPLICANTS = [f"Nguyễn Văn Thử {i:02d}" for i in range(30)]
PHONES = [f"09{i:02d}555{i:04d}" for i in range(30)]
API_DOSSIER = "HS/ĐKKD/2026/API-0777"
ANSWERED = [0, 3, 4, 17, 29]


def _derived(text: str) -> set[str]:
    """What anyone can compute from ``text`` without the secret key."""
    raw = text.encode()
    values = {text, text.lower(), text.upper()}
    for name in ("md5", "sha1", "sha224", "sha256", "sha512", "blake2b", "sha3_256"):
        digest = hashlib.new(name, raw)
        values |= {digest.hexdigest(), digest.hexdigest().upper()}
        values.add(base64.b64encode(digest.digest()).decode().rstrip("="))
    values.add(hmac.new(b"", raw, hashlib.sha256).hexdigest())
    values |= {
        base64.b64encode(raw).decode().rstrip("="),
        base64.b32encode(raw).decode().rstrip("="),
    }
    return values


def _as_text(value: object) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


@pytest.fixture
def used(app: Flask, survey: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Codes issued for a frame and by the API; some of them used to answer."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("BASE_URL", "http://sipas.test")
    frame = tmp_path / "frame.csv"
    with frame.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dossier_code", "unit_code", "applicant", "phone"])
        for i, dossier in enumerate(DOSSIERS):
            writer.writerow([dossier, "SNV" if i % 3 else "BDT", APPLICANTS[i], PHONES[i]])
    out = tmp_path / "tokens.csv"
    runner = CliRunner()
    args = ["tokens", "issue", "--frame", str(frame), "--round", "Đợt thử", "--out", str(out)]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    key = runner.invoke(main, ["api-clients", "create", "one-stop"]).output.splitlines()[-1]
    with out.open(encoding="utf-8") as handle:
        codes = [row["code"].replace("-", "") for row in csv.DictReader(handle)]
    client = app.test_client()
    reply = client.post(
        "/api/v1/receipt-codes",
        json={"dossier_code": API_DOSSIER, "unit_code": "SNV"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert reply.status_code == 201
    api_code = reply.json["code"].replace("-", "")
    for code in [codes[i] for i in ANSWERED] + [api_code]:
        page = client.get(f"/r/{code}")
        data = {**form_tokens(page.get_data(as_text=True)), **full_answers(), "comment": "Tốt"}
        assert client.post(f"/r/{code}", data=data).status_code == 303
    # a counter answer and a public-link answer on the same day, as in real use
    for path in ("/s/SNV-1", "/u/SNV"):
        tokens = form_tokens(client.get(path).get_data(as_text=True))
        assert client.post(path, data={**tokens, **full_answers()}).status_code == 303
    return {"codes": codes, "api_code": api_code, "key": key}


def _database(app: Flask) -> dict[str, list[dict[str, object]]]:
    """Every row of every table, read back as stored."""
    engine = get_db().engine
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as conn:
        return {
            name: [dict(row._mapping) for row in conn.execute(select(table))]
            for name, table in metadata.tables.items()
        }


def test_no_dossier_code_no_code_and_nothing_derived_from_them_is_stored(
    app: Flask, used: dict
) -> None:
    codes = [*used["codes"], used["api_code"]]
    forbidden: dict[str, str] = {}
    for dossier in [*DOSSIERS, API_DOSSIER]:
        forbidden |= dict.fromkeys(_derived(dossier), f"dossier {dossier}")
    for code in codes:
        for spelling in (code, display(code), f"http://sipas.test/r/{code}"):
            forbidden |= dict.fromkeys(_derived(spelling), f"code {code}")
    for value in [*APPLICANTS, *PHONES, used["key"]]:
        forbidden[value] = f"frame or key value {value}"
    hashes = {code_hash(app.secret_key, code) for code in codes}
    with app.app_context():
        tables = _database(app)
    assert "responses" in tables and "receipt_codes" in tables
    found = []
    for table, rows in tables.items():
        for column in rows[0] if rows else ():
            text = "\x00".join(_as_text(row[column]) for row in rows)  # the whole column
            found += [
                f"{table}.{column}: {what}" for needle, what in forbidden.items() if needle in text
            ]
            if (table, column) != ("receipt_codes", "code_hash"):
                found += [f"{table}.{column}: a code hash" for h in hashes if h in text]
    assert found == []
    assert {row["code_hash"] for row in tables["receipt_codes"]} == hashes
    assert len(tables["receipt_codes"]) == len(DOSSIERS) + 1
    assert sum(row["redeemed_on"] is not None for row in tables["receipt_codes"]) == 6
    assert sum(row["channel"] == "receipt" for row in tables["responses"]) == 6


def test_answers_hold_no_reference_to_the_codes_and_the_codes_only_whole_days(
    app: Flask, used: dict
) -> None:
    with app.app_context():
        engine = get_db().engine
        schema = inspect(engine)
        for table in schema.get_table_names():
            for key in schema.get_foreign_keys(table):
                assert key["referred_table"] != "receipt_codes", table
        referred = {k["referred_table"] for k in schema.get_foreign_keys("receipt_codes")}
        assert referred == {"survey_rounds", "units"}
        response_columns = {c["name"] for c in schema.get_columns("responses")}
        assert not [c for c in response_columns if "receipt" in c or c.startswith("code")]
        columns = {c["name"] for c in schema.get_columns("receipt_codes")}
        assert columns == {"id", "code_hash", "round_id", "unit_id", "expires_at", "redeemed_on"}
        tables = _database(app)
    for row in tables["receipt_codes"]:
        redeemed = row["redeemed_on"]
        assert redeemed is None or (
            isinstance(redeemed, date) and not isinstance(redeemed, datetime)
        )
        expires = row["expires_at"]
        local = (expires if expires.tzinfo else expires.replace(tzinfo=ZoneInfo("UTC"))).astimezone(
            ZONE
        )
        assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert len({row["expires_at"] for row in tables["receipt_codes"]}) == 1  # one issue day


def test_code_rows_do_not_follow_the_frames_order(app: Flask, used: dict) -> None:
    """Someone holding the frame and the database cannot pair rows with dossiers by position."""
    position = {code_hash(app.secret_key, c): i for i, c in enumerate(used["codes"])}
    with app.app_context():
        rows = _database(app)["receipt_codes"]
    order = [
        position[r["code_hash"]]
        for r in sorted(rows, key=lambda r: r["id"])
        if r["code_hash"] in position
    ]
    assert sorted(order) == list(range(len(DOSSIERS)))
    assert order != sorted(order)
