"""Two tenants loaded through the real importer, with an API key and a bearer token each.

Tenant A is the example import file (`plat_acme`). Tenant B (`plat_beta`) is the same file with its
platform, key, customer and invoice ids renamed ("globex" → "initech") and its names changed, while
other record ids (billing entity `enti_nl`, products, meters…) stay the same in both: composite keys
make those two different rows, which is exactly where a lookup by id alone would leak.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.seed import bearer

B_KEY = "igk_test_9e8d7c6b5a4f4e3d2c1b0a9f8e7d6c5b"
B_INVOICE_ID = INVOICE_ID.replace("globex", "initech")
# Words that only tenant B's data contains: none may ever reach tenant A.
B_MARKERS = ("plat_beta", "initech", "Initech", "Beta Cloud", "akey_beta")


def tenant_b() -> dict[str, Any]:
    text = json.dumps(example())
    for old, new in (
        ("plat_acme", "plat_beta"),
        ("akey_ops", "akey_beta"),
        (EXAMPLE_KEY, B_KEY),
        ("globex", "initech"),
        ("Globex", "Initech"),
        ("Acme Cloud", "Beta Cloud"),
    ):
        text = text.replace(old, new)
    data: dict[str, Any] = json.loads(text)
    return data


@dataclass(frozen=True)
class Tenant:
    platform_id: str
    invoice_id: str
    customer_id: str
    key_headers: dict[str, str]
    token_headers: dict[str, str]

    def credentials(self) -> dict[str, dict[str, str]]:
        return {"api_key": self.key_headers, "bearer": self.token_headers}


@dataclass(frozen=True)
class Tenants:
    a: Tenant
    b: Tenant


@pytest.fixture
async def tenants(database: Database, settings: Settings, tmp_path: Path) -> Tenants:
    await load(database, tmp_path, example(), "a.json")
    await load(database, tmp_path, tenant_b(), "b.json")
    return Tenants(
        a=Tenant(
            "plat_acme",
            INVOICE_ID,
            "cust_globex",
            {"X-API-KEY": EXAMPLE_KEY},
            bearer(settings, platforms=["plat_acme"]),
        ),
        b=Tenant(
            "plat_beta",
            B_INVOICE_ID,
            "cust_initech",
            {"X-API-KEY": B_KEY},
            bearer(settings, platforms=["plat_beta"]),
        ),
    )


async def graphql(
    client: httpx.AsyncClient, headers: dict[str, str], query: str, variables: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)


def leaks(response: httpx.Response, *sent: str) -> list[str]:
    """Tenant B's markers found anywhere in a response to tenant A (body and headers).

    Ids the caller sent itself (`sent`) are removed first: echoing the caller's own input is the same
    answer as for an id that exists nowhere, so it reveals nothing.
    """
    text = response.text + json.dumps(dict(response.headers))
    for value in sent:
        text = text.replace(value, "")
    return [marker for marker in B_MARKERS if marker in text]
