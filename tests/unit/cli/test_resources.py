"""Bad settings and a missing database file (cli/resources.py): one clean refusal, run for real (Typer's runner)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


def test_bad_settings_are_refused_with_the_reasons_not_a_traceback(database_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICEGRAPH_ENVIRONMENT", "production")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "refusing to start in production" in result.output
    assert "INVOICEGRAPH_JWT_SECRET" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["import", __file__], ["api-keys", "list"]])
def test_a_missing_database_file_is_one_clear_line_and_is_never_created(database_env: Path, command: list[str]) -> None:
    # (`import` names any existing file: the database is checked before the file is read.)
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"the database file {database_env} does not exist: create it with `invoicegraph migrate` (or `invoicegraph demo`), "
        "or point INVOICEGRAPH_DATABASE_URL at an existing one"
    )
    assert not database_env.exists()
