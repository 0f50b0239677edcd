"""What every staff blueprint shares: the login, the role matrix, and loading a round or a 404.

`ACCESS` is the one table of who may reach which staff page (docs/decisions/0012): per endpoint,
the roles that may read it (GET) and those that may act on it (POST and other writes). Every
request to a staff blueprint is checked against it before its view runs: no login → the login
page; a role not in the row → 403. A unit officer only ever sees their own unit: a unit code or
a round in the address that is not theirs → 404 (not 403, which would say it exists), and the
views they may reach filter their rows with `own_unit_code`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, request
from flask_login import current_user, login_required

from survey_app.db import session
from survey_app.db.models import SurveyRound
from survey_app.staff.users import ADMIN, ANALYST, COUNCIL, UNIT_OFFICER

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNIT_PARAMETERS = ("code", "unit_code")
"""Address parameters that name a unit: a unit officer may only give their own."""
ROUND_PARAMETER = "round_id"
"""A round in the address must cover the unit officer's unit."""

EVERYONE = (ADMIN, ANALYST, COUNCIL, UNIT_OFFICER)
ADMIN_ONLY = (ADMIN,)
ANALYSTS = (ADMIN, ANALYST)
RESULTS_READERS = (ADMIN, ANALYST, UNIT_OFFICER)
PAR = (ADMIN, COUNCIL)
PAR_YEAR = (ADMIN, COUNCIL, UNIT_OFFICER)


@dataclass(frozen=True)
class Access:
    """Who may read a page (GET) and who may act on it (POST, PUT, PATCH, DELETE)."""

    read: tuple[str, ...]
    write: tuple[str, ...] = ADMIN_ONLY

    def roles(self, method: str) -> tuple[str, ...]:
        return self.read if method in READ_METHODS else self.write


# The role matrix. Unit officers (U) are always limited to their own unit (module docstring).
ACCESS: dict[str, Access] = {
    # home: every role lands here after login (council → PAR, unit officer → own unit only)
    "admin.dashboard": Access(EVERYONE),
    "charts.plotly_js": Access(EVERYONE),
    # registry and rounds (Sở Nội vụ); analysts see the round list to reach results and exports
    "admin.units": Access(ADMIN_ONLY),
    "admin.counters": Access((ADMIN, UNIT_OFFICER)),
    "admin.unit_counters": Access((ADMIN, UNIT_OFFICER)),
    "admin.unit_posters": Access((ADMIN, UNIT_OFFICER)),
    "admin.rounds": Access(ANALYSTS),
    "admin.round_posters": Access(ADMIN_ONLY),
    "admin.export_responses": Access(ANALYSTS),
    # sample plan (saving is the admin's) and progress (a unit officer sees their own row)
    "plans.plan": Access(ANALYSTS, write=ADMIN_ONLY),
    "plans.plan_download": Access(ANALYSTS),
    "plans.progress_page": Access(RESULTS_READERS),
    "plans.progress_json": Access(RESULTS_READERS),
    "plans.progress_download": Access(RESULTS_READERS),
    # SIPAS results: round-wide pages and files for analysts, a unit's page for its officer too
    "results.overview": Access(ANALYSTS),
    "results.unit": Access(RESULTS_READERS),
    "results.heatmap": Access(ANALYSTS),
    "results.change": Access(ANALYSTS),
    "results.comments": Access(ANALYSTS),
    "results.download": Access(ANALYSTS),
    "results.glossary": Access(RESULTS_READERS),
    # review: analysts read, only the admin excludes or restores
    "review.index": Access(ANALYSTS),
    "review.round_page": Access(ANALYSTS),
    "review.bulk": Access(ANALYSTS, write=ADMIN_ONLY),
    "review.events_download": Access(ANALYSTS),
    "review.sipas": Access(ANALYSTS),
    # PAR index: the appraisal council reads and changes scores and statuses
    "par.index": Access(PAR),
    "par.ranking": Access(PAR),
    "par.download": Access(PAR),
    "par.unit": Access(PAR, write=PAR),
    # a round's SIPAS results into criterion 8.1 (as `sipas par sipas --round`): Sở Nội vụ
    "par.sipas": Access(ADMIN_ONLY),
    # the PAR year online: a unit officer self-assesses their own unit (evidence, explanation;
    # Sở Nội vụ may key a sheet for a unit, recorded under its own name);
    # Sở Nội vụ and the council appraise; only Sở Nội vụ reopens a locked sheet
    "parself.overview": Access(PAR_YEAR),
    "parself.sheet": Access(PAR_YEAR, write=(ADMIN, UNIT_OFFICER)),
    "parself.upload": Access(PAR_YEAR, write=(ADMIN, UNIT_OFFICER)),
    "parself.withdraw_file": Access(PAR_YEAR, write=(ADMIN, UNIT_OFFICER)),
    "parself.evidence_file": Access(PAR_YEAR),
    "parself.reopen": Access(ADMIN_ONLY),
    # appraisal: the council (units the province appraises), a district's officers (their
    # communes, where the year says so: scoring_bridge/data/workflow/appraisers.json)
    "parself.appraise": Access(PAR_YEAR, write=PAR_YEAR),
    "parself.publish": Access(PAR, write=PAR),
    # who is late or incomplete, e-mail reminders (Sở Nội vụ)
    "parremind.reminders": Access(ADMIN_ONLY),
    "parremind.send": Access(ADMIN_ONLY),
    # paper keying and the audit log: admin only
    "paper.index": Access(ADMIN_ONLY),
    "paper.key": Access(ADMIN_ONLY),
    "paper.queue": Access(ADMIN_ONLY),
    "paper.second": Access(ADMIN_ONLY),
    "paper.report": Access(ADMIN_ONLY),
    "paper.report_csv": Access(ADMIN_ONLY),
    "paper.resolve_field": Access(ADMIN_ONLY),
    # administration (Sở Nội vụ): the registry, rounds, questionnaires, accounts, keys, uploads
    "unit_admin.import_file": Access(ADMIN_ONLY),
    "unit_admin.edit": Access(ADMIN_ONLY),
    "counter_admin.add": Access(ADMIN_ONLY),
    "counter_admin.rename": Access(ADMIN_ONLY),
    "counter_admin.active": Access(ADMIN_ONLY),
    "round_admin.new": Access(ADMIN_ONLY),
    "round_admin.window": Access(ADMIN_ONLY),
    "questionnaire_admin.index": Access(ADMIN_ONLY),
    "questionnaire_admin.upload": Access(ADMIN_ONLY),
    "questionnaire_admin.draft": Access(ADMIN_ONLY),
    "questionnaire_admin.draft_preview": Access(ADMIN_ONLY),
    "questionnaire_admin.preview": Access(ADMIN_ONLY),
    "questionnaire_admin.publish_draft": Access(ADMIN_ONLY),
    "questionnaire_admin.discard_draft": Access(ADMIN_ONLY),
    "questionnaire_admin.xlsform": Access(ADMIN_ONLY),
    "user_admin.index": Access(ADMIN_ONLY),
    "user_admin.new": Access(ADMIN_ONLY),
    "user_admin.role": Access(ADMIN_ONLY),
    "user_admin.password": Access(ADMIN_ONLY),
    "user_admin.active": Access(ADMIN_ONLY),
    "user_admin.email": Access(ADMIN_ONLY),
    "api_client_admin.index": Access(ADMIN_ONLY),
    "api_client_admin.new": Access(ADMIN_ONLY),
    "api_client_admin.revoke": Access(ADMIN_ONLY),
    "receipt_code_admin.index": Access(ADMIN_ONLY),
    "par_upload.index": Access(ADMIN_ONLY),
    "par_upload.catalogs": Access(ADMIN_ONLY),
    "par_upload.points": Access(ADMIN_ONLY),
    "par_upload.rule": Access(ADMIN_ONLY),
    "audit.index": Access(ADMIN_ONLY),
    "audit.download": Access(ADMIN_ONLY),
}


