"""`invoicegraph webhooks …` and `invoicegraph deliver`, run for real (Typer's runner) on a temporary SQLite database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from invoicegraph.app import create_app
from invoicegraph.cli import app
from invoicegraph.settings import Settings, get_settings
from tests.support.data import EXAMPLE, EXAMPLE_KEY, INVOICE_ID, example
from tests.support.receiver import Receiver

runner = CliRunner()


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("INVOICEGRAPH_DATABASE_URL", url)
    get_settings.cache_clear()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["import", str(EXAMPLE)]).exit_code == 0
    yield url
    get_settings.cache_clear()


def _field(output: str, name: str) -> str:
    return next(line.split()[1] for line in output.splitlines() if line.startswith(f"{name}:"))


@pytest.mark.usefixtures("database_url")
def test_create_list_rotate_disable_enable() -> None:
    created = runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", "http://127.0.0.1:9/hooks"])
    assert created.exit_code == 0, created.output
    endpoint_id, secret = _field(created.output, "id"), _field(created.output, "secret")
    assert endpoint_id.startswith("whep_")
    assert secret.startswith("whsec_")
    listed = runner.invoke(app, ["webhooks", "list"])
    assert endpoint_id in listed.output
    assert "INVOICE.UPDATED" in listed.output
    assert "ENABLED" in listed.output
    assert secret not in listed.output  # shown once, never again
    rotated = runner.invoke(app, ["webhooks", "rotate-secret", endpoint_id])
    assert rotated.exit_code == 0, rotated.output
    assert _field(rotated.output, "secret") not in (secret, "")
    assert runner.invoke(app, ["webhooks", "disable", endpoint_id]).exit_code == 0
    assert "DISABLED" in runner.invoke(app, ["webhooks", "list", "--platform", "plat_acme"]).output
    assert runner.invoke(app, ["webhooks", "enable", endpoint_id]).exit_code == 0
    assert "ENABLED" in runner.invoke(app, ["webhooks", "list"]).output
    assert runner.invoke(app, ["webhooks", "list", "--platform", "plat_other"]).output.strip().count("\n") == 0  # the header only


@pytest.mark.usefixtures("database_url")
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--platform", "plat_acme", "--url", "ftp://hooks.example.com/"], "https://"),
        (["--platform", "plat_acme", "--url", "https://hooks.example.com/", "--event", "INVOICE.DELETED"], "unknown event type"),
        (["--platform", "plat_nope", "--url", "https://hooks.example.com/"], "unknown platform"),
    ],
)
def test_create_refuses(arguments: list[str], message: str) -> None:
    refused = runner.invoke(app, ["webhooks", "create", *arguments])
    assert refused.exit_code == 1
    assert message in refused.output


@pytest.mark.usefixtures("database_url")
def test_production_refuses_private_targets_and_plain_http_and_needs_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICEGRAPH_ENVIRONMENT", "production")
    monkeypatch.setenv("INVOICEGRAPH_JWT_SECRET", "x" * 40)
    monkeypatch.setenv("INVOICEGRAPH_ALLOW_SQLITE_IN_PRODUCTION", "true")
    get_settings.cache_clear()
    for url, message in [("http://hooks.example.com/", "plain http://"), ("https://10.0.0.5/", "not a public address")]:
        refused = runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", url])
        assert refused.exit_code == 1
        assert message in refused.output
    no_key = runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", "https://hooks.example.com/"])
    assert no_key.exit_code == 1
    assert "INVOICEGRAPH_WEBHOOK_SECRET_KEYS" in no_key.output
    monkeypatch.setenv("INVOICEGRAPH_WEBHOOK_SECRET_KEYS", json.dumps(["k" * 32]))
    get_settings.cache_clear()
    assert runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", "https://hooks.example.com/"]).exit_code == 0
    monkeypatch.setenv("INVOICEGRAPH_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
    monkeypatch.setenv("INVOICEGRAPH_WEBHOOK_ALLOW_HTTP", "true")
    get_settings.cache_clear()
    assert runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", "http://10.0.0.5/"]).exit_code == 0


def test_deliver_once_sends_then_deliveries_lists_and_resend_sends_again(database_url: str, tmp_path: Path) -> None:
    receiver = Receiver().start()
    try:
        created = runner.invoke(app, ["webhooks", "create", "--platform", "plat_acme", "--url", receiver.url])
        receiver.secret = _field(created.output, "secret")
        _refresh_with_a_change(database_url, tmp_path)

        delivered = runner.invoke(app, ["deliver", "--once"])
        assert delivered.exit_code == 0, delivered.output
        (first,) = receiver.received
        assert first.verified
        event_id = first.event["id"]

        listed = runner.invoke(app, ["webhooks", "deliveries", "--event", event_id])
        assert "SUCCEEDED" in listed.output
        assert INVOICE_ID in listed.output
        tried = runner.invoke(app, ["webhooks", "deliveries", "--attempts", "--status", "SUCCEEDED"])
        assert "\t200\t" in tried.output
        assert runner.invoke(app, ["webhooks", "deliveries", "--status", "LOST"]).exit_code == 2

        assert runner.invoke(app, ["webhooks", "resend", event_id]).exit_code == 0
        assert runner.invoke(app, ["deliver", "--once"]).exit_code == 0
        assert [r.event["id"] for r in receiver.received] == [event_id, event_id]
        assert runner.invoke(app, ["webhooks", "resend", "evnt_unknown"]).exit_code == 1
    finally:
        receiver.stop()


def _refresh_with_a_change(database_url: str, tmp_path: Path) -> None:
    data = example()
    late = tmp_path / "late.json"
    late.write_text(json.dumps({"format": data["format"], "usage_events": [{**data["usage_events"][0], "reference": "evt-late"}]}))
    assert runner.invoke(app, ["import", str(late)]).exit_code == 0

    async def refresh() -> None:
        served = create_app(Settings(database_url=database_url))
        try:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://testserver") as client:
                answer = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers={"X-API-KEY": EXAMPLE_KEY})
                assert answer.status_code == 200, answer.text
        finally:
            # No lifespan runs under ASGITransport: close the pooled SQLite connections on this loop.
            await served.state.database.dispose()

    asyncio.run(refresh())
