"""The client kit (clients/) works on day one: codegen runs on the client SDL, tsc accepts what it made.

What a frontend team does first, as they would: `npm ci`, `npm run codegen` (GraphQL Code Generator
over clients/schema.graphql and the example operations, validated against the schema), `npm run
typecheck` (tsc --noEmit over the generated types and the Apollo Client example). Our custom scalars
must come out typed (strings, a JSON value type), never `any`; graphql-js's `buildSchema` must
accept the client SDL as it is.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from invoicegraph.graphql.persisted import load_trusted_documents
from tests.e2e.conftest import installed_node_modules

KIT = Path(__file__).resolve().parents[3] / "clients"
CUSTOM_SCALARS = ("Decimal", "DateTime", "Date", "CurrencyCode", "CountryCode", "JSON")


@pytest.fixture(scope="module")
def kit_modules() -> Path:
    return installed_node_modules(KIT)


def _npm(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", "run", "--silent", script], cwd=KIT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def generated(kit_modules: Path) -> Path:
    """clients/generated, made afresh once per test run (parallel workers wait for the one that makes it)."""
    output = KIT / "generated"
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid-{os.getpid()}"
    with (KIT / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        marker = output / ".made-by-run"
        if not marker.exists() or marker.read_text() != run:
            shutil.rmtree(output, ignore_errors=True)
            result = _npm("codegen")
            assert result.returncode == 0, f"codegen failed:\n{result.stdout}\n{result.stderr}"
            marker.write_text(run)
    return output


def test_codegen_types_our_scalars_without_any(generated: Path) -> None:
    schema_types = (generated / "schema.ts").read_text(encoding="utf-8")
    scalars = schema_types.split("export type Scalars = {", 1)[1].split("\n};", 1)[0]
    for scalar in CUSTOM_SCALARS:
        line = re.search(rf"^  {scalar}: (.*)$", scalars, re.MULTILINE)
        assert line is not None, scalar
        assert "any" not in line.group(1), line.group(0)
    # Nowhere in the generated operation types does `any` stand for a value.
    operations = (generated / "graphql.ts").read_text(encoding="utf-8")
    assert not re.search(r":\s*any\b|<any>|\bany\[\]", operations)


def test_the_generated_code_and_the_example_type_check(generated: Path) -> None:
    result = _npm("typecheck")
    assert result.returncode == 0, f"tsc --noEmit failed:\n{result.stdout}\n{result.stderr}"


def test_the_operations_use_the_contract_a_page_needs(generated: Path) -> None:
    operations = (generated / "graphql.ts").read_text(encoding="utf-8")
    for document in ("InvoiceListPageDocument", "InvoiceDetailPageDocument", "InvoiceRefreshPreviewDocument", "RefreshInvoiceDocument"):
        assert f"export const {document}" in operations, document
    # Money stays an exact decimal string in the generated types.
    assert re.search(r"quantity: string", operations)


def test_graphql_js_build_schema_accepts_the_client_sdl(kit_modules: Path) -> None:
    script = (
        "import { readFileSync } from 'node:fs'; import { buildSchema } from 'graphql';"
        "const schema = buildSchema(readFileSync('schema.graphql', 'utf8')); console.log(Object.keys(schema.getTypeMap()).length);"
    )
    result = subprocess.run(["node", "--input-type=module", "-e", script], cwd=KIT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 100


def test_codegen_persisted_documents_are_the_services_trusted_documents(generated: Path) -> None:
    # The manifest the kit generates is a trusted documents file the service starts with, as it is.
    documents = load_trusted_documents(generated / "persisted-documents.json")
    names = {re.search(r"(?:query|mutation) (\w+)", document).group(1) for document in documents.values()}  # type: ignore[union-attr]
    assert names == {"InvoiceListPage", "InvoiceDetailPage", "InvoiceRefreshPreview", "RefreshInvoice", "CustomerPicker"}
    # And each generated document carries the same hash, which a client sends as `documentId`.
    operations = (generated / "graphql.ts").read_text(encoding="utf-8")
    assert all(f'"sha256:{digest}"' in operations for digest in documents)
