"""``sipas par remind`` and ``sipas par evidence-backup|evidence-restore``: the PAR year's
e-mail reminders and a copy of the evidence store to a folder and back (docs/decisions/0026)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from survey_app.cli.common import make_app
from survey_app.i18n import vi_en


@click.command("remind")
@click.option("--year", type=int, required=True, help="the evaluation year")
@click.option("--dry-run", is_flag=True, help="print the messages, send nothing")
@click.option("--unit", "codes", multiple=True, help="only this unit (repeatable)")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="as on this day")
def remind(year: int, dry_run: bool, codes: tuple[str, ...], today: object) -> None:
    """E-mail the officers of every unit whose sheet is not sent or is returned for
    explanation (SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USER, SMTP_PASSWORD, SMTP_TLS)."""
    import getpass

    from survey_app.db import get_db
    from survey_app.par.reminders import ReminderError
    from survey_app.par.reminders import remind as send_reminders
    from survey_app.staff import audit

    day = today.date() if today is not None else date.today()  # type: ignore[attr-defined]
    app = make_app()
    with app.app_context(), get_db().begin() as session:
        try:
            outcome = send_reminders(
                session,
                year,
                day,
                app.config,
                who=f"cli:{getpass.getuser()}",
                dry_run=dry_run,
                codes=set(codes) or None,
            )
        except ReminderError as exc:
            raise click.ClickException(str(exc)) from None
        if not dry_run:
            audit.record(
                session,
                who=f"cli:{getpass.getuser()}",
                action="cli.par_remind",
                target=f"year {year}",
                detail={"sent": len(outcome.sent), "failed": len(outcome.failed)},
            )
    for mail in outcome.messages if dry_run else ():
        click.echo(f"--- {mail['To']}\n{mail['Subject']}\n\n{mail.get_content()}")
    for standing in outcome.no_address:
        click.echo(
            vi_en(
                "%(code)s: chưa có e-mail cán bộ (sipas users set-email)", code=standing.unit.code
            ),
            err=True,
        )
    for standing, why in outcome.failed:
        click.echo(vi_en("lỗi") + f": {standing.unit.code}: {why}", err=True)
    values = {"count": len(outcome.sent), "year": year}
    if dry_run:
        click.echo(vi_en("sẽ gửi: %(count)s đơn vị, năm %(year)s", **values))
    else:
        click.echo(vi_en("đã gửi: %(count)s đơn vị, năm %(year)s", **values))
    if outcome.failed:
        raise SystemExit(1)


@click.command("evidence-backup")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="folder to copy into (the local store's layout; kept between runs)",
)
def evidence_backup(folder: Path) -> None:
    """Copy every evidence file of the configured store (EVIDENCE_STORE) into a folder, checking
    each file's SHA-256; files already there are skipped (deploy/backup.sh runs it for s3)."""
    from survey_app.db import get_db
    from survey_app.par.evidence_store import EvidenceStoreError, LocalStore, store_from_settings

    app = make_app()
    if str(app.config.get("EVIDENCE_STORE") or "local") == "local":
        raise click.ClickException(
            vi_en(
                "EVIDENCE_STORE=local: thư mục EVIDENCE_DIR đã là bản để sao lưu (backup.sh "
                "đóng gói nó); lệnh này dành cho kho database và s3"
            )
        )
    copied = kept = 0
    with app.app_context(), get_db().begin() as session:
        source, target = store_from_settings(app.config, session), LocalStore(folder)
        try:
            for key in list(source.keys()):
                if target.path(key).is_file():
                    kept += 1
                    continue
                target.put(source.get(key))  # get() checks the SHA-256 of what came back
                copied += 1
        except (EvidenceStoreError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(vi_en("%(copied)s tệp đã chép, %(kept)s đã có", copied=copied, kept=kept))


@click.command("evidence-restore")
@click.option(
    "--dir",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="a folder written by evidence-backup (or an unpacked .evidence.tar)",
)
def evidence_restore(folder: Path) -> None:
    """Put every file of the folder into the configured store (EVIDENCE_STORE), checking each
    file's SHA-256 against its name; nothing in the store is replaced or deleted."""
    from survey_app.db import get_db
    from survey_app.par.evidence_store import (
        EvidenceStoreError,
        LocalStore,
        digest,
        store_from_settings,
    )

    app = make_app()
    source = LocalStore(folder)
    restored, bad = 0, []
    with app.app_context(), get_db().begin() as session:
        target = store_from_settings(app.config, session)
        try:
            for key in list(source.keys()):
                data = source.get(key)
                if digest(data) != key:
                    bad.append(key)
                    continue
                target.put(data)
                restored += 1
        except (EvidenceStoreError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    for key in bad:
        click.echo(vi_en("lỗi") + f": {key}: " + vi_en("nội dung không khớp tên"), err=True)
    click.echo(vi_en("%(count)s tệp đã đưa vào kho", count=restored))
    if bad:
        raise SystemExit(1)


COMMANDS = [remind, evidence_backup, evidence_restore]
