"""Reads folded into one statement (db/folding.py) give exactly what each read gives alone.

A request's loaders answer the batches of one loop tick together: record reads, whole invoices,
refresh history pages and customers' invoice pages become one UNION ALL, the non-record rows folded
into JSON and unfolded again. Given: the example platform, refreshed so that it has a history. When:
the same reads run folded (one round of the request's loaders) and one by one (the naive loaders,
the benchmark's baseline, which run every read as its own statement). Then: every result is the same,
value for value (amounts as the same Decimals, instants as the same UTC datetimes, cursors as the
same bytes), and the folded reads cost one statement.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.db.folding import folded
from invoicegraph.db.invoice_listing import ORDER_FIELDS, InvoiceQuery, decode_cursor
from invoicegraph.db.invoice_queries import invoice_page
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.reads import CustomerInvoicesRead, HistoryRead, InvoicesRead
from tests.support.alone_loaders import AloneLoaders
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record
from tests.support.engines import Statements

PLATFORM = "plat_acme"
HEADERS = {"X-API-KEY": EXAMPLE_KEY}
Reads = Callable[[Loaders], list[Awaitable[Any]]]


def _platform() -> dict[str, Any]:
    """The example, with a second customer and seven more invoices: ties and nulls in the orders."""
    source = example()
    base = record(source, "invoices", INVOICE_ID)
    source["customers"].append({**copy.deepcopy(source["customers"][0]), "id": "cust_second", "reference": "second"})
    dates = ["2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-08-15T00:00:00Z"]
    dates += ["2026-10-01T00:00:00Z", "2026-06-01T00:00:00Z"]
    for index, date in enumerate(dates):
        source["invoices"].append(
            {
                **copy.deepcopy(base),
                "id": f"invo_more_{index}",
                "status": "OPEN" if index % 3 else "DRAFT",
                # Numbers are unique per platform: the invoice-number order's ties are among the unnumbered.
                "invoice_number": None if index in (4, 6) else f"MORE-{index}",
                "invoice_date": date,
                "due_date": None if index % 2 else base["due_date"],
                "customer_id": "cust_second" if index % 2 else base["customer_id"],
            }
        )
    return source


@pytest.fixture
async def data(database: Database, tmp_path: Path, client: httpx.AsyncClient) -> dict[str, Any]:
    source = _platform()
    await load(database, tmp_path, source, "example.json")
    for _ in range(3):  # a history of three records (the first refresh may change the invoice)
        response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"types": ["FULL"]}, headers=HEADERS)
        assert response.status_code == 200, response.text
    return source


async def _folded_and_alone(database: Database, reads: Reads) -> tuple[list[Any], list[Any], Statements]:
    request = database.for_request(primary=True)
    before = Statements.of(database)
    together = await asyncio.gather(*reads(Loaders(request, PLATFORM)))  # one loop tick: one round
    spent = Statements.of(database) - before
    await request.close()
    request = database.for_request(primary=True)
    alone = await asyncio.gather(*reads(AloneLoaders(request, PLATFORM)))
    await request.close()
    return list(together), list(alone), spent


def _everything(data: dict[str, Any], shapes: tuple[str, ...] = ("keys", "columns", "document")) -> Reads:
    customers = [c["id"] for c in data["customers"]]
    invoices = [i["id"] for i in data["invoices"]]

    def reads(loaders: Loaders) -> list[Awaitable[Any]]:
        pending: list[Awaitable[Any]] = [
            loaders.customer_by_id.load_many(customers),
            loaders.billing_entity_by_id.load_many([b["id"] for b in data["billing_entities"]]),
            loaders.invoice_by_id.load_many([*invoices, "invo_missing"]),
            loaders.refresh_history(2, None).load_many(invoices),
            loaders.refresh_history(25, None).load(INVOICE_ID),
        ]
        for shape in shapes:
            pending.append(loaders.customer_invoices(InvoiceQuery(), 2, None, shape).load_many(customers))  # type: ignore[arg-type]
        return pending

    return reads


@pytest.mark.usefixtures("data")
async def test_folded_reads_answer_what_each_read_answers_alone_in_one_statement(database: Database, data: dict[str, Any]) -> None:
    together, alone, spent = await _folded_and_alone(database, _everything(data))
    assert together == alone
    histories = together[3]
    assert histories[[i["id"] for i in data["invoices"]].index(INVOICE_ID)].total_count == 3
    assert any(page.cursors for page in together[5]), "customers with invoices"
    assert spent.total == 1, f"one statement for customers, entities, invoices, histories and pages: {spent}"


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("descending", [True, False])
async def test_customer_pages_fold_in_every_order_with_the_same_cursors(database: Database, data: dict[str, Any], descending: bool) -> None:
    customers = [c["id"] for c in data["customers"]]
    queries = [InvoiceQuery(order_field=field, descending=descending) for field in ORDER_FIELDS]

    def reads(loaders: Loaders) -> list[Awaitable[Any]]:
        first = [loaders.customer_invoices(query, 1, None, "columns").load_many(customers) for query in queries]
        return [*first, loaders.customer_by_id.load_many(customers)]

    together, alone, _ = await _folded_and_alone(database, reads)
    assert together == alone
    # The next pages, from the folded pages' cursors: the cursors decode and continue the order.
    pages = together[: len(queries)]
    continued = [
        (query, customer, page.cursors[-1])
        for query, by_customer in zip(queries, pages, strict=True)
        for customer, page in zip(customers, by_customer, strict=True)
        if page.has_next_page
    ]
    assert continued, "some customer has a second page"
    for query, _, cursor in continued:
        decode_cursor(query, cursor)

    def next_pages(loaders: Loaders) -> list[Awaitable[Any]]:
        return [
            *(loaders.customer_invoices(query, 1, cursor, "keys").load(customer) for query, customer, cursor in continued),
            loaders.customer_by_id.load_many(customers),
        ]

    again, again_alone, _ = await _folded_and_alone(database, next_pages)
    assert again == again_alone


@pytest.mark.usefixtures("data")
async def test_a_history_page_after_a_cursor_folds_like_the_first(database: Database) -> None:
    request = database.for_request(primary=True)
    first = await Loaders(request, PLATFORM).refresh_history(1, None).load(INVOICE_ID)
    await request.close()
    assert first is not None
    assert first.has_next_page
    after = first.records[0]["id"]

    def reads(loaders: Loaders) -> list[Awaitable[Any]]:
        return [
            loaders.refresh_history(1, after).load(INVOICE_ID),
            loaders.refresh_history(1, "rfsh_not_ours").load(INVOICE_ID),  # a cursor of another history: None
            loaders.refresh_history(5, None).load(INVOICE_ID),
        ]

    together, alone, spent = await _folded_and_alone(database, reads)
    assert together == alone
    assert together[0].start == 1
    assert together[1] is None
    assert [r["total_before"] for r in together[2].records] == [r["total_before"] for r in alone[2].records]
    assert spent.total == 1


def test_a_column_that_json_cannot_carry_exactly_is_not_folded() -> None:
    # Ordering by amount on SQLite compares CAST(text AS NUMERIC): a number that JSON would carry as
    # a float. Such a read keeps a statement of its own; on PostgreSQL the amount is exact text.
    read = CustomerInvoicesRead(InvoiceQuery(order_field="INVOICE_AMOUNT_INCLUDING_TAX"), 2, None, "keys")
    assert folded(read.statement("sqlite"), "r0", "r0_", "sqlite") is None
    assert folded(read.statement("postgresql"), "r0", "r0_", "postgresql") is not None
    for plain in (InvoicesRead(), HistoryRead(2, None)):
        assert folded(plain.statement("sqlite"), "r0", "r0_", "sqlite") is not None
    assert tables.Invoice.__tablename__ == "invoice"


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("descending", [True, False])
async def test_a_customers_first_page_is_the_platform_list_filtered_to_the_customer(
    database: Database, data: dict[str, Any], descending: bool
) -> None:
    # A first page of Customer.invoices has a statement of its own (one scan, two windows); the
    # platform's list filtered to the customer is another code path: same invoices, cursors and count.
    customers = [c["id"] for c in data["customers"]]
    for field in ORDER_FIELDS:
        query = InvoiceQuery(order_field=field, descending=descending)
        for first in (0, 1, 100):
            request = database.for_request(primary=True)
            pages = await Loaders(request, PLATFORM).customer_invoices(query, first, None, "columns").load_many(customers)
            await request.close()
            async with database.read() as session:
                for customer, page in zip(customers, pages, strict=True):
                    listed = await invoice_page(
                        session, PLATFORM, replace(query, customer_id=customer), first=first, after=None, with_total=True, shape="columns"
                    )
                    assert (page.cursors, page.invoices, page.total_count, page.has_next_page) == (
                        listed.cursors,
                        listed.invoices,
                        listed.total_count,
                        listed.has_next_page,
                    ), (field, first, customer)
