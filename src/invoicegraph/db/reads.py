"""The batched reads a request's loaders make, each described once: its statement, its parameters, its results.

A `Read` is a value (equal reads share one batch in a round, db/loaders.py): which statement answers
it, the values of its parameters for a batch of keys, and how that statement's rows become one
result per key. The same description serves a read run alone and a read folded with others into one
statement (db/folding.py), so the rows mean the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import CompoundSelect, Select

from invoicegraph.db import tables
from invoicegraph.db.invoice_listing import InvoicePage, InvoiceQuery
from invoicegraph.db.invoice_queries import customer_pages, customer_pages_statement
from invoicegraph.db.invoice_reads import InvoiceShape, invoice_rows_to_dicts
from invoicegraph.db.prepared import invoices_by_ids, keys, records_by_ids, refresh_history_pages, served_invoices_by_ids
from invoicegraph.db.refresh_reads import HistoryPage, history_pages, history_parameters
from invoicegraph.rows import Row


class Read(Protocol):
    """One kind of batched read (hashable: equal reads are one batch)."""

    def statement(self, dialect: str) -> Select[Any] | CompoundSelect[Any]: ...

    def parameters(self, platform_id: str, keys: Sequence[str]) -> dict[str, Any]: ...

    def results(self, rows: Sequence[Any], platform_id: str, keys: Sequence[str]) -> dict[str, Any]:
        """Key -> result for the keys that have one (a missing key's result is None)."""
        ...


def record_dict(row_id: str, platform_id: str, data: dict[str, Any]) -> Row:
    """A stored record as the API sees it: its document, with the key columns authoritative."""
    return {**data, "id": row_id, "platform_id": platform_id}


@dataclass(frozen=True)
class RecordsRead:
    """Records of one table (`id, data`) by id."""

    table: type[tables.TenantRecord]

    def statement(self, dialect: str) -> Select[Any]:
        return records_by_ids(self.table)

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {row.id: record_dict(row.id, platform_id, row.data) for row in rows}


@dataclass(frozen=True)
class InvoicesRead:
    """Whole invoices by id."""

    def statement(self, dialect: str) -> Select[Any]:
        return invoices_by_ids()

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {invoice["id"]: invoice for invoice in invoice_rows_to_dicts(rows)}


@dataclass(frozen=True)
class ServedInvoicesRead:
    """Invoices' REST bodies as stored (rows of `id, version, served, served_places`; records/served.py) by id."""

    def statement(self, dialect: str) -> Select[Any]:
        return served_invoices_by_ids()

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {row.id: row for row in rows}


@dataclass(frozen=True)
class HistoryRead:
    """Invoices' refresh history pages of `size` records after record `after` (None: from the newest)."""

    size: int
    after: str | None

    def statement(self, dialect: str) -> Select[Any]:
        return refresh_history_pages(after=self.after is not None)

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return history_parameters(platform_id, keys_, size=self.size, after=self.after)

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, HistoryPage | None]:
        return history_pages(rows, keys_, size=self.size, after=self.after)


@dataclass(frozen=True)
class CustomerInvoicesRead:
    """Customers' invoice pages: `first` invoices after cursor `after`, of `shape`, in `query`'s order."""

    query: InvoiceQuery
    first: int
    after: str | None
    shape: InvoiceShape
    backward: bool = False  # `last`/`before`: `first` invoices before the cursor `after`

    def statement(self, dialect: str) -> Select[Any]:
        return customer_pages_statement(self.query, self.first, self.after, dialect, self.shape, self.backward)

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "customer_ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, InvoicePage]:
        return customer_pages(rows, keys_, self.query, first=self.first, after=self.after, shape=self.shape, backward=self.backward)
