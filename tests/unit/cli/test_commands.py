"""Every command of `invoicegraph` is registered (cli/__init__.py), run for real with Typer's runner."""

from __future__ import annotations

from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "migrate", "import", "demo", "generate", "api-keys", "export-schema"):
        assert command in result.output
    keys = runner.invoke(app, ["api-keys", "--help"])
    assert all(word in keys.output for word in ("create", "list", "revoke"))
