"""Evidence bytes survive a crash: a process killed with SIGKILL in the middle of writing leaves
every acknowledged file whole (its name is its SHA-256) and no half-written file under a name."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from survey_app.par.evidence import DOCX, JPEG, PDF, PNG, XLSX, media_type
from survey_app.par.evidence_store import LocalStore, check_settings

ROOT = Path(__file__).resolve().parents[3]

WRITER = textwrap.dedent(
    """
    import os, sys
    from survey_app.par.evidence_store import LocalStore, check_settings
    store = LocalStore(sys.argv[1])
    ack = open(sys.argv[2], "a", buffering=1)
    n = 0
    while True:
        data = os.urandom(256 * 1024) + n.to_bytes(8, "big")
        key = store.put(data)
        ack.write(key + "\\n")  # acknowledged only after put() returned
        n += 1
    """
)


def test_a_kill_during_uploads_leaves_every_acknowledged_file_whole(tmp_path: Path) -> None:
    root, acks = tmp_path / "evidence", tmp_path / "acks.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(acks)], env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if acks.exists() and len(acks.read_text().split()) >= 20:
            break
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    acknowledged = acks.read_text().split()
    assert len(acknowledged) >= 20
    store = LocalStore(root)
    for key in acknowledged:
        assert hashlib.sha256(store.get(key)).hexdigest() == key
    for path in root.rglob("*"):
        if path.is_file() and not path.name.startswith(".upload-"):
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name


def test_the_same_bytes_are_stored_once_and_keys_cannot_escape_the_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert store.put(b"%PDF-1") == store.put(b"%PDF-1")
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1
    for bad in ("../../etc/passwd", "A" * 64, ""):
        try:
            store.get(bad)
        except FileNotFoundError:
            continue
        raise AssertionError(f"{bad!r} was read")


def test_types_are_told_by_their_bytes() -> None:
    import io
    import zipfile

    def office(main: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", f'<Types ContentType="{main}"/>')
        return buffer.getvalue()

    assert media_type(b"%PDF-1.7") == PDF
    assert media_type(b"\x89PNG\r\n\x1a\n....") == PNG
    assert media_type(b"\xff\xd8\xff\xe0") == JPEG
    assert media_type(office("…wordprocessingml.document.main+xml")) == DOCX
    assert media_type(office("…spreadsheetml.sheet.main+xml")) == XLSX
    assert media_type(office("application/java-archive")) is None
    assert media_type(b"MZ\x90\x00") is None and media_type(b"\x7fELF") is None


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        (
            {"EVIDENCE_STORE": "ftp"},
            "EVIDENCE_STORE ('ftp') phải là một trong local, database, s3 / "
            "EVIDENCE_STORE ('ftp') must be one of local, database, s3",
        ),
        (
            {"EVIDENCE_STORE": "s3", "EVIDENCE_S3_BUCKET": " "},
            "EVIDENCE_STORE=s3 cần EVIDENCE_S3_BUCKET (tên bucket) / "
            "EVIDENCE_STORE=s3 needs EVIDENCE_S3_BUCKET (the bucket's name)",
        ),
    ],
)
def test_a_wrong_store_setting_is_said_vietnamese_first(settings: dict, said: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_settings(settings)
    assert str(caught.value) == said
