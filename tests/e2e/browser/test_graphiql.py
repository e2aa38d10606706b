"""GraphiQL works offline: a real browser opens `GET /graphql`, pastes the demo key, runs a query.

Drives Debian's Chromium through playwright-core (tests/e2e/node/graphiql-check.mjs) against the real
`invoicegraph serve`. The script fails on any request to another origin (a CDN would break customers
on closed networks), on a key in the URL or in browser storage, and on errors in the result.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

CHECK_SCRIPT = Path(__file__).resolve().parents[1] / "node" / "graphiql-check.mjs"


def test_graphiql_runs_a_query_with_the_demo_key_from_assets_served_by_the_service(
    live_server: LiveServer, node_modules: Path, chromium: Path, artifacts_dir: Path
) -> None:
    # Given the service with the demo data, and GraphiQL opened in a browser
    screenshot = artifacts_dir / "graphiql.png"
    screenshot.unlink(missing_ok=True)

    # When a person pastes the demo key (and platform) into the Headers tab and runs the default query
    result = subprocess.run(
        ["node", str(CHECK_SCRIPT), live_server.base_url, live_server.api_key, str(screenshot), live_server.platform_id],
        env={**os.environ, "CHROMIUM_PATH": str(chromium)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    # Then the page shows invoices, and every request stayed on the service's origin
    assert result.returncode == 0, f"graphiql-check failed:\n{result.stderr}\n{result.stdout}"
    report = json.loads(result.stdout)
    edges = report["result"]["data"]["invoices"]["edges"]
    assert edges, report["result"]
    assert all(edge["node"]["id"] and edge["node"]["invoiceAmountIncludingTax"]["currency"] for edge in edges)
    assert "errors" not in report["result"]
    requested = {request["url"] for request in report["requests"]}
    assert f"{live_server.base_url}/static/graphiql/graphiql.min.js" in requested
    assert all(url.startswith((live_server.base_url + "/", "data:")) for url in requested), requested
    assert live_server.api_key not in report["pageUrl"]
    assert screenshot.stat().st_size > 10_000
    assert "Traceback" not in live_server.log()


def test_graphiql_page_names_no_external_url(live_server: LiveServer) -> None:
    # Given a browser's request for the IDE
    response = httpx.get(f"{live_server.base_url}/graphql", headers={"Accept": "text/html"}, timeout=10)

    # Then the page loads its assets from this service only
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "http://" not in response.text
    assert "https://" not in response.text
    assert '<script src="/static/graphiql/graphiql.min.js">' in response.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "init.js"):
        assert httpx.get(f"{live_server.base_url}/static/graphiql/{asset}", timeout=10).status_code == 200, asset
