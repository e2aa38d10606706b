"""The committed SDLs are exactly what `invoicegraph export-schema` prints.

Gateways and reviewers read `schema.graphql` (the subgraph's contract); code generators read
`clients/schema.graphql` (the same schema without federation's plumbing). A schema change without
`make schema` must fail here, with the difference shown.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from invoicegraph.cli import app

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "schema.graphql"
CLIENT_SCHEMA_FILE = ROOT / "clients" / "schema.graphql"
MAX_DIFF_LINES = 60


@pytest.mark.parametrize(
    ("schema_file", "arguments"), [(SCHEMA_FILE, ["export-schema"]), (CLIENT_SCHEMA_FILE, ["export-schema", "--client"])]
)
def test_committed_schema_equals_export_schema(schema_file: Path, arguments: list[str]) -> None:
    # Given the committed file
    assert schema_file.exists(), f"{schema_file.relative_to(ROOT)} is missing: run `make schema` and commit it"
    committed = schema_file.read_text(encoding="utf-8")

    # When the command prints the schema of the code
    result = CliRunner().invoke(app, arguments)

    # Then both are the same, byte for byte
    assert result.exit_code == 0, result.output
    exported = result.stdout
    if exported != committed:
        diff = list(
            difflib.unified_diff(committed.splitlines(), exported.splitlines(), str(schema_file.name), " ".join(arguments), lineterm="")
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES]) + ("\n…" if len(diff) > MAX_DIFF_LINES else "")
        raise AssertionError(f"{schema_file.name} differs from the code's schema: run `make schema` and commit the result.\n{shown}")


def test_make_schema_regenerates_the_file_with_that_command() -> None:
    # The README's instruction (`make schema`) must run the very command compared above.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    assert "\nschema:" in makefile
    recipe = makefile.split("\nschema:", 1)[1].split("\n\n", 1)[0]
    assert "invoicegraph export-schema > schema.graphql" in recipe
    assert "invoicegraph export-schema --client > clients/schema.graphql" in recipe


def test_the_client_sdl_has_no_federation_plumbing() -> None:
    sdl = CLIENT_SCHEMA_FILE.read_text(encoding="utf-8")
    for plumbing in ("@key", "@link", "@shareable", "_entities", "_service", "_Any", "_Entity", "_Service", "link__"):
        assert plumbing not in sdl, plumbing
    assert "type Invoice implements InvoiceContent & Node {" in sdl
