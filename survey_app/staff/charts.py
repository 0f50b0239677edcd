"""Plotly for the admin pages: the library served by the app (no CDN) and figures embedded safely.

A figure travels as JSON inside ``<script type="application/json">`` (data, never executed), read
by ``static/charts.js``; the citizen's page never loads any of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly
from flask import Flask, Response, send_file
from markupsafe import Markup

from survey_app.staff.access import staff_blueprint

bp = staff_blueprint("charts", __name__, "/admin/assets")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@bp.get("/plotly.min.js")
def plotly_js() -> Response:
    """Plotly's JavaScript from the installed package."""
    return send_file(PLOTLY_JS, mimetype="text/javascript", max_age=86400)


def json_script(figure_json: str) -> Markup:
    """A figure's JSON made safe to sit inside a script element (no ``</script>`` break-out)."""
    text = json.dumps(json.loads(figure_json), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return Markup(text)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(json_script, "json_script")
