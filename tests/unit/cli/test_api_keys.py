"""`invoicegraph api-keys` (cli/api_keys.py), run for real (Typer's runner) against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


@pytest.mark.usefixtures("database_env")
def test_api_keys_create_list_revoke(tmp_path: Path) -> None:
    data = tmp_path / "p.json"
    data.write_text(json.dumps({"format": "invoicegraph/v1", "platforms": [{"id": "plat_x", "name": "X"}]}))
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["import", str(data)]).exit_code == 0
    created = runner.invoke(app, ["api-keys", "create", "--name", "ops", "--platform", "plat_x", "--permission", "INVOICE.VIEW"])
    assert created.exit_code == 0, created.output
    key_id = next(line.split()[1] for line in created.output.splitlines() if line.startswith("id:"))
    key = next(line.split()[1] for line in created.output.splitlines() if line.startswith("key:"))
    assert key.startswith("igk_")
    listed = runner.invoke(app, ["api-keys", "list"])
    assert key_id in listed.output
    assert key not in listed.output  # never shown again
    assert runner.invoke(app, ["api-keys", "revoke", key_id]).exit_code == 0
    assert "INACTIVE" in runner.invoke(app, ["api-keys", "list"]).output
    unknown = runner.invoke(app, ["api-keys", "create", "--name", "x", "--platform", "plat_nope"])
    assert unknown.exit_code == 1
