"""`GET /v1/invoices/{id}` from the invoice's served form (rest/vendor.py, records/served.py).

The body is the stored bytes with the live records filled in. Held against the projection of the
invoice's document (what the route answered before, and still answers for a row not written since):
the same body (on SQLite the same bytes) after the import, a refresh and a line edit, and with
records changed under it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from invoicegraph.auth.permissions import INVOICE_LINE_EDIT, INVOICE_VIEW
from invoicegraph.db.engine import Database
from invoicegraph.db.tables import Invoice, PaymentAcceptor
from invoicegraph.demo import DEMO_API_KEY, DEMO_FILE, load_demo
from tests.support.data import load
from tests.support.engines import Statements, assert_read_where_routed
from tests.support.seed import add_key

ACME = {"X-API-KEY": DEMO_API_KEY, "x-platform-id": "plat_acme"}
# Open, with meter values and two payment acceptors to fill; a final invoice with nothing live in it.
WITH_RECORDS = "invo_globex_2026_11"
WITHOUT_RECORDS = "invo_globex_2026_10"


@pytest.fixture
async def demo(database: Database) -> None:
    assert (await load_demo(database)).ok


async def _get(client: httpx.AsyncClient, invoice_id: str) -> bytes:
    response = await client.get(f"/v1/invoices/{invoice_id}", headers=ACME)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.content


async def _ids(database: Database) -> list[str]:
    async with database.write() as session:
        return list((await session.execute(select(col(Invoice.id)).where(col(Invoice.platform_id) == "plat_acme"))).scalars())


async def _forget_served(database: Database, served_places: dict[str, Any] | None = None) -> None:
    """As a row written before the served form existed (None), or under another format."""
    async with database.write() as session:
        await session.execute(update(Invoice).values(served=None if served_places is None else b"{}", served_places=served_places))


def _same(served: bytes, projected: bytes, backend: str) -> None:
    """The same body; on SQLite the same bytes. (PostgreSQL's JSONB keeps a document's keys in its own
    order, so a body projected from the document orders nested keys so; the served form keeps them in
    the order they were written. JSON objects are unordered: either is the same body.)"""
    assert orjson.loads(served) == orjson.loads(projected)
    if backend == "sqlite":
        assert served == projected


async def _projected(client: httpx.AsyncClient, database: Database, ids: list[str]) -> dict[str, bytes]:
    """Each invoice's body as its document projects it (the route's path for a row without a served form)."""
    await _forget_served(database)
    return {i: await _get(client, i) for i in ids}


async def _without_current_form(database: Database) -> list[str]:
    """The invoices whose served form is missing or not of their version (served from the document)."""
    async with database.write() as session:
        rows = (await session.execute(select(col(Invoice.id), col(Invoice.version), col(Invoice.served), col(Invoice.served_places)))).all()
    return [row.id for row in rows if row.served is None or (row.served_places or {}).get("version") != row.version]


@pytest.mark.usefixtures("demo")
async def test_every_invoice_is_served_as_its_document_projects_it(client: httpx.AsyncClient, database: Database, backend: str) -> None:
    ids = await _ids(database)
    assert {WITH_RECORDS, WITHOUT_RECORDS} <= set(ids)
    # The import stored every form, the drafts' when it computed them: none is answered by projection.
    assert await _without_current_form(database) == []
    served = {i: await _get(client, i) for i in ids}
    payments = orjson.loads(served[WITH_RECORDS])["payment_actions"]
    assert [action["payment_acceptor"]["id"] for action in payments] == ["paya_acme_bank", "paya_acme_card"]
    assert [value["id"] for value in orjson.loads(served[WITH_RECORDS])["meter_values"]]
    projected = await _projected(client, database, ids)
    for invoice_id in ids:
        _same(served[invoice_id], projected[invoice_id], backend)


@pytest.mark.usefixtures("demo")
async def test_a_row_of_another_format_is_served_from_its_document(client: httpx.AsyncClient, database: Database, backend: str) -> None:
    before = await _get(client, WITH_RECORDS)
    await _forget_served(database, {"format": 0, "places": []})
    _same(await _get(client, WITH_RECORDS), before, backend)


@pytest.mark.usefixtures("demo")
async def test_live_records_are_read_as_they_are_now(client: httpx.AsyncClient, database: Database) -> None:
    # Given a payment acceptor that changes after the invoice was last written,
    async with database.write() as session:
        stored = (await session.execute(select(col(Invoice.served)).where(col(Invoice.id) == WITH_RECORDS))).scalar_one()
        found = select(col(PaymentAcceptor.data)).where(
            col(PaymentAcceptor.platform_id) == "plat_acme", col(PaymentAcceptor.id) == "paya_acme_bank"
        )
        data = (await session.execute(found)).scalar_one()
        await session.execute(
            update(PaymentAcceptor)
            .where(col(PaymentAcceptor.platform_id) == "plat_acme", col(PaymentAcceptor.id) == "paya_acme_bank")
            .values(data={**data, "name": "Renamed — ✓"})
        )
    # then the invoice's body shows it, while its stored form is unchanged.
    body = orjson.loads(await _get(client, WITH_RECORDS))
    assert body["payment_actions"][0]["payment_acceptor"]["name"] == "Renamed — ✓"
    async with database.write() as session:
        assert (await session.execute(select(col(Invoice.served)).where(col(Invoice.id) == WITH_RECORDS))).scalar_one() == stored


@pytest.mark.usefixtures("demo")
async def test_a_refresh_and_a_line_edit_store_the_form_of_what_they_wrote(
    client: httpx.AsyncClient, database: Database, backend: str
) -> None:
    refreshed = await client.post(f"/v1/invoices/{WITH_RECORDS}/refresh", json={"types": ["FULL"]}, headers=ACME)
    assert refreshed.status_code == 200, refreshed.text
    editor = await add_key(database, ["plat_acme"], [INVOICE_LINE_EDIT, INVOICE_VIEW])
    line = {"product_id": "prod_onboarding", "description": "Onboarding — à la carte", "amount": "12.50"}
    added = await client.post(f"/v1/invoices/{WITH_RECORDS}/lines", json=line, headers={"X-API-KEY": editor.key})
    assert added.status_code in (200, 201), added.text
    served = await _get(client, WITH_RECORDS)
    assert orjson.loads(served) == added.json()
    assert "Onboarding — à la carte" in served.decode()
    _same(served, (await _projected(client, database, [WITH_RECORDS]))[WITH_RECORDS], backend)


@pytest.mark.usefixtures("demo")
async def test_a_payment_imported_later_rewrites_the_served_form(
    client: httpx.AsyncClient, database: Database, backend: str, tmp_path: Path
) -> None:
    # Given a final invoice partly paid, when a file brings its second payment,
    before = orjson.loads(await _get(client, "invo_hooli_2026_10"))
    assert before["paid_invoice_amount"]["quantity"] == "50.00"
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    [hooli] = [invoice for invoice in data["invoices"] if invoice["id"] == "invo_hooli_2026_10"]
    hooli["payments"].append(
        {"id": "paym_hooli_2", "amount": {"quantity": "113.35", "currency": "EUR"}, "received_at": "2026-11-30T12:00:00Z"}
    )
    await load(database, tmp_path, data)
    # then the served body has it, as the document projects it.
    after = await _get(client, "invo_hooli_2026_10")
    assert orjson.loads(after)["paid_invoice_amount"]["quantity"] == "163.35"
    assert orjson.loads(after)["payment_status"] != before["payment_status"]
    _same(after, (await _projected(client, database, ["invo_hooli_2026_10"]))["invo_hooli_2026_10"], backend)


@pytest.mark.usefixtures("demo")
async def test_statements_per_get(client: httpx.AsyncClient, database: Database) -> None:
    await _get(client, WITHOUT_RECORDS)  # the key's last_used_at and its place in the credential cache
    spent: dict[str, int] = {}
    for name, invoice_id in (("without", WITHOUT_RECORDS), ("with", WITH_RECORDS)):
        before = Statements.of(database)
        await _get(client, invoice_id)
        used = Statements.of(database) - before
        assert_read_where_routed(database, used, credential_checks=0)
        spent[name] = used.total
    # The served row; with live records, one round for all of them.
    assert spent == {"without": 1, "with": 2}
    await _forget_served(database)
    before = Statements.of(database)
    await _get(client, WITH_RECORDS)
    assert (Statements.of(database) - before).total == 3, "a row without a served form: its document too"


@pytest.mark.usefixtures("demo")
async def test_a_foreign_invoice_is_missing(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/invoices/invo_dunder_2026_11", headers=ACME)  # plat_initech's
    assert response.status_code == 404
    missing = await client.get("/v1/invoices/invo_nowhere", headers=ACME)
    assert response.json() | {"message": None, "resource_id": None} == missing.json() | {"message": None, "resource_id": None}
