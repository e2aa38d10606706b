"""`invoicegraph migrate` (cli/server.py), run for real (Typer's runner) against a temporary SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


def test_migrate_fills_the_served_bodies_still_missing_and_says_how_many(database_env: Path) -> None:
    # Given the demo data, two of whose invoices lost their stored REST body (as rows a server of the
    # release before wrote would have),
    assert runner.invoke(app, ["demo"]).exit_code == 0
    with sqlite3.connect(database_env) as connection:
        connection.execute("UPDATE invoice SET served = NULL WHERE id IN ('invo_globex_2026_10', 'invo_globex_2026_11')")
    # migrate stores them again and says so; a second run has nothing to store.
    first = runner.invoke(app, ["migrate"])
    assert first.exit_code == 0, first.output
    assert "stored the REST body of 2 invoices in the shape it is served" in first.output
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0
    assert "stored the REST body" not in again.output
    with sqlite3.connect(database_env) as connection:
        assert connection.execute("SELECT count(*) FROM invoice WHERE served IS NULL").fetchone() == (0,)
