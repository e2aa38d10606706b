"""The refresh's change paths: REST's walk the REST invoice body, GraphQL's walk the GraphQL invoice.

Given the example data and a change of the live records, when the invoice is previewed (REST dry run
and GraphQL preview) and then refreshed, then every REST path walks the vendor JSON of
GET /v1/invoices/{id} (the preview's `before` is found there before the refresh, its `after` after it,
the same paths are in the outbox event), and every GraphQL path names the GraphQL fields that select
the same leaf (`periods.0.groups.0.lines.1.amountExcludingTax.quantity`), in the preview and in the
audit record (changedPaths) alike (docs/frontend.md). Our internal keys (customer_details, stored
tax_rates, copied_at, version) never appear, but a refresh that changes only them is still saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.records.vendor_json import FIELDS
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, load, record

KEY = {"X-API-KEY": EXAMPLE_KEY}
URL = f"/v1/invoices/{INVOICE_ID}"
HISTORY = "query($id: ID!) { invoice(id: $id) { version refreshHistory(first: 1) { edges { node { changed changedPaths } } } } }"
PREVIEW = (
    "query($id: ID!, $types: [InvoiceRefreshType!]) { invoiceRefreshPreview(id: $id, types: $types) { changes { path before after } } }"
)
MISSING = object()
# Our keys, which the vendor JSON does not have (the walk below would not find them either).
INTERNAL = {
    "customer_details", "billing_entity_details", "tax_rates", "version", "on_hold_set_by", "copied_at", "meter_value_ids",
    "credit_type_ids", "processing_only_customer_ids", "forwarded_from_customer_ids",
}  # fmt: skip

Setup = Callable[[Api, Database, Path, dict[str, Any]], Awaitable[None]]


def resolve(body: Any, path: str) -> Any:
    """The value at a dotted path (keys and zero-based list indexes) of a JSON body; MISSING if none."""
    node = body
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return MISSING
    return node


def found(body: Any, path: str) -> Any:
    """`resolve`, with a path that is not there read as null (InvoiceChange: null when it does not exist)."""
    value = resolve(body, path)
    return None if value is MISSING else value


def _only(data: dict[str, Any], **sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": data["format"], **sections}


async def _move_customer(database: Database, tmp_path: Path, data: dict[str, Any], country: str, city: str) -> None:
    customer = record(data, "customers", "cust_globex")
    customer["email"] = f"invoices-{country.lower()}@globex.example"
    customer["organization"]["registered_address"] = {"line1": "Dam 1", "city": city, "postal_code": "1012 JS", "country": country}
    await load(database, tmp_path, _only(data, customers=[customer]), f"customer-{country}.json")


async def _move_entity(database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    entity = record(data, "billing_entities", "enti_nl")
    entity["registered_address"] = {**entity["registered_address"], "line1": "Herengracht 2", "city": "Rotterdam"}
    await load(database, tmp_path, _only(data, billing_entities=[entity]), "entity.json")


async def _nl_rate(api: Api, database: Database, tmp_path: Path, data: dict[str, Any], **rate: str) -> None:
    """Globex moves to the Netherlands (21 % stored by a CUSTOMER refresh), then the NL rate table changes."""
    await _move_customer(database, tmp_path, data, "NL", "Amsterdam")
    assert "errors" not in await api.refresh(INVOICE_ID, ["CUSTOMER"])
    changed = {**record(data, "tax_rates", "txrt_nl_std"), **rate}
    await load(database, tmp_path, _only(data, tax_rates=[changed]), "rate.json")


async def _customer(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _move_customer(database, tmp_path, data, "BE", "Antwerp")


async def _billing_entity(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _move_entity(database, tmp_path, data)


async def _tax_rates(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _nl_rate(api, database, tmp_path, data, percentage="22")


async def _full(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    await _move_customer(database, tmp_path, data, "BE", "Antwerp")
    await _move_entity(database, tmp_path, data)
    event = {**data["usage_events"][0], "reference": "evt-late", "value": "100"}
    await load(database, tmp_path, _only(data, usage_events=[event]), "late.json")


# The same leaves as GraphQL names them.
GRAPHQL_PATHS = {
    "customer.email": "customerDetails.email",
    "customer.organization.registered_address.city": "customerDetails.address.city",
    "billing_entity.registered_address.city": "billingEntityDetails.address.city",
    "billing_entity.registered_address.line1": "billingEntityDetails.address.line1",
    "tax_categories.0.percentage": "taxCategories.0.percentage",
    "tax_summary.tax_amount.quantity": "taxSummary.taxAmount.quantity",
    "invoice_amount_including_tax.quantity": "invoiceAmountIncludingTax.quantity",
    "periods.0.groups.0.lines.1.amount_excluding_tax.quantity": "periods.0.groups.0.lines.1.amountExcludingTax.quantity",
}

CASES: dict[str, tuple[Setup, set[str]]] = {
    "CUSTOMER": (_customer, {"customer.email", "customer.organization.registered_address.city"}),
    "BILLING_ENTITY": (_billing_entity, {"billing_entity.registered_address.city", "billing_entity.registered_address.line1"}),
    "TAX_RATES": (_tax_rates, {"tax_categories.0.percentage", "tax_summary.tax_amount.quantity", "invoice_amount_including_tax.quantity"}),
    "FULL": (
        _full,
        {
            "customer.email",
            "customer.organization.registered_address.city",
            "billing_entity.registered_address.city",
            "periods.0.groups.0.lines.1.amount_excluding_tax.quantity",
            "invoice_amount_including_tax.quantity",
        },
    ),
}


def selection(paths: list[str]) -> str:
    """The GraphQL selection that reaches every GraphQL change path (`a.0.b` → `a { b }`), merged."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for name in (part for part in path.split(".") if not part.isdigit()):
            node = node.setdefault(name, {})

    def printed(node: dict[str, Any]) -> str:
        return " ".join(name + (f" {{ {printed(child)} }}" if child else "") for name, child in node.items())

    return printed(tree)


