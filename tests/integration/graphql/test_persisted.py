"""Persisted queries: Apollo's APQ protocol and the allow-list of trusted documents (graphql/persisted.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.graphql.persisted import PersistedQueries, PersistedQueryNotFound
from invoicegraph.graphql.request import GraphQLRequest
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load

KEY = {"X-API-KEY": EXAMPLE_KEY}
GRAPHQL_RESPONSE = {**KEY, "Accept": "application/graphql-response+json"}
DOCUMENT = "query Status($id: ID!) { invoice(id: $id) { id status } }"
OTHER = "query Number($id: ID!) { invoice(id: $id) { id invoiceNumber } }"
MUTATION = "mutation Refresh($id: ID!) { refreshInvoice(id: $id) { id version } }"
VARIABLES = {"id": INVOICE_ID}
EXPECTED = {"data": {"invoice": {"id": INVOICE_ID, "status": "DRAFT"}}}


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str, *, version: int = 1, digest: str | None = None) -> dict[str, Any]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest or sha(document)}}


Client = Callable[..., Any]


@pytest.fixture
async def app_client(settings: Settings, database: Database, tmp_path: Path) -> Client:
    """A client factory: the app built with the given setting overrides, over the example data."""
    await load(database, tmp_path, example(), "example.json")

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=overrides), database)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            yield http

    return make


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body or body["data"] is None, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    return dict(error)


async def test_apq_hash_is_unknown_then_registered_then_enough(app_client: Client) -> None:
    async with app_client() as client:
        # Apollo's link: the hash alone first; unknown, so the document follows with the hash.
        first = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        error = _error(first, 200, "PERSISTED_QUERY_NOT_FOUND")
        assert error["message"] == "PersistedQueryNotFound"  # what Apollo Client matches on
        registered = await client.post(
            "/graphql", json={"query": DOCUMENT, "variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY
        )
        assert registered.json() == EXPECTED
        again = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        assert again.status_code == 200
        assert again.content == registered.content


async def test_apq_over_get(app_client: Client) -> None:
    async with app_client() as client:
        await client.post("/graphql", json={"query": DOCUMENT, "variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        params = {"variables": json.dumps(VARIABLES), "extensions": json.dumps(persisted(DOCUMENT))}
        response = await client.get("/graphql", params=params, headers=KEY)
        assert response.json() == EXPECTED


async def test_a_persisted_mutation_is_not_run_over_get(app_client: Client) -> None:
    async with app_client() as client:
        posted = await client.post(
            "/graphql", json={"query": MUTATION, "variables": VARIABLES, "extensions": persisted(MUTATION)}, headers=KEY
        )
        version = posted.json()["data"]["refreshInvoice"]["version"]
        params = {"variables": json.dumps(VARIABLES), "extensions": json.dumps(persisted(MUTATION))}
        response = await client.get("/graphql", params=params, headers=KEY)
        assert response.status_code == 405  # as a mutation sent in full over GET
        assert response.headers["allow"] == "POST"
        assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_REQUEST"
        read = await client.post("/graphql", json={"query": f"{{ invoice(id: {json.dumps(INVOICE_ID)}) {{ version }} }}"}, headers=KEY)
        assert read.json()["data"]["invoice"]["version"] == version  # the GET did not refresh


async def test_a_hash_that_is_not_the_documents_is_refused_and_not_stored(app_client: Client) -> None:
    async with app_client() as client:
        wrong = sha(OTHER)
        response = await client.post(
            "/graphql", json={"query": DOCUMENT, "variables": VARIABLES, "extensions": persisted(DOCUMENT, digest=wrong)}, headers=KEY
        )
        error = _error(response, 200, "INVALID_FIELD")
        assert error["extensions"]["field"] == "extensions.persistedQuery.sha256Hash"
        lookup = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(OTHER)}, headers=KEY)
        _error(lookup, 200, "PERSISTED_QUERY_NOT_FOUND")


@pytest.mark.parametrize(
    ("extensions", "field"),
    [
        (persisted(DOCUMENT, version=2), "extensions.persistedQuery.version"),
        (persisted(DOCUMENT, digest="not-a-hash"), "extensions.persistedQuery.sha256Hash"),
        ({"persistedQuery": "abc"}, "extensions.persistedQuery"),
    ],
)
async def test_malformed_persisted_query_extensions(app_client: Client, extensions: dict[str, Any], field: str) -> None:
    async with app_client() as client:
        response = await client.post("/graphql", json={"variables": VARIABLES, "extensions": extensions}, headers=KEY)
        assert _error(response, 200, "INVALID_FIELD")["extensions"]["field"] == field


async def test_graphql_response_json_gives_the_status(app_client: Client) -> None:
    async with app_client() as client:
        response = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=GRAPHQL_RESPONSE)
        _error(response, 404, "PERSISTED_QUERY_NOT_FOUND")
        assert response.headers["content-type"].startswith("application/graphql-response+json")


async def test_apq_off_answers_not_supported(app_client: Client) -> None:
    async with app_client(persisted_queries=False) as client:
        response = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        _error(response, 200, "PERSISTED_QUERY_NOT_SUPPORTED")
        plain = await client.post("/graphql", json={"query": DOCUMENT, "variables": VARIABLES}, headers=KEY)
        assert plain.json() == EXPECTED


@pytest.fixture
def trusted_file(tmp_path: Path) -> Path:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps({sha(DOCUMENT): DOCUMENT, sha(MUTATION): MUTATION}))
    return path


async def test_trusted_documents_resolve_without_registration(app_client: Client, trusted_file: Path) -> None:
    async with app_client(trusted_documents_file=str(trusted_file)) as client:
        response = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        assert response.json() == EXPECTED
        # Not required: other documents still run.
        other = await client.post("/graphql", json={"query": OTHER, "variables": VARIABLES}, headers=KEY)
        assert other.json()["data"]["invoice"]["invoiceNumber"] is None


async def test_required_allow_list_refuses_every_other_document(app_client: Client, trusted_file: Path) -> None:
    async with app_client(trusted_documents_file=str(trusted_file), trusted_documents_required=True) as client:
        by_hash = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        assert by_hash.json() == EXPECTED
        by_text = await client.post("/graphql", json={"query": DOCUMENT, "variables": VARIABLES}, headers=KEY)
        assert by_text.json() == EXPECTED
        text = await client.post("/graphql", json={"query": OTHER, "variables": VARIABLES}, headers=GRAPHQL_RESPONSE)
        _error(text, 403, "PERSISTED_QUERY_NOT_IN_LIST")
        # No APQ registration around the list: the hash stays unknown, the text stays refused.
        register = await client.post("/graphql", json={"query": OTHER, "variables": VARIABLES, "extensions": persisted(OTHER)}, headers=KEY)
        _error(register, 200, "PERSISTED_QUERY_NOT_IN_LIST")
        lookup = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(OTHER)}, headers=KEY)
        _error(lookup, 200, "PERSISTED_QUERY_NOT_FOUND")


async def test_apollo_manifest_is_accepted(app_client: Client, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    operations = [{"id": sha(DOCUMENT), "body": DOCUMENT, "name": "Status", "type": "query"}]
    manifest.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    async with app_client(trusted_documents_file=str(manifest), trusted_documents_required=True) as client:
        response = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        assert response.json() == EXPECTED


def test_a_file_whose_hash_is_not_its_documents_stops_the_app(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({sha(OTHER): DOCUMENT}))
    with pytest.raises(ValueError, match="not the SHA-256"):
        create_app(settings.model_copy(update={"trusted_documents_file": str(path)}))


def test_required_without_a_file_stops_the_app(settings: Settings) -> None:
    with pytest.raises(ValueError, match="TRUSTED_DOCUMENTS_FILE"):
        create_app(settings.model_copy(update={"trusted_documents_required": True}))


def test_the_apq_store_is_bounded() -> None:
    store = PersistedQueries(apq=True, size=2)
    documents = [f"{{ a{i}: __typename }}" for i in range(3)]
    for document in documents:
        store.resolve(GraphQLRequest(document, None, None, persisted(document), "POST"))
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(GraphQLRequest(None, None, None, persisted(documents[0]), "GET"))
    found = store.resolve(GraphQLRequest(None, None, None, persisted(documents[2]), "GET"))
    assert found.query == documents[2]
