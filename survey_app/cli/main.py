"""``sipas``: the one command for every operator task.

Each command group lives in a module of its own (``survey_app/cli/<group>.py``) and calls the same
services as the pages. Each command builds the app from the environment (``DATABASE_URL`` etc.),
so it works on the same database as the server.
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """SIPAS platform: collect, plan, analyse and score citizens' satisfaction surveys."""


for _module in (database, survey, staff, audit, planning, results, par, review, trust, demo):
    for _command in _module.COMMANDS:
        main.add_command(_command)


if __name__ == "__main__":  # python -m survey_app.cli.main …
    main()
