"""A client helper for GraphQL calls on the example import file (fixtures `data` and `api`: tests/integration/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

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
