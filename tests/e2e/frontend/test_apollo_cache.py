"""A real Apollo Client InMemoryCache, with its defaults, holds exactly what the server says.

The frontend contract (docs/frontend.md): every object with an `id` is unique on the platform under
its `__typename`, snapshot copies name the record they copy instead of taking its id, and a preview
is made of its own types without ids. So a normalized cache needs no `typePolicies` to stay true.

Given the demo data where the customer moved after a FINAL invoice was issued (the FINAL invoice's
copy says "Globex BV, Brussels", the refreshed DRAFT's says "Globex Benelux BV, Antwerp") and changed
again since (so a preview of the DRAFT has changes), when Apollo Client loads several invoices whose
lines and snapshots used to collide, and previews of the refreshable ones, then each invoice read back
from the cache equals the invoice the server answers now.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.demo import DEMO_API_KEY, DEMO_FILE
from tests.e2e.conftest import NODE_DIR, _cli, _free_loopback_port, _server_env, _stop, _wait_for_health

pytestmark = pytest.mark.e2e

A = "invo_globex_2026_11"  # DRAFT: refreshed after the customer moved, previewed after it changed again
B = "invo_globex_2026_10"  # FINAL: the customer's copy as it was when issued
INVOICES = [B, A, "invo_globex_2026_12", "invo_hooli_2026_10", "invo_amelie_oneoff", "invo_stark_oneoff"]
PREVIEWS = [A, "invo_globex_2026_12", "invo_stark_oneoff"]
PLATFORM = "plat_acme"


def _customer_file(workdir: Path, name: str, **changes: Any) -> Path:
    demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    customer = copy.deepcopy(next(c for c in demo["customers"] if c["id"] == "cust_globex"))
    for key, value in changes.items():
        if key == "legal_name":
            customer["organization"]["legal_name"] = value
        elif key == "city":
            customer["organization"]["registered_address"]["city"] = value
        else:
            customer[key] = value
    path = workdir / name
    path.write_text(json.dumps({"format": "invoicegraph/v1", "customers": [customer]}), encoding="utf-8")
    return path


def _run(*arguments: str, env: dict[str, str], cwd: Path) -> None:
    result = subprocess.run([str(_cli()), *arguments], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"invoicegraph {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def moved_customer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server of its own (the test changes data), with the customer moved and the DRAFT refreshed."""
    workdir = tmp_path_factory.mktemp("apollo-cache")
    env = _server_env(f"sqlite+aiosqlite:///{workdir / 'invoicegraph.db'}")
    _run("demo", env=env, cwd=workdir)
    _run("import", str(_customer_file(workdir, "moved.json", legal_name="Globex Benelux BV", city="Antwerp")), env=env, cwd=workdir)
    port = _free_loopback_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(_cli()), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_for_health(process, base_url, log_path)
            headers = {"x-api-key": DEMO_API_KEY, "x-platform-id": PLATFORM}
            refreshed = httpx.post(f"{base_url}/v1/invoices/{A}/refresh", headers=headers, json={"types": ["CUSTOMER"]}, timeout=30)
            assert refreshed.status_code == 200, refreshed.text
            # And the customer changes again: a preview of the DRAFT now has something to show.
            _run(
                "import",
                str(_customer_file(workdir, "again.json", legal_name="Globex Benelux NV", email="finance@globex.example")),
                env=env,
                cwd=workdir,
            )
            yield base_url
        finally:
            _stop(process)


def _apollo(node_modules: Path, base_url: str) -> dict[str, Any]:
    command = [
        "node",
        str(NODE_DIR / "apollo-cache-check.mjs"),
        "--url",
        f"{base_url}/graphql",
        "--key",
        DEMO_API_KEY,
        "--platform",
        PLATFORM,
    ]
    for invoice_id in INVOICES:
        command += ["--invoice", invoice_id]
    for invoice_id in PREVIEWS:
        command += ["--preview", invoice_id]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_the_default_cache_holds_what_the_server_says(node_modules: Path, moved_customer_server: str) -> None:
    # When Apollo Client loads A, B and the others, then previews A and two more
    report = _apollo(node_modules, moved_customer_server)

    # Then the scenario is the one that used to go wrong: two copies of one customer, a preview with changes
    invoices = report["invoices"]
    assert invoices[B]["server"]["customerDetails"]["legalName"] == "Globex BV"
    assert invoices[B]["server"]["customerDetails"]["address"]["city"] == "Brussels"
    assert invoices[A]["server"]["customerDetails"]["legalName"] == "Globex Benelux BV"
    assert invoices[A]["server"]["customerDetails"]["customerId"] == invoices[B]["server"]["customerDetails"]["customerId"]
    assert report["previews"][A] > 0

    # And every invoice in the cache is the server's, field for field (lines, copies, amounts)
    for invoice_id in INVOICES:
        assert invoices[invoice_id]["cached"] == invoices[invoice_id]["server"], invoice_id


def test_line_ids_are_unique_across_the_invoices(node_modules: Path, moved_customer_server: str) -> None:
    report = _apollo(node_modules, moved_customer_server)
    ids = [
        line["id"]
        for invoice in report["invoices"].values()
        for period in invoice["server"]["periods"]
        for group in period["groups"]
        for line in group["lines"]
    ]
    assert ids
    assert len(ids) == len(set(ids))
