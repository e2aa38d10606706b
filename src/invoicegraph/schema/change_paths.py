"""A refresh's change paths in GraphQL's names: `periods.0.groups.1.lines.2.amountExcludingTax.quantity`.

The refresh records what changed as paths into the vendor's REST body (services/refresh/diff.py):
that is what REST answers, what the audit record and the INVOICE.UPDATED event store. A GraphQL
client reads the invoice through GraphQL's fields, so the preview and the refresh history name the
same leaves by the fields a query would select, found by walking the schema from the invoice type:
each snake_case key is the field whose Python name it is (`customer_id` → `customerId`, a product's
`id` → `productId`), list positions stay as they are.

The vendor body shapes the two party copies its own way: its `customer` and `billing_entity` are
`customerDetails` and `billingEntityDetails` here, whose `address` is the vendor's
`organization.registered_address`, `individual.residential_address` or `registered_address`, and
whose names sit one level up (`organization.legal_name` → `legalName`). A key the schema does not
have (none today) is kept in camelCase, so a path is never lost.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType, GraphQLSchema
from strawberry.utils.str_converters import to_camel_case

# The vendor's copies of the parties, and the keys of theirs that our copies name differently.
_PARTY_COPIES = {"customer": "customer_details", "billing_entity": "billing_entity_details"}
_PARTY_HOLDERS = frozenset({"organization", "individual"})
_PARTY_ADDRESSES = frozenset({"registered_address", "residential_address"})


def _named(type_: GraphQLOutputType | None) -> GraphQLOutputType | None:
    while isinstance(type_, (GraphQLNonNull, GraphQLList)):
        type_ = type_.of_type
    return type_


def _field_names(type_: GraphQLObjectType | GraphQLInterfaceType) -> dict[str, tuple[str, GraphQLOutputType]]:
    """Python name → (GraphQL name, type) of a type's fields."""
    names: dict[str, tuple[str, GraphQLOutputType]] = {}
    for name, field in type_.fields.items():
        definition = (field.extensions or {}).get("strawberry-definition")
        python_name = getattr(definition, "python_name", None) or name
        names[python_name] = (name, field.type)
    return names


@lru_cache(maxsize=4096)
def graphql_path(schema: GraphQLSchema, root_type: str, vendor_path: str) -> str:
    """The GraphQL path of a vendor change path, below an object of `root_type`."""
    current: GraphQLOutputType | None = schema.get_type(root_type)  # type: ignore[assignment]  # an output type by name
    out: list[str] = []
    party = False
    for index, key in enumerate(vendor_path.split(".")):
        if key.isdigit():
            out.append(key)
            continue
        if index == 0 and key in _PARTY_COPIES:
            key, party = _PARTY_COPIES[key], True
        elif party and key in _PARTY_HOLDERS:
            continue  # the vendor's nesting; our copy keeps these fields at its own level
        elif party and key in _PARTY_ADDRESSES:
            key, party = "address", False
        named = _named(current)
        if not isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            out.append(to_camel_case(key))
            current = None
            continue
        found = _field_names(named).get(key)
        if found is None:
            out.append(to_camel_case(key))
            current = None
            continue
        out.append(found[0])
        current = found[1]
    return ".".join(out)
