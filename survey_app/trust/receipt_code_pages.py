"""The admin's receipt-code page: upload a frame or a sample (the ``sipas tokens issue`` flow)
and download the codes file or the slips to print. Nothing is issued on any error.

The frame's dossier codes are never stored (docs/decisions/0009): issuing again for the same
frame gives the same codes, so the codes file and the slips are two downloads of one upload.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

from survey_app.db import session
from survey_app.db.models import SurveyRound
from survey_app.i18n import vi_en
from survey_app.staff import audit
from survey_app.staff.access import attachment, staff_blueprint
from survey_app.staff.uploads import accepts_uploads, located, uploaded
from survey_app.survey.rounds import open_rounds
from survey_app.trust.frame_codes import issue_for_frame
from survey_app.trust.receipt_slips import slips_pdf

bp = accepts_uploads(staff_blueprint("receipt_code_admin", __name__, "/admin/receipt-codes"))
OUTPUTS = ("csv", "pdf")


@bp.route("/", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    """The form; a POST answers the codes CSV or the slips PDF, or lists every problem."""
    db = session()
    rounds = open_rounds(db)
    problems = []
    values = {"round_id": request.form.get("round_id", ""), "with_reserves": ""}
    if request.method == "POST":
        values["with_reserves"] = request.form.get("with_reserves", "")
        output = request.form.get("output", "csv")
        survey_round = (
            db.get(SurveyRound, int(values["round_id"])) if values["round_id"].isdigit() else None
        )
        file = uploaded()
        if survey_round is None:
            problems.append(located(vi_en("Chọn một đợt đang mở.")))
        if file is None:
            problems.append(located(vi_en("Chưa chọn tệp.")))
        if output not in OUTPUTS:
            problems.append(located(vi_en("Chọn tệp mã hoặc phiếu in.")))
        if not problems and survey_round is not None and file is not None:
            audit.note(target=f"round {survey_round.id}", file=file[0][:80], output=output)
            config = current_app.config
            result = issue_for_frame(
                db,
                file[1],
                survey_round,
                secret_key=current_app.secret_key,
                base_url=config["BASE_URL"],
                days=int(config["RECEIPT_CODE_DAYS"]),
                zone=ZoneInfo(config["DISPLAY_TIMEZONE"]),
                with_reserves=values["with_reserves"] == "1",
            )
            if result.ok:
                db.commit()
                audit.note(codes=len(result.records), new=result.new)
                stem = f"receipt-codes-round-{survey_round.id}"
                if output == "pdf":
                    return Response(
                        slips_pdf(result.slips),
                        mimetype="application/pdf",
                        headers=attachment(f"{stem}-slips.pdf"),
                    )
                return Response(
                    "\ufeff" + result.csv_text(),
                    mimetype="text/csv",
                    headers=attachment(f"{stem}.csv"),
                )
            db.rollback()
            problems = [located(p) for p in result.problems]
    return render_template(
        "admin/receipt_codes.html", rounds=rounds, values=values, problems=problems
    ), (422 if problems else 200)
