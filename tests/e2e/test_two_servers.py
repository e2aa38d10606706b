"""Stateless servers: two `invoicegraph serve` processes (and `serve --workers 2`) on one PostgreSQL database.

What one process does not keep, another cannot get wrong: locks, idempotency records, audit and outbox
live in the database, credentials are read from it on every request, and the per-process caches hold
documents only (a second process just asks for the document again). The test runs concurrent refreshes
of the same invoices through both servers and compares the result with a serial run on a copy of the
same data.
"""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.services.api_keys import create_api_key, revoke_api_key
from invoicegraph.settings import Settings
from tests.e2e.conftest import _free_loopback_port, _server_env, _stop
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record
from tests.support.postgres import PostgresCluster

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

COUNT = 8
ROUNDS = 3  # refreshes of each invoice per server
HEADERS = {"X-API-KEY": EXAMPLE_KEY}
REFRESH = "mutation($id: ID!) { refreshInvoice(id: $id) { id version invoiceAmountIncludingTax { quantity } } }"
STATE = """query($id: ID!) { invoice(id: $id) {
  id version status onHold invoiceAmountIncludingTax { quantity } openInvoiceAmount { quantity }
  taxSummary { baseAmount { quantity } taxAmount { quantity } totalAmount { quantity } }
  periods { groups { lines { id amountExcludingTax { quantity } amountIncludingTax { quantity } } } }
} }"""
IDS = [f"invo_draft_{i:02d}" for i in range(COUNT)]


def _drafts() -> tuple[dict[str, Any], dict[str, Any]]:
    data = example()
    base = record(data, "invoices", INVOICE_ID)
    data["invoices"] = [{**base, "id": invoice_id} for invoice_id in IDS]
    late = {**data["usage_events"][0], "reference": "evt-late", "value": "500"}
    return data, {"format": data["format"], "usage_events": [late]}


async def _seed(url: str, directory: Path) -> None:
    data, late = _drafts()
    database = Database(url)
    try:
        await load(database, directory, data, "drafts.json")
        await load(database, directory, late, "late.json")  # every draft now has a change pending
    finally:
        await database.dispose()


