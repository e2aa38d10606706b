"""Errors in one shape: a request refused before GraphQL runs reaches Apollo Client and urql as a GraphQL error.

Both clients send `Accept: application/graphql-response+json` first; the refusal then answers in that
media type (GraphQL over HTTP) with its HTTP status, and both parse it as GraphQL errors whose
`extensions.code` the application reads directly (docs/frontend.md). Before, Apollo Client reported a
ServerError with the code buried in its text.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import NODE_DIR, LiveServer

pytestmark = pytest.mark.e2e

EXPECTED = {
    "unknownKey": ("UNAUTHORISED", 401),
    "missingPlatform": ("MISSING_FIELD", 400),
    "foreignPlatform": ("USER_NOT_ALLOWED", 403),
}


@pytest.fixture(scope="module")
def report(node_modules: Path, live_server: LiveServer) -> dict[str, Any]:
    command = [
        "node", str(NODE_DIR / "refusal-check.mjs"),
        "--url", f"{live_server.base_url}/graphql", "--key", live_server.api_key, "--platform", live_server.platform_id,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    outcome: dict[str, Any] = json.loads(result.stdout)
    return outcome


@pytest.mark.parametrize("client", ["apollo", "urql"])
@pytest.mark.parametrize("case", list(EXPECTED))
def test_a_refusal_is_a_graphql_error_with_its_code(report: dict[str, Any], client: str, case: str) -> None:
    code, status = EXPECTED[case]
    assert report[client][case] == {"kind": "graphql", "code": code, "status": status}


@pytest.mark.parametrize("client", ["apollo", "urql"])
def test_the_same_clients_get_data_with_a_good_key(report: dict[str, Any], client: str) -> None:
    answer = report[client]["ok"]
    assert answer["kind"] == "data"
    assert answer["total"] > 0
