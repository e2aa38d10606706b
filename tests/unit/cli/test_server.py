"""`invoicegraph export-schema` (cli/server.py), run for real (Typer's runner)."""

from __future__ import annotations

from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


def test_export_schema_prints_the_sdl() -> None:
    result = runner.invoke(app, ["export-schema"])
    assert result.exit_code == 0
    assert 'type Invoice implements InvoiceContent & Node @key(fields: "id")' in result.output