def staff_blueprint(
    name: str, import_name: str, url_prefix: str, roles: tuple[str, ...] = ADMIN_ONLY
) -> Blueprint:
    """A blueprint whose every route needs a logged-in account of a role `ACCESS` allows.

    ``roles`` may read and act on the blueprint's routes that `ACCESS` does not list (none
    should be unlisted: a test checks), so a new route is the admin's until the table says more.
    """
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)
    blueprint.staff_roles = roles  # type: ignore[attr-defined]  # marks it as staff (audit)

    @blueprint.before_request
    @login_required
    def _staff_only() -> None:
        """Flask-Login redirects anonymous visitors to the login page; then the role."""
        if not allowed(request.endpoint or "", request.method, default=roles):
            abort(403)
        if current_user.role == UNIT_OFFICER:
            _own_unit_only(request.view_args or {})

    return blueprint


def is_staff(blueprint: Blueprint | None) -> bool:
    """True for a blueprint made by `staff_blueprint`."""
    return blueprint is not None and hasattr(blueprint, "staff_roles")


def allowed(endpoint: str, method: str = "GET", default: tuple[str, ...] = ADMIN_ONLY) -> bool:
    """True when the logged-in user's role may use ``endpoint`` with ``method``.

    Templates call it to show only the links a user can follow.
    """
    if not current_user.is_authenticated:
        return False
    rule = ACCESS.get(endpoint)
    roles = rule.roles(method) if rule is not None else default
    return current_user.role in roles


def own_unit_code() -> str | None:
    """The unit code a unit officer is limited to; None for roles that see every unit."""
    if current_user.is_authenticated and current_user.role == UNIT_OFFICER:
        return current_user.unit.code
    return None


def _own_unit_only(args: dict[str, object]) -> None:
    """404 when the address names a unit, or a round, that is not the unit officer's."""
    code = own_unit_code()
    if any(name in args and args[name] != code for name in UNIT_PARAMETERS):
        abort(404)
    if ROUND_PARAMETER in args:
        survey_round = session().get(SurveyRound, args[ROUND_PARAMETER])
        if survey_round is None or code not in {u.code for u in survey_round.units}:
            abort(404)


def round_or_404(round_id: int) -> SurveyRound:
    """The round with this id, or a 404 page."""
    survey_round = session().get(SurveyRound, round_id)
    if survey_round is None:
        abort(404)
    return survey_round


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition header for any file name (RFC 6266 with an ASCII fallback)."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    value = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return {"Content-Disposition": value}


def local_time(value: datetime | None) -> str:
    """A UTC time shown in the display time zone (Asia/Ho_Chi_Minh)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _local_time_filter(value: datetime | None) -> str:
    return local_time(value)


def init_app(app: Flask) -> None:
    """Let templates ask `allowed` and `own_unit_code`, and show times with ``|local_time``."""
    app.jinja_env.globals.update(allowed=allowed, own_unit_code=own_unit_code)
    app.add_template_filter(_local_time_filter, "local_time")
