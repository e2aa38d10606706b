"""Our subgraph composes with another team's subgraph into an Apollo Federation 2 supergraph.

`@apollo/composition` 2.14 (tests/e2e/node/compose.mjs) composes the SDL that the real
`invoicegraph serve` answers on `_service { sdl }`, and the committed `schema.graphql`, with the
test-owned CRM subgraph, which adds fields to `Customer` and refers to `Invoice`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from graphql import GraphQLObjectType, build_schema

from tests.e2e.federation.conftest import Composition, NodeService, billing_url, compose, credential_headers

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"

# A subgraph that claims Customer.email with another type: composition must refuse it.
CONFLICTING_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
type Customer @key(fields: "id") { id: ID! email: Int! }
type Query { anyCustomer: Customer }
"""


def owner_graphs(supergraph: str, type_name: str, field: str) -> set[str]:
    """The subgraphs (join__Graph values) that resolve `type_name.field`; empty when every graph does."""
    schema = build_schema(supergraph)
    definition = schema.type_map[type_name]
    assert isinstance(definition, GraphQLObjectType)
    node = definition.fields[field].ast_node
    assert node is not None
    return {
        argument.value.value
        for directive in node.directives or ()
        if directive.name.value == "join__field"
        for argument in directive.arguments
        if argument.name.value == "graph"
    }


def test_served_sdl_composes_with_the_crm_subgraph_without_errors_or_hints(composition: Composition) -> None:
    # Given our served SDL and the CRM's (composed once per session by the `composition` fixture)

    # Then composition succeeds with nothing to complain about
    assert composition.returncode == 0, composition.stderr
    assert composition.summary["errors"] == []
    assert composition.summary["hints"] == []
    schema = build_schema(composition.supergraph)
    assert set(schema.type_map["join__Graph"].values) == {"BILLING", "CRM"}  # type: ignore[attr-defined]
    # And the customer carries both subgraphs' fields: ours (invoices) and the CRM's
    assert owner_graphs(composition.supergraph, "Customer", "invoices") == {"BILLING"}
    assert owner_graphs(composition.supergraph, "Customer", "accountManager") == {"CRM"}
    assert owner_graphs(composition.supergraph, "Query", "customers") == {"CRM"}
    assert owner_graphs(composition.supergraph, "Query", "invoice") == {"BILLING"}


def test_committed_schema_file_composes_to_the_same_supergraph(
    live_server: LiveServer, crm_subgraph: NodeService, composition: Composition, tmp_path: Path
) -> None:
    # Given the committed schema.graphql instead of the served SDL
    from_file = compose(
        [f"billing={billing_url(live_server)}@{SCHEMA_FILE}", f"crm={crm_subgraph.url}"],
        [],
        tmp_path / "supergraph.graphql",
    )

    # Then it composes to exactly what the running service composes to
    assert from_file.returncode == 0, from_file.stderr
    assert from_file.summary["hints"] == []
    assert from_file.supergraph == composition.supergraph


def test_composition_refuses_a_subgraph_that_conflicts_with_ours(
    live_server: LiveServer, crm_subgraph: NodeService, tmp_path: Path
) -> None:
    # Given a third subgraph that redefines Customer.email as an Int (a negative control: the check can fail)
    conflicting = tmp_path / "conflicting.graphql"
    conflicting.write_text(CONFLICTING_SDL, encoding="utf-8")

    # When composing it with ours
    result = compose(
        [f"billing={billing_url(live_server)}@{SCHEMA_FILE}", f"other=http://127.0.0.1:9/graphql@{conflicting}"],
        [],
        tmp_path / "supergraph.graphql",
    )

    # Then composition fails and names the field
    assert result.returncode == 1, result.stderr
    assert result.summary["errors"], result.stderr
    assert any("Customer.email" in error["message"] for error in result.summary["errors"]), result.summary["errors"]
    assert result.supergraph == ""


def test_composing_from_our_service_needs_a_credential(live_server: LiveServer, crm_subgraph: NodeService, tmp_path: Path) -> None:
    # When the SDL is fetched from our subgraph without a key
    result = compose([f"billing={billing_url(live_server)}", f"crm={crm_subgraph.url}"], [], tmp_path / "supergraph.graphql")

    # Then `_service` refuses it like any other field
    assert result.returncode == 2
    assert "UNAUTHORISED" in result.stderr
    # And with the key it works
    keyed = compose(
        [f"billing={billing_url(live_server)}", f"crm={crm_subgraph.url}"], credential_headers(live_server), tmp_path / "keyed.graphql"
    )
    assert keyed.returncode == 0, keyed.stderr
