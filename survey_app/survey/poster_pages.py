"""Public QR codes and printable posters of a counter: they carry ``BASE_URL/s/<code>``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, has_app_context, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from survey_app.db import session
from survey_app.db.models import Counter
from survey_app.i18n import vi_en
from survey_app.survey.counters import base_url_unset, base_url_unset_words, short_url
from survey_app.survey.qr import PosterSpec, QrError, poster_pdf, qr_png, qr_svg

bp = Blueprint("posters", __name__)
CACHE = "public, max-age=86400"


def _counter(code: str) -> Counter:
    counter = session().scalar(select(Counter).where(Counter.code == code))
    if counter is None:
        abort(404)
    return counter


def poster_spec(counter: Counter, base_url: str, authority: str | None = None) -> PosterSpec:
    """What a counter's poster shows; ``authority`` defaults to the app's ``ISSUING_AUTHORITY``."""
    if authority is None:
        authority = current_app.config.get("ISSUING_AUTHORITY", "") if has_app_context() else ""
    return PosterSpec(
        unit_name=counter.unit.name,
        counter_name=counter.name,
        counter_code=counter.code,
        url=short_url(base_url, counter.code),
        authority=authority or "",
    )


def base_url_refusal() -> ResponseReturnValue | None:
    """The page saying to set BASE_URL (503) while it is the unchosen default, else None."""
    if not base_url_unset(current_app.config):
        return None
    vietnamese, english = base_url_unset_words()
    html = render_template(
        "citizen/error.html", title=vi_en("Chưa đặt BASE_URL"), body=vietnamese, body_en=english
    )
    return html, 503


def pdf_or_refusal(posters: list[PosterSpec], headers: dict[str, str]) -> ResponseReturnValue:
    """The posters' PDF, or the page saying why they cannot be made (422)."""
    try:
        pdf = poster_pdf(posters)
    except QrError as exc:
        vietnamese, _, english = str(exc).partition(" / ")
        html = render_template(
            "citizen/error.html",
            title=vi_en("Không in được áp phích"),
            body=vietnamese,
            body_en=english,
        )
        return html, 422
    return Response(pdf, mimetype="application/pdf", headers=headers)


def _url(code: str) -> str:
    return short_url(current_app.config["BASE_URL"], _counter(code).code)


@bp.get("/qr/<code>.png")
def png(code: str) -> ResponseReturnValue:
    refused = base_url_refusal()
    if refused is not None:
        return refused
    return Response(qr_png(_url(code)), mimetype="image/png", headers={"Cache-Control": CACHE})


@bp.get("/qr/<code>.svg")
def svg(code: str) -> ResponseReturnValue:
    refused = base_url_refusal()
    if refused is not None:
        return refused
    return Response(qr_svg(_url(code)), mimetype="image/svg+xml", headers={"Cache-Control": CACHE})


@bp.get("/posters/<code>.pdf")
def poster(code: str) -> ResponseReturnValue:
    refused = base_url_refusal()
    if refused is not None:
        return refused
    return pdf_or_refusal(
        [poster_spec(_counter(code), current_app.config["BASE_URL"])],
        {"Content-Disposition": f'inline; filename="poster-{code}.pdf"', "Cache-Control": CACHE},
    )
