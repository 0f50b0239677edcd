"""Reminders of the PAR year: Sở Nội vụ sees who is late or incomplete; e-mails go through the
SMTP server of the settings, here a real SMTP server on 127.0.0.1 that the test starts
(aiosmtpd), and the messages it received are checked; without settings the page says how to set
them."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner
from flask import Flask
from s3_emulator import free_port
from sqlalchemy import select
from support import form_tokens, login_as

from survey_app.cli.main import main
from survey_app.db import get_db
from survey_app.db.models import AdminAuditLog, ParStep, Unit, User
from survey_app.staff.users import create_user

YEAR = 2023
PAGE = f"/admin/par/{YEAR}/reminders"


class Inbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, _server, _session, envelope) -> str:  # type: ignore[no-untyped-def]
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()

    def check(_server, _session, _envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        ok = auth_data.login == b"sipas" and auth_data.password == b"mat-khau-smtp"
        return AuthResult(success=ok)

    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=check,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def year_app(app: Flask, survey: dict) -> Flask:
    """SNV and BDT (deadline 15/12/2023), today 17/12: both late; SNV's officer has an e-mail,
    BDT's none."""
    app.config.update(PAR_TODAY=date(2023, 12, 17), BASE_URL="https://sipas.vinhlong.test")
    with app.app_context(), get_db().begin() as session:
        snv = session.scalar(select(Unit).where(Unit.code == "SNV"))
        bdt = session.scalar(select(Unit).where(Unit.code == "BDT"))
        create_user(session, "cb.snv", "a-long-password-1", "unit_officer", snv, "vanthu@snv.vn")
        create_user(session, "cb.bdt", "a-long-password-1", "unit_officer", bdt)
    return app


def _send(client, page: str = PAGE):  # type: ignore[no-untyped-def]
    token = form_tokens(client.get(page).get_data(as_text=True))["csrf_token"]
    return client.post(page, data={"csrf_token": token})


def test_without_smtp_settings_the_page_shows_who_is_late_and_how_to_set_e_mail(
    year_app: Flask,
) -> None:
    admin = login_as(year_app, role="admin")
    reply = admin.get(PAGE)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "2 đơn vị · 2 trễ hạn" in page and "Sở Nội vụ" in page and "Ban Dân tộc" in page
    assert "15/12/2023" in page and "<strong>2</strong>" in page  # days late
    assert "Đang tự đánh giá" in page and ">draft<" not in page
    assert "vanthu@snv.vn" in page and "chưa có / none" in page
    assert "chưa cài đặt máy chủ e-mail" in page and "SMTP_HOST" in page
    assert "Gửi e-mail nhắc" not in page
    refused = _send(admin)
    assert refused.status_code == 422 and "SMTP_HOST" in refused.get_data(as_text=True)
    overview = admin.get(f"/admin/par/{YEAR}/self").get_data(as_text=True)
    assert PAGE in overview
    officer = login_as(year_app, role="unit_officer", unit="SNV", username="nv.x")
    assert officer.get(PAGE).status_code == 403


def test_reminders_reach_the_local_smtp_server_in_vietnamese_then_english(
    year_app: Flask, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    year_app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_TLS="none",
        SMTP_FROM="sipas@snv.vinhlong.gov.vn",
        SMTP_USER="sipas",
        SMTP_PASSWORD="mat-khau-smtp",
    )
    admin = login_as(year_app, role="admin")
    assert "Gửi e-mail nhắc 1 đơn vị" in admin.get(PAGE).get_data(as_text=True)
    reply = _send(admin)
    assert reply.status_code == 303
    assert "Đã gửi nhắc cho 1 đơn vị; 1 đơn vị chưa có e-mail" in admin.get(
        reply.headers["Location"]
    ).get_data(as_text=True)
    ((recipients, mail),) = inbox.received
    assert recipients == ["vanthu@snv.vn"]
    assert mail["Subject"].startswith("Nhắc hạn tự đánh giá Chỉ số CCHC 2023 — Sở Nội vụ")
    body = mail.get_content()
    vietnamese = body.index("chưa được gửi")
    english = body.index("has not been sent yet")
    assert vietnamese < english
    assert "15/12/2023 (đã quá hạn 2 ngày)" in body and "(2 days late)" in body
    assert "https://sipas.vinhlong.test/admin/par/2023/self/SNV" in body
    with year_app.app_context():
        session = get_db().session
        steps = session.execute(
            select(Unit.code, ParStep.text)
            .join(Unit, Unit.id == ParStep.unit_id)
            .where(ParStep.step == "reminded")
        ).all()
        assert [tuple(s) for s in steps] == [("SNV", "vanthu@snv.vn")]
        logged = session.scalars(
            select(AdminAuditLog).where(AdminAuditLog.action == "parremind.send")
        ).all()
        assert [row.detail.get("sent") for row in logged] == [1]
    history = login_as(year_app, role="unit_officer", unit="SNV", username="nv.y")
    assert "Nhắc hạn qua e-mail" in history.get(f"/admin/par/{YEAR}/self/SNV").get_data(
        as_text=True
    )


