"""`invoicegraph import`, `generate` (cli/data.py), run for real (Typer's runner) against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from invoicegraph.cli import app

runner = CliRunner()


def test_generate_is_deterministic_per_seed(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    args = ["generate", "--platforms", "2", "--customers", "3", "--invoices", "4", "--events-per-invoice", "2", "--seed", "9"]
    assert runner.invoke(app, [*args, "-o", str(first)]).exit_code == 0
    assert runner.invoke(app, [*args, "-o", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["format"] == "invoicegraph/v1"
    assert len(data["invoices"]) == 4
    assert len(data["usage_events"]) == 8


@pytest.mark.usefixtures("database_env")
def test_import_reports_problems_with_paths_and_fails(tmp_path: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "invoicegraph/v1", "platforms": [{"id": "plat_x", "name": 3}]}))
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "platforms[0].name" in result.output


@pytest.mark.usefixtures("database_env")
def test_import_of_a_key_another_stored_key_holds_fails_without_a_traceback(tmp_path: Path) -> None:
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    key = {"name": "ops", "key": "igk_test_" + "ab" * 16, "permissions": []}
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(
        json.dumps(
            {
                "format": "invoicegraph/v1",
                "platforms": [{"id": "plat_a", "name": "A"}],
                "api_keys": [{**key, "id": "akey_a", "platform_ids": ["plat_a"]}],
            }
        )
    )
    second.write_text(
        json.dumps(
            {
                "format": "invoicegraph/v1",
                "platforms": [{"id": "plat_b", "name": "B"}],
                "api_keys": [{**key, "id": "akey_b", "platform_ids": ["plat_b"]}],
            }
        )
    )
    assert runner.invoke(app, ["import", str(first)]).exit_code == 0

    result = runner.invoke(app, ["import", str(second)])

    assert result.exit_code == 1, result.output
    assert "api_keys[0].key: this key is already in use" in result.output
    assert "akey_a" not in result.output
    assert "plat_a" not in result.output
