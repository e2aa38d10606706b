"""A platform with the import-format example loaded, and a client helper for GraphQL calls."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.support.data import EXAMPLE_KEY, example, load

from invoicegraph.db.engine import Database

REFRESH = """
mutation Refresh($id: ID!, $types: [InvoiceRefreshType!]) {
  refreshInvoice(id: $id, types: $types) {
    id version status onHold updatedAt purchaseOrderNumber paymentAcceptorIds
    invoiceAmountIncludingTax { quantity currency }
    taxSummary { baseAmount { quantity } taxAmount { quantity } totalAmount { quantity } }
    customerDetails { email legalName address { country } }
    billingEntityDetails { legalName }
    customFields { reference value }
    validationResult { status details }
    periods { groups { lines { description type amountExcludingTax { quantity } amountIncludingTax { quantity } } } }
  }
}
"""


@dataclass
class Api:
    client: httpx.AsyncClient
    headers: dict[str, str]

    async def graphql(self, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers={**self.headers, **(headers or {})}
        )
        body: dict[str, Any] = response.json()
        body["_status"] = response.status_code
        body["_headers"] = dict(response.headers)
        return body

    async def refresh(self, invoice_id: str, types: list[str] | None = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return await self.graphql(REFRESH, {"id": invoice_id, "types": types}, headers)


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    loaded = example()
    await load(database, tmp_path, loaded, "example.json")
    return loaded


@pytest.fixture
def api(client: httpx.AsyncClient, data: dict[str, Any]) -> Api:
    return Api(client, {"X-API-KEY": EXAMPLE_KEY})