def _serve(url: str, log: Path, *, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_loopback_port()
    env = {**_server_env(url), "INVOICEGRAPH_LOCK_TIMEOUT_SECONDS": "30", "INVOICEGRAPH_LOG_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).with_name("invoicegraph")), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def _wait_healthy(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`invoicegraph serve` exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{base_url} did not answer /healthz:\n{log.read_text()}")


@pytest.fixture
def databases(postgres: PostgresCluster) -> Iterator[tuple[str, str]]:
    names = ("two_servers", "two_servers_serial")
    for name in names:
        postgres.psql(f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    yield postgres.url(names[0]), postgres.url(names[1])
    for name in names:
        postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _refresh(client: httpx.AsyncClient, invoice_id: str) -> dict[str, Any] | None:
    body: dict[str, Any] = (await client.post("/graphql", json={"query": REFRESH, "variables": {"id": invoice_id}})).json()
    if "errors" in body:
        # The only acceptable failure: the documented retryable lock timeout.
        assert "retry" in body["errors"][0]["message"].lower(), body
        return None
    result: dict[str, Any] = body["data"]["refreshInvoice"]
    return result


async def _states(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    states = []
    for invoice_id in IDS:
        body = (await client.post("/graphql", json={"query": STATE, "variables": {"id": invoice_id}})).json()
        states.append(body["data"]["invoice"])
    return states


async def _counts(dsn: str) -> dict[str, int]:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            table: int(await connection.fetchval(f"SELECT count(*) FROM {table} WHERE platform_id = 'plat_acme'"))  # noqa: S608
            for table in ("refresh_record", "outbox_event")
        }
    finally:
        await connection.close()


async def test_two_servers_refreshing_the_same_invoices_equal_a_serial_run(
    postgres: PostgresCluster, databases: tuple[str, str], tmp_path: Path
) -> None:
    shared, serial_url = databases
    for directory in ("a", "b"):
        (tmp_path / directory).mkdir()
    await asyncio.gather(_seed(shared, tmp_path / "a"), _seed(serial_url, tmp_path / "b"))
    servers = [_serve(shared, tmp_path / f"server-{name}.log") for name in ("a", "b")]
    try:
        for (process, base_url), name in zip(servers, ("a", "b"), strict=True):
            _wait_healthy(process, base_url, tmp_path / f"server-{name}.log")
        async with (
            httpx.AsyncClient(base_url=servers[0][1], headers=HEADERS, timeout=60) as a,
            httpx.AsyncClient(base_url=servers[1][1], headers=HEADERS, timeout=60) as b,
        ):
            # Every invoice refreshed ROUNDS times through each server, all at once.
            calls = [_refresh(client, invoice_id) for invoice_id in IDS for client in (a, b) for _ in range(ROUNDS)]
            results = await asyncio.wait_for(asyncio.gather(*calls), timeout=120)
            succeeded = [r for r in results if r is not None]
            concurrent = await _states(a)
            assert await _states(b) == concurrent  # both servers answer the same

            await _idempotency_spans_servers(a, b)
            await _persisted_queries_are_per_process(a, b)
            await _revocation_reaches_every_server(shared, a, b)

        serial_app = create_app(Settings(database_url=serial_url, environment="development"))
        transport = httpx.ASGITransport(app=serial_app)
        async with (
            serial_app.router.lifespan_context(serial_app),
            httpx.AsyncClient(transport=transport, base_url="http://serial", headers=HEADERS) as serial,
        ):
            for invoice_id in IDS:
                assert await _refresh(serial, invoice_id) is not None
            serial_states = await _states(serial)
    finally:
        for process, _ in servers:
            _stop(process)

    assert succeeded, "no refresh succeeded"
    assert concurrent == serial_states
    assert {state["version"] for state in concurrent} == {2}  # one real change each, however many refreshes ran
    counts = await _counts(postgres.dsn("two_servers"))
    # One audit record per refresh that ran (plus the idempotent call's one), one event per real change.
    assert counts == {"refresh_record": len(succeeded) + 1, "outbox_event": COUNT}


async def _idempotency_spans_servers(a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """The same key through both servers at once: one refresh runs; the other waits its turn or replays it."""
    path = f"/v1/invoices/{IDS[0]}/refresh"
    headers = {"Idempotency-Key": "two-servers-1"}
    first, second = await asyncio.gather(a.post(path, headers=headers), b.post(path, headers=headers))
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([200, 200], [200, 409]), (first.text, second.text)
    done = first if first.status_code == 200 else second
    replay = await b.post(path, headers=headers)
    assert replay.status_code == 200
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json() == done.json()


async def _persisted_queries_are_per_process(a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """Server A learns a document; B never heard of it and asks for it (safe to lose, never shared)."""
    document = "query Version($id: ID!) { invoice(id: $id) { id version } }"
    digest = hashlib.sha256(document.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    variables = {"id": IDS[0]}
    registered = (await a.post("/graphql", json={"query": document, "variables": variables, "extensions": extensions})).json()
    assert "errors" not in registered
    assert (await a.post("/graphql", json={"variables": variables, "extensions": extensions})).json() == registered
    unknown = (await b.post("/graphql", json={"variables": variables, "extensions": extensions})).json()
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def _revocation_reaches_every_server(url: str, a: httpx.AsyncClient, b: httpx.AsyncClient) -> None:
    """A revoked key stops on every server within the credential cache's ttl (auth/credential_cache.py)."""
    database = Database(url)
    try:
        key_id, key = await create_api_key(
            database, name="short-lived", platforms=["plat_acme"], permissions=["INVOICE.VIEW"], expires_at=None
        )
        headers = {"X-API-KEY": key}
        for client in (a, b):
            assert (await client.get(f"/v1/invoices/{IDS[0]}", headers=headers)).status_code == 200
        assert await revoke_api_key(database, key_id)
        deadline = asyncio.get_running_loop().time() + 60
        for client in (a, b):
            while (status := (await client.get(f"/v1/invoices/{IDS[0]}", headers=headers)).status_code) != 401:
                assert status == 200
                assert asyncio.get_running_loop().time() < deadline, "a revoked key was still accepted after a minute"
                await asyncio.sleep(0.2)
    finally:
        await database.dispose()


async def test_serve_with_two_workers(postgres: PostgresCluster, tmp_path: Path) -> None:
    name = "two_workers"
    postgres.psql(f"CREATE DATABASE {name} TEMPLATE template_invoicegraph")
    log = tmp_path / "server.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        await load_example(postgres.url(name), tmp_path)
        process, base_url = _serve(postgres.url(name), log, workers=2)
        _wait_healthy(process, base_url, log)
        assert len(_children(process.pid)) == 2, log.read_text()
        async with httpx.AsyncClient(base_url=base_url, headers=HEADERS, timeout=30) as client:
            bodies = await asyncio.gather(*(client.get(f"/v1/invoices/{INVOICE_ID}") for _ in range(40)))
            assert {response.status_code for response in bodies} == {200}
            assert len({response.content for response in bodies}) == 1
            refreshed = await _refresh(client, INVOICE_ID)
            assert refreshed is not None
            # Whichever worker answers, it reads what the other wrote.
            query = {"query": STATE, "variables": {"id": INVOICE_ID}}
            after = await asyncio.gather(*(client.post("/graphql", json=query) for _ in range(20)))
            assert {response.json()["data"]["invoice"]["version"] for response in after} == {refreshed["version"]}
    finally:
        if process is not None:
            _stop(process)
        postgres.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def load_example(url: str, directory: Path) -> None:
    database = Database(url)
    try:
        await load(database, directory, example(), "example.json")
    finally:
        await database.dispose()


def _children(pid: int) -> list[int]:
    """The worker processes uvicorn spawned (children of the serve process; not multiprocessing's helpers)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if parent == pid and "spawn_main" in command:
            children.append(int(stat.parent.name))
    return children
