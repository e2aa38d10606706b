"""Unknown routes and wrong methods answer the vendor's coded ApiError (docs/api.md), not plain text."""

from __future__ import annotations

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.seed import add_key, add_platforms

API_ERROR_KEYS = {"type", "code", "field", "message", "resource_id", "resource_type"}


def _api_error(response: httpx.Response) -> dict[str, object]:
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"].startswith("reqr_")
    body = response.json()
    assert set(body) == API_ERROR_KEYS
    return dict(body)


@pytest.mark.parametrize("path", ["/nope", "/v1/nothing", "/v1/invoices", "/static/missing.js"])
async def test_unknown_route_is_a_coded_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path + ("/x/y/z" if path == "/v1/invoices" else ""))
    assert response.status_code == 404
    body = _api_error(response)
    assert body["code"] == "RESOURCE_NOT_FOUND"
    assert body["type"] == "INVALID_REQUEST"
    assert body["resource_id"] is None
    assert path not in str(body["message"])


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/invoices/invo_1/refresh", {"POST"}),
        ("DELETE", "/v1/invoices/invo_1", {"GET", "HEAD"}),
        ("PUT", "/graphql", {"GET", "HEAD", "POST"}),
    ],
)
async def test_wrong_method_is_a_coded_405_with_allow(client: httpx.AsyncClient, method: str, path: str, allowed: set[str]) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    body = _api_error(response)
    assert body["code"] == "INVALID_REQUEST"
    assert body["type"] == "INVALID_REQUEST"
    assert method in str(body["message"])
    assert path not in str(body["message"])  # the path is never reflected


async def test_routes_that_exist_are_unchanged(client: httpx.AsyncClient, database: Database) -> None:
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    missing = await client.get("/v1/invoices/invo_missing", headers=key.headers)
    assert missing.status_code == 404
    assert _api_error(missing)["resource_id"] == "invo_missing"
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize("path", ["/v1/invoices/invo_x/", "/v1/invoices/", "/v1/invoices/invo_x/refresh/", "/graphql/", "/healthz/"])
async def test_a_trailing_slash_is_a_coded_404_never_a_redirect(client: httpx.AsyncClient, database: Database, path: str) -> None:
    """Starlette's slash redirect built its Location from the Host header, and clients re-sent their key there."""
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    method = "POST" if path.endswith("refresh/") else "GET"
    response = await client.request(method, path, headers={**key.headers, "Host": "evil.example"})
    assert response.status_code == 404
    assert "location" not in response.headers
    assert _api_error(response)["code"] == "RESOURCE_NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/invoices"), ("GET", "/invoices/invo_x"), ("POST", "/invoices/invo_x/refresh"), ("GET", "/v/invoices/invo_x")],
)
async def test_a_vendor_path_without_a_version_is_missing_version(
    client: httpx.AsyncClient, database: Database, method: str, path: str
) -> None:
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    response = await client.request(method, path, headers=key.headers)
    assert response.status_code == 400
    assert (_api_error(response)["code"], _api_error(response)["field"]) == ("MISSING_VERSION", "version")
    anonymous = await client.request(method, path)
    assert (anonymous.status_code, _api_error(anonymous)["code"]) == (401, "UNAUTHORISED")


@pytest.mark.parametrize(("method", "path"), [("GET", "/v2/invoices/x"), ("GET", "/v2/invoices"), ("POST", "/v0/invoices/x/refresh")])
async def test_the_credential_is_checked_before_the_version(client: httpx.AsyncClient, database: Database, method: str, path: str) -> None:
    """docs/api.md: REST routes without a credential answer UNAUTHORISED, whatever else is wrong."""
    anonymous = await client.request(method, path)
    assert (anonymous.status_code, _api_error(anonymous)["code"]) == (401, "UNAUTHORISED")
    await add_platforms(database, "plat_a")
    key = await add_key(database, ["plat_a"])
    response = await client.request(method, path, headers=key.headers)
    assert (response.status_code, _api_error(response)["code"]) == (400, "UNSUPPORTED_VERSION")
