"""``sipas``: the one command for every operator task.

Each command group lives in a module of its own (``survey_app/cli/<group>.py``) and calls the same
services as the pages. Commands that need the database build the app from the environment
(``DATABASE_URL`` etc.), so they work on the same database as the server; commands that only read
and write files (``plan``, ``draw``, ``analyze --responses``, ``score`` with files, ``questionnaire
check``) never open it, and load neither Flask nor SQLAlchemy. ``SipasGroup`` turns a missing or
unreachable database into a message saying what to do.
"""

from __future__ import annotations

import click

from survey_app.cli import (
    audit,
    database,
    demo,
    par,
    planning,
    results,
    review,
    staff,
    survey,
    trust,
)
from survey_app.cli.common import SipasGroup


@click.group(cls=SipasGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SIPAS: khảo sát mức độ hài lòng, lập mẫu, phân tích, chấm điểm / SIPAS platform: collect,
    plan, analyse and score citizens' satisfaction surveys."""


for _module in (database, survey, staff, audit, planning, results, par, review, trust, demo):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":  # python -m survey_app.cli.main …
    main()
