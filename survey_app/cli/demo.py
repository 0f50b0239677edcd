"""``sipas demo``: a demo database, filled when empty, served."""

from __future__ import annotations

from pathlib import Path

import click


# --- demo -----------------------------------------------------------------------------------
@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("instance/demo.sqlite"),
    show_default=True,
)
@click.option(
    "--simulate",
    default=40,
    show_default=True,
    help="made-up answers per unit added to a new demo database (channel 'simulated')",
)
def demo(host: str, port: int, db_path: Path, simulate: int) -> None:
    """Create and fill a demo database when it is empty, print how to use it, and serve."""
    from survey_app.demo import run_demo

    run_demo(host=host, port=port, db_path=db_path, simulate=simulate)


COMMANDS = [demo]
