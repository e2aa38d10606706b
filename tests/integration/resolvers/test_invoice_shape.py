"""Narrow selections read narrow rows (resolvers/invoice_shape.py), and answer exactly what wide ones answer.

An invoice list that selects only lifted columns reads no invoice document; a connection selected
for its cursors, page info and count reads no invoice at all. The answers must not change: every
field the narrow query selects is compared with the same field of a query that forces the whole
document, and narrow rows must never stand in for whole invoices elsewhere in the same request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLObjectType, get_named_type
from sqlalchemy import event

from invoicegraph.db.engine import Database
from invoicegraph.resolvers.invoice_shape import COLUMN_SELECTIONS
from invoicegraph.schema.build import build_schema
from tests.support.data import EXAMPLE_KEY, example, load, record

KEY = {"X-API-KEY": EXAMPLE_KEY}


def _column_selection() -> str:
    """Every Invoice field the narrow shape claims to answer, objects with their scalar fields."""
    invoice = build_schema()._schema.get_type("Invoice")
    assert isinstance(invoice, GraphQLObjectType)
    parts = []
    for name in sorted(COLUMN_SELECTIONS - {"__typename"}):
        named = get_named_type(invoice.fields[name].type)  # KeyError: a claimed field that does not exist
        if isinstance(named, GraphQLObjectType):
            leaves = [n for n, f in named.fields.items() if not isinstance(get_named_type(f.type), GraphQLObjectType) and not f.args]
            parts.append(f"{name} {{ {' '.join(leaves)} }}")
        else:
            parts.append(name)
    return "__typename " + " ".join(parts)


COLUMNS = _column_selection()
DOCUMENT_FIELD = "periods { periodOrder amountIncludingTax { quantity } }"


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    loaded = example()
    await load(database, tmp_path, loaded, "example.json")
    return loaded


@contextmanager
def invoice_selects(database: Database) -> Iterator[list[str]]:
    """The SQL of every statement that reads the invoice table, on every engine of the database."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM invoice" in statement:
            seen.append(statement)

    engines = [database.engine.sync_engine, *(replica.engine.sync_engine for replica in database.replicas.replicas)]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def _graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=KEY)
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    data: dict[str, Any] = body["data"]
    return data


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


@pytest.mark.usefixtures("data")
async def test_a_column_only_list_reads_no_document_and_answers_like_the_whole_invoice(
    client: httpx.AsyncClient, database: Database
) -> None:
    with invoice_selects(database) as narrow_sql:
        narrow = _nodes((await _graphql(client, f"{{ invoices(first: 50) {{ edges {{ node {{ {COLUMNS} }} }} }} }}"))["invoices"])
    wide = _nodes(
        (await _graphql(client, f"{{ invoices(first: 50) {{ edges {{ node {{ {COLUMNS} {DOCUMENT_FIELD} }} }} }} }}"))["invoices"]
    )
    assert narrow, "the example platform has invoices"
    assert narrow_sql, "the list read the invoice table"
    assert all("invoice.document" not in sql for sql in narrow_sql), narrow_sql
    assert any(node["periods"] for node in wide), "the wide query read the documents"
    assert [{k: v for k, v in node.items() if k != "periods"} for node in wide] == narrow


async def test_a_list_with_stale_sources_reads_only_what_staleness_needs_of_each_document(
    client: httpx.AsyncClient, database: Database, data: dict[str, Any], tmp_path: Path
) -> None:
    record(data, "customers", "cust_globex")["email"] = "changed@globex.example"  # its drafts are stale now
    await load(database, tmp_path, {**data, "invoices": []}, "changed.json")
    with invoice_selects(database) as narrow_sql:
        narrow = _nodes(
            (await _graphql(client, f"{{ invoices(first: 50) {{ edges {{ node {{ {COLUMNS} staleSources }} }} }} }}"))["invoices"]
        )
    wide = _nodes(
        (await _graphql(client, f"{{ invoices(first: 50) {{ edges {{ node {{ {COLUMNS} staleSources {DOCUMENT_FIELD} }} }} }} }}"))[
            "invoices"
        ]
    )
    page_reads = [sql for sql in narrow_sql if "staleness_values" in sql]
    assert page_reads, narrow_sql
    # The document is read only inside the extraction of its staleness keys, never whole.
    outside = [re.sub(r"(json_extract|jsonb_build_array)\(.*?\) AS staleness_values", "", sql, flags=re.DOTALL) for sql in narrow_sql]
    assert all("invoice.document" not in sql for sql in outside), outside
    assert [{k: v for k, v in node.items() if k != "periods"} for node in wide] == narrow
    assert any("CUSTOMER" in node["staleSources"] for node in narrow)  # the changed customer's drafts


@pytest.mark.usefixtures("data")
async def test_a_connection_read_for_its_cursors_reads_no_invoice_columns(client: httpx.AsyncClient, database: Database) -> None:
    paging = "totalCount pageInfo { hasNextPage startCursor endCursor } edges { cursor"
    query = "{ invoices(first: 20) { edges { node { customer { invoices(first: 3) { %s %s } } } } } }"
    with invoice_selects(database) as sql:
        keys = await _graphql(client, query % (paging, "}"))
    whole = await _graphql(client, query % (paging, "node { id invoiceNumber } }"))
    page_reads = [s for s in sql if "total_count" in s]
    assert page_reads, "the customers' pages were read"
    assert all("invoice.document" not in s and "invoice.invoice_number" not in s for s in page_reads), page_reads

    def without_nodes(data: dict[str, Any]) -> list[Any]:
        pages = [node["customer"]["invoices"] for node in _nodes(data["invoices"])]
        return [{**page, "edges": [{"cursor": edge["cursor"]} for edge in page["edges"]]} for page in pages]

    assert without_nodes(keys) == without_nodes(whole)
    assert any(page["totalCount"] for page in without_nodes(keys))


@pytest.mark.usefixtures("data")
async def test_narrow_rows_never_stand_in_for_whole_invoices_in_the_same_request(client: httpx.AsyncClient) -> None:
    listed = _nodes((await _graphql(client, "{ invoices(first: 50) { edges { node { id } } } }"))["invoices"])
    single = f"invoice(id: $id) {{ id {DOCUMENT_FIELD} linkedInvoicesIds }}"
    for node in listed:
        alone = await _graphql(client, f"query($id: ID!) {{ {single} }}", {"id": node["id"]})
        together = await _graphql(
            client, f"query($id: ID!) {{ invoices(first: 50) {{ edges {{ node {{ id status }} }} }} {single} }}", {"id": node["id"]}
        )
        assert together["invoice"] == alone["invoice"]
