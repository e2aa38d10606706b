"""Persisted documents: trusted documents by `documentId`, Apollo's APQ protocol, the allow-list (graphql/persisted.py)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.graphql.persisted import PersistedQueries, PersistedQueryNotFound, TrustedDocumentsError
from invoicegraph.graphql.request import GraphQLRequest
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.seed import add_key, add_platforms

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
        store.resolve(GraphQLRequest(document, None, None, persisted(document), "POST"), "plat_a")
    with pytest.raises(PersistedQueryNotFound):
        store.resolve(GraphQLRequest(None, None, None, persisted(documents[0]), "GET"), "plat_a")
    found = store.resolve(GraphQLRequest(None, None, None, persisted(documents[2]), "GET"), "plat_a")
    assert found.query == documents[2]


def _codegen_manifest(tmp_path: Path, *documents: str, prefix: str = "") -> Path:
    """GraphQL Code Generator's persisted-documents.json: `{hash: document}` (client preset, hashAlgorithm sha256)."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({f"{prefix}{sha(document)}": document for document in documents}))
    return path


@pytest.mark.parametrize("prefix", ["sha256:", ""])
async def test_a_trusted_document_runs_by_document_id(app_client: Client, tmp_path: Path, prefix: str) -> None:
    manifest = _codegen_manifest(tmp_path, DOCUMENT, OTHER)
    async with app_client(trusted_documents_file=str(manifest)) as client:
        by_body = await client.post("/graphql", json={"documentId": f"{prefix}{sha(DOCUMENT)}", "variables": VARIABLES}, headers=KEY)
        by_get = await client.get(
            "/graphql", params={"documentId": f"{prefix}{sha(DOCUMENT)}", "variables": json.dumps(VARIABLES)}, headers=KEY
        )
    assert by_body.json() == EXPECTED
    assert by_get.json() == EXPECTED


async def test_a_manifest_with_prefixed_keys_is_accepted(app_client: Client, tmp_path: Path) -> None:
    manifest = _codegen_manifest(tmp_path, DOCUMENT, prefix="sha256:")
    async with app_client(trusted_documents_file=str(manifest), trusted_documents_required=True) as client:
        response = await client.post("/graphql", json={"documentId": f"sha256:{sha(DOCUMENT)}", "variables": VARIABLES}, headers=KEY)
    assert response.json() == EXPECTED


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"documentId": f"sha256:{sha(OTHER)}"}, 404, "PERSISTED_QUERY_NOT_FOUND"),
        ({"documentId": "sha256:not-hex"}, 400, "INVALID_FIELD"),
        ({"documentId": f"md5:{sha(DOCUMENT)}"}, 400, "INVALID_FIELD"),
        ({"documentId": f"sha256:{sha(DOCUMENT)}", "query": DOCUMENT}, 400, "INVALID_FIELD"),
        ({"documentId": 7}, 400, "INVALID_FIELD"),
    ],
)
async def test_document_ids_that_name_no_trusted_document(
    app_client: Client, tmp_path: Path, body: dict[str, Any], status: int, code: str
) -> None:
    manifest = _codegen_manifest(tmp_path, DOCUMENT)
    async with app_client(trusted_documents_file=str(manifest)) as client:
        response = await client.post("/graphql", json={**body, "variables": VARIABLES}, headers=GRAPHQL_RESPONSE)
    error = _error(response, status, code)
    assert error["extensions"]["field"] == "documentId"


async def test_an_apq_registration_serves_only_its_platform(app_client: Client, database: Database) -> None:
    # Given a key of another platform, and a document registered by the example platform's key
    await add_platforms(database, "plat_other")
    other = await add_key(database, ["plat_other"])
    async with app_client() as client:
        await client.post("/graphql", json={"query": DOCUMENT, "variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        mine = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        # When the other platform asks for the same hash
        theirs = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=other.headers)

    # Then it is not found there: the store tells no tenant what another runs
    assert mine.json() == EXPECTED
    _error(theirs, 200, "PERSISTED_QUERY_NOT_FOUND")


async def test_apq_is_closed_to_anonymous_callers(app_client: Client) -> None:
    async with app_client() as client:
        await client.post("/graphql", json={"query": DOCUMENT, "variables": VARIABLES, "extensions": persisted(DOCUMENT)}, headers=KEY)
        # Neither a lookup of a registered hash nor of an unknown one tells an anonymous caller anything
        known = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(DOCUMENT)})
        unknown = await client.post("/graphql", json={"variables": VARIABLES, "extensions": persisted(OTHER)})
        register = await client.post(
            "/graphql", json={"query": OTHER, "extensions": persisted(OTHER)}, headers={"accept": GRAPHQL_RESPONSE["Accept"]}
        )
    assert _error(known, 200, "UNAUTHORISED")["message"] == _error(unknown, 200, "UNAUTHORISED")["message"]
    _error(register, 401, "UNAUTHORISED")


@pytest.mark.parametrize(("digest_length", "named"), [(40, "SHA-1"), (128, "SHA-512"), (32, "MD5")])
def test_a_manifest_of_another_hash_is_refused_by_name(settings: Settings, tmp_path: Path, digest_length: int, named: str) -> None:
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({"a" * digest_length: DOCUMENT}))
    with pytest.raises(TrustedDocumentsError, match=f"{named}.*SHA-256 only"):
        create_app(settings.model_copy(update={"trusted_documents_file": str(path)}))


def test_serve_refuses_such_a_manifest_in_one_line(tmp_path: Path) -> None:
    # Given codegen's default (SHA-1) manifest, as an operator would configure it
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({hashlib.sha1(DOCUMENT.encode()).hexdigest(): DOCUMENT}))  # noqa: S324 - the hash under test
    env = {name: value for name, value in os.environ.items() if not name.startswith("INVOICEGRAPH_")}
    env.update(INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE=str(path), INVOICEGRAPH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")

    # When the service is started
    cli = Path(sys.executable).with_name("invoicegraph")
    result = subprocess.run([str(cli), "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60, check=False)

    # Then it stops before serving, with one line that says why and what to do, and no traceback
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "SHA-1" in lines[0]
    assert 'hashAlgorithm: "sha256"' in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
