"""GraphQL over HTTP: graphql-http's server audit, and the two response media types, on the real server.

The audit (npm graphql-http 1.23.1, `auditServer`, run by tests/e2e/node/audit.mjs) sends every
request through a fetch function that adds the credential and x-platform-id. It must report no
error (a MUST) and no warning (a SHOULD); audit 28B9 needs introspection, which the development
`live_server` has.

`application/graphql-response+json` (when the Accept header names it and prefers it): a request
error answers 4xx without `data`; a response with `data` is 200. `application/json` (also `*/*` and no
Accept): 200 for every well-formed request.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest

from invoicegraph.settings import DEFAULT_JWT_SECRET

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

AUDIT_SCRIPT = Path(__file__).resolve().parents[1] / "node" / "audit.mjs"
AUDIT_TIMEOUT_SECONDS = 120
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def run_audit(url: str, credentials: dict[str, str]) -> dict[str, Any]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("INVOICEGRAPH_")}
    env.update(credentials)
    result = subprocess.run(
        ["node", str(AUDIT_SCRIPT), url], env=env, capture_output=True, text=True, timeout=AUDIT_TIMEOUT_SECONDS, check=False
    )
    if result.returncode not in (0, 1):
        pytest.fail(f"audit.mjs could not run ({result.returncode}):\n{result.stderr}\n{result.stdout}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("credential", ["api-key", "bearer", "none"])
def test_graphql_http_server_audit_has_no_errors_and_no_warnings(live_server: LiveServer, node_modules: Path, credential: str) -> None:
    # Given the audit's requests carrying a credential the way a client sends it (or none, like an IDE before a key is set)
    credentials = {
        "api-key": {"INVOICEGRAPH_API_KEY": live_server.api_key, "INVOICEGRAPH_PLATFORM_ID": live_server.platform_id},
        "bearer": {"INVOICEGRAPH_AUTHORIZATION": f"Bearer {token(live_server.platform_id)}"},
        "none": {},
    }[credential]

    # When graphql-http audits the real server
    report = run_audit(f"{live_server.base_url}/graphql", credentials)

    # Then every audit passes: no MUST broken, no SHOULD missed
    summary = json.dumps(report["results"], indent=2)
    assert report["counts"]["error"] == 0, summary
    assert report["counts"]["warn"] == 0, summary
    assert report["counts"]["ok"] == report["total"] >= 61, summary
    assert "Traceback" not in live_server.log()


def token(platform_id: str) -> str:
    claims = {"sub": "audit", "exp": int(time.time()) + 600, "platforms": [platform_id], "permissions": ["INVOICE.VIEW"]}
    return jwt.encode(claims, DEFAULT_JWT_SECRET, algorithm="HS256")


def post(live_server: LiveServer, body: dict[str, Any] | str, accept: str | None, *, keyed: bool = True) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if accept is not None:
        headers["accept"] = accept
    if keyed:
        headers.update({"x-api-key": live_server.api_key, "x-platform-id": live_server.platform_id})
    content = body if isinstance(body, str) else json.dumps(body)
    return httpx.post(f"{live_server.base_url}/graphql", content=content, headers=headers, timeout=20)


REQUEST_ERRORS = {
    "parse": {"query": "{"},
    "validation": {"query": "{ invoice(id: 1) { nope } }"},
    "variables": {"query": "query ($id: ID!) { invoice(id: $id) { id } }", "variables": {"id": None}},
    # depth 13 (root field at depth 0), one more than the documented limit of 12: refused by validation
    "depth-limit": {
        "query": "{ invoices { edges { node { customer { invoices { edges { node { customer { invoices { edges { node { customer { invoices { totalCount } } } } } } } } } } } } } }"
    },
}


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
def test_request_errors_are_400_without_data_in_graphql_response_json(live_server: LiveServer, body: dict[str, Any]) -> None:
    response = post(live_server, body, GRAPHQL_RESPONSE_JSON)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["message"]


@pytest.mark.parametrize("body", REQUEST_ERRORS.values(), ids=REQUEST_ERRORS.keys())
@pytest.mark.parametrize("accept", ["application/json", "*/*", None], ids=["json", "any", "no-accept"])
def test_request_errors_stay_200_without_data_in_application_json(
    live_server: LiveServer, body: dict[str, Any], accept: str | None
) -> None:
    response = post(live_server, body, accept)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    payload = response.json()
    assert "data" not in payload  # raised before execution began (GraphQL spec, "Response Format")
    assert payload["errors"]
    assert all(error["extensions"]["code"] for error in payload["errors"])


def test_a_missing_credential_is_401_in_graphql_response_json_and_200_in_json(live_server: LiveServer) -> None:
    query = {"query": "{ invoices(first: 1) { totalCount } }"}

    strict = post(live_server, query, GRAPHQL_RESPONSE_JSON, keyed=False)
    legacy = post(live_server, query, "application/json", keyed=False)
    typename = post(live_server, {"query": "{ __typename }"}, GRAPHQL_RESPONSE_JSON, keyed=False)

    # docs/api.md: every data field answers UNAUTHORISED at its path; nothing could be served, so the
    # strict media type says 401 (the non-null root field made `data` null)
    assert strict.status_code == 401
    assert strict.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert strict.json()["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in strict.json()["errors"]] == [(["invoices"], "UNAUTHORISED")]
    assert legacy.status_code == 200
    assert legacy.json()["errors"][0]["extensions"]["code"] == "UNAUTHORISED"
    # An anonymous client may still connect: `__typename` answers 200
    assert typename.status_code == 200
    assert typename.json() == {"data": {"__typename": "Query"}}


def test_a_refused_credential_keeps_401_whatever_the_media_type(live_server: LiveServer) -> None:
    for accept in (GRAPHQL_RESPONSE_JSON, "application/json"):
        response = httpx.post(
            f"{live_server.base_url}/graphql",
            json={"query": "{ __typename }"},
            headers={"accept": accept, "x-api-key": "igk_not_a_real_key_000000000000000000000000"},
            timeout=20,
        )
        assert response.status_code == 401, accept
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHORISED"


def test_a_field_error_with_data_is_200_in_graphql_response_json(live_server: LiveServer) -> None:
    # Given a FINAL invoice, which refresh and its preview refuse with a field error (data is present)
    refresh = {"query": 'mutation { refreshInvoice(id: "invo_globex_2026_10") { id } }'}
    read = {"query": '{ a: invoice(id: "invo_globex_2026_10") { id } b: invoiceRefreshPreview(id: "invo_globex_2026_10") { __typename } }'}

    refused = post(live_server, refresh, GRAPHQL_RESPONSE_JSON)
    partial = post(live_server, read, GRAPHQL_RESPONSE_JSON)

    assert refused.status_code == 200
    assert refused.headers["content-type"] == GRAPHQL_RESPONSE_JSON
    assert refused.json()["data"] is None
    assert refused.json()["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"
    assert partial.status_code == 200
    assert partial.json()["data"] == {"a": {"id": "invo_globex_2026_10"}, "b": None}
    assert partial.json()["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE_JSON, GRAPHQL_RESPONSE_JSON),
        (f"{GRAPHQL_RESPONSE_JSON}, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON}", GRAPHQL_RESPONSE_JSON),
        (f"application/json, {GRAPHQL_RESPONSE_JSON};q=0.5", "application/json"),
        (f"{GRAPHQL_RESPONSE_JSON};q=0, application/json", "application/json"),
        (f"application/*;q=1, {GRAPHQL_RESPONSE_JSON};q=0.8", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
def test_accept_negotiation(live_server: LiveServer, accept: str | None, expected: str) -> None:
    response = post(live_server, {"query": "{ nope }"}, accept)

    assert response.headers["content-type"].split(";")[0] == expected
    assert response.status_code == (400 if expected == GRAPHQL_RESPONSE_JSON else 200)