async def _graphql_invoice(api: Api, paths: list[str]) -> dict[str, Any]:
    """The invoice through GraphQL, selecting every path."""
    body = await api.graphql(f"query($id: ID!) {{ invoice(id: $id) {{ {selection(paths)} }} }}", {"id": INVOICE_ID})
    assert "errors" not in body, body
    invoice: dict[str, Any] = body["data"]["invoice"]
    return invoice


async def _get(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(URL, headers=KEY)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _audit(api: Api) -> tuple[int, dict[str, Any]]:
    body = await api.graphql(HISTORY, {"id": INVOICE_ID})
    invoice = body["data"]["invoice"]
    node: dict[str, Any] = invoice["refreshHistory"]["edges"][0]["node"]
    return invoice["version"], node


async def _outbox(database: Database) -> list[OutboxEvent]:
    async with database.read() as session:
        statement = (
            select(OutboxEvent)
            .where(col(OutboxEvent.platform_id) == "plat_acme", col(OutboxEvent.invoice_id) == INVOICE_ID)
            .order_by(col(OutboxEvent.version))
        )
        return list((await session.scalars(statement)).all())


@pytest.mark.parametrize("refresh_type", list(CASES))
async def test_paths_walk_the_rest_body(
    api: Api, client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any], refresh_type: str
) -> None:
    setup, expected = CASES[refresh_type]
    await setup(api, database, tmp_path, data)
    events_before = len(await _outbox(database))
    before = await _get(client)

    # The dry run (REST) and the preview (GraphQL) report the same changes.
    response = await client.post(f"{URL}/refresh?dry_run=true", headers=KEY, json={"types": [refresh_type]})
    assert response.status_code == 200, response.text
    changes: list[dict[str, Any]] = response.json()["changes"]
    preview = await api.graphql(PREVIEW, {"id": INVOICE_ID, "types": [refresh_type]})
    graphql_changes: list[dict[str, Any]] = preview["data"]["invoiceRefreshPreview"]["changes"]
    assert [(c["before"], c["after"]) for c in graphql_changes] == [(c["before"], c["after"]) for c in changes]
    paths = [change["path"] for change in changes]
    graphql_paths = [change["path"] for change in graphql_changes]
    assert expected <= set(paths), expected - set(paths)
    assert {GRAPHQL_PATHS[path] for path in expected} <= set(graphql_paths)
    assert not any("_" in path for path in graphql_paths), graphql_paths
    stored = await _graphql_invoice(api, graphql_paths)
    for change in graphql_changes:
        assert found(stored, change["path"]) == change["before"], change
    assert len(paths) == len(set(paths))
    for path in paths:
        assert path.split(".")[0] in FIELDS, path
        assert not INTERNAL & set(path.split(".")), path
        assert path != "updated_at"  # bookkeeping, never a change by itself

    for change in changes:
        assert found(before, change["path"]) == change["before"], change

    response = await client.post(f"{URL}/refresh", headers=KEY, json={"types": [refresh_type]})
    assert response.status_code == 200, response.text
    after = await _get(client)
    assert response.json() == after
    for change in changes:
        assert found(after, change["path"]) == change["after"], change
        assert change["before"] != change["after"], change
        # Every path is one the body has, before or after (a list entry that came or went).
        assert resolve(before, change["path"]) is not MISSING or resolve(after, change["path"]) is not MISSING, change

    version, audit = await _audit(api)
    assert audit["changed"] is True
    assert audit["changedPaths"] == graphql_paths
    saved = await _graphql_invoice(api, graphql_paths)
    for change in graphql_changes:
        assert found(saved, change["path"]) == change["after"], change
    events = await _outbox(database)
    assert len(events) == events_before + 1
    assert (events[-1].version, events[-1].changed_paths) == (version, paths)


async def test_a_change_of_internal_keys_only_is_saved_without_paths(
    api: Api, client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    """A new NL rate record with the same percentage and name: only the stored rate's id changes.

    The stored tax rates are ours (not in the vendor JSON), so the refresh reports no path, but the
    invoice did change: it is written (version + 1), audited as changed and announced in the outbox.
    """
    await _nl_rate(api, database, tmp_path, data, id="txrt_nl_std_2026", valid_from="2026-01-01T00:00:00Z")
    version_before, _ = await _audit(api)
    events_before = len(await _outbox(database))
    before = await _get(client)

    response = await client.post(f"{URL}/refresh?dry_run=true", headers=KEY, json={"types": ["TAX_RATES"]})
    assert response.status_code == 200, response.text
    assert response.json()["changes"] == []

    body = await api.refresh(INVOICE_ID, ["TAX_RATES"])
    assert "errors" not in body, body
    version, audit = await _audit(api)
    assert version == version_before + 1
    assert audit == {"changed": True, "changedPaths": []}
    events = await _outbox(database)
    assert len(events) == events_before + 1
    assert (events[-1].version, events[-1].changed_paths) == (version, [])
    after = await _get(client)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {k: v for k, v in before.items() if k != "updated_at"}
