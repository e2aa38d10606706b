"""A server killed with SIGKILL at many points of a stream of refreshes never loses or invents an event.

Given a real `invoicegraph serve` on the demo data (SQLite, then PostgreSQL), when clients refresh
invoices through GraphQL and REST, with and without an Idempotency-Key, while the customer record
moves between refreshes, and the server is killed at a random moment of each burst, restarted, and
every keyed call that got no answer is sent again, then the database holds, for every invoice:

- one audit record per version step, and exactly one `INVOICE.UPDATED` event per changed refresh,
  with the version it produced; no event without its committed refresh;
- no idempotency record without its stored response (no key left in flight), and a key sent again
  after the crash either replays what was committed or runs once: never "still in progress".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.tables import Customer, IdempotencyRecord, Invoice, RefreshRecord
from invoicegraph.demo import DEMO_API_KEY
from tests.e2e.conftest import _free_loopback_port, _server_env
from tests.support.postgres import PostgresCluster

pytestmark = pytest.mark.e2e

PLATFORM = "plat_acme"
CUSTOMER = "cust_globex"
ROUNDS = 10
WORKERS = 4
HEADERS = {"X-API-KEY": DEMO_API_KEY, "x-platform-id": PLATFORM}
MUTATION = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [CUSTOMER]) { id version customer { id } } }"
CITIES = ("Brussels", "Antwerp", "Ghent", "Leuven", "Namur")


@dataclass
class Calls:
    """What the clients sent and heard."""

    lost: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, invoice id, key) without an answer
    answered: Counter[str] = field(default_factory=Counter)
    in_round: int = 0  # answers in the current burst


@contextlib.asynccontextmanager
async def _server(url: str, workdir: Path, round_: int) -> AsyncIterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_loopback_port()
    log = (workdir / f"server-{round_}.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("invoicegraph")), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_server_env(url),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=15)
        log.close()


async def _refresh(client: httpx.AsyncClient, base: str, kind: str, invoice_id: str, key: str | None) -> httpx.Response:
    headers = {**HEADERS, **({"Idempotency-Key": key} if key else {})}
    if kind == "rest":
        return await client.post(f"{base}/v1/invoices/{invoice_id}/refresh", json={"types": ["CUSTOMER"]}, headers=headers)
    return await client.post(f"{base}/graphql", json={"query": MUTATION, "variables": {"id": invoice_id}}, headers=headers)


def _succeeded(kind: str, response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    body = response.json()
    return kind == "rest" or body.get("data", {}).get("refreshInvoice") is not None


async def _burst(base: str, invoices: list[str], calls: Calls, rng: random.Random, round_: int) -> None:
    """Workers refresh until the server dies under them."""

    async def worker(number: int) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            for step in range(10_000):
                kind = rng.choice(("graphql", "rest"))
                invoice_id = rng.choice(invoices)
                key = f"r{round_}-w{number}-{step}" if rng.random() < 0.7 else None
                try:
                    response = await _refresh(client, base, kind, invoice_id, key)
                except httpx.TransportError:
                    if key is not None:
                        calls.lost.append((kind, invoice_id, key))
                    return
                calls.answered[f"{kind} {response.status_code}"] += 1
                calls.in_round += 1

    await asyncio.gather(*(worker(number) for number in range(WORKERS)))


async def _move_customer(database: Database, city: str) -> None:
    """The live customer moves: the next CUSTOMER refresh of each of its invoices changes it."""
    async with database.write() as session:
        row = (
            await session.execute(select(Customer).where(col(Customer.platform_id) == PLATFORM, col(Customer.id) == CUSTOMER))
        ).scalar_one()
        organization = dict(row.data["organization"])
        organization["registered_address"] = {**organization["registered_address"], "city": city}
        data = {**row.data, "organization": organization}
        await session.execute(update(Customer).where(col(Customer.platform_id) == PLATFORM, col(Customer.id) == CUSTOMER).values(data=data))


async def _check_invariants(database: Database, invoices: list[str], versions_before: dict[str, int]) -> tuple[int, int]:
    async with database.read() as session:
        records = (await session.execute(select(RefreshRecord).where(col(RefreshRecord.platform_id) == PLATFORM))).scalars().all()
        events = (await session.execute(select(OutboxEvent).where(col(OutboxEvent.platform_id) == PLATFORM))).scalars().all()
        keys = (await session.execute(select(IdempotencyRecord).where(col(IdempotencyRecord.platform_id) == PLATFORM))).scalars().all()
        versions = dict(
            (
                await session.execute(
                    select(Invoice.id, Invoice.version).where(col(Invoice.platform_id) == PLATFORM, col(Invoice.id).in_(invoices))
                )
            ).all()
        )
    changed = [r for r in records if r.changed]
    for invoice_id in invoices:
        steps = sorted(r.version_after for r in changed if r.invoice_id == invoice_id)
        assert steps == list(range(versions_before[invoice_id] + 1, versions[invoice_id] + 1)), invoice_id
        produced = Counter(e.version for e in events if e.invoice_id == invoice_id)
        assert produced == Counter(steps), f"{invoice_id}: events {produced} for changed refreshes {steps}"
    assert all(e.event_type == "INVOICE.UPDATED" and e.changes for e in events)
    assert all(r.version_after == r.version_before for r in records if not r.changed)
    for record in keys:
        assert record.state == "DONE", record.key
        assert record.response_body is not None, record.key
        assert "content-type" in record.response_headers, record.key
    return len(changed), len(events)


async def _prepare(url: str, workdir: Path) -> None:
    demo = subprocess.run(
        [str(Path(sys.executable).with_name("invoicegraph")), "demo"],
        env=_server_env(url),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr


async def test_events_and_keys_survive_sigkill_at_any_point_on_sqlite(tmp_path: Path) -> None:
    await _kill_at_many_points(f"sqlite+aiosqlite:///{tmp_path / 'kill.db'}", tmp_path)


async def test_events_and_keys_survive_sigkill_at_any_point_on_postgres(postgres: PostgresCluster, tmp_path: Path) -> None:
    postgres.psql("CREATE DATABASE kill_test")
    try:
        await _kill_at_many_points(postgres.url("kill_test"), tmp_path)
    finally:
        postgres.psql("DROP DATABASE IF EXISTS kill_test WITH (FORCE)")


async def _kill_at_many_points(url: str, tmp_path: Path) -> None:
    await _prepare(url, tmp_path)
    database = Database(url)
    rng = random.Random(20261206)
    calls = Calls()
    try:
        async with database.read() as session:
            rows = (
                await session.execute(
                    select(Invoice.id, Invoice.version).where(
                        col(Invoice.platform_id) == PLATFORM,
                        col(Invoice.customer_id) == CUSTOMER,
                        col(Invoice.status).in_(("OPEN", "DRAFT")),
                    )
                )
            ).all()
        versions_before = {row.id: row.version for row in rows}
        invoices = sorted(versions_before)
        assert invoices, "the demo data has open invoices of the customer"
        for round_ in range(ROUNDS):
            await _move_customer(database, CITIES[round_ % len(CITIES)] + f" {round_}")
            async with _server(url, tmp_path, round_) as (process, base):
                calls.in_round = 0
                burst = asyncio.ensure_future(_burst(base, invoices, calls, rng, round_))
                # The kill point: after a random number of answers (whatever the machine's speed),
                # then a random fraction of a request later, so it lands anywhere in one.
                answers = rng.randint(0, 12)
                while calls.in_round < answers and not burst.done():
                    await asyncio.sleep(0.005)
                await asyncio.sleep(rng.uniform(0, 0.05))
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
                await burst
        # Every keyed call that got no answer is sent again to a fresh server.
        async with _server(url, tmp_path, ROUNDS) as (_process, base), httpx.AsyncClient(timeout=30) as client:
            for kind, invoice_id, key in calls.lost:
                again = await _refresh(client, base, kind, invoice_id, key)
                assert _succeeded(kind, again), (key, again.status_code, again.text)
                second = await _refresh(client, base, kind, invoice_id, key)
                assert (second.headers.get("idempotent-replayed"), second.content) == ("true", again.content), key
        changed, events = await _check_invariants(database, invoices, versions_before)
    finally:
        await database.dispose()
    assert changed == events, (changed, events, calls.answered)
    assert changed >= ROUNDS // 2, (changed, calls.answered)  # most bursts commit some changed refreshes
    assert sum(calls.answered.values()) >= ROUNDS * 3, calls.answered
    assert calls.lost, "no keyed call was caught by a kill: the kill points missed every request"
