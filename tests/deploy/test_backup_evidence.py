"""deploy/backup.sh takes the evidence files with the dump, and deploy/restore.sh puts them back,
for the local folder and for an S3-compatible bucket (moto's S3 server on 127.0.0.1): every file
of the restored database is read back whole from the restored store (docs/deployment.md §7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from datetime import date
from pathlib import Path

import pytest
from s3_emulator import BUCKET, CREDENTIALS, make_bucket, s3_server
from sqlalchemy import select
from support import ROOT, private_postgresql_database

from survey_app import create_app
from survey_app.db import get_db, migrate
from survey_app.db.models import ParEvidence, Unit
from survey_app.par.evidence import Upload, add_evidence
from survey_app.par.evidence_store import digest, store_from_settings
from survey_app.survey.units_import import ensure_unit_types, import_units

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL") or shutil.which("pg_dump") is None,
    reason="backup.sh backs up PostgreSQL: needs TEST_DATABASE_URL and pg_dump (CI has both)",
)
SIPAS = Path(sys.executable).parent / "sipas"
FILES = [b"%%PDF-1.4 quyet dinh %d\n" % n for n in range(3)]


def _fill(url: str, settings: dict[str, str]) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k", **settings})
    with app.app_context(), get_db().begin() as session:
        ensure_unit_types(session)
        csv = (
            "code,name,level,parent_code,ranked\n86,Tỉnh,province,,false\nSNV,Sở,department,86,1\n"
        )
        assert import_units(session, csv.encode(), valid_from=date(2020, 1, 1)).ok
        unit = session.scalar(select(Unit).where(Unit.code == "SNV"))
        store = store_from_settings(app.config, session)
        for n, data in enumerate(FILES):
            upload = Upload(f"1.1.{n + 1}", f"tep-{n}.pdf", data, "cb.snv")
            add_evidence(session, store, year=2023, unit=unit, upload=upload, max_bytes=10**6)
    app.extensions["sipas_db"].engine.dispose()


def _read_back(url: str, settings: dict[str, str]) -> list[bytes]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "k", **settings})
    with app.app_context():
        session = get_db().session
        store = store_from_settings(app.config, session)
        found = []
        for row in session.scalars(select(ParEvidence).order_by(ParEvidence.filename)):
            data = store.get(row.sha256)
            assert digest(data) == row.sha256
            found.append(data)
    app.extensions["sipas_db"].engine.dispose()
    return found


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_evidence_goes_with_the_dump_and_comes_back_into_the_store(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    with (
        s3_server() as endpoint,
        private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as source,
        private_postgresql_database(os.environ["TEST_DATABASE_URL"]) as target,
    ):
        make_bucket(endpoint)
        make_bucket(endpoint, "sipas-restored")
        before = {
            "EVIDENCE_STORE": kind,
            "EVIDENCE_DIR": str(tmp_path / "evidence"),
            "EVIDENCE_S3_BUCKET": BUCKET,
            "EVIDENCE_S3_ENDPOINT": endpoint,
        }
        after = {
            **before,
            "EVIDENCE_DIR": str(tmp_path / "restored"),
            "EVIDENCE_S3_BUCKET": "sipas-restored",
        }
        migrate.upgrade(source)
        _fill(source, before)
        env = {**os.environ, **before, "SIPAS": str(SIPAS), "DATABASE_URL": source}
        env["BACKUP_DIR"] = str(tmp_path / "backups")
        backup = subprocess.run(
            [str(ROOT / "deploy" / "backup.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert backup.returncode == 0, backup.stderr
        dump = Path(backup.stdout.strip().splitlines()[-1])
        with tarfile.open(str(dump).removesuffix(".dump") + ".evidence.tar") as archive:
            names = [Path(m.name).name for m in archive.getmembers() if m.isfile()]
        assert sorted(names) == sorted(digest(d) for d in FILES)

        env = {**os.environ, **after, "SIPAS": str(SIPAS)}
        restore = subprocess.run(
            [str(ROOT / "deploy" / "restore.sh"), str(dump), target],
            env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert restore.returncode == 0, restore.stderr
        assert _read_back(target, after) == FILES
