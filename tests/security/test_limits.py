"""Every GraphQL limit of docs/api.md over HTTP: a coded error naming the limit and its setting, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.security.conftest import Server, ServerFactory, error_of


def nested(levels: int) -> str:
    """A query `levels` fields deep (invoices → edges → node → customer → invoices …)."""
    cycle = ["invoices", "edges", "node", "customer"]
    names = [cycle[i % 4] for i in range(levels - 1)]
    leaf = "id" if names[-1] in ("node", "customer") else "__typename"
    return "{ " + " { ".join(names) + " { " + leaf + " }" * len(names) + " }"


def assert_limit(response: httpx.Response, limit: str, setting: str | None) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" not in body  # a request error: execution never started
    error = error_of(response)
    extensions = error["extensions"]
    assert extensions["code"] == "INVALID_REQUEST"
    assert extensions["type"] == "INVALID_REQUEST"
    assert extensions["limit"] == limit
    if setting is not None:
        assert extensions["setting"] == setting
        assert setting in error["message"]
    return error


async def test_depth(prod: Server) -> None:
    assert "errors" not in (await prod.graphql(nested(12))).json()
    error = assert_limit(await prod.graphql(nested(13)), "depth", "INVOICEGRAPH_MAX_DEPTH")
    assert "13 levels deep, the limit is 12" in error["message"]


async def test_depth_counts_through_fragments_and_survives_cycles(prod: Server) -> None:
    deep = "query Q { ...A } fragment A on Query { invoices { edges { node { customer { ...B } } } } } fragment B on Customer { invoices { edges { node { customer { ...C } } } } } fragment C on Customer { invoices { edges { node { customer { id } } } } }"
    assert_limit(await prod.graphql(deep), "depth", "INVOICEGRAPH_MAX_DEPTH")
    cycle = "query Q { ...A } fragment A on Query { __typename ...A }"
    response = await prod.graphql(cycle)
    assert response.status_code == 200
    assert "Cannot spread fragment" in error_of(response)["message"]  # graphql-core's own rule, no RecursionError


async def test_aliases(prod: Server) -> None:
    thirty = "{ " + " ".join(f"a{i}: __typename" for i in range(30)) + " }"
    assert (await prod.graphql(thirty)).json()["data"]["a29"] == "Query"
    over = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    assert_limit(await prod.graphql(over), "aliases", "INVOICEGRAPH_MAX_ALIASES")


async def test_aliases_are_multiplied_by_fragment_spreads(prod: Server) -> None:
    spreads = "{ " + " ".join("...F" for _ in range(16)) + " } fragment F on Query { a: __typename b: __typename }"
    assert_limit(await prod.graphql(spreads), "aliases", "INVOICEGRAPH_MAX_ALIASES")


async def test_a_fragment_bomb_is_counted_without_expanding_it(prod: Server) -> None:
    # F0 spreads F1 ten times, F1 spreads F2 ten times … : 10^14 aliases if expanded. Counted once per
    # fragment, it is refused at once (pytest-timeout would stop a walk over every spread).
    fragments = [f"fragment F{i} on Query {{ {' '.join(f'...F{i + 1}' for _ in range(10))} }}" for i in range(14)]
    fragments.append("fragment F14 on Query { a: __typename }")
    error = assert_limit(await prod.graphql("{ ...F0 } " + " ".join(fragments)), "aliases", "INVOICEGRAPH_MAX_ALIASES")
    assert "over a million" in error["message"]


async def test_tokens(prod: Server) -> None:
    over = "{ " + " ".join("__typename" for _ in range(3001)) + " }"
    assert len(over) < prod.settings.max_body_bytes
    assert_limit(await prod.graphql(over), "tokens", "INVOICEGRAPH_MAX_TOKENS")


async def test_body_size(prod: Server) -> None:
    huge = "{ __typename " + " " * prod.settings.max_body_bytes + "}"
    response = await prod.graphql(huge)
    assert response.status_code == 413
    error = error_of(response)
    assert error["extensions"]["code"] == "INVALID_REQUEST"
    assert "INVOICEGRAPH_MAX_BODY_BYTES" in error["message"]
    rest = await prod.client.post("/v1/invoices/x/refresh", content=b"{" + b" " * 70_000 + b"}", headers=prod.headers)
    assert rest.status_code == 413
    assert rest.json()["code"] == "INVALID_REQUEST"


async def test_first_is_at_most_the_page_size(prod: Server) -> None:
    response = await prod.graphql("{ invoices(first: 101) { edges { cursor } } }")
    error = error_of(response)
    assert error["extensions"]["code"] == "INVALID_FIELD"
    assert error["extensions"]["type"] == "INVALID_REQUEST"
    assert error["extensions"]["field"] == "first"
    assert "100" in error["message"]
    ok = await prod.graphql("{ invoices(first: 100) { edges { cursor } } }")
    assert "errors" not in ok.json()


async def test_entities(prod: Server) -> None:
    query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
    representations = [{"__typename": "Invoice", "id": f"invo_{i}"} for i in range(101)]
    error = error_of(await prod.graphql(query, {"r": representations}))
    assert error["extensions"]["code"] == "INVALID_REQUEST"
    assert "at most 100 representations" in error["message"]
    ok = await prod.graphql(query, {"r": representations[:100]})
    assert ok.json()["data"]["_entities"] == [None] * 100


async def test_batching_is_off(prod: Server) -> None:
    response = await prod.client.post("/graphql", json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}], headers=prod.headers)
    assert response.status_code == 400
    error = error_of(response)
    assert error["extensions"]["code"] == "INVALID_REQUEST"
    assert "Batching is off" in error["message"]


async def test_one_mutation_per_operation(prod: Server) -> None:
    two = 'mutation { a: refreshInvoice(id: "x") { id } b: refreshInvoice(id: "y") { id } }'
    error = assert_limit(await prod.graphql(two), "mutations", None)
    assert "at most 1 mutation per operation" in error["message"]
    hidden = 'mutation { ...M } fragment M on Mutation { a: refreshInvoice(id: "x") { id } b: refreshInvoice(id: "y") { id } }'
    assert_limit(await prod.graphql(hidden), "mutations", None)
    one = await prod.graphql('mutation { refreshInvoice(id: "x") { id } }')
    assert error_of(one)["extensions"]["code"] == "RESOURCE_NOT_FOUND"


async def test_directives_per_field(prod: Server) -> None:
    four = "{ __typename" + " @include(if: true)" * 4 + " }"
    assert (await prod.graphql(four)).status_code == 200
    five = "{ __typename" + " @include(if: true)" * 5 + " }"
    assert_limit(await prod.graphql(five), "directives", "INVOICEGRAPH_MAX_DIRECTIVES_PER_FIELD")


@pytest.mark.parametrize(
    ("setting", "value", "query", "limit"),
    [
        ("max_depth", 3, nested(4), "depth"),
        ("max_aliases", 2, "{ a: __typename b: __typename c: __typename }", "aliases"),
        ("max_tokens", 20, "{ " + "__typename " * 20 + "}", "tokens"),
        ("max_directives_per_field", 1, "{ __typename @include(if: true) @skip(if: false) }", "directives"),
        # 10 × (1 + edges (1 + node (1 + id + status))) = 50 fields
        ("max_complexity", 49, "{ invoices(first: 10) { edges { node { id status } } } }", "complexity"),
    ],
)
async def test_each_limit_follows_its_setting(make_server: ServerFactory, setting: str, value: int, query: str, limit: str) -> None:
    server: Server = await make_server(**{setting: value})
    assert_limit(await server.graphql(query), limit, f"INVOICEGRAPH_{setting.upper()}")


NESTED_PAGES = (
    "{ invoices(first: 100) { edges { node { customer { invoices(first: 100) { edges { node {"
    " customer { invoices(first: 100) { totalCount edges { node { id } } } } } } } } } } } }"
)


async def test_complexity_multiplies_nested_pages(prod: Server) -> None:
    # 11 levels and 40 tokens, within every other limit, yet a million invoices
    error = assert_limit(await prod.graphql(NESTED_PAGES), "complexity", "INVOICEGRAPH_MAX_COMPLEXITY")
    assert "5,040,400 fields" in error["message"]
    # the same shape one level shallower is served
    shallower = "{ invoices(first: 100) { edges { node { customer { invoices(first: 100) { totalCount } } } } } }"
    assert "errors" not in (await prod.graphql(shallower)).json()


async def test_complexity_counts_a_variable_first_as_the_page_size(make_server: ServerFactory) -> None:
    server: Server = await make_server(max_complexity=400)
    query = "query($n: Int) { invoices(first: $n) { edges { node { id status } } } }"  # 100 × 5 when $n is unknown
    assert_limit(await server.graphql(query, {"n": 1}), "complexity", "INVOICEGRAPH_MAX_COMPLEXITY")
    literal = "{ invoices(first: 50) { edges { node { id status } } } }"  # 250
    assert "errors" not in (await server.graphql(literal)).json()
    fragments = "{ invoices(first: 50) { ...E } } fragment E on InvoiceConnection { edges { ...N } } fragment N on InvoiceEdge { node { id status } }"
    assert "errors" not in (await server.graphql(fragments)).json()
    twice = "{ a: invoices(first: 50) { ...E } b: invoices(first: 50) { ...E } } fragment E on InvoiceConnection { edges { node { id status } } }"
    assert_limit(await server.graphql(twice), "complexity", "INVOICEGRAPH_MAX_COMPLEXITY")


async def test_page_and_entities_limits_follow_their_settings(make_server: ServerFactory) -> None:
    server: Server = await make_server(max_page_size=5, max_entities=2)
    assert error_of(await server.graphql("{ invoices(first: 6) { edges { cursor } } }"))["extensions"]["field"] == "first"
    query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }"
    too_many = [{"__typename": "Invoice", "id": "a"}] * 3
    assert "at most 2" in error_of(await server.graphql(query, {"r": too_many}))["message"]


async def test_a_limit_is_a_request_error_for_graphql_response_json(prod: Server) -> None:
    response = await prod.graphql(nested(13), accept="application/graphql-response+json")
    assert response.status_code == 400
    assert "data" not in response.json()
    assert error_of(response)["extensions"]["limit"] == "depth"
