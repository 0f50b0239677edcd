"""The S3-compatible evidence store against a real S3 HTTP server on 127.0.0.1 (moto's server,
an emulator): files kept by their SHA-256, read back checked, an unreachable or wrong store
answered with a message (never a 500), uploads through the sheet page."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from s3_emulator import BUCKET, CREDENTIALS, free_port, make_bucket, s3_server
from sqlalchemy import func, select
from support import form_tokens, login_as

from survey_app import create_app
from survey_app.db import get_db
from survey_app.db.models import ParEvidence
from survey_app.par.evidence_store import EvidenceStoreError, S3Store, store_from_settings

YEAR = 2023
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    try:
        with s3_server() as url:
            make_bucket(url)
            yield url
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def store(endpoint: str) -> S3Store:
    return S3Store.connect(BUCKET, endpoint, prefix=f"t-{secrets.token_hex(4)}/")


def test_files_are_kept_once_by_content_and_read_back(store: S3Store) -> None:
    first = store.put(PDF)
    assert first == hashlib.sha256(PDF).hexdigest()
    assert store.put(PDF) == first
    second = store.put(PDF + b"v2")
    assert store.get(first) == PDF and store.get(second) == PDF + b"v2"
    assert sorted(store.keys()) == sorted([first, second])
    for bad in ("0" * 64, "../x", "A" * 64, ""):
        with pytest.raises(FileNotFoundError):
            store.get(bad)


def test_an_object_changed_behind_the_apps_back_is_refused_on_reading(store: S3Store) -> None:
    key = store.put(PDF)
    store.client.put_object(Bucket=BUCKET, Key=f"{store.prefix}{key}", Body=b"%PDF-tampered")
    with pytest.raises(EvidenceStoreError, match="không đúng nội dung"):
        store.get(key)


def test_a_missing_bucket_or_a_server_that_does_not_answer_gives_a_message(endpoint: str) -> None:
    with pytest.raises(EvidenceStoreError, match="NoSuchBucket"):
        S3Store.connect("no-such-bucket", endpoint).put(PDF)
    down = S3Store.connect(BUCKET, f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EvidenceStoreError, match="EndpointConnectionError"):
        down.put(PDF)


def test_the_setting_chooses_the_store_and_a_bucket_is_required(endpoint: str) -> None:
    settings = {"EVIDENCE_STORE": "s3", "EVIDENCE_S3_BUCKET": BUCKET}
    chosen = store_from_settings({**settings, "EVIDENCE_S3_ENDPOINT": endpoint}, None)  # type: ignore[arg-type]
    assert isinstance(chosen, S3Store) and chosen.bucket == BUCKET
    with pytest.raises(ValueError, match="EVIDENCE_S3_BUCKET"):
        create_app({"EVIDENCE_STORE": "s3", "DATABASE_URL": "sqlite://"})
    with pytest.raises(ValueError, match="EVIDENCE_STORE"):
        create_app({"EVIDENCE_STORE": "ftp", "DATABASE_URL": "sqlite://"})


@pytest.fixture
def s3_app(app: Flask, survey: dict, endpoint: str) -> Flask:
    app.config.update(
        EVIDENCE_STORE="s3",
        EVIDENCE_S3_BUCKET=BUCKET,
        EVIDENCE_S3_ENDPOINT=endpoint,
        EVIDENCE_S3_PREFIX=f"page-{secrets.token_hex(4)}/",
        PAR_TODAY=date(2023, 12, 1),
    )
    return app


def _upload(client, data: bytes):  # type: ignore[no-untyped-def]
    sheet = f"/admin/par/{YEAR}/self/SNV"
    page = client.get(sheet).get_data(as_text=True)
    code = page.split('name="criterion" value="', 1)[1].split('"', 1)[0]
    return client.post(
        f"{sheet}/evidence",
        data={
            "csrf_token": form_tokens(page)["csrf_token"],
            "criterion": code,
            "file": (io.BytesIO(data), "ke-hoach.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_an_upload_through_the_sheet_lands_in_the_bucket_and_is_served(s3_app: Flask) -> None:
    officer = login_as(s3_app, role="unit_officer", unit="SNV")
    assert _upload(officer, PDF).status_code == 303
    with s3_app.app_context():
        row = get_db().session.scalar(select(ParEvidence))
        store = store_from_settings(s3_app.config, get_db().session)
        assert list(store.keys()) == [row.sha256]
    assert officer.get(f"/admin/par/{YEAR}/evidence/{row.id}").data == PDF


def test_with_the_store_down_an_upload_is_refused_with_a_message_and_nothing_recorded(
    s3_app: Flask,
) -> None:
    s3_app.config["EVIDENCE_S3_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"
    officer = login_as(s3_app, role="unit_officer", unit="SNV")
    reply = _upload(officer, PDF)
    assert reply.status_code == 503 and "Không kết nối được kho lưu tài liệu S3" in reply.get_data(
        as_text=True
    )
    with s3_app.app_context():
        assert get_db().session.scalar(select(func.count()).select_from(ParEvidence)) == 0