def test_a_server_that_refuses_the_settings_gives_a_message_and_records_nothing(
    year_app: Flask, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    year_app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_FROM="sipas@snv.vn",
        SMTP_TLS="starttls",
        SMTP_TIMEOUT="1",  # the refused STARTTLS waits for the timeout (default 20 s)
    )
    admin = login_as(year_app, role="admin")
    reply = _send(admin)  # this server offers no STARTTLS
    assert reply.status_code == 503 and "Không gửi được e-mail" in reply.get_data(as_text=True)
    year_app.config.update(SMTP_TLS="none", SMTP_USER="sipas", SMTP_PASSWORD="sai-mat-khau")
    reply = _send(admin)
    assert reply.status_code == 503 and "SMTP_PASSWORD" in reply.get_data(as_text=True)
    year_app.config.update(SMTP_PORT="không", SMTP_USER="", SMTP_TIMEOUT="0")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "SMTP_PORT" in page and "Cài đặt e-mail sai" in page
    assert "SMTP_TIMEOUT (&#39;0&#39;) phải là số giây lớn hơn 0" in page
    assert inbox.received == []
    with year_app.app_context():
        assert get_db().session.scalars(select(ParStep)).all() == []


def test_the_command_previews_and_sends(
    year_app: Flask, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    monkeypatch.setenv("DATABASE_URL", year_app.config["DATABASE_URL"])
    monkeypatch.setenv("BASE_URL", "https://sipas.vinhlong.test")
    runner = CliRunner()
    preview = runner.invoke(
        main, ["par", "remind", "--year", "2023", "--today", "2023-12-10", "--dry-run"]
    )
    assert preview.exit_code == 0, preview.output
    assert "còn 5 ngày" in preview.output and "vanthu@snv.vn" in preview.output
    assert "BDT: chưa có e-mail cán bộ" in preview.output
    assert inbox.received == []
    no_server = runner.invoke(main, ["par", "remind", "--year", "2023"])
    assert no_server.exit_code == 1 and "SMTP_HOST" in no_server.output
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_TLS": "none",
        "SMTP_FROM": "sipas@snv.vn",
    }.items():
        monkeypatch.setenv(name, value)
    sent = runner.invoke(main, ["par", "remind", "--year", "2023", "--unit", "SNV"])
    assert sent.exit_code == 0, sent.output
    assert "đã gửi: 1 đơn vị, năm 2023 / sent: 1 unit(s), year 2023" in sent.output
    assert [r for r, _ in inbox.received] == [["vanthu@snv.vn"]]
    changed = runner.invoke(main, ["users", "set-email", "cb.bdt", "ketoan@bdt.vn"])
    assert changed.exit_code == 0, changed.output
    bad = runner.invoke(main, ["users", "set-email", "cb.bdt", "không phải e-mail"])
    assert bad.exit_code == 1 and "not one e-mail address" in bad.output


def test_the_admin_sets_an_officers_e_mail_on_the_accounts_page(year_app: Flask) -> None:
    admin = login_as(year_app, role="admin")
    with year_app.app_context():
        user_id = get_db().session.scalar(select(User.id).where(User.username == "cb.bdt"))
    token = form_tokens(admin.get("/admin/users/").get_data(as_text=True))["csrf_token"]
    bad = admin.post(f"/admin/users/{user_id}/email", data={"csrf_token": token, "email": "a@b"})
    assert bad.status_code == 303
    assert "not one e-mail address" in admin.get("/admin/users/").get_data(as_text=True)
    good = admin.post(
        f"/admin/users/{user_id}/email", data={"csrf_token": token, "email": "ketoan@bdt.vn"}
    )
    assert good.status_code == 303
    assert 'value="ketoan@bdt.vn"' in admin.get("/admin/users/").get_data(as_text=True)


def test_the_unit_sees_every_deadline_of_its_year_on_its_sheet(year_app: Flask) -> None:
    year_app.config["PAR_TODAY"] = date(2023, 12, 10)
    officer = login_as(year_app, role="unit_officer", unit="SNV", username="nv.z")
    page = officer.get(f"/admin/par/{YEAR}/self/SNV").get_data(as_text=True)
    assert "Hạn gửi kết quả tự đánh giá: 15/12/2023 (còn 5 ngày)" in page
    assert "Hạn hoàn thành thẩm định: 14/01/2024 (còn 35 ngày)" in page
