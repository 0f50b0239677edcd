"""What every ``sipas`` command module shares: the app from the environment, and failing with
every problem listed."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import NoReturn

import click
from flask import Flask


def make_app() -> Flask:
    """The app configured from the environment (``DATABASE_URL`` etc.), as the server is."""
    from survey_app import create_app

    return create_app()


def fail_with(
    problems: Iterable[object],
    name: str,
    outcome: str = "nothing written or saved",
    *,
    total: int | None = None,
) -> NoReturn:
    """Print every problem (``error: FILE: …``), then the count and ``outcome``; exit 1.

    ``total``: how many there are when ``problems`` lists only the first of them.
    """
    listed = list(problems)
    for problem in listed:
        click.echo(f"error: {name}: {problem}", err=True)
    count = max(total or 0, len(listed))
    if count > len(listed):
        click.echo(f"error: {name}: … and {count - len(listed)} more, not listed", err=True)
    click.echo(f"{count} error(s): {outcome}", err=True)
    sys.exit(1)
