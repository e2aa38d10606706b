"""The `invoicegraph` command, run for real (Typer's runner) against a temporary SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from invoicegraph.cli import app
from invoicegraph.settings import get_settings

runner = CliRunner()


@pytest.fixture
def database_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("INVOICEGRAPH_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    get_settings.cache_clear()
    yield path  # type: ignore[misc]
    get_settings.cache_clear()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "migrate", "import", "demo", "generate", "api-keys", "export-schema"):
        assert command in result.output
    keys = runner.invoke(app, ["api-keys", "--help"])
    assert all(word in keys.output for word in ("create", "list", "revoke"))


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


def test_export_schema_prints_the_sdl() -> None:
    result = runner.invoke(app, ["export-schema"])
    assert result.exit_code == 0
    assert 'type Invoice implements InvoiceContent & Node @key(fields: "id")' in result.output


def test_bad_settings_are_refused_with_the_reasons_not_a_traceback(database_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICEGRAPH_ENVIRONMENT", "production")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "refusing to start in production" in result.output
    assert "INVOICEGRAPH_JWT_SECRET" in result.output
    assert "Traceback" not in result.output


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
