"""Our own equivalents of graphql-cop's probes (dolevf/graphql-cop `lib/tests/*.py`), against the
production configuration. Each test says what graphql-cop would flag and asserts we are clean.

GET query support is the one probe we answer differently on purpose: docs/api.md serves queries over GET
(never mutations). graphql-cop flags it as a CSRF vector; here it is not one, because credentials
travel only in headers (a cross-site GET cannot carry X-API-KEY or Authorization), which the test
below checks.
"""

from __future__ import annotations

import logging

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.security.conftest import Server, error_of
from tests.support.faults import add_unreadable_invoice


def _no_data(response: httpx.Response) -> None:
    body = response.json()
    assert body.get("data") is None, body
    assert body["errors"]


async def test_alias_overloading(prod: Server) -> None:
    query = "query cop { " + " ".join(f"alias{i}: __typename" for i in range(101)) + " }"
    response = await prod.graphql(query)
    _no_data(response)
    assert error_of(response)["extensions"]["limit"] == "aliases"


async def test_array_batching(prod: Server) -> None:
    response = await prod.client.post("/graphql", json=[{"query": "query cop { __typename }"}] * 10, headers=prod.headers)
    assert response.status_code == 400
    assert "data" not in response.json()


async def test_directive_overloading(prod: Server) -> None:
    # graphql-cop flags a server that answers one error per unknown directive (exactly 10).
    response = await prod.graphql("query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    _no_data(response)
    assert len(response.json()["errors"]) == 1
    assert error_of(response)["extensions"]["limit"] == "directives"


async def test_field_suggestions(prod: Server) -> None:
    for query in ("query cop { __schema { directive } }", 'query cop { invoic(id: "x") { id } }', '{ invoice(id: "x") { idd } }'):
        response = await prod.graphql(query)
        _no_data(response)
        assert "Did you mean" not in response.text


async def test_get_queries_cannot_carry_a_credential(prod: Server) -> None:
    # A cross-site GET carries no headers of ours: it is anonymous, and anonymous reads nothing.
    anonymous = await prod.client.get("/graphql", params={"query": "{ invoices { edges { node { id } } } }"})
    assert error_of(anonymous)["extensions"]["code"] == "UNAUTHORISED"
    in_url = await prod.client.get(
        "/graphql", params={"query": "{ invoices { edges { node { id } } } }", "x-api-key": prod.key.key, "api_key": prod.key.key}
    )
    assert error_of(in_url)["extensions"]["code"] == "UNAUTHORISED"


async def test_get_mutation(prod: Server) -> None:
    response = await prod.client.get("/graphql", params={"query": 'mutation cop { refreshInvoice(id: "x") { id } }'}, headers=prod.headers)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_of(response)["extensions"]["code"] == "INVALID_REQUEST"
    named = await prod.client.get(
        "/graphql",
        params={"query": 'query q { __typename } mutation m { refreshInvoice(id: "x") { id } }', "operationName": "m"},
        headers=prod.headers,
    )
    assert named.status_code == 405


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"query=query+cop+%7B__typename%7D"),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--\r\n'),
        ("text/plain", b'{"query": "{ __typename }"}'),
        ("", b'{"query": "{ __typename }"}'),
    ],
)
async def test_post_must_be_json(prod: Server, content_type: str, body: bytes) -> None:
    headers = {**prod.headers, "content-type": content_type}
    response = await prod.client.post("/graphql", content=body, headers=headers)
    assert response.status_code == 415
    assert error_of(response)["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_graphiql_is_off(prod: Server) -> None:
    for path in ("/graphql", "/graphiql", "/graphql/graphiql"):
        response = await prod.client.get(path, headers={"accept": "text/html"})
        assert response.status_code in (400, 404, 405), path
        assert "graphiql" not in response.text.lower()


async def test_introspection_is_off(prod: Server) -> None:
    for query in ("query cop { __schema { types { name fields { name } } } }", '{ __type(name: "Invoice") { fields { name } } }'):
        for headers in (prod.headers, {}):
            response = await prod.client.post("/graphql", json={"query": query}, headers=headers)
            _no_data(response)


async def test_circular_introspection(prod: Server) -> None:
    query = "query cop { __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    response = await prod.graphql(query)
    _no_data(response)


async def test_trace_mode(prod: Server) -> None:
    response = await prod.graphql("query cop { __typename }")
    body = response.json()
    assert body == {"data": {"__typename": "Query"}}
    assert "tracing" not in response.text


async def test_unhandled_errors(prod: Server) -> None:
    for query in (
        "query cop { __typename {}",
        "query cop { __typename(x: 1) }",
        "{ invoice { id } }",
        '{ invoices(first: "x") { edges { cursor } } }',
    ):
        response = await prod.graphql(query)
        assert response.status_code == 200
        for error in response.json()["errors"]:
            extensions = error.get("extensions") or {}
            assert "exception" not in extensions
            assert "stacktrace" not in extensions
        assert "Traceback" not in response.text


async def test_field_duplication(prod: Server) -> None:
    response = await prod.graphql("query cop { " + "__typename " * 500 + "}")
    _no_data(response)
    assert error_of(response)["extensions"]["limit"] == "repeated_fields"


async def test_an_unexpected_exception_is_masked_and_logged_with_the_request_id(
    prod: Server, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a stored invoice that our readers cannot read (its document is not an object)
    await add_unreadable_invoice(database, "plat_a", "invo_1")
    with caplog.at_level(logging.ERROR):
        response = await prod.client.post(
            "/graphql", json={"query": '{ invoice(id: "invo_1") { id } }'}, headers={**prod.headers, "x-request-id": "reqr_probe1"}
        )
    error = error_of(response)
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert error["extensions"]["type"] == "API_ERROR"
    assert error["extensions"]["requestId"] == "reqr_probe1"
    assert "dictionary" not in response.text
    assert "reqr_probe1" in caplog.text
    assert "ValueError: dictionary update sequence" in caplog.text


async def test_coded_validation_and_auth_errors_keep_their_codes(prod: Server) -> None:
    not_found = await prod.graphql('mutation { refreshInvoice(id: "nope") { id } }')
    assert error_of(not_found)["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    invalid = await prod.graphql("{ nope }")
    assert "Cannot query field" in error_of(invalid)["message"]
    anonymous = await prod.client.post("/graphql", json={"query": "{ invoices { edges { cursor } } }"})
    assert error_of(anonymous)["extensions"]["code"] == "UNAUTHORISED"
