"""The committed `schema.graphql` is exactly what `invoicegraph export-schema` prints.

Gateways, client code generators and reviewers read the committed file, so a schema change without
`make schema` must fail here, with the difference shown.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from typer.testing import CliRunner

from invoicegraph.cli import app

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "schema.graphql"
MAX_DIFF_LINES = 60


def test_committed_schema_equals_export_schema() -> None:
    # Given the committed file
    assert SCHEMA_FILE.exists(), "schema.graphql is missing at the repository root: run `make schema` and commit it"
    committed = SCHEMA_FILE.read_text(encoding="utf-8")

    # When the command prints the schema of the code
    result = CliRunner().invoke(app, ["export-schema"])

    # Then both are the same, byte for byte
    assert result.exit_code == 0, result.output
    exported = result.stdout
    if exported != committed:
        diff = list(
            difflib.unified_diff(committed.splitlines(), exported.splitlines(), "schema.graphql", "invoicegraph export-schema", lineterm="")
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES]) + ("\n…" if len(diff) > MAX_DIFF_LINES else "")
        raise AssertionError(f"schema.graphql differs from the code's schema: run `make schema` and commit the result.\n{shown}")


def test_make_schema_regenerates_the_file_with_that_command() -> None:
    # The README's instruction (`make schema`) must run the very command compared above.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")

    assert "\nschema:" in makefile
    assert "invoicegraph export-schema > schema.graphql" in makefile.split("\nschema:", 1)[1].split("\n\n", 1)[0]
