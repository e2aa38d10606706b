"""The same stored inputs give the same invoice, byte for byte, whatever the row order (docs/refresh.md).

The example is imported three times under three platforms, each file with its records in another
order, so the rows of the tables interleave differently; every platform's invoice must refresh to
the same bytes.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import httpx
import orjson

from invoicegraph.db.engine import Database
from tests.support.data import INVOICE_ID, example, load

QUERY = """query($id: ID!) { invoice(id: $id) {
  periods { groups { lines { id description type amountExcludingTax { quantity } amountIncludingTax { quantity }
    taxCategories { category percentage } couponData { couponId } } } }
  taxCategories { category percentage baseAmount { quantity } taxAmount { quantity } }
  taxSummary { totalAmount { quantity } } coupons { couponId } validationResult { status details } } }"""
KEY = "igk_test_determinism_000000000000000000000"
PLATFORMS = ("plat_o1", "plat_o2", "plat_o3")


def _rich_example() -> dict[str, Any]:
    """The example with 40 usage events and a second (fixed amount) coupon, so that order matters."""
    data = example()
    event = data["usage_events"][0]
    data["usage_events"] = [
        {**event, "reference": f"evt-{i:03d}", "value": str(10 + i), "timestamp": f"2026-11-{1 + i % 28:02d}T10:00:00Z"} for i in range(40)
    ]
    fixed = {"id": "coup_fixed", "platform_id": "plat_acme", "reference": "fixed", "name": "Ten off", "status": "ACTIVE",
             "discount": {"type": "AMOUNT", "amount": {"quantity": "10.00", "currency": "EUR"}}, "duration": {"type": "FOREVER"}}  # fmt: skip
    data["coupons"].append(fixed)
    data["subscriptions"][0]["coupon_ids"] = ["coup_launch", "coup_fixed"]
    data["api_keys"] = []
    return data


def _for_platform(data: dict[str, Any], platform_id: str, seed: int) -> dict[str, Any]:
    text = json.dumps(data).replace('"plat_acme"', json.dumps(platform_id))
    moved: dict[str, Any] = json.loads(text)
    rng = random.Random(seed)
    return {key: (rng.sample(value, len(value)) if isinstance(value, list) else value) for key, value in moved.items()}


async def test_row_order_does_not_change_the_invoice(client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    data = _rich_example()
    for seed, platform_id in enumerate(PLATFORMS, start=1):
        await load(database, tmp_path, _for_platform(data, platform_id, seed), f"{platform_id}.json")
    keys = {
        "format": "invoicegraph/v1",
        "api_keys": [{"id": "akey_det", "name": "det", "key": KEY, "platform_ids": list(PLATFORMS), "permissions": ["ADMINISTRATOR"]}],
    }
    await load(database, tmp_path, keys, "keys.json")
    results = []
    for platform_id in PLATFORMS:
        headers = {"X-API-KEY": KEY, "x-platform-id": platform_id}
        refreshed = await client.post(
            "/graphql",
            json={"query": "mutation($id: ID!) { refreshInvoice(id: $id) { id } }", "variables": {"id": INVOICE_ID}},
            headers=headers,
        )
        assert "errors" not in refreshed.json(), refreshed.json()
        response = await client.post("/graphql", json={"query": QUERY, "variables": {"id": INVOICE_ID}}, headers=headers)
        body = response.json()
        assert "errors" not in body, body
        assert body["data"]["invoice"]["coupons"] == [{"couponId": "coup_launch"}, {"couponId": "coup_fixed"}]
        results.append(orjson.dumps(body, option=orjson.OPT_SORT_KEYS))
    assert results[0] == results[1] == results[2]
