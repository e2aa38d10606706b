"""The printed SDL matches the target schema (shared/spec/schema-sketch.graphql).

Both documents are parsed with graphql-core and compared definition by definition: every type, field,
argument, input field, enum value and scalar of the sketch exists in ours with the same type signature,
default, description, deprecation and federation directives. Given: the sketch. When: we print our
schema. Then: nothing of the sketch is missing or different; our additions are only federation's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import DocumentNode, parse, print_ast
from graphql.language import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    TypeDefinitionNode,
)

from invoicegraph.schema.build import build_schema

SKETCH = Path(__file__).resolve().parents[4] / "shared" / "spec" / "schema-sketch.graphql"

# What federation adds to a subgraph schema; not in the sketch, expected in ours.
FEDERATION_TYPES = {"_Any", "_Entity", "_Service"}
FEDERATION_QUERY_FIELDS = {"_entities", "_service"}


def _definitions(document: DocumentNode) -> dict[str, TypeDefinitionNode]:
    return {node.name.value: node for node in document.definitions if isinstance(node, TypeDefinitionNode)}


def _description(node: Any) -> str | None:
    return node.description.value if node.description is not None else None


def _directives(node: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for directive in node.directives or ():
        assert isinstance(directive, DirectiveNode)
        found[directive.name.value] = print_ast(directive)
    return found


def _field_signature(field: Any) -> dict[str, Any]:
    return {
        "type": print_ast(field.type),
        "description": _description(field),
        "directives": _directives(field),
        "arguments": {
            arg.name.value: (
                print_ast(arg.type),
                print_ast(arg.default_value) if arg.default_value is not None else None,
                _description(arg),
            )
            for arg in getattr(field, "arguments", None) or ()
        },
        "default": print_ast(field.default_value) if getattr(field, "default_value", None) is not None else None,
    }


def _type_signature(node: TypeDefinitionNode) -> dict[str, Any]:
    signature: dict[str, Any] = {
        "kind": type(node).__name__,
        "description": _description(node),
        "directives": _directives(node),
    }
    if isinstance(node, ObjectTypeDefinitionNode | InputObjectTypeDefinitionNode):
        signature["fields"] = {field.name.value: _field_signature(field) for field in node.fields or ()}
    if isinstance(node, EnumTypeDefinitionNode):
        signature["values"] = {value.name.value: (_description(value), _directives(value)) for value in node.values or ()}
    return signature


@pytest.fixture(scope="module")
def sketch() -> dict[str, TypeDefinitionNode]:
    return _definitions(parse(SKETCH.read_text()))


@pytest.fixture(scope="module")
def ours() -> dict[str, TypeDefinitionNode]:
    return _definitions(parse(build_schema().as_str()))


def test_every_sketch_type_is_printed_identically(sketch: dict[str, TypeDefinitionNode], ours: dict[str, TypeDefinitionNode]) -> None:
    differences: list[str] = []
    for name, node in sketch.items():
        if name not in ours:
            differences.append(f"{name}: missing")
            continue
        expected, actual = _type_signature(node), _type_signature(ours[name])
        if name == "Query":
            actual["fields"] = {k: v for k, v in actual["fields"].items() if k not in FEDERATION_QUERY_FIELDS}
        for key in expected:
            if key in {"fields", "values"}:
                continue
            if expected[key] != actual[key]:
                differences.append(f"{name} {key}: sketch {expected[key]!r} != ours {actual[key]!r}")
        for member_key in ("fields", "values"):
            want: dict[str, Any] = expected.get(member_key, {})
            have: dict[str, Any] = actual.get(member_key, {})
            for member, signature in want.items():
                if member not in have:
                    differences.append(f"{name}.{member}: missing")
                elif signature != have[member]:
                    differences.append(f"{name}.{member}: sketch {signature!r} != ours {have[member]!r}")
            differences.extend(f"{name}.{member}: not in the sketch" for member in have.keys() - want.keys())
    assert differences == []


def test_only_federation_types_are_added(sketch: dict[str, TypeDefinitionNode], ours: dict[str, TypeDefinitionNode]) -> None:
    assert set(ours) - set(sketch) == FEDERATION_TYPES


def test_scalars_carry_the_sketch_specified_by(sketch: dict[str, TypeDefinitionNode], ours: dict[str, TypeDefinitionNode]) -> None:
    scalars = [name for name, node in sketch.items() if isinstance(node, ScalarTypeDefinitionNode)]
    assert sorted(scalars) == ["CountryCode", "CurrencyCode", "Date", "DateTime", "Decimal", "JSON"]
    for name in scalars:
        assert _directives(ours[name]) == _directives(sketch[name]), name


def test_federation_link_imports_key_and_shareable() -> None:
    sdl = build_schema().as_str()
    assert sdl.startswith('schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key", "@shareable"])')
